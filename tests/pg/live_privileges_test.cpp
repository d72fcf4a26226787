// pg_privileges against the throwaway cluster: each case builds its own schema and role, checks,
// and where there is a remedy, runs it and checks again.
#include <doctest/doctest.h>

#include <chrono>
#include <pqxx/pqxx>

#include "checks/pg_privileges.hpp"
#include "pg_cluster.hpp"
#include "pg_support.hpp"
#include "src/host/pg.hpp"

using namespace preflight;
using namespace preflight::testing;

namespace {

void create_login_role(const std::string& role, const std::string& attributes = "") {
    PgCluster::shared().admin("CREATE ROLE " + role + " LOGIN " + attributes + " PASSWORD " +
                              sql_literal(kPassword));
}

// Counts the statements the checks send, to prove one query covers every table.
class CountingConnector : public host::PgConnector {
public:
    host::LibpqConnector inner;
    int calls = 0;
    std::vector<host::PgRow> query(const host::PgQueryScope& scope, const std::string& connection,
                                   const std::string& sql,
                                   const std::vector<std::string>& params) override {
        ++calls;
        return inner.query(scope, connection, sql, params);
    }
};

// One run of a pg_privileges check as `login` (a fresh connector: a fresh run).
Outcome check_privileges(const std::string& login, std::map<std::string, FieldValue> fields,
                         int* queries = nullptr) {
    CountingConnector connector;
    auto context = pg_context(&connector, PgCluster::shared().conninfo(login), kPassword);
    Outcome outcome = run_pg_check(pg_privileges_kind(), *context, std::move(fields));
    if (queries) *queries = connector.calls;
    return outcome;
}

}  // namespace

TEST_CASE("the runbook's gate: two of nine SELECT grants missing, then granted") {
    auto& cluster = PgCluster::shared();
    create_login_role("cutter_exec");
    const std::vector<std::string> names = {
        "gate_decision", "verify_result",     "cut_change_set",   "cut_change_set_affected_row",
        "run_ledger",    "approval",          "snapshot_manifest", "mutation_journal",
        "rollback_plan"};
    std::string setup = "CREATE SCHEMA cutter_governance; GRANT USAGE ON SCHEMA cutter_governance TO cutter_exec;";
    std::vector<std::string> tables;
    for (const auto& name : names) {
        setup += "CREATE TABLE cutter_governance." + name + " (id int);";
        if (name != "verify_result" && name != "cut_change_set_affected_row")
            setup += "GRANT SELECT ON cutter_governance." + name + " TO cutter_exec;";
        tables.push_back("cutter_governance." + name);
    }
    cluster.admin(setup);

    int queries = 0;
    auto outcome = check_privileges("cutter_exec", {{"tables", list(tables)}}, &queries);
    CHECK(queries == 1);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message ==
          "role cutter_exec: lacks SELECT on 2 of 9 tables: cutter_governance.verify_result, "
          "cutter_governance.cut_change_set_affected_row");
    CHECK(outcome.generated_remedy ==
          "GRANT SELECT ON cutter_governance.verify_result TO cutter_exec;\n"
          "GRANT SELECT ON cutter_governance.cut_change_set_affected_row TO cutter_exec;");

    cluster.admin(outcome.generated_remedy);
    outcome = check_privileges("cutter_exec", {{"tables", list(tables)}});
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == "role cutter_exec holds SELECT on all 9 tables");
    outcome = check_privileges("cutter_exec", {{"schema", text("cutter_governance")},
                                               {"expect_count", 9LL},
                                               {"forbid", list({"INSERT", "UPDATE", "DELETE", "TRUNCATE"})},
                                               {"superuser", text("forbid")}});
    CHECK(outcome.message ==
          "role cutter_exec holds SELECT on all 9 tables of schema cutter_governance; holds none "
          "of INSERT, UPDATE, DELETE, TRUNCATE; is not a superuser");
}

