// Pure helpers of the PostgreSQL connector, with literal libpq texts.
#include <doctest/doctest.h>

#include "src/host/pg_conninfo.hpp"

using namespace preflight::host;

TEST_CASE("uri_needs_encoding: URIs libpq would split where their author did not mean") {
    CHECK_FALSE(uri_needs_encoding("postgresql://cutter_exec:s3cret@db.example/directus"));
    CHECK_FALSE(uri_needs_encoding("postgresql://u:pa%40ss%2Fx@/directus?host=/var/run/postgresql"));
    CHECK_FALSE(uri_needs_encoding("postgres://db.example:5433/directus?sslmode=require"));
    CHECK_FALSE(uri_needs_encoding("host=/tmp user=u password='a@b c'"));  // key=value: libpq checks
    CHECK(uri_needs_encoding("postgresql://u:pa@ss@db.example/d"));      // unencoded @
    CHECK(uri_needs_encoding("postgresql://u:pa/ss@db.example/d"));      // '/' before the @
    CHECK(uri_needs_encoding("postgresql://u:pa?ss@db.example/d"));      // '?' before the @
    CHECK(uri_needs_encoding("postgresql://db.example/d?user=a@b"));     // @ after the path
    CHECK(uri_needs_encoding("postgresql://u:pa ss@db.example/d"));      // unencoded space
    CHECK(uri_needs_encoding("postgresql://u:pa%zzss@db.example/d"));    // bad %-escape
    CHECK(uri_needs_encoding("postgresql://u:pass%4@db.example/d"));     // truncated %-escape
    CHECK(uri_needs_encoding("postgresql://u:pa\tss@db.example/d"));
}

TEST_CASE("invalid_conninfo_message names the connection and nothing of the string") {
    CHECK(invalid_conninfo_message("directus") ==
          "connection 'directus': invalid connection string (check quoting/percent-encoding of "
          "its values)");
}

TEST_CASE("passfile_passwords reads the fifth field with escapes undone") {
    CHECK(passfile_passwords("# comment\n"
                             "localhost:5432:directus:cutter_exec:s3cr\\:et\\\\x\n"
                             "\n"
                             "*:*:*:postgres:a:b:c\r\n"
                             "host:*:*:nopassword:\n"
                             "short:line\n") ==
          std::vector<std::string>{"s3cr:et\\x", "a:b:c"});
    CHECK(passfile_passwords("").empty());
}

TEST_CASE("explain_connect_failure: what happened and what to check") {
    const ConnectTarget socket{"/var/run/postgresql", "5432", "cutter_exec", "directus"};
    const ConnectTarget tcp{"db.example", "5433", "cutter_exec", "directus"};
    CHECK(explain_connect_failure(
              "directus", socket,
              "connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: No "
              "such file or directory\n\tIs the server running locally and accepting connections "
              "on that socket?\n",
              10) ==
          "connection 'directus': could not reach the server on socket "
          "/var/run/postgresql/.s.PGSQL.5432 (is PostgreSQL running and accepting connections "
          "there? check host and port)");
    CHECK(explain_connect_failure("directus", tcp,
                                  "connection to server at \"db.example\" (10.0.0.5), port 5433 "
                                  "failed: Connection refused\n",
                                  10) ==
          "connection 'directus': could not reach the server at db.example:5433 (is PostgreSQL "
          "running and accepting connections there? check host and port)");
    CHECK(explain_connect_failure("directus", tcp,
                                  "connection to server at \"db.example\" (10.0.0.5), port 5433 "
                                  "failed: timeout expired\n",
                                  7) ==
          "connection 'directus': no answer from the server at db.example:5433 within 7 s (check "
          "that it is up and not overloaded, and the network and firewall between)");
    CHECK(explain_connect_failure("directus", tcp,
                                  "could not translate host name \"db.example\" to address: Name "
                                  "or service not known\n",
                                  10) ==
          "connection 'directus': unknown host db.example (check the host name and DNS)");
    CHECK(explain_connect_failure("directus", socket,
                                  "connection to server on socket \"/var/run/postgresql/.s.PGSQL."
                                  "5432\" failed: FATAL:  password authentication failed for user "
                                  "\"cutter_exec\"\n",
                                  10) ==
          "connection 'directus': authentication failed for user 'cutter_exec' (check the "
          "connection's password and the server's pg_hba.conf)");
    CHECK(explain_connect_failure("directus", socket,
                                  "connection to server on socket \"/x/.s.PGSQL.5432\" failed: "
                                  "fe_sendauth: no password supplied\n",
                                  10) ==
          "connection 'directus': the server asks a password for user 'cutter_exec' and none was "
          "given (set the connection's password:)");
    CHECK(explain_connect_failure("directus", socket,
                                  "connection to server on socket \"/x/.s.PGSQL.5432\" failed: "
                                  "FATAL:  no pg_hba.conf entry for host \"[local]\", user "
                                  "\"cutter_exec\", database \"directus\", no encryption\n",
                                  10) ==
          "connection 'directus': the server's pg_hba.conf has no entry for user 'cutter_exec' "
          "and database 'directus' from this host (ask the DBA to add one)");
    CHECK(explain_connect_failure("directus", socket,
                                  "connection to server on socket \"/x/.s.PGSQL.5432\" failed: "
                                  "FATAL:  database \"directus\" does not exist\n",
                                  10) ==
          "connection 'directus': database 'directus' does not exist on the server (check dbname)");
    CHECK(explain_connect_failure("directus", socket,
                                  "connection to server on socket \"/x/.s.PGSQL.5432\" failed: "
                                  "FATAL:  role \"cutter_exec\" does not exist\n",
                                  10) ==
          "connection 'directus': role 'cutter_exec' does not exist on the server (check user)");
    CHECK(explain_connect_failure("directus", socket,
                                  "connection to server on socket \"/x/.s.PGSQL.5432\" failed: "
                                  "FATAL:  the database system is shutting down\n",
                                  10) ==
          "connection 'directus': the server is starting up or shutting down (re-run when it is "
          "ready)");
    CHECK(explain_connect_failure("directus", socket,
                                  "connection to server on socket \"/x/.s.PGSQL.5432\" failed: "
                                  "FATAL:  sorry, too many clients already\n",
                                  10) ==
          "connection 'directus': the server has no free connection slot (re-run later, or raise "
          "max_connections)");
    CHECK(explain_connect_failure("directus", tcp,
                                  "connection to server at \"db.example\" (10.0.0.5), port 5433 "
                                  "failed: SSL error: certificate verify failed\n",
                                  10) ==
          "connection 'directus': could not connect: SSL error: certificate verify failed");
}

