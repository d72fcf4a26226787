#include "checks/process_report.hpp"

#include <string.h>

#include <cstdio>
#include <deque>

namespace preflight {

std::string format_timeout(std::chrono::milliseconds timeout) {
    long long ms = timeout.count();
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", static_cast<double>(ms) / 1000.0);
    std::string s = text;
    while (s.back() == '0') s.pop_back();
    return s + "s";
}

std::string command_line_text(const std::vector<std::string>& argv) {
    std::string line;
    for (const auto& argument : argv) {
        if (!line.empty()) line += ' ';
        line += argument;
    }
    return line;
}

std::string describe_exit(const host::ProcessResult& result) {
    if (result.exit_code) return "exited with status " + std::to_string(*result.exit_code);
    if (result.term_signal) {
        const char* name = sigabbrev_np(*result.term_signal);
        return "was killed by signal " + std::to_string(*result.term_signal) +
               (name ? std::string(" (SIG") + name + ")" : std::string());
    }
    return "did not report an exit status";
}

namespace {

// Length of the valid UTF-8 sequence at the start of `text`, 0 when it is not one.
std::size_t utf8_sequence_length(std::string_view text) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char lead = byte(0);
    std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3
                                                               : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || length > text.size()) return 0;
    for (std::size_t i = 1; i < length; ++i)
        if ((byte(i) & 0xC0) != 0x80) return 0;
    if (length == 2 && lead < 0xC2) return 0;                      // overlong
    if (length == 3 && lead == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (length == 3 && lead == 0xED && byte(1) >= 0xA0) return 0;  // surrogate
    if (length == 4 && lead == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (length == 4 && (lead > 0xF4 || (lead == 0xF4 && byte(1) >= 0x90))) return 0;
    return length;
}

std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        std::size_t length = utf8_sequence_length(text);
        if (length == 0) {
            out += "\xEF\xBF\xBD";
            length = 1;
        } else {
            out.append(text.substr(0, length));
        }
        text.remove_prefix(length);
    }
    return out;
}

}  // namespace

std::string output_tail(std::string_view output, bool truncated, std::size_t max_lines,
                        std::size_t max_bytes) {
    if (truncated) {
        std::size_t last_newline = output.rfind('\n');
        output = last_newline == std::string_view::npos ? std::string_view()
                                                        : output.substr(0, last_newline + 1);
    }
    if (!output.empty() && output.back() == '\n') output.remove_suffix(1);
    if (!output.empty() && output.back() == '\r') output.remove_suffix(1);

    std::deque<std::string> lines;
    std::size_t bytes = 0;
    while (!output.empty() && lines.size() < max_lines) {
        std::size_t start = output.rfind('\n');
        start = start == std::string_view::npos ? 0 : start + 1;
        std::string_view line = output.substr(start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        std::string shown = line.size() > max_bytes
                                ? "[a line of " + std::to_string(line.size()) + " bytes not shown]"
                                : valid_utf8(line);
        if (!lines.empty() && bytes + shown.size() + 1 > max_bytes) break;
        bytes += shown.size() + 1;
        lines.push_front(std::move(shown));
        output = output.substr(0, start == 0 ? 0 : start - 1);
    }
    std::string tail;
    for (const auto& line : lines) {
        if (!tail.empty()) tail += '\n';
        tail += line;
    }
    return tail;
}

}  // namespace preflight
