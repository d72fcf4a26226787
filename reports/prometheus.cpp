// Prometheus text exposition format 0.0.4, for node_exporter's textfile collector: gauges only,
// every series present in every run (a check's status is a stateset: one series per status, 1
// for the status it has), so that alerts never depend on a series appearing or vanishing.
// Only identities and statuses are exported: never a message, an observed value or a title.
#include "reports/prometheus.hpp"

#include <cstdio>
#include <ctime>
#include <sstream>

#include "reports/renderers.hpp"
#include "reports/wording.hpp"

namespace preflight {

namespace {

constexpr Status kStatuses[] = {Status::pass, Status::fail, Status::error, Status::skip};

// Label values must be valid UTF-8: invalid bytes become U+FFFD, control characters \xNN.
std::string label(std::string_view text) { return prometheus_label_escaped(wording::printable(text)); }

void family(std::ostringstream& out, std::string_view name, std::string_view help) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " gauge\n";
}

// Unix seconds of "YYYY-MM-DDTHH:MM:SSZ"; false for anything else.
bool unix_seconds(const std::string& utc, long long& seconds) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
    if (std::sscanf(utc.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &year, &month, &day, &hour, &minute, &second,
                    &consumed) != 6 ||
        consumed != static_cast<int>(utc.size()) || utc.size() != 20 || month < 1 || month > 12 || day < 1 ||
        day > 31 || hour > 23 || minute > 59 || second > 60)
        return false;
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    seconds = static_cast<long long>(::timegm(&tm));  // UTC: independent of TZ
    return true;
}

std::string seconds_text(long long ms) {
    if (ms < 0) ms = 0;
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%lld.%03lld", ms / 1000, ms % 1000);
    return buffer;
}

int count_of(const Summary& summary, Status status) {
    switch (status) {
        case Status::pass: return summary.pass;
        case Status::fail: return summary.fail;
        case Status::error: return summary.error;
        case Status::skip: return summary.skip;
    }
    return 0;
}

}  // namespace

std::string prometheus_label_escaped(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string render_prometheus(const RedactedReport& redacted) {
    const Report& report = redacted.report();
    const std::string pack = "pack=\"" + label(report.pack_name) + "\"";
    // Open only on a complete run that reached the verdict PASS with exit status 0: never open
    // by default.
    const bool open = report.verdict == "PASS" && report.exit_code == 0 && !report.incomplete;
    const bool decided = (report.verdict == "PASS" && report.exit_code == 0) ||
                         (report.verdict == "FAIL" && report.exit_code == 1);
    std::ostringstream out;
    family(out, "preflight_gate_open",
           "1 when every selected gating check passed (preflight exit status 0), else 0.");
    out << "preflight_gate_open{" << pack << "} " << (open ? 1 : 0) << "\n";
    family(out, "preflight_run_incomplete",
           "1 when the run reached no verdict: interrupted, deadline reached, or a gating check could not "
           "be evaluated (exit status 2 or more).");
    out << "preflight_run_incomplete{" << pack << "} " << (report.incomplete || !decided ? 1 : 0) << "\n";
    family(out, "preflight_run_timestamp_seconds", "When the run started, in Unix seconds.");
    if (long long started = 0; unix_seconds(report.started_utc, started))
        out << "preflight_run_timestamp_seconds{" << pack << "} " << started << "\n";
    family(out, "preflight_run_duration_seconds", "How long the run took, in seconds.");
    out << "preflight_run_duration_seconds{" << pack << "} " << seconds_text(report.duration_ms) << "\n";
    family(out, "preflight_checks", "Number of checks of the pack that ended with each status.");
    for (const Status status : kStatuses)
        out << "preflight_checks{" << pack << ",status=\"" << to_string(status) << "\"} "
            << count_of(report.summary, status) << "\n";
    family(out, "preflight_check_status",
           "1 for the status the check ended with, 0 for the other three (pass, fail, error, skip).");
    for (const CheckResult& check : report.checks) {
        const std::string labels = pack + ",check=\"" + label(check.id) + "\",kind=\"" + label(check.kind) +
                                   "\",severity=\"" + std::string(to_string(check.severity)) + "\",status=\"";
        for (const Status status : kStatuses)
            out << "preflight_check_status{" << labels << to_string(status) << "\"} "
                << (check.status == status ? 1 : 0) << "\n";
    }
    return out.str();
}

}  // namespace preflight
