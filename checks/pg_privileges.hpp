#pragma once
// Kind `pg_privileges`: a role holds the required privileges on listed tables and/or on every
// table of a schema, holds none of the forbidden ones, and (optionally) is not a superuser.
// One query answers for all tables; the remedy is the exact GRANT/REVOKE statements.
#include <optional>
#include <string>
#include <vector>

#include "checks/pg_identifiers.hpp"
#include "src/check.hpp"

namespace preflight {

/// One table as the privilege query saw it.
struct TablePrivilegeFacts {
    QualifiedName name;
    bool schema_exists = false;
    bool table_exists = false;          ///< a table, view, materialized view or foreign table
    std::optional<bool> schema_usage;   ///< the role's USAGE on the schema, when it exists
    std::vector<std::string> held;      ///< of the privileges asked about (required and forbidden)
};

/// Everything the privilege query reports.
struct PrivilegeFacts {
    std::string role;  ///< as checked: the connected user when the check names no role
    bool role_exists = true;
    bool superuser = false;
    bool schema_exists = false;       ///< meaningful when the rules name a schema
    long long schema_table_count = 0;  ///< tables (ordinary and partitioned) of that schema
    /// The listed tables in order, then the schema's other tables by name.
    std::vector<TablePrivilegeFacts> tables;
};

/// What a pg_privileges check requires. Privileges are upper-case table privilege names.
struct PrivilegeRules {
    std::vector<std::string> privileges{"SELECT"};
    std::vector<std::string> forbid;
    bool forbid_superuser = false;
    bool has_listed_tables = false;
    std::optional<std::string> schema;
    std::optional<long long> expect_count;
};

/// The table privileges has_table_privilege knows, upper case.
const std::vector<std::string>& table_privilege_names();

/// Pass: "role R holds SELECT on all 9 tables". Fail: "role R: " and each finding joined by
/// "; " — "does not exist", "is a superuser", "schema S does not exist", "schema S has 8 tables,
/// expected 9", "1 table does not exist: s.t", "no USAGE on schema s", "lacks SELECT on 2 of 9
/// tables: s.a, s.b", "holds forbidden INSERT on 1 of 9 tables: s.a" (at most 10 names each).
/// The generated remedy has one statement per line, identifiers through quote_ident:
/// "GRANT USAGE ON SCHEMA s TO r;", one "GRANT SELECT[, ...] ON s.t TO r;" per table missing
/// grants, one "REVOKE INSERT[, ...] ON s.t FROM r;" per table holding forbidden ones, and
/// "ALTER ROLE r NOSUPERUSER;".
Outcome judge_privileges(const PrivilegeFacts& facts, const PrivilegeRules& rules);

/// The `pg_privileges` kind.
KindSpec pg_privileges_kind();

}  // namespace preflight
