// The pure judgements of pg_privileges and pg_connect, from literal facts.
#include <doctest/doctest.h>

#include "checks/pg_connect.hpp"
#include "checks/pg_privileges.hpp"

using namespace preflight;

namespace {

TablePrivilegeFacts table(const std::string& schema, const std::string& name,
                          std::vector<std::string> held) {
    TablePrivilegeFacts facts;
    facts.name = {schema, name};
    facts.table_exists = true;
    facts.held = std::move(held);
    return facts;
}

TablePrivilegeFacts absent(const std::string& schema, const std::string& name) {
    TablePrivilegeFacts facts = table(schema, name, {});
    facts.table_exists = false;
    return facts;
}

// Facts as the query reports them when `tables` are all the tables checked: each existing
// table counted, each of their schemas with USAGE, in the order of its first table.
PrivilegeFacts facts_of(std::vector<TablePrivilegeFacts> tables) {
    PrivilegeFacts facts;
    facts.role = "cutter_exec";
    for (const auto& table : tables) {
        if (!table.table_exists) continue;
        ++facts.tables_checked;
        bool known = false;
        for (const auto& schema : facts.schemas)
            known = known || schema.schema == table.name.schema;
        if (!known) facts.schemas.push_back({table.name.schema, true});
    }
    facts.tables = std::move(tables);
    return facts;
}

PrivilegeRules listed() {
    PrivilegeRules rules;
    rules.has_listed_tables = true;
    return rules;
}

}  // namespace

TEST_CASE("judge_privileges: every grant held is a pass") {
    auto outcome = judge_privileges(
        facts_of({table("cutter_governance", "a", {"SELECT"}), table("cutter_governance", "b", {"SELECT"})}),
        listed());
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == "role cutter_exec holds SELECT on all 2 tables");
    CHECK(outcome.generated_remedy.empty());
}

TEST_CASE("judge_privileges: two missing grants give exactly two GRANT statements") {
    std::vector<TablePrivilegeFacts> tables;
    for (const char* name : {"gate_decision", "verify_result", "run_log", "cut_change_set_affected_row"})
        tables.push_back(table("cutter_governance", name, {"SELECT"}));
    tables[1].held.clear();
    tables[3].held.clear();
    auto outcome = judge_privileges(facts_of(tables), listed());
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message ==
          "role cutter_exec: lacks SELECT on 2 of 4 tables: cutter_governance.verify_result, "
          "cutter_governance.cut_change_set_affected_row");
    CHECK(outcome.generated_remedy ==
          "GRANT SELECT ON cutter_governance.verify_result TO cutter_exec;\n"
          "GRANT SELECT ON cutter_governance.cut_change_set_affected_row TO cutter_exec;");
    CHECK(outcome.observed["missing_privileges"]["SELECT"].size() == 2);
}

TEST_CASE("judge_privileges: identifiers in the remedy are quoted like quote_ident") {
    auto facts = facts_of({table("cutter_governance", "Gate Decision", {})});
    auto outcome = judge_privileges(facts, listed());
    CHECK(outcome.message ==
          "role cutter_exec: lacks SELECT on 1 of 1 table: cutter_governance.\"Gate Decision\"");
    CHECK(outcome.generated_remedy ==
          "GRANT SELECT ON cutter_governance.\"Gate Decision\" TO cutter_exec;");
    facts.role = "Exec User";
    CHECK(judge_privileges(facts, listed()).generated_remedy ==
          "GRANT SELECT ON cutter_governance.\"Gate Decision\" TO \"Exec User\";");
}

TEST_CASE("judge_privileges: several missing privileges on a table make one statement") {
    PrivilegeRules rules = listed();
    rules.privileges = {"SELECT", "INSERT"};
    auto outcome = judge_privileges(facts_of({table("s", "a", {}), table("s", "b", {"SELECT"})}), rules);
    CHECK(outcome.message ==
          "role cutter_exec: lacks SELECT on 1 of 2 tables: s.a; lacks INSERT on 2 of 2 tables: s.a, s.b");
    CHECK(outcome.generated_remedy ==
          "GRANT SELECT, INSERT ON s.a TO cutter_exec;\nGRANT INSERT ON s.b TO cutter_exec;");
}

TEST_CASE("judge_privileges: a missing table is reported apart and gets no GRANT") {
    auto outcome = judge_privileges(
        facts_of({table("s", "a", {"SELECT"}), absent("s", "gone"), absent("nowhere", "t")}), listed());
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "role cutter_exec: 2 tables do not exist: s.gone, nowhere.t");
    CHECK(outcome.generated_remedy.empty());
}

