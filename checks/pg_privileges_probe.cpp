// The probe of pg_privileges: its one catalog query and the reading of its rows into facts.
#include <stdexcept>
#include <string_view>

#include "checks/pg_privileges.hpp"

namespace preflight {

namespace {

// One statement for all tables, whatever their number: the table list travels as two text[]
// parameters. OID-based has_*_privilege calls, because the text forms raise on a missing table
// instead of answering. The catalogs are read without locking the tables themselves.
// A table privilege is a function of the role and the table's schema, kind, owner and ACL only,
// so has_table_privilege runs once per distinct (schema, kind, owner, ACL) on one sample table of
// that shape, and USAGE once per schema: a 10,000-table schema managed with default privileges
// costs a handful of calls instead of 50,000.
// With $6 true, each table row also says what pg_dump reads beyond the rows (pg_dump.c, 15 and
// 16): its owned sequences (pg_depend 'a' for serial/OWNED BY, 'i' for identity), whose state it
// reads with SELECT last_value, is_called FROM seq; and row-level security, since it dumps with
// row_security=off and COPY then refuses a table whose policies would apply to the role. Its
// LOCK TABLE ... IN ACCESS SHARE MODE needs what SELECT already needs (SELECT, schema USAGE).
const char* const kPrivilegeQuery = R"SQL(
WITH target AS (
  SELECT oid, rolname::text AS rolname, rolsuper, rolbypassrls FROM pg_catalog.pg_roles
  WHERE rolname = COALESCE(NULLIF($1, ''), current_user)
),
listed AS (
  SELECT l.nspname, l.relname, l.ord, n.oid AS nspoid, c.oid AS reloid,
         c.relkind, c.relowner, c.relacl
  FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS l(nspname, relname, ord)
  LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = l.nspname
  LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = l.relname
    AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
),
in_schema AS (
  SELECT n.nspname::text AS nspname, c.relname::text AS relname, n.oid AS nspoid, c.oid AS reloid,
         c.relkind, c.relowner, c.relacl
  FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid
  WHERE n.nspname = NULLIF($4, '') AND c.relkind IN ('r', 'p')
),
wanted AS (
  SELECT * FROM listed
  UNION ALL
  SELECT s.nspname, s.relname, NULL, s.nspoid, s.reloid, s.relkind, s.relowner, s.relacl
  FROM in_schema s WHERE NOT EXISTS (SELECT 1 FROM listed l WHERE l.reloid = s.reloid)
),
shapes AS (
  SELECT nspoid, relkind, relowner, relacl, min(reloid) AS sample
  FROM wanted WHERE reloid IS NOT NULL GROUP BY 1, 2, 3, 4
),
judged AS (
  SELECT s.nspoid, s.relkind, s.relowner, s.relacl,
         ARRAY(SELECT p FROM unnest($5::text[]) AS p WHERE has_table_privilege(t.oid, s.sample, p)) AS held
  FROM shapes s LEFT JOIN target t ON true
),
usage AS (
  SELECT n.nspoid, has_schema_privilege(t.oid, n.nspoid, 'USAGE') AS granted
  FROM (SELECT DISTINCT nspoid FROM wanted WHERE nspoid IS NOT NULL) n LEFT JOIN target t ON true
)
-- First the row about the role and schema, then one row per table (listed ones in order, then
-- the schema's others by name): plain rows, no JSON to build on the server or parse here.
SELECT 0 AS part, NULL::bigint AS ord,
       COALESCE((SELECT rolname FROM target), NULLIF($1, ''), current_user::text),
       (EXISTS (SELECT 1 FROM target))::text,
       COALESCE((SELECT rolsuper FROM target), false)::text,
       (EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = NULLIF($4, '')))::text,
       (SELECT count(*) FROM in_schema)::text,
       NULL,
       COALESCE((SELECT rolbypassrls FROM target), false)::text, NULL, NULL, NULL
UNION ALL
SELECT 1, w.ord, w.nspname, w.relname, (w.nspoid IS NOT NULL)::text, (w.reloid IS NOT NULL)::text,
       u.granted::text, j.held::text,
       CASE WHEN $6::boolean THEN (c.relkind = 'r' AND c.relrowsecurity)::text END,
       CASE WHEN $6::boolean THEN c.relforcerowsecurity::text END,
       CASE WHEN $6::boolean THEN pg_catalog.pg_has_role(t.oid, c.relowner, 'USAGE')::text END,
       CASE WHEN $6::boolean THEN (
         SELECT pg_catalog.json_agg(s.relname::text ORDER BY s.relname)::text
         FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class s ON s.oid = d.objid
         WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
           AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = c.oid
           AND d.deptype IN ('a', 'i')
           -- CASE keeps the privilege call off the table's TOAST table (also 'i'), whatever
           -- order the planner picks: has_sequence_privilege raises on a non-sequence.
           AND CASE WHEN s.relkind = 'S' THEN NOT has_sequence_privilege(t.oid, s.oid, 'SELECT')
                    ELSE false END) END
FROM wanted w
LEFT JOIN pg_catalog.pg_class c ON c.oid = w.reloid
LEFT JOIN target t ON true
LEFT JOIN usage u ON u.nspoid = w.nspoid
LEFT JOIN judged j ON j.nspoid = w.nspoid AND j.relkind = w.relkind
  AND j.relowner = w.relowner AND j.relacl IS NOT DISTINCT FROM w.relacl
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

// Rows of kPrivilegeQuery: part, ord, then ten text cells.
PrivilegeFacts read_privilege_facts(const std::vector<host::PgRow>& rows, bool pg_dump_readable) {
    constexpr size_t kColumns = 12;
    if (rows.empty() || rows[0].size() != kColumns || rows[0][0] != "0" || !rows[0][2] ||
        !rows[0][6])
        throw std::runtime_error("no role row");
    PrivilegeFacts facts;
    facts.role = *rows[0][2];
    facts.role_exists = boolean_cell(rows[0][3]);
    facts.superuser = boolean_cell(rows[0][4]);
    facts.schema_exists = boolean_cell(rows[0][5]);
    facts.bypass_rls = boolean_cell(rows[0][8]);
    facts.schema_table_count = std::stoll(*rows[0][6]);
    facts.tables.reserve(rows.size() - 1);
    for (size_t i = 1; i < rows.size(); ++i) {
        const host::PgRow& row = rows[i];
        if (row.size() != kColumns || row[0] != "1" || !row[2] || !row[3])
            throw std::runtime_error("bad table row");
        TablePrivilegeFacts table;
        table.name = {*row[2], *row[3]};
        table.schema_exists = boolean_cell(row[4]);
        table.table_exists = boolean_cell(row[5]);
        if (row[6]) table.schema_usage = boolean_cell(row[6]);
        if (row[7]) table.held = privilege_array(*row[7]);
        if (pg_dump_readable && table.table_exists) {
            table.row_security = boolean_cell(row[8]);
            table.force_row_security = boolean_cell(row[9]);
            // Null only when the role does not exist, which the judge reports first.
            table.role_has_owner_privileges = row[10] && boolean_cell(row[10]);
            if (row[11]) table.sequences_without_select = name_array(*row[11]);
        }
        facts.tables.push_back(std::move(table));
    }
    return facts;
}

}  // namespace preflight
