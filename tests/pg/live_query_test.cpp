// pg_query against the throwaway cluster, as a role that HOLDS write grants: every way a
// statement could write is refused and changes nothing; values are bounded and redactable.
#include <doctest/doctest.h>

#include <pqxx/pqxx>

#include "checks/pg_query.hpp"
#include "pg_cluster.hpp"
#include "pg_support.hpp"
#include "src/host/pg.hpp"

using namespace preflight;
using namespace preflight::testing;

namespace {

// A secret stored in the database: quotes, backslashes, %, $, spaces and a newline.
// No 4-character piece in common with kPassword, which require_no_fragment looks for.
const std::string kCanary = "Cn\\'\" $%7 q\nz$$x%25";

// One schema, one role with SELECT, INSERT, UPDATE, DELETE on its table and USAGE on its
// sequence, a volatile function that writes, and a table the role may not read. Once.
void set_up_once() {
    static bool done = false;
    if (done) return;
    done = true;
    auto& cluster = PgCluster::shared();
    cluster.admin("CREATE ROLE pq_writer LOGIN PASSWORD " + sql_literal(kPassword) + ";"
                  "CREATE SCHEMA pq; GRANT USAGE ON SCHEMA pq TO pq_writer;"
                  "CREATE TABLE pq.items (id serial PRIMARY KEY, note text);"
                  "INSERT INTO pq.items (note) VALUES ('a'), ('b'), (" + sql_literal(kCanary) + ");"
                  "GRANT SELECT, INSERT, UPDATE, DELETE ON pq.items TO pq_writer;"
                  "GRANT USAGE, SELECT, UPDATE ON SEQUENCE pq.items_id_seq TO pq_writer;"
                  "CREATE TABLE pq.hidden (id int);"
                  "CREATE FUNCTION pq.add_item() RETURNS int VOLATILE LANGUAGE plpgsql AS "
                  "$$BEGIN INSERT INTO pq.items (note) VALUES ('f'); RETURN 1; END$$;"
                  "CREATE FUNCTION pq.escape() RETURNS int VOLATILE LANGUAGE plpgsql AS "
                  "$$BEGIN SET TRANSACTION READ WRITE; INSERT INTO pq.items (note) VALUES ('e'); "
                  "RETURN 1; END$$;");
}

std::string admin_value(const std::string& sql) {
    pqxx::connection connection(PgCluster::shared().conninfo("postgres"));
    pqxx::nontransaction transaction(connection);
    return transaction.exec1(sql)[0].c_str();
}

// What must never change: the rows and the sequence.
std::string table_state() {
    return admin_value("SELECT count(*) || '/' || max(id) || '/' || string_agg(note, ',' ORDER BY id) "
                       "FROM pq.items") +
           "/" + admin_value("SELECT last_value || '/' || is_called FROM pq.items_id_seq");
}

struct QueryRun {
    host::LibpqConnector connector;  // one per QueryRun: a fresh run
    std::unique_ptr<FakeRunContext> context =
        pg_context(&connector, PgCluster::shared().conninfo("pq_writer"), kPassword);

    Outcome check(std::map<std::string, FieldValue> fields) {
        return run_pg_check(pg_query_kind(), *context, std::move(fields));
    }
    // The outcome as a report would show it: through the run's redactor.
    std::string shown(const Outcome& outcome) const {
        return Redactor(context->secrets.snapshot()).scrub(everything_shown(outcome));
    }
};

}  // namespace

TEST_CASE("pg_query: a single value and a row count, read-only") {
    set_up_once();
    QueryRun run;
    auto outcome = run.check({{"sql", text("SELECT count(*) FROM pq.items")}, {"expect_value", text("3")}});
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == "connection 'db': returned 1 row, value '3'");
    outcome = run.check({{"sql", text("SELECT current_setting('transaction_read_only')")},
                         {"expect_value", text("on")}});
    CHECK(outcome.message == "connection 'db': returned 1 row, value 'on'");
    outcome = run.check({{"sql", text("SELECT id FROM pq.items WHERE id > $1 ORDER BY id")},
                         {"params", list({"1"})},
                         {"expect_rows", 2LL}});
    CHECK(outcome.message == "connection 'db': returned 2 rows");
    outcome = run.check({{"sql", text("SHOW server_version_num")}, {"expect_match", text("^1[0-9]{5}$")}});
    CHECK(outcome.status == Status::pass);
    outcome = run.check({{"sql", text("SELECT NULL::text")}, {"expect_value", text("")}});
    CHECK(outcome.status == Status::fail);
}