TEST_CASE("one missing grant, on a table whose name needs quoting") {
    auto& cluster = PgCluster::shared();
    create_login_role("pf_quote");
    cluster.admin(R"(CREATE SCHEMA "Pf Quote"; GRANT USAGE ON SCHEMA "Pf Quote" TO pf_quote;
                     CREATE TABLE "Pf Quote"."Gate Decision" (id int);
                     CREATE TABLE "Pf Quote"."user" (id int);
                     GRANT SELECT ON "Pf Quote"."user" TO pf_quote;)");
    const auto fields = std::map<std::string, FieldValue>{
        {"tables", list({"\"Pf Quote\".\"Gate Decision\"", "\"Pf Quote\".user"})}};
    auto outcome = check_privileges("pf_quote", fields);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "role pf_quote: lacks SELECT on 1 of 2 tables: \"Pf Quote\".\"Gate Decision\"");
    CHECK(outcome.generated_remedy == "GRANT SELECT ON \"Pf Quote\".\"Gate Decision\" TO pf_quote;");
    cluster.admin(outcome.generated_remedy);
    CHECK(check_privileges("pf_quote", fields).status == Status::pass);
}

TEST_CASE("a missing table is reported apart from missing grants") {
    auto& cluster = PgCluster::shared();
    create_login_role("pf_missing");
    cluster.admin("CREATE SCHEMA pf_m; GRANT USAGE ON SCHEMA pf_m TO pf_missing;"
                  "CREATE TABLE pf_m.present (id int); CREATE TABLE pf_m.ungranted (id int);"
                  "GRANT SELECT ON pf_m.present TO pf_missing;");
    auto outcome = check_privileges(
        "pf_missing", {{"tables", list({"pf_m.present", "pf_m.gone", "pf_m.ungranted", "pf_nowhere.t"})}});
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message ==
          "role pf_missing: 2 tables do not exist: pf_m.gone, pf_nowhere.t; lacks SELECT on 1 of "
          "2 tables: pf_m.ungranted");
    CHECK(outcome.generated_remedy == "GRANT SELECT ON pf_m.ungranted TO pf_missing;");
}

TEST_CASE("no USAGE on the schema is reported apart, with its GRANT") {
    auto& cluster = PgCluster::shared();
    create_login_role("pf_nousage");
    cluster.admin("CREATE SCHEMA pf_nu; CREATE TABLE pf_nu.a (id int); GRANT SELECT ON pf_nu.a TO pf_nousage;");
    auto outcome = check_privileges("pf_nousage", {{"tables", list({"pf_nu.a"})}});
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "role pf_nousage: no USAGE on schema pf_nu");
    CHECK(outcome.generated_remedy == "GRANT USAGE ON SCHEMA pf_nu TO pf_nousage;");
    cluster.admin(outcome.generated_remedy);
    CHECK(check_privileges("pf_nousage", {{"tables", list({"pf_nu.a"})}}).status == Status::pass);
}

TEST_CASE("superuser: forbid") {
    auto& cluster = PgCluster::shared();
    create_login_role("pf_super", "SUPERUSER");
    cluster.admin("CREATE SCHEMA pf_su; CREATE TABLE pf_su.a (id int);");
    auto outcome = check_privileges("pf_super", {{"tables", list({"pf_su.a"})}, {"superuser", text("forbid")}});
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "role pf_super: is a superuser");
    CHECK(outcome.generated_remedy == "ALTER ROLE pf_super NOSUPERUSER;");
    CHECK(check_privileges("pf_super", {{"tables", list({"pf_su.a"})}}).status == Status::pass);
}

