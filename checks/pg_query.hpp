#pragma once
// Kind `pg_query`: one SQL statement the pack writes, run through a pack connection in a READ
// ONLY transaction bounded by the check's timeout and always rolled back, and its result judged:
// the single value (exact text or a regex) and/or the row count.
#include <optional>
#include <string>

#include "src/check.hpp"
#include "src/host/pg.hpp"
#include "src/pattern.hpp"

namespace preflight {

/// What a pg_query check requires; unset members are not checked (at least one is set).
struct PgQueryExpectations {
    std::optional<std::string> value;  ///< the single value, as PostgreSQL's text output
    std::optional<Pattern> match;      ///< a regex the single value must match (whole text)
    std::optional<long long> rows;     ///< how many rows the statement returns
};

/// How much of a result pg_query holds and shows: 5 rows of 8 cells, a cell cut at 64 KiB
/// (every row is counted for expect_rows).
host::PgResultBounds pg_query_bounds();

/// Judges a bounded result. Head "connection 'NAME': ". Fail when the statement returns no
/// rows at all ("the statement returns no rows, so it was not run: pg_query runs only a
/// statement that returns rows (SELECT, VALUES, TABLE, SHOW, WITH ... SELECT)"), and on each
/// unmet expectation, joined by "; ": "returned 3 rows, expected 1", "returned 0 rows, so there
/// is no single value to compare", "the value is NULL (expect_value and expect_match never match
/// NULL; use COALESCE in the query or expect_rows)", "the value is 'x', expected 'y'", "the value
/// 'x' does not match ^y$". Error when a value is judged but the result has more than one column
/// or the value was cut at the bound. Pass: "connection 'NAME': returned 1 row, value '0'".
/// Observed: {"rows": N, "columns": [...], "value": V} (value when one row of one column, else
/// "first_rows").
Outcome judge_pg_query(const std::string& connection, const host::PgBoundedResult& result,
                       const PgQueryExpectations& expected);

/// The outcome of a statement the server refused: `fail` for SQLSTATE 25006 (it tried to
/// write: "connection 'NAME': the statement tried to write; pg_query runs read-only (SERVER
/// TEXT)"), else `error` with the connector's message.
Outcome judge_pg_query_refusal(const std::string& connection, const host::PgError& refusal);

/// The `pg_query` kind.
KindSpec pg_query_kind();

}  // namespace preflight
