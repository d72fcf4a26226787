#include "src/host/pg.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <pqxx/pqxx>

#include "src/host/files.hpp"
#include "src/host/pg_conninfo.hpp"
#include "src/host/pg_statement.hpp"

namespace preflight::host {

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

void set_param(Params& params, const std::string& key, const std::string& value) {
    for (auto& [k, v] : params)
        if (k == key) {
            v = value;
            return;
        }
    params.emplace_back(key, value);
}

const std::string* find_param(const Params& params, const std::string& key) {
    for (const auto& [k, v] : params)
        if (k == key) return &v;
    return nullptr;
}

// Carries libpq's text and the effective target out of the connection policy, which may only
// throw; the caller turns it into a PgError worded for the operator.
struct ConnectFailure : std::exception {
    std::string libpq_message;
    ConnectTarget target;
    const char* what() const noexcept override { return "connection failed"; }
};

// libpqxx 6.4 only opens connections from a conninfo string; this policy opens them with
// PQconnectdbParams instead, so the password travels as its own parameter and is never quoted
// into (or parsed back out of) a string.
class ParamsPolicy : public pqxx::connectionpolicy {
public:
    explicit ParamsPolicy(Params params) : connectionpolicy(std::string{}), params_(std::move(params)) {}

    handle do_startconnect(handle orig) override {
        if (orig) return raw_ = orig;
        std::vector<const char*> keys, values;
        for (const auto& [k, v] : params_) {
            keys.push_back(k.c_str());
            values.push_back(v.c_str());
        }
        keys.push_back(nullptr);
        values.push_back(nullptr);
        PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 0);
        if (conn == nullptr) throw std::bad_alloc();
        if (PQstatus(conn) != CONNECTION_OK) {
            ConnectFailure failure;
            failure.libpq_message = PQerrorMessage(conn);
            auto text = [](const char* s) { return std::string(s ? s : ""); };
            failure.target = {text(PQhost(conn)), text(PQport(conn)), text(PQuser(conn)),
                              text(PQdb(conn))};
            PQfinish(conn);
            throw failure;
        }
        return raw_ = conn;
    }

    handle do_disconnect(handle orig) noexcept override {
        raw_ = nullptr;
        return connectionpolicy::do_disconnect(orig);
    }

    /// The libpq connection libpqxx runs on (null when closed), for what libpqxx 6.4 cannot
    /// do: describing a statement before running it and single-row mode.
    PGconn* raw() const { return raw_; }

private:
    Params params_;
    PGconn* raw_ = nullptr;
};

class ParamsConnection : public pqxx::connection_base {
public:
    explicit ParamsConnection(Params params) : connection_base(policy_), policy_(std::move(params)) {
        init();
    }
    ~ParamsConnection() noexcept { close(); }
    PGconn* raw() const { return policy_.raw(); }

private:
    ParamsPolicy policy_;
};

std::string environment_value(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

// Capped at what statement_timeout accepts (an int of milliseconds).
long long remaining_ms(const PgQueryScope& scope) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          scope.deadline - std::chrono::steady_clock::now())
                          .count();
    return std::min<long long>(left, std::numeric_limits<int>::max());
}

// "connection 'db': passfile /dev/zero is not usable: not a regular file (it is a character
// device) (...)": said instead of connecting, since libpq might take a password from it that the
// reports could not mask.
std::string unreadable_passfile_message(const std::string& connection, const std::string& path,
                                        const std::string& reason) {
    return "connection '" + connection + "': passfile " + path + " is not usable: " + reason +
           " (a passfile must be a readable regular file of at most " +
           describe_size(kMaxTextFileBytes) + "; fix or unset passfile/PGPASSFILE)";
}

// The lock wait gives up first, so a blocked query reports the lock, not a generic timeout.
long long lock_budget_ms(long long statement_ms) { return std::max(1LL, statement_ms * 3 / 4); }

// The server ends the session after these (shutdown, admin termination, connection failure):
// later checks must not reuse it.
bool ends_session(const std::string& sqlstate) {
    return sqlstate.rfind("57P", 0) == 0 || sqlstate.rfind("08", 0) == 0;
}

}  // namespace

