// The probe of pg_privileges: its one catalog query and the reading of its rows into facts.
#include <stdexcept>
#include <string_view>

#include "checks/pg_privileges.hpp"

namespace preflight {

namespace {

// One statement for all tables, whatever their number: the table list travels as two text[]
// parameters. OID-based has_*_privilege calls, because the text forms raise on a missing table
// instead of answering. The catalogs are read without locking the tables themselves.
// A table privilege is a function of the role and the table's schema, kind, owner and effective
// ACL only (pg_class_aclmask: a NULL relacl means acldefault('r', owner)), so has_table_privilege
// runs once per distinct shape on one sample table of that shape: a 100,000-table schema managed
// with default privileges costs a handful of calls instead of 500,000. The effective ACL is never
// NULL, so the shapes group by hashing, and each shape carries its tables' OIDs: no table is
// ever joined back to its shape by ACL (a join the planner may turn into tables x shapes
// comparisons when its estimates are off), and every other join is a lookup by OID or a hashed
// NOT IN, linear in the tables whatever plan is chosen.
// Only what the judge reports travels back: a header row (the role, the schema, how many tables
// were checked), one row per schema holding a checked table (its USAGE), and a row only for a
// listed table that does not exist, or a table that lacks a required privilege ($5), holds a
// forbidden one ($6; not for a superuser, reported once instead) or, with $7, stops pg_dump.
// With $7 true, the rows also say what pg_dump reads beyond the rows (pg_dump.c, 15 and 16): its
// owned sequences (pg_depend 'a' for serial/OWNED BY, 'i' for identity), whose state it reads
// with SELECT last_value, is_called FROM seq; and row-level security, since it dumps with
// row_security=off and COPY then refuses a table whose policies would apply to the role. Its
// LOCK TABLE ... IN ACCESS SHARE MODE needs what SELECT already needs (SELECT, schema USAGE).
const char* const kPrivilegeQuery = R"SQL(
WITH target AS (
  SELECT oid, rolname::text AS rolname, rolsuper, rolbypassrls FROM pg_catalog.pg_roles
  WHERE rolname = COALESCE(NULLIF($1, ''), current_user)
),
listed AS (
  SELECT l.nspname, l.relname, l.ord, n.oid AS nspoid, c.oid AS reloid, c.relkind, c.relowner,
         COALESCE(c.relacl, pg_catalog.acldefault('r', c.relowner)) AS acl,
         c.relkind = 'r' AND c.relrowsecurity AS row_security,
         (n.nspname = NULLIF($4, '') AND c.relkind IN ('r', 'p')) AS in_schema
  FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS l(nspname, relname, ord)
  LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = l.nspname
  LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = l.relname
    AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
),
checked AS (
  SELECT nspoid, relkind, relowner, acl, reloid, row_security, in_schema, ord FROM listed
  WHERE reloid IS NOT NULL
  UNION ALL
  SELECT c.relnamespace, c.relkind, c.relowner,
         COALESCE(c.relacl, pg_catalog.acldefault('r', c.relowner)), c.oid,
         c.relkind = 'r' AND c.relrowsecurity, true, NULL
  FROM pg_catalog.pg_class c
  WHERE c.relnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = NULLIF($4, ''))
    AND c.relkind IN ('r', 'p')
    AND c.oid NOT IN (SELECT reloid FROM listed WHERE reloid IS NOT NULL)
),
shapes AS (
  SELECT nspoid, relkind, relowner, acl, min(reloid) AS sample, count(*) AS tables,
         count(*) FILTER (WHERE in_schema) AS in_schema, min(ord) AS first_ord,
         array_agg(reloid) AS reloids, array_agg(ord) AS ords,
         array_agg(row_security) AS row_security
  FROM checked GROUP BY nspoid, relkind, relowner, acl
),
judged AS (
  SELECT h.reloids, h.ords, h.row_security, h.held,
         NOT h.held @> $5::text[] OR (NOT h.rolsuper AND h.held && $6::text[]) AS failing
  FROM (SELECT s.reloids, s.ords, s.row_security, t.rolsuper,
               ARRAY(SELECT p FROM unnest($5::text[] || $6::text[]) AS p
                     WHERE pg_catalog.has_table_privilege(t.oid, s.sample, p)) AS held
        FROM shapes s CROSS JOIN target t OFFSET 0) h
),
-- With $7: the checked tables owning a sequence the role may not SELECT. Owned sequences live
-- in their table's schema (PostgreSQL keeps them there), so only those schemas are read.
unreadable AS (
  SELECT DISTINCT d.refobjid AS reloid
  FROM pg_catalog.pg_class s
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = s.oid
    AND d.objsubid = 0
  CROSS JOIN target t
  WHERE $7::boolean AND s.relkind = 'S'
    AND s.relnamespace = ANY (ARRAY(SELECT DISTINCT nspoid FROM shapes))
    AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')
    -- CASE keeps the privilege call off anything but a sequence, whatever order the planner
    -- picks: has_sequence_privilege raises on a non-sequence.
    AND CASE WHEN s.relkind = 'S'
             THEN NOT pg_catalog.has_sequence_privilege(t.oid, s.oid, 'SELECT') ELSE false END
),
-- The checked tables that may have something to report (IN over a CTE stays a hashed subplan).
reported AS (
  SELECT u.reloid, u.ord, j.held, j.failing,
         u.reloid IN (SELECT reloid FROM unreadable) AS unreadable
  FROM judged j CROSS JOIN LATERAL unnest(j.reloids, j.ords, j.row_security)
    AS u(reloid, ord, row_security)
  WHERE j.failing
     OR ($7::boolean AND (u.row_security OR u.reloid IN (SELECT reloid FROM unreadable)))
)
-- Plain rows, no JSON to build on the server or parse here: part 0 the role and schema, part 1
-- each schema (in the order of its first table), part 2 the tables to report (listed ones in
-- order, then the schema's others by name). Parts 1 and 2 only when the role exists. Names sort
-- byte-wise (COLLATE "C" here decides for the whole column), whatever the database's default.
SELECT 0 AS part, NULL::bigint AS ord,
       COALESCE((SELECT rolname FROM target), NULLIF($1, ''), current_user::text) COLLATE "C",
       (EXISTS (SELECT 1 FROM target))::text COLLATE "C",
       COALESCE((SELECT rolsuper FROM target), false)::text,
       COALESCE((SELECT rolbypassrls FROM target), false)::text,
       (EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = NULLIF($4, '')))::text,
       (SELECT COALESCE(sum(in_schema), 0) FROM shapes)::text,
       (SELECT COALESCE(sum(tables), 0) FROM shapes)::text,
       NULL
UNION ALL
SELECT 1, min(s.first_ord), n.nspname::text,
       pg_catalog.has_schema_privilege(t.oid, n.oid, 'USAGE')::text,
       NULL, NULL, NULL, NULL, NULL, NULL
FROM shapes s JOIN pg_catalog.pg_namespace n ON n.oid = s.nspoid CROSS JOIN target t
GROUP BY n.oid, n.nspname, t.oid
UNION ALL
SELECT 2, l.ord, l.nspname, l.relname, 'false', NULL, NULL, NULL, NULL, NULL
FROM listed l CROSS JOIN target t WHERE l.reloid IS NULL
UNION ALL
SELECT 2, r.ord, n.nspname::text, c.relname::text, 'true', r.held::text,
       CASE WHEN $7::boolean THEN (c.relkind = 'r' AND c.relrowsecurity)::text END,
       CASE WHEN $7::boolean THEN c.relforcerowsecurity::text END,
       CASE WHEN $7::boolean THEN pg_catalog.pg_has_role(t.oid, c.relowner, 'USAGE')::text END,
       CASE WHEN r.unreadable THEN (
         SELECT pg_catalog.json_agg(s.relname::text ORDER BY s.relname)::text
         FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class s ON s.oid = d.objid
         WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
           AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = c.oid
           AND d.deptype IN ('a', 'i')
           -- As above; here it also keeps the call off the table's TOAST table (also 'i').
           AND CASE WHEN s.relkind = 'S'
                    THEN NOT pg_catalog.has_sequence_privilege(t.oid, s.oid, 'SELECT')
                    ELSE false END) END
FROM reported r
JOIN pg_catalog.pg_class c ON c.oid = r.reloid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN target t
WHERE r.failing OR r.unreadable
   OR ($7::boolean AND c.relkind = 'r' AND c.relrowsecurity AND NOT t.rolsuper
       AND NOT t.rolbypassrls
       AND (c.relforcerowsecurity OR NOT pg_catalog.pg_has_role(t.oid, c.relowner, 'USAGE')))
ORDER BY 1, 2 NULLS LAST, 3, 4
)SQL";

