// The pure judgement of pg_privileges: findings, message and GRANT/REVOKE remedy from the facts.
#include <algorithm>

#include "checks/pg_privileges.hpp"

namespace preflight {

namespace {

constexpr size_t kNamesShown = 10;

std::string join(const std::vector<std::string>& items, const std::string& separator) {
    std::string text;
    for (size_t i = 0; i < items.size(); ++i) text += (i ? separator : "") + items[i];
    return text;
}

// At most kNamesShown names, then how many more: a 10,000-table failure stays readable.
std::string name_list(const std::vector<std::string>& names) {
    std::vector<std::string> shown(names.begin(),
                                   names.begin() + std::min(names.size(), kNamesShown));
    std::string text = join(shown, ", ");
    if (names.size() > kNamesShown)
        text += " and " + std::to_string(names.size() - kNamesShown) + " more";
    return text;
}

std::string tables_word(long long count) { return count == 1 ? "table" : "tables"; }

bool holds(const TablePrivilegeFacts& table, const std::string& privilege) {
    return std::find(table.held.begin(), table.held.end(), privilege) != table.held.end();
}

nlohmann::json expected_of(const PrivilegeRules& rules) {
    nlohmann::json expected = {{"privileges", rules.privileges}};
    if (!rules.forbid.empty()) expected["forbid"] = rules.forbid;
    if (rules.forbid_superuser) expected["superuser"] = "forbid";
    if (rules.schema) expected["schema"] = *rules.schema;
    if (rules.expect_count) expected["expect_count"] = *rules.expect_count;
    if (rules.pg_dump_readable) expected["pg_dump_readable"] = true;
    return expected;
}

// Row-level security stops pg_dump's COPY (row_security=off) unless it does not apply to the
// role: superusers and BYPASSRLS roles skip it, owners too unless the table FORCEs it.
bool row_security_stops_pg_dump(const PrivilegeFacts& facts, const TablePrivilegeFacts& table) {
    if (!table.row_security || facts.superuser || facts.bypass_rls) return false;
    return table.force_row_security || !table.role_has_owner_privileges;
}

}  // namespace

const std::vector<std::string>& table_privilege_names() {
    static const std::vector<std::string> names = {"SELECT",   "INSERT",     "UPDATE", "DELETE",
                                                   "TRUNCATE", "REFERENCES", "TRIGGER"};
    return names;
}

Outcome judge_privileges(const PrivilegeFacts& facts, const PrivilegeRules& rules) {
    const std::string role = quote_ident(facts.role);
    nlohmann::json observed = {{"role", facts.role}};
    if (!facts.role_exists)
        return Outcome::fail("role " + role + " does not exist", observed, expected_of(rules));

    std::vector<std::string> findings, remedy;
    observed["superuser"] = facts.superuser;
    // A superuser holds every privilege: revoking single grants would change nothing.
    const bool superuser_problem =
        facts.superuser && (rules.forbid_superuser || !rules.forbid.empty());
    if (superuser_problem) {
        findings.push_back(rules.forbid.empty() ? "is a superuser"
                                                : "is a superuser, so holds every privilege");
        remedy.push_back("ALTER ROLE " + role + " NOSUPERUSER;");
    }
    if (rules.schema) {
        const std::string schema = quote_ident(*rules.schema);
        observed["schema_table_count"] = facts.schema_table_count;
        if (!facts.schema_exists)
            findings.push_back("schema " + schema + " does not exist");
        else if (rules.expect_count && facts.schema_table_count != *rules.expect_count)
            findings.push_back("schema " + schema + " has " +
                               std::to_string(facts.schema_table_count) + " " +
                               tables_word(facts.schema_table_count) + ", expected " +
                               std::to_string(*rules.expect_count));
        else if (!rules.expect_count && !rules.has_listed_tables && facts.schema_table_count == 0)
            findings.push_back("schema " + schema + " has no tables");
    }

    // `present` holds the checked tables the query reported, not all of them: the counts below
    // are facts.tables_checked.
    std::vector<std::string> missing_tables, schemas_without_usage;
    std::vector<const TablePrivilegeFacts*> present;
    for (const auto& table : facts.tables) {
        if (table.table_exists)
            present.push_back(&table);
        else
            missing_tables.push_back(table.name.quoted());
    }
    for (const auto& schema : facts.schemas)
        if (!schema.usage) schemas_without_usage.push_back(quote_ident(schema.schema));
    const long long checked = facts.tables_checked;
    observed["tables_checked"] = checked;
    if (!missing_tables.empty()) {
        findings.push_back(std::to_string(missing_tables.size()) + " " +
                           tables_word(static_cast<long long>(missing_tables.size())) +
                           (missing_tables.size() == 1 ? " does" : " do") +
                           " not exist: " + name_list(missing_tables));
        observed["missing_tables"] = missing_tables;
    }
    if (!schemas_without_usage.empty()) {
        findings.push_back("no USAGE on schema" +
                           std::string(schemas_without_usage.size() == 1 ? " " : "s ") +
                           join(schemas_without_usage, ", "));
        observed["schemas_without_usage"] = schemas_without_usage;
        for (const auto& schema : schemas_without_usage)
            remedy.push_back("GRANT USAGE ON SCHEMA " + schema + " TO " + role + ";");
    }

    const std::string of_all =
        " of " + std::to_string(checked) + " " + tables_word(checked) + ": ";
    auto report = [&](const std::vector<std::string>& privileges, bool wanted,
                      const std::string& verb, const char* key) {
        nlohmann::json by_privilege = nlohmann::json::object();
        for (const auto& privilege : privileges) {
            std::vector<std::string> names;
            for (const auto* table : present)
                if (holds(*table, privilege) != wanted) names.push_back(table->name.quoted());
            if (names.empty()) continue;
            findings.push_back(verb + " " + privilege + " on " + std::to_string(names.size()) +
                               of_all + name_list(names));
            by_privilege[privilege] = names;
        }
        if (!by_privilege.empty()) observed[key] = by_privilege;
    };
    report(rules.privileges, true, "lacks", "missing_privileges");
    if (!facts.superuser) report(rules.forbid, false, "holds forbidden", "forbidden_held");

    if (rules.pg_dump_readable) {
        std::vector<std::string> rls_tables, sequences;
        for (const auto* table : present) {
            if (row_security_stops_pg_dump(facts, *table)) rls_tables.push_back(table->name.quoted());
            for (const auto& sequence : table->sequences_without_select)
                sequences.push_back(QualifiedName{table->name.schema, sequence}.quoted());
        }
        if (!rls_tables.empty()) {
            findings.push_back("row-level security stops pg_dump (it dumps with "
                               "row_security=off) on " + std::to_string(rls_tables.size()) +
                               of_all + name_list(rls_tables));
            observed["row_security_stops_pg_dump"] = rls_tables;
            remedy.push_back("ALTER ROLE " + role + " BYPASSRLS;");
        }
        if (!sequences.empty()) {
            findings.push_back("no SELECT on " + std::to_string(sequences.size()) + " owned " +
                               (sequences.size() == 1 ? "sequence" : "sequences") +
                               " pg_dump reads: " + name_list(sequences));
            observed["sequences_without_select"] = sequences;
            for (const auto& sequence : sequences)
                remedy.push_back("GRANT SELECT ON SEQUENCE " + sequence + " TO " + role + ";");
        }
    }

    for (const auto* table : present) {
        std::vector<std::string> missing;
        for (const auto& privilege : rules.privileges)
            if (!holds(*table, privilege)) missing.push_back(privilege);
        if (!missing.empty())
            remedy.push_back("GRANT " + join(missing, ", ") + " ON " + table->name.quoted() +
                             " TO " + role + ";");
    }
    for (const auto* table : facts.superuser ? std::vector<const TablePrivilegeFacts*>{} : present) {
        std::vector<std::string> forbidden;
        for (const auto& privilege : rules.forbid)
            if (holds(*table, privilege)) forbidden.push_back(privilege);
        if (!forbidden.empty())
            remedy.push_back("REVOKE " + join(forbidden, ", ") + " ON " + table->name.quoted() +
                             " FROM " + role + ";");
    }

    if (findings.empty()) {
        std::string message = "role " + role + " holds " + join(rules.privileges, ", ") +
                              " on all " + std::to_string(checked) + " " +
                              tables_word(checked);
        if (rules.schema && !rules.has_listed_tables)
            message += " of schema " + quote_ident(*rules.schema);
        if (rules.pg_dump_readable)
            message += "; pg_dump can read them (owned sequences, row-level security)";
        if (!rules.forbid.empty()) message += "; holds none of " + join(rules.forbid, ", ");
        if (rules.forbid_superuser) message += "; is not a superuser";
        return Outcome::pass(message, observed);
    }
    Outcome outcome = Outcome::fail("role " + role + ": " + join(findings, "; "), observed,
                                    expected_of(rules));
    outcome.generated_remedy = join(remedy, "\n");
    return outcome;
}

}  // namespace preflight