TEST_CASE("a forbidden write grant is reported with its REVOKE") {
    auto& cluster = PgCluster::shared();
    create_login_role("pf_writer");
    cluster.admin("CREATE SCHEMA pf_w; GRANT USAGE ON SCHEMA pf_w TO pf_writer;"
                  "CREATE TABLE pf_w.a (id int); CREATE TABLE pf_w.b (id int);"
                  "GRANT SELECT, INSERT ON pf_w.a TO pf_writer; GRANT SELECT ON pf_w.b TO pf_writer;");
    const auto fields = std::map<std::string, FieldValue>{
        {"schema", text("pf_w")}, {"forbid", list({"INSERT", "UPDATE", "DELETE", "TRUNCATE"})}};
    auto outcome = check_privileges("pf_writer", fields);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "role pf_writer: holds forbidden INSERT on 1 of 2 tables: pf_w.a");
    CHECK(outcome.generated_remedy == "REVOKE INSERT ON pf_w.a FROM pf_writer;");
    cluster.admin(outcome.generated_remedy);
    CHECK(check_privileges("pf_writer", fields).status == Status::pass);
}

TEST_CASE("tables of many shapes in one schema: owner, direct grant, none, grant via a group role") {
    // The query asks has_table_privilege once per (schema, kind, owner, ACL): every shape here
    // must still come out as it does table by table.
    auto& cluster = PgCluster::shared();
    create_login_role("pf_shape");
    cluster.admin("CREATE ROLE pf_shape_readers; GRANT pf_shape_readers TO pf_shape;"
                  "CREATE SCHEMA pf_sh; GRANT USAGE ON SCHEMA pf_sh TO pf_shape;"
                  "CREATE TABLE pf_sh.a (id int); CREATE TABLE pf_sh.b (id int); CREATE TABLE pf_sh.c (id int);"
                  "CREATE TABLE pf_sh.d (id int); CREATE TABLE pf_sh.e (id int); CREATE TABLE pf_sh.f (id int);"
                  "GRANT SELECT ON pf_sh.a, pf_sh.b TO pf_shape; GRANT SELECT ON pf_sh.d TO pf_shape_readers;"
                  "ALTER TABLE pf_sh.e OWNER TO pf_shape; GRANT SELECT, INSERT ON pf_sh.f TO pf_shape;");
    const auto fields = std::map<std::string, FieldValue>{
        {"schema", text("pf_sh")}, {"forbid", list({"INSERT"})}, {"expect_count", 6LL}};
    auto outcome = check_privileges("pf_shape", fields);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "role pf_shape: lacks SELECT on 1 of 6 tables: pf_sh.c; "
                             "holds forbidden INSERT on 2 of 6 tables: pf_sh.e, pf_sh.f");
    cluster.admin("GRANT SELECT ON pf_sh.c TO pf_shape_readers; REVOKE INSERT ON pf_sh.f FROM pf_shape;"
                  "ALTER TABLE pf_sh.e OWNER TO postgres; GRANT SELECT ON pf_sh.e TO pf_shape;");
    CHECK(check_privileges("pf_shape", fields).status == Status::pass);
}

TEST_CASE("role: another role than the connected user, or one that does not exist") {
    auto& cluster = PgCluster::shared();
    create_login_role("pf_auditor");
    cluster.admin("CREATE ROLE pf_reader NOLOGIN; CREATE SCHEMA pf_r; GRANT USAGE ON SCHEMA pf_r TO pf_reader;"
                  "CREATE TABLE pf_r.a (id int); GRANT SELECT ON pf_r.a TO pf_reader;");
    auto outcome = check_privileges("pf_auditor", {{"tables", list({"pf_r.a"})}, {"role", text("pf_reader")}});
    CHECK(outcome.message == "role pf_reader holds SELECT on all 1 table");
    outcome = check_privileges("pf_auditor", {{"tables", list({"pf_r.a"})}});
    CHECK(outcome.message == "role pf_auditor: no USAGE on schema pf_r; lacks SELECT on 1 of 1 table: pf_r.a");
    outcome = check_privileges("pf_auditor", {{"tables", list({"pf_r.a"})}, {"role", text("pf_ghost")}});
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "role pf_ghost does not exist");
}