bool boolean_cell(const std::optional<std::string>& cell) {
    if (cell == "true") return true;
    if (cell == "false") return false;
    throw std::runtime_error("not a boolean");
}

// "{SELECT,INSERT}" -> SELECT, INSERT (privilege names need no quoting in an array literal).
std::vector<std::string> privilege_array(const std::string& literal) {
    if (literal.size() < 2 || literal.front() != '{' || literal.back() != '}')
        throw std::runtime_error("not an array");
    std::vector<std::string> names;
    std::string_view inner(literal.data() + 1, literal.size() - 2);
    while (!inner.empty()) {
        size_t comma = inner.find(',');
        names.emplace_back(inner.substr(0, comma));
        if (comma == std::string_view::npos) break;
        inner.remove_prefix(comma + 1);
    }
    return names;
}

// A JSON array of names, as json_agg writes it.
std::vector<std::string> name_array(const std::string& text) {
    const auto parsed = nlohmann::json::parse(text);
    if (!parsed.is_array()) throw std::runtime_error("not an array");
    return parsed.get<std::vector<std::string>>();
}

}  // namespace

const char* privilege_query() { return kPrivilegeQuery; }

// A whole number of tables, as count(*) prints it.
long long count_cell(const std::optional<std::string>& cell) {
    if (!cell || cell->empty() || cell->find_first_not_of("0123456789") != std::string::npos)
        throw std::runtime_error("not a count");
    return std::stoll(*cell);
}

