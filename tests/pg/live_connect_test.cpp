// pg_connect and the libpq connector against the throwaway cluster: the password routes, errors
// that name the connection and never a fragment of the password, one session per run.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <thread>

#include "checks/pg_connect.hpp"
#include "pg_cluster.hpp"
#include "pg_support.hpp"
#include "src/host/pg.hpp"

using namespace preflight;
using namespace preflight::testing;

namespace {

// The role every test of this file connects as; created once per cluster.
const std::string& connect_role() {
    static const std::string role = [] {
        PgCluster::shared().admin("CREATE ROLE pf_conn LOGIN PASSWORD " +
                                  pqxx::connection(PgCluster::shared().conninfo("postgres")).quote(kPassword));
        return std::string("pf_conn");
    }();
    return role;
}

Outcome run_connect(FakeRunContext& context, std::map<std::string, FieldValue> fields = {}) {
    fields["connection"] = text("db");
    Diagnostics diagnostics;
    auto check = build_check(pg_connect_kind(), context.rule_pack, fields, diagnostics);
    REQUIRE(check);
    return check->run(context);
}

// A conninfo value in single quotes, as libpq reads them.
std::string conninfo_quoted(const std::string& value) {
    std::string quoted = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\') quoted += '\\';
        quoted += c;
    }
    return quoted + "'";
}

std::string percent_encoded(const std::string& value) {
    static const char* hex = "0123456789ABCDEF";
    std::string encoded;
    for (unsigned char c : value) {
        if (std::isalnum(c)) encoded += static_cast<char>(c);
        else encoded += std::string("%") + hex[c >> 4] + hex[c & 15];
    }
    return encoded;
}

bool registered(const FakeRunContext& context, const std::string& value, const std::string& name) {
    for (const auto& secret : context.secrets.snapshot())
        if (secret.value == value && secret.name == name) return true;
    return false;
}

const std::string kAuthFailed =
    "connection 'db': authentication failed for user 'pf_conn' (check the connection's password "
    "and the server's pg_hba.conf)";
const std::string kInvalid =
    "connection 'db': invalid connection string (check quoting/percent-encoding of its values)";

}  // namespace

TEST_CASE("pg_connect passes with a special-character password by each route") {
    auto& cluster = PgCluster::shared();
    const std::string role = connect_role();
    const std::string expected_prefix =
        "connection 'db': connected as pf_conn to database postgres, PostgreSQL ";
    const std::map<std::string, FieldValue> expectations = {
        {"expect_user", text("pf_conn")}, {"expect_database", text("postgres")},
        {"min_server_version", text("10")}};

    SUBCASE("the connection's password: field, kept out of the conninfo") {
        host::LibpqConnector connector;
        auto context = pg_context(&connector, cluster.conninfo(role), kPassword);
        auto outcome = run_connect(*context, expectations);
        CHECK(outcome.status == Status::pass);
        CHECK(outcome.message.rfind(expected_prefix, 0) == 0);
        CHECK(registered(*context, kPassword, "connection db password"));
    }
    SUBCASE("password= in a key=value conninfo, quoted") {
        host::LibpqConnector connector;
        auto context = pg_context(
            &connector, cluster.conninfo(role) + " password=" + conninfo_quoted(kPassword), "");
        auto outcome = run_connect(*context, expectations);
        CHECK(outcome.status == Status::pass);
        CHECK(registered(*context, kPassword, "connection db conninfo password"));
    }
    SUBCASE("the userinfo of a URI, percent-encoded") {
        host::LibpqConnector connector;
        auto context = pg_context(&connector,
                                  "postgresql://pf_conn:" + percent_encoded(kPassword) +
                                      "@/postgres?host=" + cluster.socket_dir(),
                                  "");
        auto outcome = run_connect(*context, expectations);
        CHECK(outcome.status == Status::pass);
        CHECK(registered(*context, kPassword, "connection db conninfo password"));
    }
}

TEST_CASE("a wrong password is an error naming the connection, with no fragment of it") {
    auto& cluster = PgCluster::shared();
    const std::string role = connect_role();
    std::vector<std::pair<std::string, std::string>> routes = {
        {cluster.conninfo(role), kWrongPassword},
        {cluster.conninfo(role) + " password=" + conninfo_quoted(kWrongPassword), ""},
        {"postgresql://pf_conn:" + percent_encoded(kWrongPassword) + "@/postgres?host=" +
             cluster.socket_dir(),
         ""},
    };
    for (const auto& [conninfo, password] : routes) {
        host::LibpqConnector connector;
        auto context = pg_context(&connector, conninfo, password);
        auto outcome = run_connect(*context);
        CHECK(outcome.status == Status::error);
        CHECK(outcome.message == kAuthFailed);
        require_no_fragment(everything_shown(outcome), kWrongPassword, *context);
        require_no_fragment(everything_shown(outcome), kPassword, *context);
    }
}