struct LibpqConnector::Session {
    std::mutex mutex;
    bool attempted = false;
    std::string failure;  // why opening failed, or why the session was lost
    std::vector<std::pair<std::string, std::string>> secrets;  // (value, name)
    std::unique_ptr<ParamsConnection> connection;
    std::unique_ptr<pqxx::quiet_errorhandler> notices;  // checks never print

    void add_secret(const PgQueryScope& scope, const std::string& value, const std::string& name) {
        if (value.empty()) return;
        secrets.emplace_back(value, name);
        scope.add_secret(value, name);
    }

    void open(const PgQueryScope& scope, const std::string& name);
    std::vector<PgRow> run(const PgQueryScope& scope, const std::string& name,
                           const std::string& sql, const std::vector<std::string>& params);
    PgBoundedResult run_bounded(const PgQueryScope& scope, const std::string& name,
                                const std::string& sql, const std::vector<std::string>& params,
                                const PgResultBounds& bounds);
    PgBoundedResult run_bounded_once(const PgQueryScope& scope, const std::string& name,
                                     const std::string& sql, const std::vector<std::string>& params,
                                     const PgResultBounds& bounds);
    void release_advisory_locks() noexcept;

    struct Budget {
        long long statement_ms;  ///< what the check has left
        long long lock_ms;       ///< less, so a blocked statement reports the lock
    };
    /// Runs body(transaction, budget) in a read-only transaction whose statement and lock
    /// timeouts are the check's remaining time (plus `more_settings`, "; SET LOCAL ..."),
    /// rolled back when it ends. Every libpqxx failure becomes a PgError naming the connection;
    /// one the server ends the session with, or a lost session, also marks it failed.
    template <typename Body>
    auto in_bounded_transaction(const PgQueryScope& scope, const std::string& name,
                                const std::string& more_settings, Body body);
};

void LibpqConnector::Session::open(const PgQueryScope& scope, const std::string& name) {
    const std::optional<PgConnectionTarget> target = scope.connection(name);
    attempted = true;
    if (!target) {
        failure = "connection '" + name + "' is not declared under the pack's connections:";
        return;
    }
    const std::string& conninfo = target->conninfo;
    const std::string& password = target->password;
    add_secret(scope, password, "connection " + name + " password");
    add_secret(scope, environment_value("PGPASSWORD"), "env PGPASSWORD");

    if (uri_needs_encoding(conninfo)) {
        failure = invalid_conninfo_message(name);
        return;
    }
    char* parse_error = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> parsed(
        PQconninfoParse(conninfo.c_str(), &parse_error), &PQconninfoFree);
    if (parse_error) PQfreemem(parse_error);  // it may quote the malformed value: never shown
    if (!parsed) {
        failure = invalid_conninfo_message(name);
        return;
    }
    Params params;
    for (auto* option = parsed.get(); option->keyword; ++option)
        if (option->val && *option->val) params.emplace_back(option->keyword, option->val);
    if (const auto* inline_password = find_param(params, "password"))
        add_secret(scope, *inline_password, "connection " + name + " conninfo password");

    std::string passfile = environment_value("PGPASSFILE");
    if (const auto* keyword = find_param(params, "passfile")) passfile = *keyword;
    if (passfile.empty() && !environment_value("HOME").empty())
        passfile = environment_value("HOME") + "/.pgpass";
    if (!passfile.empty()) {
        // Read as every other input: bounded, regular files only, never blocking. A passfile
        // that exists but cannot be read this way could hold a password libpq would use and
        // the reports could not mask: the connection is not opened.
        std::string error;
        if (auto contents = read_text_file(passfile, kMaxTextFileBytes, error)) {
            for (const auto& entry : passfile_passwords(*contents))
                add_secret(scope, entry, "passfile " + passfile + " password");
        } else if (error != "no such file") {
            failure = unreadable_passfile_message(name, passfile, error);
            return;
        }
    }

    if (!password.empty()) set_param(params, "password", password);
    // connect_timeout follows the check's timeout (libpq's minimum is 2 s) unless the
    // conninfo asks for less.
    const int timeout_s = static_cast<int>(std::max(2LL, (remaining_ms(scope) + 999) / 1000));
    int effective_timeout = timeout_s;
    if (const auto* own = find_param(params, "connect_timeout")) {
        const int asked = std::atoi(own->c_str());
        if (asked > 0 && asked < timeout_s) effective_timeout = std::max(2, asked);
    }
    set_param(params, "connect_timeout", std::to_string(effective_timeout));
    // The timeouts hold from the first statement on, before any SET could run; each query then
    // narrows them to its own check's remaining time.
    const long long budget_ms = std::max(1LL, remaining_ms(scope));
    const auto* options = find_param(params, "options");
    set_param(params, "options",
              (options ? *options + " " : std::string{}) +
                  "-c default_transaction_read_only=on -c statement_timeout=" +
                  std::to_string(budget_ms) + " -c lock_timeout=" +
                  std::to_string(lock_budget_ms(budget_ms)));
    set_param(params, "fallback_application_name", "preflight");

    try {
        connection = std::make_unique<ParamsConnection>(std::move(params));
        notices = std::make_unique<pqxx::quiet_errorhandler>(*connection);
    } catch (const ConnectFailure& e) {
        failure = explain_connect_failure(name, e.target, e.libpq_message, effective_timeout);
    } catch (const std::exception&) {
        failure = "connection '" + name + "': could not set up the session";
    }
}

