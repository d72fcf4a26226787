// pg_privileges with pg_dump_readable against the throwaway cluster, each prediction proven by
// running the real pg_dump as the role: every case where has_table_privilege holds on all tables
// yet pg_dump fails must fail the check with the exact remedy; after the remedy both succeed.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <pqxx/pqxx>

#include "checks/pg_privileges.hpp"
#include "pg_cluster.hpp"
#include "pg_support.hpp"
#include "src/host/pg.hpp"

using namespace preflight;
using namespace preflight::testing;

namespace {

void create_login_role(const std::string& role) {
    auto& cluster = PgCluster::shared();
    cluster.admin("CREATE ROLE " + role + " LOGIN PASSWORD " +
                  pqxx::connection(cluster.conninfo("postgres")).quote(kPassword));
}

// `tables` are listed, or with one "schema:NAME" item, the check covers that schema instead.
Outcome check_as(const std::string& login, const std::vector<std::string>& tables,
                 bool pg_dump_readable = true) {
    host::LibpqConnector connector;
    auto context = pg_context(&connector, PgCluster::shared().conninfo(login), kPassword);
    std::map<std::string, FieldValue> fields = {{"connection", text("db")},
                                                {"pg_dump_readable", pg_dump_readable}};
    if (tables.size() == 1 && tables[0].rfind("schema:", 0) == 0)
        fields["schema"] = text(tables[0].substr(7));
    else
        fields["tables"] = list(tables);
    Diagnostics diagnostics;
    auto check = build_check(pg_privileges_kind(), context->rule_pack, fields, diagnostics);
    REQUIRE(check);
    auto outcome = check->run(*context);
    require_no_fragment(everything_shown(outcome), kPassword, *context);
    return outcome;
}

// The real pg_dump as `role`, a data-only dump or a full one of each table, as backup_runner
// runs it: "" when it succeeds, else its output (the error).
std::string pg_dump_as(const std::string& role, const std::vector<std::string>& tables,
                       bool data_only) {
    std::string command = "pg_dump -h " + PgCluster::shared().socket_dir() + " -U " + role +
                          " -d postgres -f /dev/null" + (data_only ? " --data-only" : "");
    for (const auto& table : tables) command += " -t '" + table + "'";  // no quote in the names
    setenv("PGPASSWORD", kPassword.c_str(), 1);
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    unsetenv("PGPASSWORD");
    REQUIRE(pipe);
    std::string output;
    char buffer[512];
    while (size_t got = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, got);
    const int status = pclose(pipe);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
    return output.empty() ? "failed without output" : output;
}

// pg_dump succeeds (data-only and full) exactly when `readable`.
void require_pg_dump(const std::string& role, const std::vector<std::string>& tables,
                     bool readable, const std::string& error_part = "") {
    for (bool data_only : {true, false}) {
        const std::string error = pg_dump_as(role, tables, data_only);
        const std::string what = std::string(data_only ? "pg_dump --data-only: " : "pg_dump: ") + error;
        INFO(what);
        CHECK(error.empty() == readable);
        if (!readable) CHECK(error.find(error_part) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("pg_dump_readable: serial and identity sequences without SELECT, then granted") {
    auto& cluster = PgCluster::shared();
    create_login_role("pf_dump_seq");
    cluster.admin("CREATE SCHEMA pf_ds; GRANT USAGE ON SCHEMA pf_ds TO pf_dump_seq;"
                  "CREATE TABLE pf_ds.cut_run (seq_id serial, note text);"
                  "CREATE TABLE pf_ds.\"Gate Decision\" (id int GENERATED ALWAYS AS IDENTITY);"
                  "CREATE TABLE pf_ds.plain (id int);"
                  "GRANT SELECT ON ALL TABLES IN SCHEMA pf_ds TO pf_dump_seq;");
    const std::vector<std::string> tables = {"pf_ds.cut_run", "pf_ds.\"Gate Decision\"", "pf_ds.plain"};
    require_pg_dump("pf_dump_seq", {"pf_ds.cut_run"}, false, "permission denied for sequence cut_run_seq_id_seq");
    require_pg_dump("pf_dump_seq", {"pf_ds.\"Gate Decision\""}, false, "permission denied for sequence");
    // has_table_privilege alone says yes.
    CHECK(check_as("pf_dump_seq", tables, false).status == Status::pass);

    auto outcome = check_as("pf_dump_seq", tables);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "role pf_dump_seq: no SELECT on 2 owned sequences pg_dump reads: "
                             "pf_ds.cut_run_seq_id_seq, pf_ds.\"Gate Decision_id_seq\"");
    CHECK(outcome.generated_remedy ==
          "GRANT SELECT ON SEQUENCE pf_ds.cut_run_seq_id_seq TO pf_dump_seq;\n"
          "GRANT SELECT ON SEQUENCE pf_ds.\"Gate Decision_id_seq\" TO pf_dump_seq;");
    // The shipped pack's way: every table of the schema.
    CHECK(check_as("pf_dump_seq", {"schema:pf_ds"}).message ==
          "role pf_dump_seq: no SELECT on 2 owned sequences pg_dump reads: "
          "pf_ds.\"Gate Decision_id_seq\", pf_ds.cut_run_seq_id_seq");

    cluster.admin(outcome.generated_remedy);
    require_pg_dump("pf_dump_seq", tables, true);
    outcome = check_as("pf_dump_seq", tables);
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == "role pf_dump_seq holds SELECT on all 3 tables; pg_dump can read them "
                             "(owned sequences, row-level security)");
    CHECK(check_as("pf_dump_seq", {"schema:pf_ds"}).status == Status::pass);
}

TEST_CASE("pg_dump_readable: a sequence attached with OWNED BY counts, USAGE on it does not") {
    auto& cluster = PgCluster::shared();
    create_login_role("pf_dump_owned");
    cluster.admin("CREATE SCHEMA pf_do; GRANT USAGE ON SCHEMA pf_do TO pf_dump_owned;"
                  "CREATE TABLE pf_do.t (id bigint); CREATE SEQUENCE pf_do.t_ids OWNED BY pf_do.t.id;"
                  "GRANT SELECT ON pf_do.t TO pf_dump_owned;"
                  "GRANT USAGE ON SEQUENCE pf_do.t_ids TO pf_dump_owned;");
    require_pg_dump("pf_dump_owned", {"pf_do.t"}, false, "permission denied for sequence t_ids");
    auto outcome = check_as("pf_dump_owned", {"pf_do.t"});
    CHECK(outcome.message == "role pf_dump_owned: no SELECT on 1 owned sequence pg_dump reads: pf_do.t_ids");
    CHECK(outcome.generated_remedy == "GRANT SELECT ON SEQUENCE pf_do.t_ids TO pf_dump_owned;");
    cluster.admin(outcome.generated_remedy);
    require_pg_dump("pf_dump_owned", {"pf_do.t"}, true);
    CHECK(check_as("pf_dump_owned", {"pf_do.t"}).status == Status::pass);
}

TEST_CASE("pg_dump_readable: row-level security on a table the role does not own, then BYPASSRLS") {
    auto& cluster = PgCluster::shared();
    create_login_role("pf_dump_rls");
    cluster.admin("CREATE SCHEMA pf_dr; GRANT USAGE ON SCHEMA pf_dr TO pf_dump_rls;"
                  "CREATE TABLE pf_dr.verify_result (id int); CREATE TABLE pf_dr.other (id int);"
                  "ALTER TABLE pf_dr.verify_result ENABLE ROW LEVEL SECURITY;"
                  "CREATE POLICY everyone ON pf_dr.verify_result USING (true);"
                  "GRANT SELECT ON ALL TABLES IN SCHEMA pf_dr TO pf_dump_rls;");
    const std::vector<std::string> tables = {"pf_dr.verify_result", "pf_dr.other"};
    require_pg_dump("pf_dump_rls", tables, false,
                    "query would be affected by row-level security policy for table \"verify_result\"");
    CHECK(check_as("pf_dump_rls", tables, false).status == Status::pass);

    auto outcome = check_as("pf_dump_rls", tables);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "role pf_dump_rls: row-level security stops pg_dump (it dumps with "
                             "row_security=off) on 1 of 2 tables: pf_dr.verify_result");
    CHECK(outcome.generated_remedy == "ALTER ROLE pf_dump_rls BYPASSRLS;");
    cluster.admin(outcome.generated_remedy);
    require_pg_dump("pf_dump_rls", tables, true);
    CHECK(check_as("pf_dump_rls", tables).status == Status::pass);
}

TEST_CASE("pg_dump_readable: row-level security forced on the role's own table") {
    auto& cluster = PgCluster::shared();
    create_login_role("pf_dump_force");
    cluster.admin("CREATE SCHEMA pf_df; GRANT USAGE ON SCHEMA pf_df TO pf_dump_force;"
                  "CREATE TABLE pf_df.forced (id int); CREATE TABLE pf_df.owned (id int);"
                  "ALTER TABLE pf_df.forced OWNER TO pf_dump_force;"
                  "ALTER TABLE pf_df.owned OWNER TO pf_dump_force;"
                  "ALTER TABLE pf_df.forced ENABLE ROW LEVEL SECURITY;"
                  "ALTER TABLE pf_df.forced FORCE ROW LEVEL SECURITY;"
                  "ALTER TABLE pf_df.owned ENABLE ROW LEVEL SECURITY;");
    // Owned without FORCE: policies do not apply to the owner, pg_dump reads it.
    require_pg_dump("pf_dump_force", {"pf_df.owned"}, true);
    CHECK(check_as("pf_dump_force", {"pf_df.owned"}).status == Status::pass);

    require_pg_dump("pf_dump_force", {"pf_df.forced"}, false, "row-level security policy");
    auto outcome = check_as("pf_dump_force", {"pf_df.forced", "pf_df.owned"});
    CHECK(outcome.message == "role pf_dump_force: row-level security stops pg_dump (it dumps with "
                             "row_security=off) on 1 of 2 tables: pf_df.forced");
    CHECK(outcome.generated_remedy == "ALTER ROLE pf_dump_force BYPASSRLS;");
    cluster.admin(outcome.generated_remedy);
    require_pg_dump("pf_dump_force", {"pf_df.forced", "pf_df.owned"}, true);
    CHECK(check_as("pf_dump_force", {"pf_df.forced", "pf_df.owned"}).status == Status::pass);
}

TEST_CASE("pg_dump_readable: membership in the owner role lifts row-level security, NOINHERIT does not") {
    auto& cluster = PgCluster::shared();
    create_login_role("pf_dump_member");
    create_login_role("pf_dump_noinherit");
    cluster.admin("CREATE ROLE pf_dump_owner NOLOGIN;"
                  "GRANT pf_dump_owner TO pf_dump_member;"
                  "ALTER ROLE pf_dump_noinherit NOINHERIT; GRANT pf_dump_owner TO pf_dump_noinherit;"
                  "CREATE SCHEMA pf_dm; CREATE TABLE pf_dm.t (id int);"
                  "ALTER TABLE pf_dm.t OWNER TO pf_dump_owner; ALTER TABLE pf_dm.t ENABLE ROW LEVEL SECURITY;"
                  "GRANT USAGE ON SCHEMA pf_dm TO pf_dump_member, pf_dump_noinherit;"
                  "GRANT SELECT ON pf_dm.t TO pf_dump_noinherit;");
    require_pg_dump("pf_dump_member", {"pf_dm.t"}, true);
    CHECK(check_as("pf_dump_member", {"pf_dm.t"}).status == Status::pass);
    require_pg_dump("pf_dump_noinherit", {"pf_dm.t"}, false, "row-level security policy");
    CHECK(check_as("pf_dump_noinherit", {"pf_dm.t"}).message ==
          "role pf_dump_noinherit: row-level security stops pg_dump (it dumps with "
          "row_security=off) on 1 of 1 table: pf_dm.t");
}

TEST_CASE("pg_dump_readable: LOCK TABLE needs SELECT and schema USAGE, which the check requires") {
    auto& cluster = PgCluster::shared();
    create_login_role("pf_dump_lock");
    cluster.admin("CREATE SCHEMA pf_dl; CREATE TABLE pf_dl.t (id int);"
                  "GRANT INSERT ON pf_dl.t TO pf_dump_lock;");
    require_pg_dump("pf_dump_lock", {"pf_dl.t"}, false, "permission denied for schema pf_dl");
    auto outcome = check_as("pf_dump_lock", {"pf_dl.t"});
    CHECK(outcome.message == "role pf_dump_lock: no USAGE on schema pf_dl; lacks SELECT on 1 of 1 table: pf_dl.t");
    cluster.admin("GRANT USAGE ON SCHEMA pf_dl TO pf_dump_lock;");
    require_pg_dump("pf_dump_lock", {"pf_dl.t"}, false,
                    "LOCK TABLE pf_dl.t IN ACCESS SHARE MODE");
    CHECK(check_as("pf_dump_lock", {"pf_dl.t"}).message ==
          "role pf_dump_lock: lacks SELECT on 1 of 1 table: pf_dl.t");
    cluster.admin("GRANT SELECT ON pf_dl.t TO pf_dump_lock;");
    require_pg_dump("pf_dump_lock", {"pf_dl.t"}, true);
    CHECK(check_as("pf_dump_lock", {"pf_dl.t"}).status == Status::pass);
}

TEST_CASE("pg_dump_readable: what pg_dump does not need is not asked for") {
    auto& cluster = PgCluster::shared();
    create_login_role("pf_dump_extra");
    // A type and a default's function in a schema the role may not use, an inheritance child
    // it may not read, a partition of a partitioned table and a check constraint: pg_dump of
    // the listed tables needs none of them.
    cluster.admin("CREATE SCHEMA pf_dx_private; CREATE TYPE pf_dx_private.mood AS ENUM ('ok');"
                  "CREATE FUNCTION pf_dx_private.one() RETURNS int LANGUAGE sql AS 'SELECT 1';"
                  "REVOKE EXECUTE ON FUNCTION pf_dx_private.one() FROM PUBLIC;"
                  "CREATE SCHEMA pf_dx; GRANT USAGE ON SCHEMA pf_dx TO pf_dump_extra;"
                  "CREATE TABLE pf_dx.typed (m pf_dx_private.mood, n int DEFAULT pf_dx_private.one() CHECK (n > 0));"
                  "INSERT INTO pf_dx.typed VALUES ('ok', 1);"
                  "CREATE TABLE pf_dx.parent (id int); CREATE TABLE pf_dx.child () INHERITS (pf_dx.parent);"
                  "CREATE TABLE pf_dx.by_range (id int) PARTITION BY RANGE (id);"
                  "CREATE TABLE pf_dx.by_range_1 PARTITION OF pf_dx.by_range FOR VALUES FROM (0) TO (10);"
                  "GRANT SELECT ON pf_dx.typed, pf_dx.parent, pf_dx.by_range TO pf_dump_extra;");
    const std::vector<std::string> tables = {"pf_dx.typed", "pf_dx.parent", "pf_dx.by_range"};
    require_pg_dump("pf_dump_extra", tables, true);
    CHECK(check_as("pf_dump_extra", tables).status == Status::pass);
}