TEST_CASE("judge_privileges: no USAGE on the schema is reported apart, once per schema") {
    auto facts = facts_of({table("s", "a", {"SELECT"}), table("s", "b", {})});
    facts.schemas[0].usage = false;
    auto outcome = judge_privileges(facts, listed());
    CHECK(outcome.message ==
          "role cutter_exec: no USAGE on schema s; lacks SELECT on 1 of 2 tables: s.b");
    CHECK(outcome.generated_remedy ==
          "GRANT USAGE ON SCHEMA s TO cutter_exec;\nGRANT SELECT ON s.b TO cutter_exec;");
}

TEST_CASE("judge_privileges: forbidden privileges give REVOKE statements") {
    PrivilegeRules rules = listed();
    rules.forbid = {"INSERT", "UPDATE", "DELETE", "TRUNCATE"};
    auto outcome = judge_privileges(
        facts_of({table("s", "a", {"SELECT", "INSERT", "DELETE"}), table("s", "b", {"SELECT"})}), rules);
    CHECK(outcome.message ==
          "role cutter_exec: holds forbidden INSERT on 1 of 2 tables: s.a; holds forbidden DELETE "
          "on 1 of 2 tables: s.a");
    CHECK(outcome.generated_remedy == "REVOKE INSERT, DELETE ON s.a FROM cutter_exec;");
    auto clean = judge_privileges(facts_of({table("s", "b", {"SELECT"})}), rules);
    CHECK(clean.message ==
          "role cutter_exec holds SELECT on all 1 table; holds none of INSERT, UPDATE, DELETE, TRUNCATE");
}

TEST_CASE("judge_privileges: superuser") {
    PrivilegeRules rules = listed();
    rules.forbid_superuser = true;
    auto facts = facts_of({table("s", "a", {"SELECT"})});
    facts.superuser = true;
    auto outcome = judge_privileges(facts, rules);
    CHECK(outcome.message == "role cutter_exec: is a superuser");
    CHECK(outcome.generated_remedy == "ALTER ROLE cutter_exec NOSUPERUSER;");
    rules.forbid_superuser = false;
    CHECK(judge_privileges(facts, rules).status == Status::pass);
    rules.forbid = {"INSERT"};
    facts.tables[0].held = {"SELECT", "INSERT"};  // a superuser holds everything
    outcome = judge_privileges(facts, rules);
    CHECK(outcome.message == "role cutter_exec: is a superuser, so holds every privilege");
    CHECK(outcome.generated_remedy == "ALTER ROLE cutter_exec NOSUPERUSER;");
    facts.superuser = false;
    rules.forbid_superuser = true;
    CHECK(judge_privileges(facts, rules).message ==
          "role cutter_exec: holds forbidden INSERT on 1 of 1 table: s.a");
}

TEST_CASE("judge_privileges: schema and expected count") {
    PrivilegeRules rules;
    rules.schema = "cutter_governance";
    rules.expect_count = 9;
    auto facts = facts_of({table("cutter_governance", "a", {"SELECT"})});
    facts.schema_exists = true;
    facts.schema_table_count = 1;
    auto outcome = judge_privileges(facts, rules);
    CHECK(outcome.message == "role cutter_exec: schema cutter_governance has 1 table, expected 9");
    facts.schema_table_count = 9;
    facts.tables_checked = 9;  // the eight others hold every grant: the query leaves them out
    CHECK(judge_privileges(facts, rules).message ==
          "role cutter_exec holds SELECT on all 9 tables of schema cutter_governance");
    facts.schema_exists = false;
    facts.tables.clear();
    facts.schemas.clear();
    facts.schema_table_count = facts.tables_checked = 0;
    CHECK(judge_privileges(facts, rules).message ==
          "role cutter_exec: schema cutter_governance does not exist");
    rules.expect_count.reset();
    facts.schema_exists = true;
    CHECK(judge_privileges(facts, rules).message ==
          "role cutter_exec: schema cutter_governance has no tables");
}

TEST_CASE("judge_privileges: an unknown role, and long lists are cut at ten names") {
    auto facts = facts_of({});
    facts.role_exists = false;
    CHECK(judge_privileges(facts, listed()).message == "role cutter_exec does not exist");
    std::vector<TablePrivilegeFacts> many;
    for (int i = 0; i < 12; ++i) many.push_back(table("s", "t" + std::to_string(i), {}));
    auto outcome = judge_privileges(facts_of(many), listed());
    CHECK(outcome.message ==
          "role cutter_exec: lacks SELECT on 12 of 12 tables: s.t0, s.t1, s.t2, s.t3, s.t4, s.t5, "
          "s.t6, s.t7, s.t8, s.t9 and 2 more");
    CHECK(outcome.observed["missing_privileges"]["SELECT"].size() == 12);
}