template <typename Body>
auto LibpqConnector::Session::in_bounded_transaction(const PgQueryScope& scope,
                                                     const std::string& name,
                                                     const std::string& more_settings, Body body) {
    const long long statement_ms = remaining_ms(scope);
    if (statement_ms <= 0)
        throw PgError("connection '" + name + "': the check's timeout was reached before the query");
    const Budget budget{statement_ms, lock_budget_ms(statement_ms)};
    try {
        // BEGIN READ ONLY on a session whose default is read-only too; never committed: the
        // transaction object rolls back when it goes out of scope, whatever happens below.
        // Plain SET reads no catalog, so it cannot itself wait on a lock.
        pqxx::read_transaction transaction(*connection);
        transaction.exec("SET LOCAL statement_timeout = " + std::to_string(budget.statement_ms) +
                         "; SET LOCAL lock_timeout = " + std::to_string(budget.lock_ms) +
                         more_settings);
        return body(transaction, budget);
    } catch (const pqxx::sql_error& e) {
        std::string message = explain_query_failure(name, e.sqlstate(), e.what(),
                                                    budget.statement_ms, budget.lock_ms);
        if (ends_session(e.sqlstate())) failure = message;
        throw PgError(message, e.sqlstate());
    } catch (const pqxx::broken_connection&) {
        failure = lost_session_message(name);
        throw PgError(failure);
    } catch (const pqxx::in_doubt_error&) {
        failure = lost_session_message(name);
        throw PgError(failure);
    } catch (const pqxx::failure& e) {
        throw PgError(explain_query_failure(name, "", e.what(), budget.statement_ms, budget.lock_ms));
    }
}

std::vector<PgRow> LibpqConnector::Session::run(const PgQueryScope& scope, const std::string& name,
                                                const std::string& sql,
                                                const std::vector<std::string>& params) {
    // preflight's own statements are short catalog probes: JIT compiling one (PostgreSQL 11+,
    // when the plan's estimated cost passes jit_above_cost, as a 100,000-table schema's does)
    // costs more than it saves — 50 ms of a 90 ms pg_privileges query.
    const std::string no_jit = connection->server_version() >= 110000 ? "; SET LOCAL jit = off" : "";
    return in_bounded_transaction(scope, name, no_jit, [&](pqxx::read_transaction& transaction, const Budget&) {
        const pqxx::result result =
            transaction.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
        std::vector<PgRow> rows;
        rows.reserve(result.size());
        for (const auto& row : result) {
            PgRow cells;
            for (const auto& field : row)
                cells.push_back(field.is_null() ? std::nullopt
                                                : std::optional<std::string>(field.c_str()));
            rows.push_back(std::move(cells));
        }
        return rows;
    });
}

