// The judgement of pg_query: a pure function of the bounded result and the expectations.
#include <string_view>

#include "checks/pg_query.hpp"

namespace preflight {

namespace {

// Values shown in messages are cut: the observed JSON keeps up to the host bound.
constexpr size_t kShownChars = 200;

std::string shown(const std::string& value) {
    if (value.size() <= kShownChars) return "'" + value + "'";
    return "'" + value.substr(0, kShownChars) + "…' (" + std::to_string(value.size()) + " bytes)";
}

std::string rows_text(long long count) {
    return std::to_string(count) + (count == 1 ? " row" : " rows");
}

nlohmann::json cell_json(const std::optional<std::string>& cell) {
    if (!cell) return nullptr;
    return *cell;
}

nlohmann::json observed_of(const host::PgBoundedResult& result) {
    nlohmann::json observed = {{"rows", result.row_count}, {"columns", result.columns}};
    if (result.row_count == 1 && result.columns.size() == 1 && !result.rows.empty() &&
        !result.rows[0].empty()) {
        observed["value"] = cell_json(result.rows[0][0]);
        return observed;
    }
    if (result.rows.empty()) return observed;
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : result.rows) {
        nlohmann::json cells = nlohmann::json::array();
        for (const auto& cell : row) cells.push_back(cell_json(cell));
        rows.push_back(cells);
    }
    observed["first_rows"] = rows;
    return observed;
}

nlohmann::json expected_of(const PgQueryExpectations& expected) {
    nlohmann::json wanted = nlohmann::json::object();
    if (expected.rows) wanted["rows"] = *expected.rows;
    if (expected.value) wanted["value"] = *expected.value;
    if (expected.match) wanted["matches"] = expected.match->source();
    return wanted;
}

}  // namespace

host::PgResultBounds pg_query_bounds() { return {5, 8, 64 * 1024}; }

Outcome judge_pg_query(const std::string& connection, const host::PgBoundedResult& result,
                       const PgQueryExpectations& expected) {
    const std::string head = "connection '" + connection + "': ";
    if (!result.returns_rows)
        return Outcome::fail(head + "the statement returns no rows, so it was not run: pg_query "
                                    "runs only a statement that returns rows (SELECT, VALUES, "
                                    "TABLE, SHOW, WITH ... SELECT)",
                             nullptr, expected_of(expected));
    const nlohmann::json observed = observed_of(result);
    const bool judges_value = expected.value || expected.match;
    if (judges_value && result.columns.size() != 1)
        return Outcome::error(head + "the statement returns " +
                                  std::to_string(result.columns.size()) +
                                  " columns; expect_value and expect_match need exactly one",
                              observed);

    std::vector<std::string> problems;
    if (expected.rows && result.row_count != *expected.rows)
        problems.push_back("returned " + rows_text(result.row_count) + ", expected " +
                           std::to_string(*expected.rows));
    std::optional<std::string> value;
    if (judges_value) {
        if (result.row_count != 1) {
            if (!expected.rows)  // else already said
                problems.push_back("returned " + rows_text(result.row_count) +
                                   ", so there is no single value to compare");
        } else if (result.rows.empty() || result.rows[0].empty()) {
            return Outcome::error(head + "the server's answer was not understood", observed);
        } else if (!result.rows[0][0]) {
            problems.push_back("the value is NULL (expect_value and expect_match never match "
                               "NULL; use COALESCE in the query or expect_rows)");
        } else if (result.cells_cut) {
            return Outcome::error(head + "the value is longer than " +
                                      std::to_string(pg_query_bounds().cell_bytes) +
                                      " bytes; pg_query does not compare values that large "
                                      "(compare a digest or length in the query instead)",
                                  nullptr);
        } else {
            value = *result.rows[0][0];
            if (expected.value && *value != *expected.value)
                problems.push_back("the value is " + shown(*value) + ", expected " +
                                   shown(*expected.value));
            if (expected.match && !expected.match->search(*value))
                problems.push_back("the value " + shown(*value) + " does not match " +
                                   expected.match->source());
        }
    }
    if (!problems.empty()) {
        std::string message = head;
        for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
        return Outcome::fail(message, observed, expected_of(expected));
    }
    std::string message = head + "returned " + rows_text(result.row_count);
    if (value) message += ", value " + shown(*value);
    return Outcome::pass(message, observed);
}

Outcome judge_pg_query_refusal(const std::string& connection, const host::PgError& refusal) {
    if (refusal.sqlstate() != "25006") return Outcome::error(refusal.what());
    // The connector's text is "connection 'NAME': query failed: SERVER TEXT (SQLSTATE 25006)".
    std::string_view text = refusal.what();
    std::string_view reason = text;
    constexpr std::string_view kFailed = "query failed: ";
    if (auto at = text.find(kFailed); at != std::string_view::npos)
        reason = text.substr(at + kFailed.size());
    constexpr std::string_view kState = " (SQLSTATE 25006)";
    if (reason.size() >= kState.size() && reason.substr(reason.size() - kState.size()) == kState)
        reason.remove_suffix(kState.size());
    return Outcome::fail("connection '" + connection +
                         "': the statement tried to write; pg_query runs read-only (" +
                         std::string(reason) + ")");
}

}  // namespace preflight