TEST_CASE("malformed conninfo: libpq's echo of it never reaches a message") {
    auto& cluster = PgCluster::shared();
    const std::string dir = cluster.socket_dir();
    struct Case {
        std::string conninfo;
        std::string secret;  // the password its author meant
    };
    const std::vector<Case> cases = {
        {"postgresql://pf_conn:Zq%zzXw#8@/postgres?host=" + dir, "Zq%zzXw#8"},    // bad %-escape
        {"postgresql://pf_conn:Zq@Xw#8K@/postgres?host=" + dir, "Zq@Xw#8K"},      // unencoded @
        {"postgresql://pf_conn:Zq/Xw#8K@/postgres?host=" + dir, "Zq/Xw#8K"},      // unencoded /
        {"postgresql://pf_conn:Zq Xw#8K@/postgres?host=" + dir, "Zq Xw#8K"},      // space in a URI
        {cluster.conninfo("pf_conn") + " password=Zq Xw#8K", "Zq Xw#8K"},         // unquoted space
        {cluster.conninfo("pf_conn") + " password='Zq'Xw#8K'", "Zq'Xw#8K"},       // stray quote
        {cluster.conninfo("pf_conn") + " password='ZqXw#8K", "ZqXw#8K"},          // unterminated
    };
    for (const auto& c : cases) {
        INFO("conninfo: " << c.conninfo);
        host::LibpqConnector connector;
        auto context = pg_context(&connector, c.conninfo, "");
        auto outcome = run_connect(*context);
        CHECK(outcome.status == Status::error);
        CHECK(outcome.message == kInvalid);
        require_no_fragment(everything_shown(outcome), c.secret, *context);
    }
}

TEST_CASE("server down, refused or silent: an error naming where, within the timeout") {
    char pattern[] = "/tmp/preflight-nopg-XXXXXX";
    REQUIRE(mkdtemp(pattern));
    const std::string dir = pattern;
    {
        host::LibpqConnector connector;
        auto context = pg_context(&connector, "host=" + dir + " user=pf_conn dbname=postgres",
                                  kPassword);
        auto outcome = run_connect(*context);
        CHECK(outcome.status == Status::error);
        CHECK(outcome.message == "connection 'db': could not reach the server on socket " + dir +
                                     "/.s.PGSQL.5432 (is PostgreSQL running and accepting "
                                     "connections there? check host and port)");
        require_no_fragment(everything_shown(outcome), kPassword, *context);
    }
    {
        host::LibpqConnector connector;
        auto context = pg_context(&connector, "host=127.0.0.1 port=1 user=pf_conn dbname=postgres",
                                  kPassword);
        auto outcome = run_connect(*context);
        CHECK(outcome.status == Status::error);
        CHECK(outcome.message ==
              "connection 'db': could not reach the server at 127.0.0.1:1 (is PostgreSQL running "
              "and accepting connections there? check host and port)");
    }
    {
        // A socket that accepts connections into its backlog and never answers: libpq's
        // connect_timeout (from the check's timeout, at least 2 s) must end the wait.
        const std::string path = dir + "/.s.PGSQL.5432";
        int listener = socket(AF_UNIX, SOCK_STREAM, 0);
        REQUIRE(listener >= 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
        REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(listen(listener, 4) == 0);
        host::LibpqConnector connector;
        auto context = pg_context(&connector, "host=" + dir + " user=pf_conn dbname=postgres",
                                  kPassword);
        context->check_timeout = std::chrono::milliseconds(1000);
        auto outcome = run_connect(*context);
        close(listener);
        unlink(path.c_str());
        CHECK(outcome.status == Status::error);
        CHECK(outcome.message == "connection 'db': no answer from the server on socket " + path +
                                     " within 2 s (check that it is up and not overloaded, and "
                                     "the network and firewall between)");
    }
    rmdir(dir.c_str());
}

TEST_CASE("a connection is opened once per run and shared between checks") {
    auto& cluster = PgCluster::shared();
    host::LibpqConnector connector;
    auto first = pg_context(&connector, cluster.conninfo(connect_role()), kPassword);
    auto second = pg_context(&connector, cluster.conninfo(connect_role()), kPassword);
    const std::string pid_query = "SELECT pg_backend_pid()";
    auto pid = connector.query(pg_query_scope(*first), "db", pid_query, {});
    CHECK(connector.query(pg_query_scope(*second), "db", pid_query, {}) == pid);
    // The second check's context learned the secret too, though it did not open the session.
    CHECK(registered(*second, kPassword, "connection db password"));

    std::vector<std::thread> threads;
    std::vector<Status> statuses(4, Status::error);
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&, i] {
            auto context = pg_context(&connector, cluster.conninfo(connect_role()), kPassword);
            statuses[i] = run_connect(*context).status;
        });
    for (auto& thread : threads) thread.join();
    CHECK(statuses == std::vector<Status>(4, Status::pass));
    CHECK(connector.query(pg_query_scope(*first), "db", pid_query, {}) == pid);
}