PgBoundedResult LibpqConnector::Session::run_bounded(const PgQueryScope& scope,
                                                     const std::string& name,
                                                     const std::string& sql,
                                                     const std::vector<std::string>& params,
                                                     const PgResultBounds& bounds) {
    try {
        PgBoundedResult result = run_bounded_once(scope, name, sql, params, bounds);
        release_advisory_locks();
        return result;
    } catch (...) {
        release_advisory_locks();
        throw;
    }
}

// A session-level advisory lock (pg_advisory_lock) is no write and outlives the rollback: the
// pack's statement may have taken one, and the shared session must not hold it for the rest
// of the run.
void LibpqConnector::Session::release_advisory_locks() noexcept {
    if (!connection || !failure.empty()) return;
    try {
        pqxx::read_transaction transaction(*connection);
        transaction.exec("SELECT pg_catalog.pg_advisory_unlock_all()");
    } catch (...) {  // a lost session is reported by the next query that needs it
    }
}

PgBoundedResult LibpqConnector::Session::run_bounded_once(const PgQueryScope& scope,
                                                          const std::string& name,
                                                          const std::string& sql,
                                                          const std::vector<std::string>& params,
                                                          const PgResultBounds& bounds) {
    const std::string idle = "; SET LOCAL idle_in_transaction_session_timeout = " +
                             std::to_string(remaining_ms(scope));
    return in_bounded_transaction(scope, name, idle, [&](pqxx::read_transaction&, const Budget& budget) {
        PGconn* raw = connection->raw();
        if (!raw) throw pqxx::broken_connection();
        try {
            return run_bounded_statement(raw, sql, params, bounds);
        } catch (const PgStatementFailure& refused) {
            if (PQstatus(raw) != CONNECTION_OK) {
                failure = lost_session_message(name);
                throw PgError(failure);
            }
            std::string message = explain_query_failure(name, refused.sqlstate, refused.message,
                                                        budget.statement_ms, budget.lock_ms);
            if (ends_session(refused.sqlstate)) failure = message;
            throw PgError(message, refused.sqlstate);
        }
    });
}

PgBoundedResult PgConnector::query_bounded(const PgQueryScope&, const std::string& connection,
                                           const std::string&, const std::vector<std::string>&,
                                           const PgResultBounds&) {
    throw PgError("connection '" + connection + "': this run cannot execute pg_query statements");
}

LibpqConnector::LibpqConnector() = default;
LibpqConnector::~LibpqConnector() = default;

LibpqConnector::Session& LibpqConnector::session(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto& slot = sessions_[name];
    if (!slot) slot = std::make_unique<Session>();
    return *slot;
}

std::vector<PgRow> LibpqConnector::query(const PgQueryScope& scope, const std::string& connection,
                                         const std::string& sql,
                                         const std::vector<std::string>& params) {
    Session& session = this->session(connection);
    std::lock_guard lock(session.mutex);
    // Each check may report through its own context: every one of them learns the secrets.
    for (const auto& [value, name] : session.secrets) scope.add_secret(value, name);
    if (!session.attempted) session.open(scope, connection);
    if (!session.failure.empty()) throw PgError(session.failure);
    return session.run(scope, connection, sql, params);
}

PgBoundedResult LibpqConnector::query_bounded(const PgQueryScope& scope,
                                              const std::string& connection,
                                              const std::string& sql,
                                              const std::vector<std::string>& params,
                                              const PgResultBounds& bounds) {
    Session& session = this->session(connection);
    std::lock_guard lock(session.mutex);
    for (const auto& [value, name] : session.secrets) scope.add_secret(value, name);
    if (!session.attempted) session.open(scope, connection);
    if (!session.failure.empty()) throw PgError(session.failure);
    return session.run_bounded(scope, connection, sql, params, bounds);
}

}  // namespace preflight::host
