#include "reports/summary.hpp"

#include <algorithm>
#include <map>

namespace preflight {

namespace {

void count(ReadinessCounts& counts, Readiness readiness) {
    switch (readiness) {
        case Readiness::ready: ++counts.ready; break;
        case Readiness::not_ready: ++counts.not_ready; break;
        case Readiness::unknown: ++counts.unknown; break;
    }
}

SummaryRow row_of(const SourcedReport& sourced) {
    const Report& report = sourced.report;
    SummaryRow row;
    row.source = sourced.source;
    row.host = report.host;
    row.pack = report.pack_name;
    row.verdict = report.verdict;
    row.readiness = readiness_of(report, row.doubt);
    row.incomplete = report.incomplete;
    row.started_utc = report.started_utc;
    for (const auto& check : report.checks) {
        if (check.status == Status::fail) row.failing.push_back(check.id);
        if (check.status == Status::error) row.erroring.push_back(check.id);
    }
    return row;
}

}  // namespace

std::string_view to_string(Readiness readiness) {
    switch (readiness) {
        case Readiness::ready: return "ready";
        case Readiness::not_ready: return "not_ready";
        case Readiness::unknown: return "unknown";
    }
    return "unknown";
}

Readiness readiness_of(const Report& report, std::string& doubt) {
    doubt.clear();
    if (report.verdict == "FAIL") return Readiness::not_ready;
    if (report.verdict != "PASS") return Readiness::unknown;
    // A PASS is believed only when nothing in the report contradicts it: a false PASS is the worst bug.
    if (report.incomplete) {
        doubt = "the run was incomplete";
    } else if (report.exit_code != 0) {
        doubt = "its exit_code is " + std::to_string(report.exit_code);
    } else {
        const auto contradicting = std::find_if(report.checks.begin(), report.checks.end(), [](const CheckResult& c) {
            return c.severity == Severity::critical && (c.status == Status::fail || c.status == Status::error);
        });
        if (contradicting != report.checks.end()) {
            doubt = "critical check " + contradicting->id + " is " + std::string(to_string(contradicting->status));
        }
    }
    return doubt.empty() ? Readiness::ready : Readiness::unknown;
}

FleetSummary summarize_reports(const std::vector<SourcedReport>& reports) {
    FleetSummary summary;
    std::map<std::string, PackSummary> packs;
    for (const auto& sourced : reports) {
        SummaryRow row = row_of(sourced);
        PackSummary& pack = packs[row.pack];
        pack.pack = row.pack;
        count(pack.counts, row.readiness);
        count(summary.counts, row.readiness);
        pack.rows.push_back(std::move(row));
    }
    for (auto& [name, pack] : packs) summary.packs.push_back(std::move(pack));
    const ReadinessCounts& counts = summary.counts;
    if (counts.unknown > 0 || counts.total() == 0) summary.exit_code = 2;
    else if (counts.not_ready > 0) summary.exit_code = 1;
    else summary.exit_code = 0;
    return summary;
}

}  // namespace preflight
