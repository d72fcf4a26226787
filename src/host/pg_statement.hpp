#pragma once
// One statement a pack wrote, run on a raw libpq connection that is already inside the
// read-only transaction: described before it runs, streamed row by row, kept within bounds.
#include <libpq-fe.h>

#include <string>
#include <vector>

#include "src/host/pg.hpp"

namespace preflight::host {

/// The server refused the statement (or the session broke): its SQLSTATE ("" when the
/// connection itself failed) and the server's text, unredacted (the caller words it).
struct PgStatementFailure {
    std::string sqlstate;
    std::string message;
};

/// Prepares `sql` as the unnamed statement with `params` bound as text ($1..$n), describes it,
/// and returns returns_rows=false without executing it when it has no result columns; else
/// executes it in single-row mode, counting every row and keeping what `bounds` allows. Throws
/// PgStatementFailure; the connection is idle (no result pending) when it returns or throws,
/// unless the connection broke.
PgBoundedResult run_bounded_statement(PGconn* connection, const std::string& sql,
                                      const std::vector<std::string>& params,
                                      const PgResultBounds& bounds);

}  // namespace preflight::host
