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

        auto* postgres = context.host().postgres;
        if (!postgres)
            return Outcome::error("connection '" + connection +
                                  "': PostgreSQL access is not available in this run");
        std::vector<host::PgRow> rows;
        try {
            rows = postgres->query(pg_query_scope(context), connection, privilege_query(),
                                   {role_name, text_array_literal(schemas),
                                    text_array_literal(names), resolved.schema.value_or(""),
                                    text_array_literal(resolved.privileges),
                                    text_array_literal(resolved.forbid),
                                    resolved.pg_dump_readable ? "true" : "false"});
        } catch (const host::PgError& e) {
            return Outcome::error(e.what());
        }
        PrivilegeFacts facts;
        try {
            facts = read_privilege_facts(rows, resolved.pg_dump_readable);
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
                   "none of the forbidden ones, and optionally that pg_dump can dump them as "
                   "that role; the remedy is the exact GRANT/REVOKE statements";
    spec.fields = {
        connection_field(),
        {"role", FieldType::text, false, "the connected user", "the role whose privileges are checked", {}},
        {"privileges", FieldType::text_list, false, "SELECT",
         "table privileges the role must hold (SELECT, INSERT, UPDATE, DELETE, TRUNCATE, "
         "REFERENCES, TRIGGER)", table_privilege_names()},
        {"tables", FieldType::text_list, false, "",
         "schema-qualified tables, SQL spelling: cutter_governance.verify_result, "
         "s.\"Gate Decision\"", {}},
        {"schema", FieldType::text, false, "",
         "also check every table (ordinary or partitioned) of this schema", {}},
        {"expect_count", FieldType::integer, false, "",
         "how many tables `schema` must have (needs schema)", {}},
        {"forbid", FieldType::text_list, false, "",
         "table privileges the role must NOT hold, e.g. [INSERT, UPDATE, DELETE, TRUNCATE]", table_privilege_names()},
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
