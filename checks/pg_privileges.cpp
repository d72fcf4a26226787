#include "checks/pg_privileges.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string_view>

#include "checks/pg_connect.hpp"
#include "src/host/pg.hpp"

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

// Rows of kPrivilegeQuery: part, ord, then ten text cells. Throws on anything unexpected.
PrivilegeFacts read_facts(const std::vector<host::PgRow>& rows, bool pg_dump_readable) {
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

struct TableEntry {
    Template written;
    std::optional<QualifiedName> parsed;  // set at load when written without references
};

class PgPrivilegesCheck : public Check {
public:
    std::string connection;
    std::optional<Template> role;
    std::vector<TableEntry> tables;
    std::optional<Template> schema;
    std::optional<Template> expect_count;  // written as ${var.X}: parsed at run time
    PrivilegeRules rules;

    Outcome run(const RunContext& context) const override {
        PrivilegeRules resolved = rules;
        if (expect_count) {
            std::string text = context.resolve(*expect_count);
            char* end = nullptr;
            long long count = std::strtoll(text.c_str(), &end, 10);
            if (text.empty() || *end != '\0' || count < 0)
                return Outcome::error("expect_count '" + expect_count->source() + "' is '" + text +
                                      "', not a whole number of tables");
            resolved.expect_count = count;
        }
        const std::string role_name = role ? context.resolve(*role) : std::string{};
        if (schema) resolved.schema = context.resolve(*schema);
        std::vector<std::string> schemas, names;
        std::set<std::pair<std::string, std::string>> seen;  // a set: packs list thousands of tables
        for (const auto& entry : tables) {
            std::optional<QualifiedName> name = entry.parsed;
            if (!name) {
                std::string text = context.resolve(entry.written), error;
                name = parse_qualified_name(text, error);
                if (!name) return Outcome::error("table '" + text + "' " + error);
            }
            if (!seen.insert({name->schema, name->table}).second) continue;
            schemas.push_back(name->schema);
            names.push_back(name->table);
        }
        std::vector<std::string> asked = resolved.privileges;
        asked.insert(asked.end(), resolved.forbid.begin(), resolved.forbid.end());

        auto* postgres = context.host().postgres;
        if (!postgres)
            return Outcome::error("connection '" + connection +
                                  "': PostgreSQL access is not available in this run");
        std::vector<host::PgRow> rows;
        try {
            rows = postgres->query(pg_query_scope(context), connection, kPrivilegeQuery,
                                   {role_name, text_array_literal(schemas),
                                    text_array_literal(names), resolved.schema.value_or(""),
                                    text_array_literal(asked),
                                    resolved.pg_dump_readable ? "true" : "false"});
        } catch (const host::PgError& e) {
            return Outcome::error(e.what());
        }
        PrivilegeFacts facts;
        try {
            facts = read_facts(rows, resolved.pg_dump_readable);
        } catch (const std::exception&) {
            return Outcome::error("connection '" + connection +
                                  "': the server's answer about privileges was not understood");
        }
        return judge_privileges(facts, resolved);
    }
};

// Upper-cased privilege names of `field`, each checked against the known table privileges.
std::vector<std::string> read_privileges(const KindInput& input, const std::string& field,
                                         bool& ok) {
    std::vector<std::string> privileges;
    for (const auto& item : input.fields.text_list(field)) {
        std::string name = item.source();
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        const auto& known = table_privilege_names();
        if (std::find(known.begin(), known.end(), name) == known.end()) {
            std::string hint = did_you_mean(name, known);
            if (hint.empty()) hint = " (one of " + [&] {
                std::string all;
                for (const auto& k : known) all += (all.empty() ? "" : ", ") + k;
                return all;
            }() + ")";
            input.diagnostics.error(input.fields.where(field),
                                    "unknown privilege '" + item.source() + "'" + hint);
            ok = false;
        } else if (std::find(privileges.begin(), privileges.end(), name) == privileges.end()) {
            privileges.push_back(name);
        }
    }
    return privileges;
}

std::unique_ptr<Check> make_check(const KindInput& input) {
    const FieldValues& fields = input.fields;
    auto connection = declared_connection(input);
    bool ok = connection.has_value();
    auto check = std::make_unique<PgPrivilegesCheck>();
    check->role = fields.text("role");
    check->schema = fields.text("schema");
    if (fields.has("privileges")) check->rules.privileges = read_privileges(input, "privileges", ok);
    check->rules.forbid = read_privileges(input, "forbid", ok);
    for (const auto& privilege : check->rules.forbid)
        if (std::find(check->rules.privileges.begin(), check->rules.privileges.end(), privilege) !=
            check->rules.privileges.end()) {
            input.diagnostics.error(fields.where("forbid"), "privilege " + privilege +
                                                                " is both required and forbidden");
            ok = false;
        }
    if (fields.has("privileges") && check->rules.privileges.empty() && ok) {
        input.diagnostics.error(fields.where("privileges"), "'privileges' must list at least one");
        ok = false;
    }
    for (const auto& written : fields.text_list("tables")) {
        TableEntry entry{written, std::nullopt};
        if (!written.has_references()) {
            std::string error;
            entry.parsed = parse_qualified_name(written.source(), error);
            if (!entry.parsed) {
                input.diagnostics.error(fields.where("tables"),
                                        "table '" + written.source() + "' " + error);
                ok = false;
            }
        }
        check->tables.push_back(std::move(entry));
    }
    check->rules.has_listed_tables = !check->tables.empty();
    if (!check->rules.has_listed_tables && !check->schema) {
        input.diagnostics.error(fields.check_location,
                                "pg_privileges needs 'tables', 'schema' or both");
        ok = false;
    }
    check->rules.expect_count = fields.integer("expect_count");
    if (auto text = fields.integer_text("expect_count"); text && text->has_references())
        check->expect_count = text;
    if (fields.has("expect_count") && !check->schema) {
        input.diagnostics.error(fields.where("expect_count"), "'expect_count' needs 'schema'");
        ok = false;
    } else if (check->rules.expect_count && *check->rules.expect_count < 0) {
        input.diagnostics.error(fields.where("expect_count"), "'expect_count' must be 0 or more");
        ok = false;
    }
    check->rules.forbid_superuser = fields.choice("superuser").value_or("allow") == "forbid";
    check->rules.pg_dump_readable = fields.boolean("pg_dump_readable").value_or(false);
    if (check->rules.pg_dump_readable &&
        std::find(check->rules.privileges.begin(), check->rules.privileges.end(), "SELECT") ==
            check->rules.privileges.end()) {
        input.diagnostics.error(fields.where("pg_dump_readable"),
                                "'pg_dump_readable' needs SELECT in 'privileges' (pg_dump locks "
                                "and copies each table)");
        ok = false;
    }
    if (!ok) return nullptr;
    check->connection = *connection;
    return check;
}

}  // namespace

