// pg_query: its fields at load (located, word for word) and its judgement, with literals.
#include <doctest/doctest.h>

#include "checks/pg_query.hpp"
#include "pg_support.hpp"

using namespace preflight;
using namespace preflight::testing;

namespace {

RulePack pack_with_db() {
    RulePack pack;
    ConnectionDecl decl;
    decl.name = "db";
    decl.postgres = Template::literal("host=/var/run/postgresql dbname=directus");
    pack.connections["db"] = decl;
    return pack;
}

std::vector<std::string> load_errors(const std::map<std::string, FieldValue>& fields) {
    Diagnostics diagnostics;
    auto check = build_check(pg_query_kind(), pack_with_db(), fields, diagnostics);
    CHECK((check == nullptr) == !diagnostics.empty());
    return diagnostics.lines();
}

FieldValue templ(const std::string& text) {
    std::string error;
    auto parsed = Template::parse(text, error);
    REQUIRE(parsed);
    return *parsed;
}

host::PgBoundedResult one_value(std::optional<std::string> value, long long rows = 1) {
    host::PgBoundedResult result;
    result.columns = {"v"};
    result.row_count = rows;
    for (long long i = 0; i < std::min(rows, 5LL); ++i) result.rows.push_back({value});
    return result;
}

PgQueryExpectations expect_value(const std::string& value) {
    PgQueryExpectations expected;
    expected.value = value;
    return expected;
}

PgQueryExpectations expect_match(const std::string& source) {
    PgQueryExpectations expected;
    std::string error;
    expected.match = Pattern::compile(source, Anchoring::whole_text, error);
    REQUIRE(expected.match);
    return expected;
}

}  // namespace

TEST_CASE("pg_query: fields are checked at load") {
    CHECK(load_errors({{"connection", text("db")}, {"sql", text("SELECT 1")},
                       {"expect_value", text("1")}})
              .empty());
    CHECK(load_errors({{"connection", text("db")}, {"sql", text("SELECT 1")}}) ==
          std::vector<std::string>{
              "pack.yaml:3:5: pg_query needs at least one of expect_value, expect_rows, expect_match"});
    CHECK(load_errors({{"connection", text("db")},
                       {"expect_rows", 1LL},
                       {"sql", templ("SELECT count(*) FROM t WHERE k = '${env.KEY}'")}}) ==
          std::vector<std::string>{
              "pack.yaml:6:7: 'sql' may use ${var.NAME} only, not ${env.KEY}: pass env values as "
              "'params' and write $1, $2, ... in the statement"});
    CHECK(load_errors({{"connection", text("db")},
                       {"expect_rows", 1LL},
                       {"sql", templ("SELECT count(*) FROM ${var.table}")}})
              .empty());
    CHECK(load_errors({{"connection", text("db")}, {"expect_rows", -1LL}, {"sql", text("SELECT 1")}}) ==
          std::vector<std::string>{"pack.yaml:5:7: 'expect_rows' must be 0 or more"});
    CHECK(load_errors({{"connection", text("db")}, {"expect_rows", 0LL}, {"sql", text("  \n")}}) ==
          std::vector<std::string>{"pack.yaml:6:7: 'sql' is empty"});
    CHECK(load_errors({{"connection", text("dbx")}, {"expect_rows", 0LL}, {"sql", text("SELECT 1")}}) ==
          std::vector<std::string>{"pack.yaml:4:7: unknown connection 'dbx' (did you mean 'db'?)"});
    const auto bad_regex = load_errors(
        {{"connection", text("db")}, {"expect_match", text("(")}, {"sql", text("SELECT 1")}});
    REQUIRE(bad_regex.size() == 1);
    CHECK(bad_regex[0].rfind("pack.yaml:5:7: ", 0) == 0);
}

