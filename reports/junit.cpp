// JUnit XML for CI: one testsuite per pack, one testcase per check; fail -> <failure>,
// error -> <error>, skip -> <skipped>. Every piece of text is escaped, never wrapped in CDATA.
#include <sstream>

#include "reports/renderers.hpp"
#include "reports/wording.hpp"

namespace preflight {

namespace {

// XML 1.0 text: control characters are already shown as \xNN by `printable`; the two
// non-characters XML forbids become U+FFFD; in attributes line breaks and tabs are written as
// character references so that parsers do not normalise them to spaces.
std::string xml(std::string_view text, bool attribute = false) {
    const std::string clean = wording::printable(text);
    std::string out;
    out.reserve(clean.size());
    size_t pos = 0;
    while (pos < clean.size()) {
        const size_t start = pos;
        char32_t cp = 0;
        wording::next_code_point(clean, pos, cp);
        switch (cp) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            case '\n': out += attribute ? "&#10;" : "\n"; break;
            case '\t': out += attribute ? "&#9;" : "\t"; break;
            case 0xFFFE:
            case 0xFFFF: out += "\xEF\xBF\xBD"; break;
            default: out.append(clean, start, pos - start);
        }
    }
    return out;
}

std::string seconds(long long ms) {
    if (ms < 0) ms = 0;
    std::string fraction = std::to_string(ms % 1000);
    fraction.insert(0, 3 - fraction.size(), '0');
    return std::to_string(ms / 1000) + "." + fraction;
}

std::string body(const CheckResult& check) {
    std::string text = check.message + "\n";
    const auto values = [&](const char* label, const nlohmann::json& value) {
        if (value.is_null()) return;
        const bool structured = value.is_object() || value.is_array();
        if (!structured) {
            text += std::string(label) + ": " + wording::value_lines(value);
            return;
        }
        text += std::string(label) + ":\n";
        std::istringstream lines(wording::value_lines(value));
        for (std::string line; std::getline(lines, line);) text += "  " + line + "\n";
    };
    values("observed", check.observed);
    values("expected", check.expected);
    if (!check.remedy.empty()) text += "remedy:\n" + check.remedy + (check.remedy.back() == '\n' ? "" : "\n");
    return text;
}

void property(std::ostringstream& out, std::string_view name, std::string_view value) {
    out << "      <property name=\"" << xml(name, true) << "\" value=\"" << xml(value, true) << "\"/>\n";
}

void testcase(std::ostringstream& out, const Report& report, const CheckResult& check) {
    out << "    <testcase name=\"" << xml(check.id, true) << "\" classname=\""
        << xml(report.pack_name, true) << "\" time=\"" << seconds(check.duration_ms) << "\">\n";
    const std::string message = xml(wording::first_line(check.message), true);
    switch (check.status) {
        case Status::fail:
        case Status::error: {
            const char* element = check.status == Status::fail ? "failure" : "error";
            out << "      <" << element << " message=\"" << message << "\" type=\"" << xml(check.kind, true)
                << "\">" << xml(body(check)) << "</" << element << ">\n";
            break;
        }
        case Status::skip: out << "      <skipped message=\"" << message << "\"/>\n"; break;
        case Status::pass: break;
    }
    std::string about = check.title + "\n";
    if (!check.why.empty()) about += "protects: " + check.why + "\n";
    about += "severity: " + std::string(to_string(check.severity)) + ", kind: " + check.kind + "\n";
    if (check.status == Status::pass || check.status == Status::skip) about += check.message + "\n";
    out << "      <system-out>" << xml(about) << "</system-out>\n"
        << "    </testcase>\n";
}

}  // namespace

std::string render_junit(const RedactedReport& redacted) {
    const Report& report = redacted.report();
    const Summary& s = report.summary;
    const std::string counts = "tests=\"" + std::to_string(report.checks.size()) + "\" failures=\"" +
                               std::to_string(s.fail) + "\" errors=\"" + std::to_string(s.error) + "\"";
    const std::string time = seconds(report.duration_ms);
    std::ostringstream out;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<testsuites name=\"" << xml(report.tool, true) << "\" " << counts << " time=\"" << time << "\">\n"
        << "  <testsuite name=\"" << xml(report.pack_name, true) << "\" " << counts << " skipped=\""
        << s.skip << "\" time=\"" << time << "\" timestamp=\"" << xml(report.started_utc, true)
        << "\" hostname=\"" << xml(report.host, true) << "\">\n"
        << "    <properties>\n";
    property(out, "pack.title", report.pack_title);
    property(out, "verdict", report.verdict);
    property(out, "exit_code", std::to_string(report.exit_code));
    property(out, "incomplete", report.incomplete ? "true" : "false");
    property(out, "user", report.user);
    property(out, "command_line", report.command_line);
    property(out, "tool", report.tool + " " + report.tool_version);
    for (const auto& source : report.sources) property(out, "source", source.path + " sha256:" + source.sha256);
    std::string names;
    for (const auto& name : report.secret_names) names += (names.empty() ? "" : ", ") + name;
    property(out, "redaction.secrets", names.empty() ? "none" : names);
    property(out, "redaction.policy", wording::kRedactionPolicy);
    property(out, "redaction.values_redacted", std::to_string(report.values_redacted));
    out << "    </properties>\n";
    for (const auto& check : report.checks) testcase(out, report, check);
    out << "  </testsuite>\n</testsuites>\n";
    return out.str();
}

}  // namespace preflight