TEST_CASE("judge_privileges: counts are the tables checked, not the tables reported") {
    // The query reports only the tables with something to say: of 100,000, the one lacking SELECT.
    PrivilegeRules rules;
    rules.schema = "big";
    rules.expect_count = 100000;
    rules.forbid = {"INSERT"};
    auto facts = facts_of({table("big", "t05000", {"INSERT"})});
    facts.schema_exists = true;
    facts.schema_table_count = facts.tables_checked = 100000;
    auto outcome = judge_privileges(facts, rules);
    CHECK(outcome.message == "role cutter_exec: lacks SELECT on 1 of 100000 tables: big.t05000; "
                             "holds forbidden INSERT on 1 of 100000 tables: big.t05000");
    CHECK(outcome.generated_remedy == "GRANT SELECT ON big.t05000 TO cutter_exec;\n"
                                      "REVOKE INSERT ON big.t05000 FROM cutter_exec;");
    CHECK(outcome.observed["tables_checked"] == 100000);
    facts.tables.clear();
    outcome = judge_privileges(facts, rules);
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == "role cutter_exec holds SELECT on all 100000 tables of schema big; "
                             "holds none of INSERT");
}

TEST_CASE("judge_privileges: schemas without USAGE come in the order the query gives them") {
    auto facts = facts_of({table("b", "x", {"SELECT"}), table("A b", "y", {"SELECT"})});
    facts.schemas = {{"b", false}, {"A b", false}, {"c", true}};
    facts.tables_checked = 5;
    auto outcome = judge_privileges(facts, listed());
    CHECK(outcome.message == "role cutter_exec: no USAGE on schemas b, \"A b\"");
    CHECK(outcome.generated_remedy == "GRANT USAGE ON SCHEMA b TO cutter_exec;\n"
                                      "GRANT USAGE ON SCHEMA \"A b\" TO cutter_exec;");
}

namespace {

PrivilegeRules for_pg_dump() {
    PrivilegeRules rules = listed();
    rules.pg_dump_readable = true;
    return rules;
}

TablePrivilegeFacts with_row_security(TablePrivilegeFacts facts, bool owner, bool force) {
    facts.row_security = true;
    facts.role_has_owner_privileges = owner;
    facts.force_row_security = force;
    return facts;
}

}  // namespace

TEST_CASE("judge_privileges pg_dump_readable: sequences and row-level security pass when readable") {
    auto plain = table("cutter_governance", "cut_run", {"SELECT"});
    auto owned_no_force = with_row_security(table("cutter_governance", "b", {"SELECT"}), true, false);
    auto outcome = judge_privileges(facts_of({plain, owned_no_force}), for_pg_dump());
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == "role cutter_exec holds SELECT on all 2 tables; pg_dump can read "
                             "them (owned sequences, row-level security)");
    // Without the field, what pg_dump reads is not judged.
    plain.sequences_without_select = {"cut_run_seq_id_seq"};
    CHECK(judge_privileges(facts_of({plain}), listed()).status == Status::pass);
}

TEST_CASE("judge_privileges pg_dump_readable: an owned sequence without SELECT fails with its GRANT") {
    auto run = table("cutter_governance", "cut_run", {"SELECT"});
    run.sequences_without_select = {"cut_run_seq_id_seq", "Odd Seq"};
    auto outcome = judge_privileges(facts_of({run, table("cutter_governance", "b", {"SELECT"})}),
                                    for_pg_dump());
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "role cutter_exec: no SELECT on 2 owned sequences pg_dump reads: "
                             "cutter_governance.cut_run_seq_id_seq, cutter_governance.\"Odd Seq\"");
    CHECK(outcome.generated_remedy ==
          "GRANT SELECT ON SEQUENCE cutter_governance.cut_run_seq_id_seq TO cutter_exec;\n"
          "GRANT SELECT ON SEQUENCE cutter_governance.\"Odd Seq\" TO cutter_exec;");
    CHECK(outcome.observed["sequences_without_select"].size() == 2);
    CHECK(outcome.expected["pg_dump_readable"] == true);
}

TEST_CASE("judge_privileges pg_dump_readable: row-level security that applies to the role fails") {
    auto not_owner = with_row_security(table("s", "a", {"SELECT"}), false, false);
    auto forced_owner = with_row_security(table("s", "b", {"SELECT"}), true, true);
    auto facts = facts_of({not_owner, forced_owner, table("s", "c", {"SELECT"})});
    auto outcome = judge_privileges(facts, for_pg_dump());
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "role cutter_exec: row-level security stops pg_dump (it dumps with "
                             "row_security=off) on 2 of 3 tables: s.a, s.b");
    CHECK(outcome.generated_remedy == "ALTER ROLE cutter_exec BYPASSRLS;");
    facts.bypass_rls = true;
    CHECK(judge_privileges(facts, for_pg_dump()).status == Status::pass);
    facts.bypass_rls = false;
    facts.superuser = true;
    CHECK(judge_privileges(facts, for_pg_dump()).status == Status::pass);
}