TEST_CASE("pg_query judge: a single value, exact or by regex") {
    auto outcome = judge_pg_query("db", one_value("0"), expect_value("0"));
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == "connection 'db': returned 1 row, value '0'");
    CHECK(outcome.observed == nlohmann::json{{"rows", 1}, {"columns", {"v"}}, {"value", "0"}});

    outcome = judge_pg_query("db", one_value("3"), expect_value("0"));
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "connection 'db': the value is '3', expected '0'");
    CHECK(outcome.expected == nlohmann::json{{"value", "0"}});

    outcome = judge_pg_query("db", one_value("2024-01-31"), expect_match("^\\d{4}-\\d{2}-\\d{2}$"));
    CHECK(outcome.status == Status::pass);
    outcome = judge_pg_query("db", one_value("2024-01-31\nx"), expect_match("^\\d{4}-\\d{2}-\\d{2}$"));
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message ==
          "connection 'db': the value '2024-01-31\nx' does not match ^\\d{4}-\\d{2}-\\d{2}$");
}

TEST_CASE("pg_query judge: NULL never matches a value expectation") {
    auto outcome = judge_pg_query("db", one_value(std::nullopt), expect_value(""));
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message ==
          "connection 'db': the value is NULL (expect_value and expect_match never match NULL; "
          "use COALESCE in the query or expect_rows)");
    CHECK(judge_pg_query("db", one_value(std::nullopt), expect_match(".*")).status == Status::fail);
}

TEST_CASE("pg_query judge: row counts") {
    PgQueryExpectations rows;
    rows.rows = 0;
    auto outcome = judge_pg_query("db", one_value("x", 0), rows);
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == "connection 'db': returned 0 rows");

    outcome = judge_pg_query("db", one_value("x", 1234567), rows);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "connection 'db': returned 1234567 rows, expected 0");
    CHECK(outcome.observed["rows"] == 1234567);
    CHECK(outcome.observed["first_rows"].size() == 5);

    outcome = judge_pg_query("db", one_value("x", 0), expect_value("x"));
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message ==
          "connection 'db': returned 0 rows, so there is no single value to compare");

    auto both = expect_value("x");
    both.rows = 1;
    outcome = judge_pg_query("db", one_value("y", 2), both);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "connection 'db': returned 2 rows, expected 1");
}

TEST_CASE("pg_query judge: what it cannot compare is an error, a statement without rows a failure") {
    host::PgBoundedResult wide = one_value("a");
    wide.columns = {"a", "b"};
    wide.rows[0].push_back("b");
    auto outcome = judge_pg_query("db", wide, expect_value("a"));
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message ==
          "connection 'db': the statement returns 2 columns; expect_value and expect_match need "
          "exactly one");

    host::PgBoundedResult cut = one_value(std::string(65536, 'x'));
    cut.cells_cut = true;
    outcome = judge_pg_query("db", cut, expect_value("x"));
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message ==
          "connection 'db': the value is longer than 65536 bytes; pg_query does not compare "
          "values that large (compare a digest or length in the query instead)");

    host::PgBoundedResult none;
    none.returns_rows = false;
    PgQueryExpectations rows;
    rows.rows = 0;
    outcome = judge_pg_query("db", none, rows);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message ==
          "connection 'db': the statement returns no rows, so it was not run: pg_query runs only "
          "a statement that returns rows (SELECT, VALUES, TABLE, SHOW, WITH ... SELECT)");
}

TEST_CASE("pg_query judge: the read-only refusal fails, other refusals are errors") {
    auto outcome = judge_pg_query_refusal(
        "db", host::PgError("connection 'db': query failed: cannot execute INSERT in a read-only "
                            "transaction (SQLSTATE 25006)",
                            "25006"));
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message ==
          "connection 'db': the statement tried to write; pg_query runs read-only (cannot execute "
          "INSERT in a read-only transaction)");
    outcome = judge_pg_query_refusal(
        "db", host::PgError("connection 'db': query failed: relation \"t\" does not exist "
                            "(SQLSTATE 42P01)",
                            "42P01"));
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message ==
          "connection 'db': query failed: relation \"t\" does not exist (SQLSTATE 42P01)");
}