TEST_CASE("the session is read-only and nothing is written") {
    auto& cluster = PgCluster::shared();
    host::LibpqConnector connector;
    auto context = pg_context(&connector, cluster.conninfo(connect_role()), kPassword);
    CHECK(connector.query(pg_query_scope(*context), "db", "SHOW default_transaction_read_only", {}) ==
          std::vector<host::PgRow>{{std::string("on")}});
    CHECK(connector.query(pg_query_scope(*context), "db", "SHOW transaction_read_only", {}) ==
          std::vector<host::PgRow>{{std::string("on")}});
    CHECK_THROWS_WITH_AS(connector.query(pg_query_scope(*context), "db", "CREATE TABLE pf_written (a int)", {}),
                         "connection 'db': query failed: cannot execute CREATE TABLE in a "
                         "read-only transaction (SQLSTATE 25006)",
                         host::PgError);
}

TEST_CASE("a terminated backend is an error, and the run does not silently reconnect") {
    auto& cluster = PgCluster::shared();
    host::LibpqConnector connector;
    auto context = pg_context(&connector, cluster.conninfo(connect_role()), kPassword);
    CHECK(run_connect(*context).status == Status::pass);
    auto pid = connector.query(pg_query_scope(*context), "db", "SELECT pg_backend_pid()", {});
    cluster.admin("SELECT pg_terminate_backend(" + *pid.at(0).at(0) + ", 5000)");
    const std::string lost =
        "connection 'db': the server ended the session (backend terminated by an administrator, "
        "a server restart or a network drop; check the server log, then re-run)";
    auto outcome = run_connect(*context);
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == lost);
    CHECK(run_connect(*context).message == lost);
}

TEST_CASE("PGPASSWORD and passfile entries are secrets before the connection is tried") {
    auto& cluster = PgCluster::shared();
    const std::string role = connect_role();
    const std::string passfile = cluster.socket_dir() + "/pgpass";
    {
        std::ofstream out(passfile);
        std::string escaped;
        for (char c : kPassword) {
            if (c == ':' || c == '\\') escaped += '\\';
            escaped += c;
        }
        out << "*:*:*:pf_conn:" << escaped << "\n";
    }
    chmod(passfile.c_str(), 0600);
    setenv("PGPASSFILE", passfile.c_str(), 1);
    {
        host::LibpqConnector connector;
        auto context = pg_context(&connector, cluster.conninfo(role), "");
        CHECK(run_connect(*context).status == Status::pass);  // libpq used the passfile
        CHECK(registered(*context, kPassword, "passfile " + passfile + " password"));
    }
    unsetenv("PGPASSFILE");
    setenv("PGPASSWORD", kWrongPassword.c_str(), 1);
    {
        host::LibpqConnector connector;
        auto context = pg_context(&connector, cluster.conninfo(role), "");
        auto outcome = run_connect(*context);
        CHECK(outcome.message == kAuthFailed);
        CHECK(registered(*context, kWrongPassword, "env PGPASSWORD"));
        require_no_fragment(everything_shown(outcome), kWrongPassword, *context);
    }
    unsetenv("PGPASSWORD");
    unlink(passfile.c_str());
}

TEST_CASE("pg_connect: without PostgreSQL access in the run, an error") {
    auto context = pg_context(nullptr, "host=/nowhere", "");
    auto outcome = run_connect(*context);
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "connection 'db': PostgreSQL access is not available in this run");
}