TEST_CASE("a table locked ACCESS EXCLUSIVE does not block the check: it reads only catalogs") {
    auto& cluster = PgCluster::shared();
    create_login_role("pf_locked");
    cluster.admin("CREATE SCHEMA pf_l; GRANT USAGE ON SCHEMA pf_l TO pf_locked;"
                  "CREATE TABLE pf_l.a (id int); GRANT SELECT ON pf_l.a TO pf_locked;");
    pqxx::connection holder(cluster.conninfo("postgres"));
    pqxx::work lock(holder);
    lock.exec("LOCK TABLE pf_l.a IN ACCESS EXCLUSIVE MODE");
    auto outcome = check_privileges("pf_locked", {{"tables", list({"pf_l.a"})}});
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == "role pf_locked holds SELECT on all 1 table");
    lock.abort();
}

TEST_CASE("a lock the query must wait for ends in an error via lock_timeout, not a hang") {
    auto& cluster = PgCluster::shared();
    create_login_role("pf_waiter");
    cluster.admin("CREATE SCHEMA pf_wait; GRANT USAGE ON SCHEMA pf_wait TO pf_waiter;"
                  "CREATE TABLE pf_wait.a (id int); GRANT SELECT ON pf_wait.a TO pf_waiter;");
    host::LibpqConnector connector;
    auto context = pg_context(&connector, cluster.conninfo("pf_waiter"), kPassword);
    Diagnostics diagnostics;
    auto check = build_check(pg_privileges_kind(), context->rule_pack,
                             {{"connection", text("db")}, {"tables", list({"pf_wait.a"})}}, diagnostics);
    REQUIRE(check);
    CHECK(check->run(*context).status == Status::pass);  // the session is open before the lock

    // A migration holding pg_namespace: every name lookup in the catalogs has to wait.
    pqxx::connection holder(cluster.conninfo("postgres"));
    pqxx::work lock(holder);
    lock.exec("LOCK TABLE pg_catalog.pg_namespace IN ACCESS EXCLUSIVE MODE");
    context->started = std::chrono::steady_clock::now();
    context->check_timeout = std::chrono::milliseconds(2000);
    auto outcome = check->run(*context);
    lock.abort();
    CHECK(outcome.status == Status::error);
    const std::string head = "connection 'db': gave up waiting for a lock after ";
    const std::string tail =
        " ms (another session holds a conflicting lock, e.g. a migration or VACUUM FULL; find it "
        "in pg_locks, then re-run)";
    CHECK(outcome.message.rfind(head, 0) == 0);
    CHECK(outcome.message.size() > head.size() + tail.size());
    CHECK(outcome.message.substr(outcome.message.size() - std::min(outcome.message.size(), tail.size())) == tail);
    context->started = std::chrono::steady_clock::now();
    CHECK(check->run(*context).status == Status::pass);  // the session survived the lock wait
}

TEST_CASE("10,000 tables are checked in one query") {
    auto& cluster = PgCluster::shared();
    create_login_role("pf_many");
    cluster.admin("CREATE SCHEMA pf_big; GRANT USAGE ON SCHEMA pf_big TO pf_many;"
                  "DO $$ BEGIN FOR i IN 1..10000 LOOP "
                  "EXECUTE format('CREATE TABLE pf_big.t%s ()', i); END LOOP; END $$;"
                  "GRANT SELECT ON ALL TABLES IN SCHEMA pf_big TO pf_many;"
                  "REVOKE SELECT ON pf_big.t5000 FROM pf_many;");
    std::vector<std::string> tables;
    for (int i = 1; i <= 10000; ++i) tables.push_back("pf_big.t" + std::to_string(i));
    int queries = 0;
    auto outcome = check_privileges("pf_many",
                                    {{"tables", list(tables)}, {"schema", text("pf_big")},
                                     {"expect_count", 10000LL}},
                                    &queries);
    CHECK(queries == 1);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "role pf_many: lacks SELECT on 1 of 10000 tables: pf_big.t5000");
    CHECK(outcome.generated_remedy == "GRANT SELECT ON pf_big.t5000 TO pf_many;");
    CHECK(outcome.observed["tables_checked"] == 10000);

    // What pg_dump reads is asked in the same single query.
    queries = 0;
    const auto started = std::chrono::steady_clock::now();
    outcome = check_privileges("pf_many",
                               {{"tables", list(tables)}, {"pg_dump_readable", true}}, &queries);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
    CHECK(queries == 1);
    CHECK(outcome.message == "role pf_many: lacks SELECT on 1 of 10000 tables: pf_big.t5000");
}

