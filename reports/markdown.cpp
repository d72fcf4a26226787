// The knowledge-base record: a Markdown page that states what was verified, what failed with
// copy-pasteable remedies, the verdict, and an attestation of what the run read, redacted and wrote.
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

// What a check of each kind reads, for the attestation. Kinds not listed here (a kind added
// later) are still listed by name: their messages say what they looked at.
struct KindReading {
    std::string_view kind;
    std::string_view reads;
};

constexpr KindReading kKindReadings[] = {
    {"env_var", "env values (from the env files above, else the process environment)"},
    {"file", "file and directory metadata, and contents where a pattern is given"},
    {"config_drift", "config files (JSON or YAML)"},
    {"executable", "programs found in the secure PATH, run once with their version arguments"},
    {"command", "programs the pack names, run without a shell"},
    {"gpg_key", "GnuPG keyrings, through GPGME"},
    {"encrypted_file", "OpenPGP messages (their recipients only, never decrypted) and GnuPG keyrings, through GPGME"},
    {"manifest", "manifest files (JSON) and the files they describe (hashed)"},
    {"pg_connect", "PostgreSQL, in read-only transactions"},
    {"pg_privileges", "PostgreSQL catalogs, in read-only transactions"},
    {"pg_query", "PostgreSQL, one statement per check in a READ ONLY transaction, rolled back"},
};

bool ran(const CheckResult& check) { return check.status != Status::skip; }

// The ids of the checks of `kind` that ran, as code spans joined by ", ".
std::string ids_that_ran(const Report& report, std::string_view kind) {
    std::string ids;
    for (const auto& check : report.checks)
        if (check.kind == kind && ran(check)) ids += (ids.empty() ? "" : ", ") + code(check.id);
    return ids;
}

bool any_ran(const Report& report, std::initializer_list<std::string_view> kinds) {
    for (const auto& check : report.checks)
        for (auto kind : kinds)
            if (check.kind == kind && ran(check)) return true;
    return false;
}

void what_was_read(std::ostringstream& out, const Report& report) {
    out << "\n### What it read\n\n"
        << "- **Rule sources:** " << report.sources.size()
        << " file(s), listed under Run with their sha256\n- **Env files:** ";
    for (size_t i = 0; i < report.env_files.size(); ++i)
        out << (i ? ", " : "") << code(report.env_files[i]);
    if (report.env_files.empty()) out << "none";
    out << "\n- **Database connections** (opened only by a pg\\_\\* check that ran):";
    if (report.connections.empty()) out << " none declared";
    out << '\n';
    for (const auto& connection : report.connections)
        out << "  - " << code(connection.name) << ": " << code(connection.target) << '\n';
    std::vector<std::string_view> listed;
    for (const auto& reading : kKindReadings) {
        listed.push_back(reading.kind);
        const std::string ids = ids_that_ran(report, reading.kind);
        if (!ids.empty())
            out << "- **" << inline_text(reading.reads) << "** (" << inline_text(reading.kind)
                << "): " << ids << '\n';
    }
    std::vector<std::string_view> others;
    for (const auto& check : report.checks)
        if (ran(check) && std::find(listed.begin(), listed.end(), check.kind) == listed.end() &&
            std::find(others.begin(), others.end(), check.kind) == others.end())
            others.push_back(check.kind);
    for (auto kind : others)
        out << "- **what its message names** (" << inline_text(kind) << "): "
            << ids_that_ran(report, kind) << '\n';
    if (!std::any_of(report.checks.begin(), report.checks.end(), ran))
        out << "- No check ran, so nothing else was read.\n";
}

void what_was_redacted(std::ostringstream& out, const Report& report) {
    out << "\n### What it redacted\n\n- **Treated as secret (by name only):** ";
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

void what_was_written(std::ostringstream& out, const Report& report) {
    out << "\n### What it wrote\n\n"
        << "- **On this host:** only the report files its command line names (`-o`), each "
           "written whole (temporary file, then rename) with mode 0600 (0644 for a `.prom` metrics file)";
    if (any_ran(report, {"gpg_key", "encrypted_file"}))
        out << "; and, for GnuPG, private temporary homedirs (mode 0700, under $TMPDIR: a copy of the "
               "public keyring, or an empty one to read a message's recipients), removed with "
               "everything gpg left in them";
    out << ".\n- **In the database:** ";
    if (any_ran(report, {"pg_connect", "pg_privileges", "pg_query"}))
        out << "nothing. Every statement ran in a READ ONLY transaction on a session whose "
               "default is read-only, and was rolled back; PostgreSQL refuses any write there "
               "(a pg\\_query statement that tries one fails its check).\n";
    else
        out << "nothing; no database was opened.\n";
    const std::string commands = ids_that_ran(report, "command");
    if (!commands.empty())
        out << "- **Programs the pack runs** (" << commands
            << "): preflight starts them without a shell and with a reduced environment, but "
               "cannot vouch for what they write; that is the pack's responsibility.\n";
}

void attestation(std::ostringstream& out, const Report& report) {
    out << "\n## Attestation\n\nWhat this run read, what it redacted and what it wrote, as "
           "preflight recorded it.\n";
    what_was_read(out, report);
    what_was_redacted(out, report);
    what_was_written(out, report);
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
    out << "\n## Verdict\n\n**" << inline_text(report.verdict) << "** \xE2\x80\x94 "
        << wording::verdict_meaning(report) << ".\n";
    attestation(out, report);
    return out.str();
}

}  // namespace preflight
