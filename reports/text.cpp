// The terminal report: one aligned line per check, a summary, what did not pass with its
// remedy, and the verdict.
#include <algorithm>
#include <sstream>

#include "reports/renderers.hpp"
#include "reports/wording.hpp"

namespace preflight {

namespace {

constexpr size_t kStatusWidth = 5;  // "ERROR"
constexpr size_t kMaxIdWidth = 40;

class TextWriter {
public:
    explicit TextWriter(const RenderOptions& options) : color_(options.color) {}

    /// `label` wrapped in the colour of `status` when colour is on.
    std::string paint(Status status, std::string_view label) const {
        if (!color_) return std::string(label);
        const char* code = "0";
        switch (status) {
            case Status::pass: code = "32"; break;
            case Status::fail: code = "1;31"; break;
            case Status::error: code = "1;35"; break;
            case Status::skip: code = "36"; break;
        }
        return "\x1b[" + std::string(code) + "m" + std::string(label) + "\x1b[0m";
    }

    std::string padded_status(Status status) const {
        const std::string_view label = wording::status_label(status);
        return paint(status, label) + std::string(kStatusWidth - label.size(), ' ');
    }

private:
    bool color_;
};

// Report strings may hold anything a host printed; none may reach the terminal as a control code.
std::string clean(std::string_view text) { return wording::printable(text); }

// For places that hold one line: line breaks and tabs become spaces.
std::string clean_line(std::string_view text) {
    std::string line = wording::printable(text);
    std::replace_if(line.begin(), line.end(), [](char c) { return c == '\n' || c == '\t'; }, ' ');
    return line;
}

Status verdict_status(const Report& report) {
    if (report.exit_code == 0) return Status::pass;
    if (report.exit_code == 1) return Status::fail;
    return Status::error;
}

std::string check_line(const CheckResult& check, size_t id_width, const TextWriter& writer) {
    std::string line = writer.padded_status(check.status) + "  " + clean_line(check.id);
    line += std::string(id_width > check.id.size() ? id_width - check.id.size() : 0, ' ') + "  ";
    const std::string message = clean_line(wording::first_line(check.message));
    const std::string title = clean_line(check.title);
    if (!title.empty() && !message.empty()) line += title + " \xE2\x80\x94 " + message;
    else line += title.empty() ? message : title;
    return line;
}

void indented(std::ostringstream& out, std::string_view text, const std::string& indent) {
    std::istringstream lines{std::string(text)};
    for (std::string line; std::getline(lines, line);) out << indent << line << '\n';
}

// "  label: first line", further lines indented under it.
void labelled(std::ostringstream& out, std::string_view label, std::string_view text) {
    const std::string value = clean(text);
    const size_t newline = value.find('\n');
    out << "  " << label << ": " << value.substr(0, newline) << '\n';
    if (newline != std::string::npos) indented(out, value.substr(newline + 1), "    ");
}

void details(std::ostringstream& out, const CheckResult& check, const TextWriter& writer) {
    out << writer.paint(check.status, wording::status_label(check.status)) << ' ' << clean_line(check.id);
    if (!check.title.empty()) out << " \xE2\x80\x94 " << clean_line(check.title);
    out << " (" << to_string(check.severity) << ")\n";
    indented(out, clean(check.message), "  ");
    if (!check.observed.is_null()) labelled(out, "observed", wording::value_text(check.observed));
    if (!check.expected.is_null()) labelled(out, "expected", wording::value_text(check.expected));
    if (!check.remedy.empty()) {
        out << "  remedy:\n";
        indented(out, clean(check.remedy), "    ");
    }
}

bool needs_attention(const CheckResult& check) {
    return check.status == Status::fail || check.status == Status::error;
}

bool not_selected(const CheckResult& check) {
    return check.status == Status::skip && check.skip_cause == SkipCause::not_selected;
}

// The checks --only, --skip or --tag left out, in one line: they are not this run's question.
std::string not_selected_line(const std::vector<std::string>& ids, const TextWriter& writer) {
    constexpr size_t kNamed = 10;
    std::string line = writer.padded_status(Status::skip) + "  " + std::to_string(ids.size()) +
                       (ids.size() == 1 ? " check" : " checks") + " not selected: ";
    for (size_t i = 0; i < ids.size() && i < kNamed; ++i) line += (i ? ", " : "") + clean_line(ids[i]);
    if (ids.size() > kNamed) line += " and " + std::to_string(ids.size() - kNamed) + " more";
    return line;
}

}  // namespace

std::string render_text(const RedactedReport& redacted, const RenderOptions& options) {
    const Report& report = redacted.report();
    const TextWriter writer(options);
    std::ostringstream out;

    size_t id_width = 0;
    std::vector<std::string> left_out;
    for (const auto& check : report.checks) {
        if (not_selected(check)) left_out.push_back(check.id);
        else id_width = std::max(id_width, check.id.size());
    }
    id_width = std::min(id_width, kMaxIdWidth);

    if (!options.quiet) {
        out << clean_line(report.tool) << ' ' << clean_line(report.tool_version) << " \xC2\xB7 "
            << clean_line(report.pack_name);
        if (!report.pack_title.empty()) out << ": " << clean_line(report.pack_title);
        out << "\nhost " << clean_line(report.host) << " \xC2\xB7 user " << clean_line(report.user)
            << " \xC2\xB7 started " << clean_line(report.started_utc) << "\n\n";
    }
    // Quiet output shows what did not pass once, in the details below.
    if (!options.quiet) {
        for (const auto& check : report.checks) {
            if (!not_selected(check)) out << check_line(check, id_width, writer) << '\n';
        }
        if (!left_out.empty()) out << not_selected_line(left_out, writer) << '\n';
        const Summary& s = report.summary;
        out << '\n' << report.checks.size() << " checks: " << s.pass << " pass, " << s.fail << " fail, "
            << s.error << " error, " << s.skip << " skip";
        if (!left_out.empty()) out << " (" << left_out.size() << " not selected)";
        out << " in " << report.duration_ms << " ms\n";
        if (!report.secret_names.empty()) {
            out << "secrets: ";
            for (size_t i = 0; i < report.secret_names.size(); ++i) {
                out << (i ? ", " : "") << clean_line(report.secret_names[i]);
            }
            out << " (" << report.values_redacted << " values redacted)\n";
        }
    }
    // Sections are separated by a blank line; quiet output that is only the verdict has none.
    const auto blank_line = [&out] { return out.tellp() > 0 ? "\n" : ""; };

    bool heading = false;
    for (const auto& check : report.checks) {
        if (!needs_attention(check)) continue;
        out << (heading ? "\n" : std::string(blank_line()) + "What did not pass:\n\n");
        heading = true;
        details(out, check, writer);
    }
    if (report.incomplete) {
        out << blank_line()
            << "incomplete: the run was interrupted or reached its deadline; checks that did not finish "
               "count as errors\n";
    }
    out << blank_line() << "Verdict: " << writer.paint(verdict_status(report), clean_line(report.verdict))
        << " \xE2\x80\x94 " << wording::verdict_meaning(report) << '\n';
    return out.str();
}

}  // namespace preflight