TEST_CASE("judge_pg_connect: versions, user and database") {
    PgSessionFacts facts{150004, "cutter_exec", "directus"};
    CHECK(server_version_text(150004) == "15.4");
    CHECK(server_version_text(90624) == "9.6.24");
    PgConnectExpectations expected;
    auto outcome = judge_pg_connect("directus", facts, expected);
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message ==
          "connection 'directus': connected as cutter_exec to database directus, PostgreSQL 15.4");
    expected.min_version = "13";
    expected.max_version = "15";
    expected.user = "cutter_exec";
    expected.database = "directus";
    CHECK(judge_pg_connect("directus", facts, expected).status == Status::pass);
    expected.min_version = "16";
    expected.user = "postgres";
    expected.database = "other";
    outcome = judge_pg_connect("directus", facts, expected);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message ==
          "connection 'directus': PostgreSQL 15.4 is older than the minimum 16; connected as "
          "cutter_exec, expected postgres; connected to database directus, expected other");
    expected = {};
    expected.max_version = "14";
    CHECK(judge_pg_connect("directus", facts, expected).message ==
          "connection 'directus': PostgreSQL 15.4 is newer than the maximum 14");
}

TEST_CASE("read_privilege_facts: pg_dump columns are read only when asked, names kept as stored") {
    using Row = host::PgRow;
    auto cell = [](const char* text) { return std::optional<std::string>(text); };
    const std::vector<Row> rows = {
        {cell("0"), std::nullopt, cell("cutter_exec"), cell("true"), cell("false"), cell("true"),
         cell("true"), cell("100000"), cell("100001"), std::nullopt},
        {cell("1"), cell("1"), cell("s"), cell("false"), std::nullopt, std::nullopt, std::nullopt,
         std::nullopt, std::nullopt, std::nullopt},
        {cell("1"), std::nullopt, cell("Big One"), cell("true"), std::nullopt, std::nullopt,
         std::nullopt, std::nullopt, std::nullopt, std::nullopt},
        {cell("2"), cell("1"), cell("s"), cell("Gate Decision"), cell("true"), cell("{SELECT}"),
         cell("true"), cell("false"), cell("false"), cell(R"(["Gate Decision_id_seq", "a\"b"])")},
        {cell("2"), cell("2"), cell("s"), cell("gone"), cell("false"), std::nullopt, std::nullopt,
         std::nullopt, std::nullopt, std::nullopt}};
    const auto facts = read_privilege_facts(rows, true);
    CHECK(facts.bypass_rls);
    CHECK(facts.schema_exists);
    CHECK(facts.schema_table_count == 100000);
    CHECK(facts.tables_checked == 100001);
    REQUIRE(facts.schemas.size() == 2);
    CHECK(facts.schemas[0].schema == "s");
    CHECK_FALSE(facts.schemas[0].usage);
    CHECK(facts.schemas[1].schema == "Big One");
    CHECK(facts.schemas[1].usage);
    REQUIRE(facts.tables.size() == 2);
    CHECK(facts.tables[0].held == std::vector<std::string>{"SELECT"});
    CHECK(facts.tables[0].row_security);
    CHECK_FALSE(facts.tables[0].force_row_security);
    CHECK(facts.tables[0].sequences_without_select ==
          std::vector<std::string>{"Gate Decision_id_seq", "a\"b"});
    CHECK_FALSE(facts.tables[1].table_exists);
    CHECK(read_privilege_facts(rows, false).tables[0].sequences_without_select.empty());
    auto short_row = rows;
    short_row[3].pop_back();
    CHECK_THROWS_AS(read_privilege_facts(short_row, true), std::runtime_error);
    auto no_privileges = rows;
    no_privileges[3][5] = std::nullopt;  // an existing table the query did not judge
    CHECK_THROWS_AS(read_privilege_facts(no_privileges, true), std::runtime_error);
    auto bad_count = rows;
    bad_count[0][8] = cell("-1");
    CHECK_THROWS_AS(read_privilege_facts(bad_count, true), std::runtime_error);
    auto late_schema = rows;
    std::swap(late_schema[2], late_schema[3]);
    CHECK_THROWS_AS(read_privilege_facts(late_schema, true), std::runtime_error);
    auto unknown_part = rows;
    unknown_part[4][0] = cell("3");
    CHECK_THROWS_AS(read_privilege_facts(unknown_part, true), std::runtime_error);
}
