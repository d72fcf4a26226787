#pragma once
// PostgreSQL access for the pg_* checks: named pack connections, opened once per run, used only
// through read-only transactions bounded by the calling check's timeout.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace preflight::host {

/// A database probe that could not be answered. Its message is safe to show: it names the
/// connection and what to check, and never contains a password or a conninfo fragment.
class PgError : public std::runtime_error {
public:
    explicit PgError(const std::string& message, std::string sqlstate = {})
        : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
    /// The server's SQLSTATE when the server refused the statement ("25006"); else "".
    const std::string& sqlstate() const { return sqlstate_; }

private:
    std::string sqlstate_;
};

/// One result row: a text cell per column, nullopt for SQL NULL.
using PgRow = std::vector<std::optional<std::string>>;

/// How much of a statement's answer is kept in memory: every row is counted, only these are held.
struct PgResultBounds {
    size_t rows = 5;             ///< rows kept (the first ones)
    size_t columns = 8;          ///< cells kept per row (the first ones)
    size_t cell_bytes = 65536;   ///< bytes kept per cell; a longer cell is cut and flagged
};

/// A statement's answer within PgResultBounds.
struct PgBoundedResult {
    /// False when the statement returns no rows (INSERT without RETURNING, SET, COMMIT, ...):
    /// it was described, never executed, and everything else here is empty.
    bool returns_rows = true;
    std::vector<std::string> columns;  ///< every column's name, in order
    std::vector<PgRow> rows;           ///< the first rows, cut to the bounds
    long long row_count = 0;           ///< every row the statement returned
    bool cells_cut = false;            ///< a kept cell was longer than cell_bytes and was cut
};

/// A pack connection as the asking check resolved it: its conninfo and its `password:` ("" when
/// the pack gives none).
struct PgConnectionTarget {
    std::string conninfo;
    std::string password;
};

/// What the connector needs from the check that asks a query: its deadline, a way to register
/// secrets for every output of the run, and the pack's connections. The check side builds it
/// (pg_query_scope in checks/pg_connect.hpp); the host layer knows nothing of the check contract.
struct PgQueryScope {
    std::chrono::steady_clock::time_point deadline;  ///< when the asking check must have finished
    /// Registers `value` as secret; `name` says what it is ("connection db password").
    std::function<void(const std::string& value, const std::string& name)> add_secret;
    /// The named connection, resolved; nullopt when the pack does not declare it. May throw
    /// (an unresolved reference): the connector lets that through.
    std::function<std::optional<PgConnectionTarget>(const std::string& connection)> connection;
};

/// What the checks use to talk to PostgreSQL.
class PgConnector {
public:
    virtual ~PgConnector() = default;
    /// Runs `sql` (one statement, parameters $1..$n bound as text) in a read-only transaction on
    /// the pack connection `connection`, within the calling check's remaining time. Returns the
    /// rows as text. Throws PgError (unreachable, authentication refused, timeout, lock wait,
    /// lost session, SQL error, unreadable passfile); lets what `scope.connection` throws through.
    virtual std::vector<PgRow> query(const PgQueryScope& scope, const std::string& connection,
                                     const std::string& sql,
                                     const std::vector<std::string>& params) = 0;

    /// Runs `sql` as query() does, but as a statement the pack wrote: parsed and described
    /// first (one statement only: the extended protocol refuses several), not executed at all
    /// when it returns no rows, else executed in the read-only transaction, streamed row by row
    /// and kept within `bounds`; the transaction is rolled back. Throws PgError as query() does,
    /// with the server's SQLSTATE when the server refused the statement. The default (for
    /// connectors that only answer query()) throws PgError.
    virtual PgBoundedResult query_bounded(const PgQueryScope& scope, const std::string& connection,
                                          const std::string& sql,
                                          const std::vector<std::string>& params,
                                          const PgResultBounds& bounds);
};

/// The libpq/libpqxx connector. Opens each named connection at most once per run (the first
/// check to use it sets its connect_timeout) and shares it between checks, one at a time per
/// connection. Every password it can see (the connection's `password:`, conninfo `password=`,
/// URI userinfo, PGPASSWORD, passfile entries) is registered as a secret before connecting.
class LibpqConnector : public PgConnector {
public:
    LibpqConnector();
    ~LibpqConnector() override;
    LibpqConnector(const LibpqConnector&) = delete;
    LibpqConnector& operator=(const LibpqConnector&) = delete;

    std::vector<PgRow> query(const PgQueryScope& scope, const std::string& connection,
                             const std::string& sql,
                             const std::vector<std::string>& params) override;
    PgBoundedResult query_bounded(const PgQueryScope& scope, const std::string& connection,
                                  const std::string& sql, const std::vector<std::string>& params,
                                  const PgResultBounds& bounds) override;

    struct Session;  // one named connection: its lock, its libpqxx connection, its secrets

private:
    Session& session(const std::string& name);

    std::mutex mutex_;
    std::map<std::string, std::unique_ptr<Session>> sessions_;
};

}  // namespace preflight::host
