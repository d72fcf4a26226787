#pragma once
// `preflight diff OLD.json NEW.json`: what changed between two runs of the same pack.
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "reports/renderers.hpp"
#include "src/model.hpp"

namespace preflight {

/// A check present in both reports whose status changed.
struct StatusChange {
    std::string id;
    std::string title;
    Status old_status = Status::error;
    Status new_status = Status::error;
    std::string message;  ///< the NEW message
};

/// A check present in both reports whose observed value changed.
struct ObservedDrift {
    std::string id;
    std::string title;
    nlohmann::json old_observed;
    nlohmann::json new_observed;
};

/// A check present in only one of the reports, with its status there.
struct CheckPresence {
    std::string id;
    std::string title;
    Status status = Status::error;
    std::string message;
};

struct ReportDiff {
    std::string pack;
    std::string old_started_utc, new_started_utc;
    std::string old_verdict, new_verdict;
    std::vector<StatusChange> newly_failing;   ///< now `fail`, before anything else
    std::vector<StatusChange> newly_passing;   ///< now `pass`, before anything else
    std::vector<StatusChange> status_changed;  ///< every other status change (e.g. pass -> error)
    std::vector<ObservedDrift> drift;
    std::vector<CheckPresence> added;    ///< only in NEW, in NEW's order
    std::vector<CheckPresence> removed;  ///< only in OLD, in OLD's order
    /// NEW has a `fail` that OLD did not have: a newly failing check or an added failing one.
    bool regression = false;

    bool unchanged() const;
};

/// Compares two reports of the same pack. Returns nullopt with `error` set ("cannot compare
/// reports of different packs: OLD is \"a\", NEW is \"b\"") when the packs differ.
std::optional<ReportDiff> diff_reports(const Report& old_report, const Report& new_report, std::string& error);

/// The diff for a terminal: one section per kind of change, then the regression line.
std::string render_diff_text(const ReportDiff& diff);
/// The diff as a `preflight.diff/v1` JSON document.
std::string render_diff_json(const ReportDiff& diff);

/// The whole `preflight diff` command: reads both JSON reports, writes the diff in `format`
/// (text or json) to `out`. Returns 0 (no regression), 1 (regression), 64 (a format other than
/// text or json), 65 (a report is not valid JSON, not a preflight.report/v1 document, or the two
/// are of different packs or schema versions) or 66 (a report file is missing, a directory, not a
/// regular file, unreadable or larger than 64 MiB), with the reason on `err`.
int run_diff_command(const std::string& old_path, const std::string& new_path, ReportFormat format,
                     std::ostream& out, std::ostream& err);

}  // namespace preflight
