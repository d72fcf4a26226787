#pragma once
// Kind `pg_privileges`: a role holds the required privileges on listed tables and/or on every
// table of a schema, holds none of the forbidden ones, and (optionally) is not a superuser.
// One query answers for all tables; the remedy is the exact GRANT/REVOKE statements. With
// `pg_dump_readable`, the same query also proves pg_dump can dump each table as the role.
#include <optional>
#include <string>
#include <vector>

#include "checks/pg_identifiers.hpp"
#include "src/check.hpp"
#include "src/host/pg.hpp"

namespace preflight {

/// One table the privilege query reports: a listed table that does not exist, or one with
/// something to judge (a required privilege missing, a forbidden one held, or with
/// pg_dump_readable, row-level security or an owned sequence without SELECT).
struct TablePrivilegeFacts {
    QualifiedName name;
    bool table_exists = false;          ///< a table, view, materialized view or foreign table
    std::vector<std::string> held;      ///< of the privileges asked about (required and forbidden)
    // What pg_dump reads beyond the rows' SELECT (asked only with pg_dump_readable):
    bool row_security = false;        ///< an ordinary table with row-level security enabled
    bool force_row_security = false;  ///< ... that applies to its owner too (FORCE)
    bool role_has_owner_privileges = false;  ///< the role is the owner or inherits its privileges
    /// Owned sequences (serial, identity, OWNED BY; in the table's schema) the role may not
    /// SELECT: pg_dump reads their state with SELECT last_value, is_called FROM each.
    std::vector<std::string> sequences_without_select;
};

/// The role's USAGE on a schema holding at least one checked table.
struct SchemaUsageFacts {
    std::string schema;
    bool usage = false;
};

/// Everything the privilege query reports.
struct PrivilegeFacts {
    std::string role;  ///< as checked: the connected user when the check names no role
    bool role_exists = true;
    bool superuser = false;
    bool bypass_rls = false;          ///< BYPASSRLS: row-level security never applies to the role
    bool schema_exists = false;       ///< meaningful when the rules name a schema
    long long schema_table_count = 0;  ///< tables (ordinary and partitioned) of that schema
    /// Every table checked: the listed ones that exist and the schema's others, reported or not.
    long long tables_checked = 0;
    /// Each schema holding a checked table, in the order of its first table.
    std::vector<SchemaUsageFacts> schemas;
    /// The tables to report (see TablePrivilegeFacts), listed ones in order, then the schema's
    /// others by name. Tables with nothing to report may be here too: the judge judges them all.
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
    /// Also prove a data dump with pg_dump as the role would not be refused (needs SELECT).
    bool pg_dump_readable = false;
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
/// "ALTER ROLE r NOSUPERUSER;". With `pg_dump_readable`, also: "row-level security stops
/// pg_dump (it dumps with row_security=off) on 1 of 9 tables: s.t" (remedy "ALTER ROLE r
/// BYPASSRLS;") and "no SELECT on 2 owned sequences pg_dump reads: s.a_id_seq, s.b_id_seq"
/// (remedy one "GRANT SELECT ON SEQUENCE s.a_id_seq TO r;" per sequence).
Outcome judge_privileges(const PrivilegeFacts& facts, const PrivilegeRules& rules);

/// The one catalog query answering for every table, read-only and touching no row: $1 the role
/// ("" = current_user), $2/$3 the listed tables' schemas and names (text[]), $4 the schema ("" =
/// none), $5 the required privileges and $6 the forbidden ones (text[]), $7 'true' to also ask
/// what pg_dump reads. Its rows carry only what the judge reports: the rows of a 100,000-table
/// schema where every grant is right are a header and one schema row.
const char* privilege_query();

/// The facts in the rows of privilege_query(). Throws std::runtime_error on anything unexpected.
PrivilegeFacts read_privilege_facts(const std::vector<host::PgRow>& rows, bool pg_dump_readable);

/// The `pg_privileges` kind.
KindSpec pg_privileges_kind();

}  // namespace preflight