TEST_CASE("pg_query: every statement that tries to write is refused and changes nothing") {
    set_up_once();
    const std::string before = table_state();
    QueryRun run;
    auto refused = [&](const std::string& sql) {
        INFO("sql: " << sql);
        return run.check({{"sql", text(sql)}, {"expect_rows", 0LL}});
    };
    auto outcome = refused("INSERT INTO pq.items (note) VALUES ('w') RETURNING id");
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "connection 'db': the statement tried to write; pg_query runs "
                             "read-only (cannot execute INSERT in a read-only transaction)");
    outcome = refused("WITH gone AS (DELETE FROM pq.items RETURNING id) SELECT count(*) FROM gone");
    CHECK(outcome.message == "connection 'db': the statement tried to write; pg_query runs "
                             "read-only (cannot execute SELECT in a read-only transaction)");
    outcome = refused("SELECT nextval('pq.items_id_seq')");
    CHECK(outcome.message == "connection 'db': the statement tried to write; pg_query runs "
                             "read-only (cannot execute nextval() in a read-only transaction)");
    outcome = refused("SELECT pq.add_item()");
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "connection 'db': the statement tried to write; pg_query runs "
                             "read-only (cannot execute INSERT in a read-only transaction)");
    outcome = refused("SELECT pq.escape()");
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "connection 'db': query failed: transaction read-write mode must be "
                             "set before any query (SQLSTATE 25001)");
    outcome = refused("EXPLAIN ANALYZE UPDATE pq.items SET note = 'u'");
    CHECK(outcome.status == Status::fail);

    const std::string not_run =
        "connection 'db': the statement returns no rows, so it was not run: pg_query runs only a "
        "statement that returns rows (SELECT, VALUES, TABLE, SHOW, WITH ... SELECT)";
    for (const char* sql : {"UPDATE pq.items SET note = 'u'", "DELETE FROM pq.items",
                            "CREATE TEMP TABLE pq_t (i int)", "COMMIT", "SET TRANSACTION READ WRITE",
                            "SET default_transaction_read_only = off",
                            "COPY pq.items TO PROGRAM 'touch /tmp/pq_copy'",
                            "DO $$BEGIN INSERT INTO pq.items (note) VALUES ('d'); END$$"}) {
        outcome = refused(sql);
        CHECK(outcome.status == Status::fail);
        CHECK(outcome.message == not_run);
    }
    outcome = refused("SELECT 1; COMMIT");
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "connection 'db': query failed: cannot insert multiple commands into "
                             "a prepared statement (SQLSTATE 42601)");
    outcome = run.check({{"sql", text("SELECT set_config('default_transaction_read_only', 'off', false)")},
                         {"expect_value", text("off")}});
    CHECK(outcome.status == Status::pass);  // a session setting, undone by the rollback:
    outcome = refused("INSERT INTO pq.items (note) VALUES ('w') RETURNING id");
    CHECK(outcome.status == Status::fail);  // the next statement is still refused
    outcome = run.check({{"sql", text("SELECT current_setting('default_transaction_read_only')")},
                         {"expect_value", text("on")}});
    CHECK(outcome.status == Status::pass);
    // A session-level advisory lock is no write, but it is released after the statement.
    outcome = run.check({{"sql", text("SELECT pg_advisory_lock(4711)::text")}, {"expect_rows", 1LL}});
    CHECK(outcome.status == Status::pass);
    CHECK(admin_value("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == "0");
    CHECK(table_state() == before);
}

TEST_CASE("pg_query: server errors are errors with the server's words") {
    set_up_once();
    QueryRun run;
    auto outcome = run.check({{"sql", text("SELEC 1")}, {"expect_rows", 1LL}});
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message ==
          "connection 'db': query failed: syntax error at or near \"SELEC\" (SQLSTATE 42601)");
    outcome = run.check({{"sql", text("SELECT * FROM pq.nothing")}, {"expect_rows", 1LL}});
    CHECK(outcome.message ==
          "connection 'db': query failed: relation \"pq.nothing\" does not exist (SQLSTATE 42P01)");
    outcome = run.check({{"sql", text("SELECT * FROM pq.hidden")}, {"expect_rows", 0LL}});
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message ==
          "connection 'db': query failed: permission denied for table hidden (SQLSTATE 42501)");
    // The session is still usable after each failure.
    CHECK(run.check({{"sql", text("SELECT 1")}, {"expect_value", text("1")}}).status == Status::pass);
}

TEST_CASE("pg_query: the statement timeout follows the check's timeout") {
    set_up_once();
    QueryRun run;
    run.context->check_timeout = std::chrono::milliseconds(1500);
    const auto started = std::chrono::steady_clock::now();
    auto outcome = run.check({{"sql", text("SELECT pg_sleep(30)")}, {"expect_rows", 1LL}});
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message.rfind("connection 'db': the query was cancelled after at most ", 0) == 0);
}

TEST_CASE("pg_query: large results are counted, not held") {
    set_up_once();
    QueryRun run;
    auto outcome = run.check({{"sql", text("SELECT g, repeat('x', 1000) FROM generate_series(1, 200000) g")},
                              {"expect_rows", 200000LL}});
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == "connection 'db': returned 200000 rows");
    CHECK(outcome.observed["first_rows"].size() == 5);
    outcome = run.check({{"sql", text("SELECT repeat('y', 70000)")}, {"expect_value", text("y")}});
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message ==
          "connection 'db': the value is longer than 65536 bytes; pg_query does not compare "
          "values that large (compare a digest or length in the query instead)");
}

TEST_CASE("pg_query: values the query returns go through the redactor") {
    set_up_once();
    QueryRun run;
    // A secret of the run (an env file value, say) that the database also holds.
    run.context->add_secret(kCanary, "env CANARY_PASSWORD");
    auto outcome = run.check({{"sql", text("SELECT note FROM pq.items WHERE note LIKE 'Cn%'")},
                              {"expect_value", text("other")}});
    CHECK(outcome.status == Status::fail);
    std::string shown = run.shown(outcome);
    CHECK(shown.find(kCanary) == std::string::npos);
    CHECK(shown.find("Cn\\'") == std::string::npos);
    CHECK(shown.find("$%7") == std::string::npos);
    CHECK(shown.find("[redacted]") != std::string::npos);

    // A value of a column named like a secret is a secret, though the run did not know it.
    QueryRun fresh;
    outcome = fresh.check({{"sql", text("SELECT note AS api_password FROM pq.items WHERE note LIKE 'Cn%'")},
                           {"expect_rows", 1LL}});
    CHECK(outcome.status == Status::pass);
    shown = fresh.shown(outcome);
    CHECK(shown.find(kCanary) == std::string::npos);
    CHECK(shown.find("$%7") == std::string::npos);
    CHECK(shown.find("[redacted]") != std::string::npos);
}