TEST_CASE("explain_query_failure: lock wait, timeout, lost session, anything else") {
    CHECK(explain_query_failure("directus", "55P03",
                                "ERROR:  canceling statement due to lock timeout\n", 8000, 6000) ==
          "connection 'directus': gave up waiting for a lock after 6000 ms (another session "
          "holds a conflicting lock, e.g. a migration or VACUUM FULL; find it in pg_locks, then "
          "re-run)");
    CHECK(explain_query_failure("directus", "57014",
                                "ERROR:  canceling statement due to statement timeout\n", 8000,
                                6000) ==
          "connection 'directus': the query was cancelled after at most 8000 ms (statement_timeout "
          "or an administrator; the server is slow or busy: re-run or raise the check's timeout)");
    const std::string lost =
        "connection 'directus': the server ended the session (backend terminated by an "
        "administrator, a server restart or a network drop; check the server log, then re-run)";
    CHECK(explain_query_failure("directus", "57P01",
                                "FATAL:  terminating connection due to administrator command\n",
                                8000, 6000) == lost);
    CHECK(explain_query_failure("directus", "08006", "", 8000, 6000) == lost);
    CHECK(lost_session_message("directus") == lost);
    CHECK(explain_query_failure("directus", "25006",
                                "ERROR:  cannot execute CREATE TABLE in a read-only transaction\n",
                                8000, 6000) ==
          "connection 'directus': query failed: cannot execute CREATE TABLE in a read-only "
          "transaction (SQLSTATE 25006)");
}

namespace preflight::host {
namespace {

// True when conninfo_passwords(text) gives `value` spelled as `spelled`.
bool finds(const std::string& text, const std::string& value, const std::string& spelled) {
    for (const auto& found : conninfo_passwords(text))
        if (found.value == value && found.spelled == spelled) return true;
    return false;
}

}  // namespace

TEST_CASE("conninfo_passwords: keyword form, decoded and as spelled (issue 13)") {
    CHECK(finds("host=db password=Kv\\Secret user=u", "KvSecret", "Kv\\Secret"));
    CHECK(finds("password='it\\'s a \"pw\" 100% $x' host=h", "it's a \"pw\" 100% $x", "it\\'s a \"pw\" 100% $x"));
    CHECK(finds("host=h password = Spaced\\ Out", "Spaced Out", "Spaced\\ Out"));
    CHECK(finds("host=h PASSWORD=Upper", "Upper", "Upper"));
    CHECK(finds("sslpassword=SslKeyPass host=h", "SslKeyPass", "SslKeyPass"));
    // Unparseable: an unterminated quote runs to the end.
    CHECK(finds("host=h password='never closed\nat all", "never closed\nat all", "never closed\nat all"));
    CHECK(conninfo_passwords("host=h user=u dbname=d").empty());
    CHECK(conninfo_passwords("host=h password=").empty());
}

TEST_CASE("conninfo_passwords: URI user info and query parameters (issue 13)") {
    CHECK(finds("postgresql://u:Secret%2aPass@h/db", "Secret*Pass", "Secret%2aPass"));
    CHECK(finds("postgres://u:P%61ss-word@h:5432/db", "Pass-word", "P%61ss-word"));
    CHECK(finds("postgres://u:Leak%zzPass3@h/db", "Leak%zzPass3", "Leak%zzPass3"));
    CHECK(finds("postgresql://u@h/db?sslmode=require&password=Q%24uery&x=1", "Q$uery", "Q%24uery"));
    CHECK(finds("postgresql://u@h/db?sslpassword=K%20ey", "K ey", "K%20ey"));
    // Malformed: an '@' or a space inside the password; the last '@' ends the user info.
    CHECK(finds("postgresql://u:p@ss@h/db", "p@ss", "p@ss"));
    CHECK(finds("postgresql://u:my pass@h/db", "my pass", "my pass"));
    // Inside other text (a remedy, a command): the authority ends at whitespace.
    CHECK(finds("psql postgresql://u:InText%21@h/db -c 'select 1'", "InText!", "InText%21"));
    CHECK(conninfo_passwords("postgresql://u@h:5432/db").empty());
    CHECK(conninfo_passwords("postgresql://h:5432/db").empty());
    // A query value stops at '&'; a ':' after the first '@' is the port, not a password.
    CHECK(conninfo_passwords("postgresql://u@h:5432/db?password=Q1&x=a@b").size() == 1);
    CHECK(finds("postgresql://u@h:5432/db?password=Q1&x=a@b", "Q1", "Q1"));
}

}  // namespace preflight::host
