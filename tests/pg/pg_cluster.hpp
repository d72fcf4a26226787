#pragma once
// A throwaway PostgreSQL cluster for the test_pg binary: initdb into a temporary directory,
// listening on a unix socket there only, SCRAM for every role except the trusted superuser.
#include <string>
#include <sys/types.h>

namespace preflight::testing {

class PgCluster {
public:
    /// The cluster of this test process, started on first use and stopped at exit. A watchdog
    /// process stops it and removes its directory if the test process dies without cleaning up.
    /// Throws std::runtime_error (with the server log's tail) when it cannot start.
    static PgCluster& shared();

    ~PgCluster();
    PgCluster(const PgCluster&) = delete;
    PgCluster& operator=(const PgCluster&) = delete;

    /// The directory holding the socket (the cluster's temporary directory).
    const std::string& socket_dir() const { return dir_; }
    /// key=value conninfo reaching database `database` as `user`, without a password.
    std::string conninfo(const std::string& user, const std::string& database = "postgres") const;
    /// Runs `sql` (one or more statements) as the superuser outside a transaction block.
    void admin(const std::string& sql) const;

private:
    PgCluster();
    void stop() noexcept;

    std::string bindir_;
    std::string dir_;
    pid_t watchdog_ = -1;
    int watchdog_pipe_ = -1;
    bool running_ = false;
};

/// A path of the PostgreSQL server binaries: `pg_config --bindir`'s, else the newest
/// /usr/lib/postgresql/*/bin holding initdb. Empty when none.
std::string postgres_bindir();

}  // namespace preflight::testing