KindSpec pg_privileges_kind() {
    KindSpec spec;
    spec.name = "pg_privileges";
    spec.summary = "a role holds privileges on listed tables or every table of a schema, and "
                   "none of the forbidden ones; the remedy is the exact GRANT/REVOKE statements";
    spec.fields = {
        connection_field(),
        {"role", FieldType::text, false, "the connected user", "the role whose privileges are checked", {}},
        {"privileges", FieldType::text_list, false, "SELECT",
         "table privileges the role must hold (SELECT, INSERT, UPDATE, DELETE, TRUNCATE, "
         "REFERENCES, TRIGGER)", {}},
        {"tables", FieldType::text_list, false, "",
         "schema-qualified tables, SQL spelling: cutter_governance.verify_result, "
         "s.\"Gate Decision\"", {}},
        {"schema", FieldType::text, false, "",
         "also check every table (ordinary or partitioned) of this schema", {}},
        {"expect_count", FieldType::integer, false, "",
         "how many tables `schema` must have (needs schema)", {}},
        {"forbid", FieldType::text_list, false, "",
         "table privileges the role must NOT hold, e.g. [INSERT, UPDATE, DELETE, TRUNCATE]", {}},
        {"superuser", FieldType::choice, false, "allow", "forbid: the role must not be a superuser",
         {"forbid", "allow"}},
        {"pg_dump_readable", FieldType::boolean, false, "false",
         "true: also prove pg_dump can dump each table as the role (SELECT on its owned "
         "serial/identity sequences; row-level security bypassed, as pg_dump runs with "
         "row_security=off)", {}},
    };
    spec.make = make_check;
    return spec;
}

}  // namespace preflight