// Rows of kPrivilegeQuery: part, ord, then eight text cells.
PrivilegeFacts read_privilege_facts(const std::vector<host::PgRow>& rows, bool pg_dump_readable) {
    constexpr size_t kColumns = 10;
    if (rows.empty() || rows[0].size() != kColumns || rows[0][0] != "0" || !rows[0][2])
        throw std::runtime_error("no role row");
    const host::PgRow& head = rows[0];
    PrivilegeFacts facts;
    facts.role = *head[2];
    facts.role_exists = boolean_cell(head[3]);
    facts.superuser = boolean_cell(head[4]);
    facts.bypass_rls = boolean_cell(head[5]);
    facts.schema_exists = boolean_cell(head[6]);
    facts.schema_table_count = count_cell(head[7]);
    facts.tables_checked = count_cell(head[8]);
    facts.tables.reserve(rows.size() - 1);
    for (size_t i = 1; i < rows.size(); ++i) {
        const host::PgRow& row = rows[i];
        if (row.size() != kColumns || !row[0] || !row[2] || !row[3])
            throw std::runtime_error("bad row");
        if (*row[0] == "1") {
            if (!facts.tables.empty()) throw std::runtime_error("schema row after a table row");
            facts.schemas.push_back({*row[2], boolean_cell(row[3])});
            continue;
        }
        if (*row[0] != "2") throw std::runtime_error("bad row");
        TablePrivilegeFacts table;
        table.name = {*row[2], *row[3]};
        table.table_exists = boolean_cell(row[4]);
        if (table.table_exists) {
            if (!row[5]) throw std::runtime_error("no privileges for a table");
            table.held = privilege_array(*row[5]);
        }
        if (pg_dump_readable && table.table_exists) {
            table.row_security = boolean_cell(row[6]);
            table.force_row_security = boolean_cell(row[7]);
            table.role_has_owner_privileges = boolean_cell(row[8]);
            if (row[9]) table.sequences_without_select = name_array(*row[9]);
        }
        facts.tables.push_back(std::move(table));
    }
    return facts;
}

}  // namespace preflight