TEST_CASE("a few of 3,002 tables miss grants or hold forbidden ones: exactly those are named") {
    // The query sends back only the tables to report; the counts still cover every table.
    auto& cluster = PgCluster::shared();
    create_login_role("pf_few");
    cluster.admin("CREATE SCHEMA pf_few; GRANT USAGE ON SCHEMA pf_few TO pf_few;"
                  "ALTER DEFAULT PRIVILEGES IN SCHEMA pf_few GRANT SELECT ON TABLES TO pf_few;"
                  "DO $$ BEGIN FOR i IN 1..3000 LOOP "
                  "EXECUTE format('CREATE TABLE pf_few.%I ()', 't' || lpad(i::text, 4, '0'));"
                  "END LOOP; END $$;"
                  "CREATE TABLE pf_few.\"Odd Name\" (); CREATE TABLE pf_few.\"Zed\" ();"
                  "REVOKE SELECT ON pf_few.t2999, pf_few.t0042, pf_few.\"Odd Name\" FROM pf_few;"
                  "GRANT INSERT, DELETE ON pf_few.t1500 TO pf_few;"
                  "GRANT TRUNCATE ON pf_few.t0042 TO pf_few;");
    const auto forbid = list({"INSERT", "UPDATE", "DELETE", "TRUNCATE"});
    int queries = 0;
    auto outcome = check_privileges("pf_few",
                                    {{"tables", list({"pf_few.t2999", "pf_few.gone"})},
                                     {"schema", text("pf_few")},
                                     {"expect_count", 3002LL},
                                     {"forbid", forbid}},
                                    &queries);
    CHECK(queries == 1);
    CHECK(outcome.status == Status::fail);
    // Listed tables first, in list order; then the schema's others by name, byte-wise.
    CHECK(outcome.message ==
          "role pf_few: 1 table does not exist: pf_few.gone; lacks SELECT on 3 of 3002 tables: "
          "pf_few.t2999, pf_few.\"Odd Name\", pf_few.t0042; holds forbidden INSERT on 1 of 3002 "
          "tables: pf_few.t1500; holds forbidden DELETE on 1 of 3002 tables: pf_few.t1500; holds "
          "forbidden TRUNCATE on 1 of 3002 tables: pf_few.t0042");
    CHECK(outcome.generated_remedy ==
          "GRANT SELECT ON pf_few.t2999 TO pf_few;\n"
          "GRANT SELECT ON pf_few.\"Odd Name\" TO pf_few;\n"
          "GRANT SELECT ON pf_few.t0042 TO pf_few;\n"
          "REVOKE TRUNCATE ON pf_few.t0042 FROM pf_few;\n"
          "REVOKE INSERT, DELETE ON pf_few.t1500 FROM pf_few;");
    CHECK(outcome.observed["tables_checked"] == 3002);
    CHECK(outcome.observed["schema_table_count"] == 3002);
    CHECK(outcome.observed["missing_tables"] == nlohmann::json::array({"pf_few.gone"}));

    cluster.admin(outcome.generated_remedy);
    outcome = check_privileges("pf_few", {{"schema", text("pf_few")},
                                          {"expect_count", 3002LL},
                                          {"forbid", forbid},
                                          {"superuser", text("forbid")}});
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message ==
          "role pf_few holds SELECT on all 3002 tables of schema pf_few; holds none of INSERT, "
          "UPDATE, DELETE, TRUNCATE; is not a superuser");
    CHECK(outcome.observed["tables_checked"] == 3002);
}

