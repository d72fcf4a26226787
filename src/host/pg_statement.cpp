#include "src/host/pg_statement.hpp"

#include <algorithm>
#include <memory>
#include <optional>

namespace preflight::host {

namespace {

using ResultHandle = std::unique_ptr<PGresult, decltype(&PQclear)>;

ResultHandle next_result(PGconn* connection) {
    return ResultHandle(PQgetResult(connection), &PQclear);
}

PgStatementFailure failure_of(PGconn* connection, const PGresult* result) {
    PgStatementFailure failure;
    if (result) {
        const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        failure.sqlstate = state ? state : "";
        failure.message = PQresultErrorMessage(result);
    }
    if (failure.message.empty()) failure.message = PQerrorMessage(connection);
    return failure;
}

// Reads what is left of the current command so the connection is idle again.
void drain(PGconn* connection) {
    while (next_result(connection)) {
    }
}

// One synchronous step of the extended protocol (Parse or Describe): its one result.
ResultHandle single_step(PGconn* connection, bool sent) {
    if (!sent) throw PgStatementFailure{"", PQerrorMessage(connection)};
    ResultHandle result = next_result(connection);
    drain(connection);
    if (!result) throw PgStatementFailure{"", PQerrorMessage(connection)};
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        throw failure_of(connection, result.get());
    return result;
}

void keep_row(const PGresult* row, const PgResultBounds& bounds, PgBoundedResult& out) {
    const int fields = PQnfields(row);
    PgRow cells;
    for (int column = 0; column < fields && static_cast<size_t>(column) < bounds.columns; ++column) {
        if (PQgetisnull(row, 0, column)) {
            cells.push_back(std::nullopt);
            continue;
        }
        const size_t length = static_cast<size_t>(PQgetlength(row, 0, column));
        const size_t kept = std::min(length, bounds.cell_bytes);
        if (kept < length) out.cells_cut = true;
        cells.push_back(std::string(PQgetvalue(row, 0, column), kept));
    }
    out.rows.push_back(std::move(cells));
}

}  // namespace

PgBoundedResult run_bounded_statement(PGconn* connection, const std::string& sql,
                                      const std::vector<std::string>& params,
                                      const PgResultBounds& bounds) {
    std::vector<const char*> values;
    for (const auto& param : params) values.push_back(param.c_str());
    const int count = static_cast<int>(values.size());
    // Parse refuses a string of several statements ("cannot insert multiple commands into a
    // prepared statement"), so COMMIT; or ROLLBACK; cannot ride along after a query.
    single_step(connection, PQsendPrepare(connection, "", sql.c_str(), count, nullptr) == 1);
    ResultHandle described =
        single_step(connection, PQsendDescribePrepared(connection, "") == 1);
    PgBoundedResult out;
    // No result columns: a write without RETURNING, SET, COMMIT, PREPARE TRANSACTION, ... None
    // of them is run, so none can leave the transaction or change the session.
    if (PQnfields(described.get()) == 0) {
        out.returns_rows = false;
        return out;
    }
    for (int column = 0; column < PQnfields(described.get()); ++column)
        out.columns.emplace_back(PQfname(described.get(), column));

    if (PQsendQueryPrepared(connection, "", count, values.data(), nullptr, nullptr, 0) != 1)
        throw PgStatementFailure{"", PQerrorMessage(connection)};
    // Row by row: libpq holds one row at a time, however many the statement returns.
    PQsetSingleRowMode(connection);
    std::optional<PgStatementFailure> failure;
    while (ResultHandle result = next_result(connection)) {
        switch (PQresultStatus(result.get())) {
            case PGRES_SINGLE_TUPLE:
                ++out.row_count;
                if (out.rows.size() < bounds.rows) keep_row(result.get(), bounds, out);
                break;
            case PGRES_TUPLES_OK:
            case PGRES_COMMAND_OK:
                break;
            default:
                if (!failure) failure = failure_of(connection, result.get());
        }
    }
    if (failure) throw *failure;
    return out;
}

}  // namespace preflight::host
