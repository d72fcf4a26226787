#include "reports/diff.hpp"

#include <map>
#include <ostream>
#include <sstream>

#include "reports/json.hpp"
#include "reports/report_file.hpp"

namespace preflight {

namespace {

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

std::string schema_of(const nlohmann::json& document) {
    const auto found = document.is_object() ? document.find("schema") : document.end();
    return found != document.end() && found->is_string() ? found->get<std::string>() : std::string();
}

}  // namespace

bool ReportDiff::unchanged() const {
    return newly_failing.empty() && newly_passing.empty() && status_changed.empty() && drift.empty() &&
           added.empty() && removed.empty();
}

std::optional<ReportDiff> diff_reports(const Report& old_report, const Report& new_report, std::string& error) {
    if (old_report.pack_name != new_report.pack_name) {
        error = "cannot compare reports of different packs: OLD is " + quoted(old_report.pack_name) +
                ", NEW is " + quoted(new_report.pack_name);
        return std::nullopt;
    }
    ReportDiff diff;
    diff.pack = new_report.pack_name;
    diff.old_started_utc = old_report.started_utc;
    diff.new_started_utc = new_report.started_utc;
    diff.old_verdict = old_report.verdict;
    diff.new_verdict = new_report.verdict;

    std::map<std::string, const CheckResult*> old_checks, new_checks;
    for (const auto& check : old_report.checks) old_checks.emplace(check.id, &check);
    for (const auto& check : new_report.checks) new_checks.emplace(check.id, &check);

    for (const auto& now : new_report.checks) {
        const auto found = old_checks.find(now.id);
        if (found == old_checks.end()) {
            diff.added.push_back({now.id, now.title, now.status, now.message});
            if (now.status == Status::fail) diff.regression = true;
            continue;
        }
        const CheckResult& before = *found->second;
        if (before.status != now.status) {
            StatusChange change{now.id, now.title, before.status, now.status, now.message};
            if (now.status == Status::fail) {
                diff.newly_failing.push_back(std::move(change));
                diff.regression = true;
            } else if (now.status == Status::pass) {
                diff.newly_passing.push_back(std::move(change));
            } else {
                diff.status_changed.push_back(std::move(change));
            }
        }
        if (before.observed != now.observed) {
            diff.drift.push_back({now.id, now.title, before.observed, now.observed});
        }
    }
    for (const auto& before : old_report.checks) {
        if (!new_checks.count(before.id)) {
            diff.removed.push_back({before.id, before.title, before.status, before.message});
        }
    }
    error.clear();
    return diff;
}

int run_diff_command(const std::string& old_path, const std::string& new_path, ReportFormat format,
                     std::ostream& out, std::ostream& err) {
    if (format != ReportFormat::text && format != ReportFormat::json) {
        err << "preflight diff: the diff is written as text or json\n";
        return 64;
    }
    std::string error;
    bool unreadable = false;
    const auto old_document = read_report_document(old_path, error, unreadable);
    const auto new_document = old_document ? read_report_document(new_path, error, unreadable) : std::nullopt;
    if (!new_document) {
        err << "preflight diff: " << error << '\n';
        return unreadable ? 66 : 65;
    }
    const std::string old_schema = schema_of(*old_document), new_schema = schema_of(*new_document);
    if (!old_schema.empty() && !new_schema.empty() && old_schema != new_schema) {
        err << "preflight diff: cannot compare reports of different schema versions: " << old_path
            << " is " << old_schema << ", " << new_path << " is " << new_schema << '\n';
        return 65;
    }
    const Report old_report = report_from_json(*old_document, error);
    if (!error.empty()) {
        err << "preflight diff: " << old_path << ": " << error << '\n';
        return 65;
    }
    const Report new_report = report_from_json(*new_document, error);
    if (!error.empty()) {
        err << "preflight diff: " << new_path << ": " << error << '\n';
        return 65;
    }
    const auto diff = diff_reports(old_report, new_report, error);
    if (!diff) {
        err << "preflight diff: " << error << '\n';
        return 65;
    }
    out << (format == ReportFormat::json ? render_diff_json(*diff) : render_diff_text(*diff));
    return diff->regression ? 1 : 0;
}

}  // namespace preflight