TEST_CASE("10,000 tables each with an ACL of its own are judged, within the check's timeout") {
    // Tables meet their privilege shape in a hash join on the effective ACL. A join that could
    // only compare ACLs pair by pair took seconds at 5,000 distinct ACLs and grew with the square.
    auto& cluster = PgCluster::shared();
    create_login_role("pf_acl");
    cluster.admin(
        "CREATE ROLE pf_acl_a; CREATE ROLE pf_acl_b;"
        "CREATE SCHEMA pf_acl; GRANT USAGE ON SCHEMA pf_acl TO pf_acl;"
        "DO $$ DECLARE privileges text[] := ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', "
        "'TRUNCATE', 'REFERENCES', 'TRIGGER']; table_name text; a text; b text;"
        "BEGIN FOR i IN 1..10000 LOOP"
        "  table_name := 't' || lpad(i::text, 5, '0');"
        "  EXECUTE format('CREATE TABLE pf_acl.%I ()', table_name);"
        "  EXECUTE format('GRANT SELECT ON pf_acl.%I TO pf_acl', table_name);"
        // The bits of i choose pf_acl_a's and pf_acl_b's privileges: every ACL differs.
        "  SELECT string_agg(privileges[k + 1], ', ') INTO a FROM generate_series(0, 6) k"
        "    WHERE (i >> k) & 1 = 1;"
        "  SELECT string_agg(privileges[k + 1], ', ') INTO b FROM generate_series(0, 6) k"
        "    WHERE (i >> (k + 7)) & 1 = 1;"
        "  IF a IS NOT NULL THEN"
        "    EXECUTE format('GRANT %s ON pf_acl.%I TO pf_acl_a', a, table_name); END IF;"
        "  IF b IS NOT NULL THEN"
        "    EXECUTE format('GRANT %s ON pf_acl.%I TO pf_acl_b', b, table_name); END IF;"
        "END LOOP; END $$;"
        "REVOKE SELECT ON pf_acl.t00007, pf_acl.t08191 FROM pf_acl;"
        "GRANT UPDATE ON pf_acl.t09999 TO pf_acl;");
    {
        pqxx::connection admin(cluster.conninfo("postgres"));
        pqxx::work read(admin);
        CHECK(read.exec1("SELECT count(*) FROM (SELECT relacl FROM pg_class WHERE relnamespace = "
                         "'pf_acl'::regnamespace AND relkind = 'r' GROUP BY relacl) AS acls")[0]
                  .as<long long>() == 10000);
    }
    const auto fields = std::map<std::string, FieldValue>{
        {"schema", text("pf_acl")}, {"expect_count", 10000LL}, {"forbid", list({"UPDATE"})}};
    auto outcome = check_privileges("pf_acl", fields);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message ==
          "role pf_acl: lacks SELECT on 2 of 10000 tables: pf_acl.t00007, pf_acl.t08191; holds "
          "forbidden UPDATE on 1 of 10000 tables: pf_acl.t09999");
    CHECK(outcome.generated_remedy ==
          "GRANT SELECT ON pf_acl.t00007 TO pf_acl;\n"
          "GRANT SELECT ON pf_acl.t08191 TO pf_acl;\n"
          "REVOKE UPDATE ON pf_acl.t09999 FROM pf_acl;");
    // pf_acl_a holds SELECT on the odd-numbered tables, INSERT where bit 1 of the number is set.
    outcome = check_privileges("pf_acl", {{"schema", text("pf_acl")},
                                          {"privileges", list({"SELECT"})},
                                          {"forbid", list({"INSERT"})},
                                          {"role", text("pf_acl_a")}});
    CHECK(outcome.status == Status::fail);
    INFO(outcome.message);
    CHECK(outcome.message.rfind("role pf_acl_a: no USAGE on schema pf_acl; lacks SELECT on 5000 "
                                "of 10000 tables: pf_acl.t00002, pf_acl.t00004, pf_acl.t00006, ",
                                0) == 0);
    CHECK(outcome.observed["forbidden_held"]["INSERT"].size() == 5000);
    CHECK(outcome.observed["forbidden_held"]["INSERT"][0] == "pf_acl.t00002");
}
