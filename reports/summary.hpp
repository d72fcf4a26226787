#pragma once
// `preflight summary`: the fleet rollup of JSON reports. Pure: reports in, rows and the exit
// status out; reading the files is summary_command.cpp's, rendering summary_render.cpp's.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/model.hpp"

namespace preflight {

/// What one report says of its host, read fail-closed.
enum class Readiness { ready, not_ready, unknown };

/// "ready", "not_ready" or "unknown".
std::string_view to_string(Readiness readiness);

/// A report read from `source` (the file it came from), as the summary takes it.
struct SourcedReport {
    std::string source;
    Report report;
};

/// One row: one report of one host.
struct SummaryRow {
    std::string source;
    std::string host;
    std::string pack;
    std::string verdict;      ///< as the report states it: PASS, FAIL or ERROR
    Readiness readiness = Readiness::unknown;
    /// Why a report is unknown although its verdict is PASS ("the run was incomplete"); else empty.
    std::string doubt;
    bool incomplete = false;
    std::string started_utc;
    std::vector<std::string> failing;   ///< ids of the checks with status fail, in report order
    std::vector<std::string> erroring;  ///< ids of the checks with status error, in report order
};

/// How many reports are in each state.
struct ReadinessCounts {
    int ready = 0, not_ready = 0, unknown = 0;
    int total() const { return ready + not_ready + unknown; }
};

/// The reports of one pack.
struct PackSummary {
    std::string pack;
    std::vector<SummaryRow> rows;  ///< in the order the reports were given
    ReadinessCounts counts;
};

/// The whole rollup.
struct FleetSummary {
    std::vector<PackSummary> packs;  ///< sorted by pack name
    ReadinessCounts counts;
    /// 0 every report ready · 1 at least one not ready and none unknown · 2 at least one unknown.
    /// An empty rollup is 2: no report never means a ready fleet.
    int exit_code = 2;
};

/// The readiness of one report, fail-closed: `FAIL` is not ready; `PASS` is ready only when the
/// report agrees with itself (exit_code 0, not incomplete, no critical check `fail` or `error`),
/// and otherwise unknown with `doubt` saying why; `ERROR` and any other verdict are unknown.
Readiness readiness_of(const Report& report, std::string& doubt);

/// One row per report, grouped per pack, with the counts and the exit status.
FleetSummary summarize_reports(const std::vector<SourcedReport>& reports);

/// The formats of a summary.
enum class SummaryFormat { text, markdown, json };

/// The format named on the command line ("text", "markdown", "json"), or nullopt.
std::optional<SummaryFormat> summary_format_from_name(const std::string& name);
/// The format of a summary file by extension (.txt .md .json), or nullopt.
std::optional<SummaryFormat> summary_format_from_path(const std::string& path);

/// The summary in `format`:
/// - text: per pack a heading line with its counts and an aligned table (HOST, VERDICT, FAILING,
///   ERRORING, STARTED_UTC; at most 5 ids per cell, then "+N more"), then the fleet's counts and
///   exit status; control characters shown as \xNN;
/// - markdown: a title, the fleet line, per pack a section with a table (cells Markdown-escaped);
/// - json: a `preflight.summary/v1` document (docs/summary.md describes its members).
std::string render_summary(SummaryFormat format, const FleetSummary& summary);

/// The schema identifier of the JSON summary.
inline constexpr std::string_view kSummarySchema = "preflight.summary/v1";

}  // namespace preflight
