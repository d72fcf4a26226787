#include "reports/summary_command.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <ostream>

#include "reports/json.hpp"
#include "reports/report_file.hpp"
#include "reports/report_writer.hpp"

namespace preflight {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPrefix = "preflight summary: ";

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

bool is_report_name(const std::string& name) {
    return name.size() > 5 && name[0] != '.' && name.compare(name.size() - 5, 5, ".json") == 0;
}

// Why the report at `path` cannot be summarized, or empty; `unreadable` tells 66 from 65.
std::string read_report(const std::string& path, Report& report, bool& unreadable) {
    std::string error;
    const auto document = read_report_document(path, error, unreadable);
    if (!document) return error;
    const std::string not_a_report = path + ": not a preflight report: ";
    if (document->is_object()) {
        const auto schema = document->find("schema");
        if (schema != document->end() && schema->is_string() && *schema != kReportSchema) {
            return path + ": unsupported report schema " + quoted(schema->get<std::string>()) +
                   " (this preflight reads " + std::string(kReportSchema) + ")";
        }
    }
    report = report_from_json(*document, error);
    if (!error.empty()) return not_a_report + error;
    // A row needs these; report_from_json leaves them optional for `diff`.
    for (const char* member : {"verdict", "host", "started_utc"}) {
        if (!document->contains(member)) return not_a_report + "missing \"" + member + "\"";
    }
    if (report.verdict != "PASS" && report.verdict != "FAIL" && report.verdict != "ERROR") {
        return not_a_report + "verdict: expected one of PASS, FAIL, ERROR";
    }
    return {};
}

}  // namespace

int collect_report_paths(const std::vector<std::string>& inputs, std::vector<std::string>& paths, std::ostream& err) {
    int status = 0;
    for (const auto& input : inputs) {
        std::error_code ec;
        if (!fs::is_directory(input, ec)) {
            paths.push_back(input);  // read_report_document says what is wrong with it, if anything
            continue;
        }
        std::vector<std::string> names;
        for (fs::directory_iterator it(input, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (is_report_name(name)) names.push_back(name);
        }
        if (ec) {
            err << kPrefix << "cannot read directory " << quoted(input) << ": " << ec.message() << "\n";
            status = 66;
            continue;
        }
        if (names.empty()) {
            err << kPrefix << "no reports in " << quoted(input) << ": it holds no *.json file\n";
            status = 66;
            continue;
        }
        std::sort(names.begin(), names.end());
        for (const auto& name : names) paths.push_back((fs::path(input) / name).string());
    }
    return status;
}

int run_summary_command(const std::vector<std::string>& inputs, SummaryFormat format,
                        const std::vector<SummaryOutput>& outputs, std::ostream& out, std::ostream& err) {
    std::vector<std::string> paths;
    int status = collect_report_paths(inputs, paths, err);
    std::vector<SourcedReport> reports;
    reports.reserve(paths.size());
    size_t refused = 0;
    for (const auto& path : paths) {
        SourcedReport sourced{path, {}};
        bool unreadable = false;
        const std::string problem = read_report(path, sourced.report, unreadable);
        if (problem.empty()) {
            reports.push_back(std::move(sourced));
            continue;
        }
        err << kPrefix << problem << "\n";
        ++refused;
        status = unreadable ? 66 : std::max(status, 65);
    }
    if (status != 0) {
        // Half a fleet is never summarized: a report left out could be the host that is not ready.
        err << kPrefix << "nothing was summarized";
        if (refused > 0) err << " (" << refused << " of " << paths.size() << " reports could not be used)";
        err << "\n";
        return status;
    }
    const FleetSummary summary = summarize_reports(reports);
    int code = summary.exit_code;
    for (const auto& output : outputs) {
        std::string problem;
        if (!write_report_atomically(output.path, render_summary(output.format, summary), problem)) {
            err << kPrefix << problem << "\n";
            code = 70;
        }
    }
    out << render_summary(format, summary);
    return code;
}

}  // namespace preflight
