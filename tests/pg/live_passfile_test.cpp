// A passfile is read like every other input: bounded, regular files only, never blocking. One
// that exists but cannot be read that way (/dev/zero, a FIFO, a huge file, a directory) makes
// the connection an error before libpq is asked, quickly, never a pass and never a hang.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <pqxx/pqxx>

#include "checks/pg_connect.hpp"
#include "pg_cluster.hpp"
#include "pg_support.hpp"
#include "src/host/pg.hpp"
#include "support/file_fixtures.hpp"

using namespace preflight;
using namespace preflight::testing;

namespace {

const std::string& passfile_role() {
    static const std::string role = [] {
        auto& cluster = PgCluster::shared();
        cluster.admin("CREATE ROLE pf_passfile LOGIN PASSWORD " +
                      pqxx::connection(cluster.conninfo("postgres")).quote(kPassword));
        return std::string("pf_passfile");
    }();
    return role;
}

// Runs pg_connect with the right password given by the pack, so only the passfile can stop it.
Outcome connect_with(const std::string& extra_conninfo) {
    host::LibpqConnector connector;
    auto context = pg_context(
        &connector, PgCluster::shared().conninfo(passfile_role()) + extra_conninfo, kPassword);
    Diagnostics diagnostics;
    auto check = build_check(pg_connect_kind(), context->rule_pack,
                             {{"connection", text("db")}}, diagnostics);
    REQUIRE(check);
    const auto started = std::chrono::steady_clock::now();
    Outcome outcome = check->run(*context);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
    return outcome;
}

std::string unusable(const std::string& path, const std::string& reason) {
    return "connection 'db': passfile " + path + " is not usable: " + reason +
           " (a passfile must be a readable regular file of at most 1 MiB; fix or unset "
           "passfile/PGPASSFILE)";
}

// Sets an environment variable for one scope.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (old_) setenv(name_, old_->c_str(), 1);
        else unsetenv(name_);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("a passfile of /dev/zero is an error at once, whichever way it is named") {
    const std::string expected =
        unusable("/dev/zero", "not a regular file (it is a character device)");
    {
        ScopedEnv passfile("PGPASSFILE", "/dev/zero");
        auto outcome = connect_with("");
        CHECK(outcome.status == Status::error);
        CHECK(outcome.message == expected);
    }
    auto outcome = connect_with(" passfile=/dev/zero");
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == expected);
}

TEST_CASE("a FIFO passfile is an error at once, not a blocked check") {
    TempDir dir;
    const std::string fifo = dir.file("pgpass");
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    auto outcome = connect_with(" passfile=" + fifo);
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == unusable(fifo, "not a regular file (it is a FIFO)"));
}

TEST_CASE("a ~/.pgpass over 1 MiB or a directory is an error, a missing one is not") {
    TempDir home;
    ScopedEnv home_env("HOME", home.path());
    ScopedEnv no_passfile("PGPASSFILE", "");
    CHECK(connect_with("").status == Status::pass);  // no ~/.pgpass: libpq's way too

    home.write(".pgpass", std::string(2 * 1024 * 1024, '#'), 0600);
    auto outcome = connect_with("");
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message ==
          unusable(home.file(".pgpass"), "larger than 1 MiB (2097152 bytes)"));

    std::filesystem::remove(home.file(".pgpass"));
    std::filesystem::create_directory(home.file(".pgpass"));
    outcome = connect_with("");
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message ==
          unusable(home.file(".pgpass"), "not a regular file (it is a directory)"));
}
