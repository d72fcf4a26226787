// The libpq connector against hostile conditions on the throwaway cluster (issue 8): a query
// that runs too long ends at statement_timeout, and a role that holds every write privilege
// still cannot write through preflight's session.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pqxx/pqxx>
#include <string>

#include "pg_cluster.hpp"
#include "pg_support.hpp"
#include "checks/pg_connect.hpp"
#include "src/host/pg.hpp"

using namespace preflight;
using namespace preflight::testing;

namespace {

void create_role(const std::string& role) {
    PgCluster::shared().admin("CREATE ROLE " + role + " LOGIN PASSWORD " +
                              pqxx::connection(PgCluster::shared().conninfo("postgres")).quote(kPassword));
}

std::string count_rows(const std::string& table) {
    pqxx::connection admin(PgCluster::shared().conninfo("postgres"));
    pqxx::nontransaction read(admin);
    return read.exec1("SELECT count(*) || ':' || coalesce(sum(id), 0) FROM " + table)[0].as<std::string>();
}

}  // namespace

TEST_CASE("a query that runs past the check's time ends as an error via statement_timeout") {
    auto& cluster = PgCluster::shared();
    create_role("pf_slow");
    host::LibpqConnector connector;
    auto context = pg_context(&connector, cluster.conninfo("pf_slow"), kPassword);
    context->check_timeout = std::chrono::milliseconds(1500);
    std::string message;
    try {
        connector.query(pg_query_scope(*context), "db", "SELECT pg_sleep(60)", {});
    } catch (const host::PgError& error) {
        message = error.what();
    }
    const std::string head = "connection 'db': the query was cancelled after at most ";
    const std::string tail =
        " ms (statement_timeout or an administrator; the server is slow or busy: re-run or raise the check's "
        "timeout)";
    CAPTURE(message);
    REQUIRE(message.size() > head.size() + tail.size());
    CHECK(message.rfind(head, 0) == 0);
    CHECK(message.substr(message.size() - tail.size()) == tail);
    const std::string budget = message.substr(head.size(), message.size() - head.size() - tail.size());
    CHECK(std::stoi(budget) <= 1500);
    // The session is still usable for the next check.
    context->started = std::chrono::steady_clock::now();
    CHECK(connector.query(pg_query_scope(*context), "db", "SELECT 1", {}) == std::vector<host::PgRow>{{std::string("1")}});
}

TEST_CASE("a role holding every write privilege cannot write through the read-only session") {
    auto& cluster = PgCluster::shared();
    create_role("pf_rwall");
    cluster.admin("CREATE SCHEMA pf_rwall_s AUTHORIZATION pf_rwall;"
                  "CREATE TABLE pf_rwall_s.t (id int); INSERT INTO pf_rwall_s.t VALUES (1), (2);"
                  "CREATE SEQUENCE pf_rwall_s.s; ALTER TABLE pf_rwall_s.t OWNER TO pf_rwall; ALTER SEQUENCE pf_rwall_s.s OWNER TO pf_rwall;"
                  "GRANT ALL ON ALL TABLES IN SCHEMA pf_rwall_s TO pf_rwall; GRANT CREATE ON DATABASE postgres TO pf_rwall;");
    host::LibpqConnector connector;
    auto context = pg_context(&connector, cluster.conninfo("pf_rwall"), kPassword);
    const std::string before = count_rows("pf_rwall_s.t");
    REQUIRE(before == "2:3");

    auto refused = [&](const std::string& sql) {
        context->started = std::chrono::steady_clock::now();
        try {
            connector.query(pg_query_scope(*context), "db", sql, {});
        } catch (const host::PgError& error) {
            return std::string(error.what());
        }
        return std::string("the statement succeeded");
    };
    const std::string head = "connection 'db': query failed: cannot execute ";
    CHECK(refused("INSERT INTO pf_rwall_s.t VALUES (3)") == head + "INSERT in a read-only transaction (SQLSTATE 25006)");
    CHECK(refused("UPDATE pf_rwall_s.t SET id = id + 10") == head + "UPDATE in a read-only transaction (SQLSTATE 25006)");
    CHECK(refused("DELETE FROM pf_rwall_s.t") == head + "DELETE in a read-only transaction (SQLSTATE 25006)");
    CHECK(refused("TRUNCATE pf_rwall_s.t") == head + "TRUNCATE TABLE in a read-only transaction (SQLSTATE 25006)");
    CHECK(refused("WITH x AS (INSERT INTO pf_rwall_s.t VALUES (4) RETURNING id) SELECT * FROM x") ==
          head + "SELECT in a read-only transaction (SQLSTATE 25006)");
    CHECK(refused("SELECT nextval('pf_rwall_s.s')") == head + "nextval() in a read-only transaction (SQLSTATE 25006)");
    CHECK(refused("CREATE TABLE pf_rwall_s.u (id int)") == head + "CREATE TABLE in a read-only transaction (SQLSTATE 25006)");
    // One statement per query: switching a transaction to read-write cannot be followed by a
    // write in the same transaction, and the next query starts read-only again.
    CHECK(refused("SET TRANSACTION READ WRITE; INSERT INTO pf_rwall_s.t VALUES (5)") ==
          "connection 'db': query failed: cannot insert multiple commands into a prepared statement (SQLSTATE 42601)");
    CHECK(refused("SET TRANSACTION READ WRITE") == "the statement succeeded");
    CHECK(refused("INSERT INTO pf_rwall_s.t VALUES (5)") == head + "INSERT in a read-only transaction (SQLSTATE 25006)");
    CHECK(refused("SELECT set_config('default_transaction_read_only', 'off', false)") == "the statement succeeded");
    CHECK(refused("INSERT INTO pf_rwall_s.t VALUES (6)") == head + "INSERT in a read-only transaction (SQLSTATE 25006)");
    CHECK(count_rows("pf_rwall_s.t") == before);
}

TEST_CASE("a TCP port that accepts connections and never answers: an error within the timeout") {
    int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;  // any free port
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener, 4) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    const std::string port = std::to_string(ntohs(address.sin_port));

    host::LibpqConnector connector;
    auto context = pg_context(&connector, "host=127.0.0.1 port=" + port + " user=pf_conn dbname=postgres", kPassword);
    context->check_timeout = std::chrono::milliseconds(1000);
    Diagnostics diagnostics;
    auto check = build_check(pg_connect_kind(), context->rule_pack, {{"connection", text("db")}}, diagnostics);
    REQUIRE(check);
    auto outcome = check->run(*context);
    ::close(listener);
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "connection 'db': no answer from the server at 127.0.0.1:" + port +
                                 " within 2 s (check that it is up and not overloaded, and the network and "
                                 "firewall between)");
    require_no_fragment(everything_shown(outcome), kPassword, *context);
}
