// The knowledge-base record: a Markdown page that states what was verified, what failed with
// copy-pasteable remedies, how secrets were handled, and the verdict.
#include <algorithm>
#include <sstream>

#include "reports/markdown.hpp"
#include "reports/renderers.hpp"
#include "reports/wording.hpp"

namespace preflight {

namespace {

std::string inline_text(std::string_view text) { return markdown_escaped(text); }

std::string table_cell(std::string_view text) { return markdown_escaped(text, "<br>"); }

size_t longest_backtick_run(std::string_view text) {
    size_t longest = 0, run = 0;
    for (const char c : text) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    return longest;
}

// An inline code span whose delimiters are longer than any backtick run inside; padded with a
// space when the content starts or ends with a backtick or a space, which CommonMark strips.
std::string code(std::string_view text) {
    std::string content = wording::printable(text);
    std::replace_if(content.begin(), content.end(), [](char c) { return c == '\n' || c == '\t' || c == '\r'; }, ' ');
    if (content.empty()) return "(empty)";
    const std::string ticks(longest_backtick_run(content) + 1, '`');
    const bool pad = content.front() == '`' || content.back() == '`' || content.front() == ' ' ||
                     content.back() == ' ';
    return ticks + (pad ? " " : "") + content + (pad ? " " : "") + ticks;
}

// GitHub ends a table cell at `|` even inside a code span unless it is escaped.
std::string table_code(std::string_view text) {
    std::string out;
    for (const char c : code(text)) {
        if (c == '|') out += '\\';
        out += c;
    }
    return out;
}

// A fenced block that no line of `text` can close: the fence is longer than any backtick run.
std::string fenced(std::string_view text) {
    std::string content = wording::printable(text);
    if (content.empty() || content.back() != '\n') content += '\n';
    const std::string fence(std::max<size_t>(3, longest_backtick_run(content) + 1), '`');
    return fence + "\n" + content + fence + "\n";
}

std::string value_block_text(const nlohmann::json& value) {
    if (value.is_object() || value.is_array()) {
        return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return wording::value_text(value);
}

std::string_view status_mark(Status status) {
    switch (status) {
        case Status::pass: return "\xE2\x9C\x85 pass";
        case Status::fail: return "\xE2\x9D\x8C fail";
        case Status::error: return "\xE2\x9A\xA0\xEF\xB8\x8F error";
        case Status::skip: return "\xE2\x8F\xAD\xEF\xB8\x8F skip";
    }
    return "error";
}

void run_metadata(std::ostringstream& out, const Report& report) {
    out << "## Run\n\n"
        << "- **Date (UTC):** " << inline_text(report.started_utc) << '\n'
        << "- **Host:** " << inline_text(report.host) << '\n'
        << "- **User:** " << inline_text(report.user) << '\n'
        << "- **Pack:** " << code(report.pack_name);
    if (!report.pack_title.empty()) out << " \xE2\x80\x94 " << inline_text(report.pack_title);
    out << "\n- **Tool:** " << inline_text(report.tool + " " + report.tool_version) << '\n'
        << "- **Duration:** " << report.duration_ms << " ms\n"
        << "- **Command line:** " << code(report.command_line) << '\n'
        << "- **Rule sources (sha256):**\n";
    for (const auto& source : report.sources) {
        out << "  - " << code(source.path) << " \xE2\x80\x94 " << code(source.sha256) << '\n';
    }
    if (report.sources.empty()) out << "  - none recorded\n";
    if (report.incomplete) {
        out << "- **Incomplete:** the run was interrupted or reached its deadline; checks that did "
               "not finish count as errors\n";
    }
}

void scope(std::ostringstream& out, const Report& report) {
    int by_severity[3] = {0, 0, 0};
    for (const auto& check : report.checks) ++by_severity[static_cast<int>(check.severity)];
    out << "\n## Scope\n\n"
        << report.checks.size() << " checks: " << by_severity[0] << " critical, " << by_severity[1]
        << " warning, " << by_severity[2] << " info.\n\n";
    for (const auto& check : report.checks) {
        out << "- " << code(check.id) << " (" << inline_text(check.kind) << ", "
            << to_string(check.severity) << ")";
        if (!check.title.empty()) out << ": " << inline_text(check.title);
        if (!check.why.empty()) out << " \xE2\x80\x94 *protects:* " << inline_text(check.why);
        out << '\n';
    }
}

void results(std::ostringstream& out, const Report& report) {
    const Summary& s = report.summary;
    out << "\n## Results\n\n"
        << s.pass << " pass, " << s.fail << " fail, " << s.error << " error, " << s.skip << " skip.\n\n"
        << "| ID | Title | Severity | Status | Detail |\n"
        << "|---|---|---|---|---|\n";
    for (const auto& check : report.checks) {
        out << "| " << table_code(check.id) << " | " << table_cell(check.title) << " | "
            << to_string(check.severity) << " | " << status_mark(check.status) << " | "
            << table_cell(check.message) << " |\n";
    }
}

void failure(std::ostringstream& out, const CheckResult& check) {
    out << "\n### " << status_mark(check.status) << ": " << code(check.id);
    if (!check.title.empty()) out << " \xE2\x80\x94 " << inline_text(check.title);
    out << "\n\n**Severity:** " << to_string(check.severity) << " \xC2\xB7 **Kind:** "
        << inline_text(check.kind) << "\n\n";
    if (check.message.find('\n') == std::string::npos) {
        out << "**Message:** " << inline_text(check.message) << "\n\n";
    } else {
        out << "**Message:**\n\n" << fenced(check.message) << '\n';
    }
    if (!check.observed.is_null() || !check.expected.is_null()) {
        std::string values;
        if (!check.observed.is_null()) values += "observed: " + value_block_text(check.observed) + "\n";
        if (!check.expected.is_null()) values += "expected: " + value_block_text(check.expected) + "\n";
        out << "**Observed vs expected:**\n\n" << fenced(values) << '\n';
    }
    if (check.remedy.empty()) out << "**Remedy:** none given by the pack.\n";
    else out << "**Remedy:**\n\n" << fenced(check.remedy);
}

void attestation(std::ostringstream& out, const Report& report) {
    out << "\n## Secret handling\n\n- **Treated as secret (by name only):** ";
    for (size_t i = 0; i < report.secret_names.size(); ++i) {
        out << (i ? ", " : "") << code(report.secret_names[i]);
    }
    if (report.secret_names.empty()) out << "none";
    out << "\n- **How secrets appear:** " << inline_text(wording::kRedactionPolicy) << '\n'
        << "- **Values redacted in this report:** " << report.values_redacted << '\n'
        << "- **Secret values in this report:** none. Before it was written, this report was "
           "scanned for the raw, JSON-escaped, XML-escaped, URL-encoded and base64 forms of "
           "every secret.\n";
}

}  // namespace

// Entities for what could open HTML or an entity; a backslash (valid before any ASCII
// punctuation in CommonMark and GFM) for what could open code, emphasis, links, strikethrough,
// math or end a table cell. Underscores are escaped even inside words so that the form stays
// independent of the surrounding text.
std::string markdown_escaped(std::string_view text, std::string_view line_break) {
    std::string out;
    for (const char c : wording::printable(text)) {
        switch (c) {
            case '\n': out += line_break; break;
            case '\t': out += ' '; break;
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '\\': case '`': case '*': case '_': case '[': case ']': case '~': case '$': case '|':
                out += '\\';
                out += c;
                break;
            default: out += c;
        }
    }
    return out;
}

std::string render_markdown(const RedactedReport& redacted) {
    const Report& report = redacted.report();
    std::ostringstream out;
    const std::string title = report.pack_title.empty() ? report.pack_name : report.pack_title;
    out << "# Preflight: " << inline_text(title) << " \xE2\x80\x94 " << inline_text(report.verdict)
        << "\n\n**Verdict: " << inline_text(report.verdict) << "** \xE2\x80\x94 "
        << wording::verdict_meaning(report) << ".\n\n";
    run_metadata(out, report);
    scope(out, report);
    results(out, report);
    bool heading = false;
    for (const auto& check : report.checks) {
        if (check.status != Status::fail && check.status != Status::error) continue;
        if (!heading) out << "\n## What did not pass\n";
        heading = true;
        failure(out, check);
    }
    attestation(out, report);
    out << "\n## Verdict\n\n**" << inline_text(report.verdict) << "** \xE2\x80\x94 "
        << wording::verdict_meaning(report) << ".\n";
    return out.str();
}

}  // namespace preflight
