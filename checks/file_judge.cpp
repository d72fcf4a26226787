// The pure judging parts of the `file` kind: modes, line matching, shell quoting.
#include <cctype>
#include <cstdio>

#include "checks/file.hpp"

namespace preflight {

std::optional<unsigned> parse_mode(std::string_view text) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    unsigned mode = 0;
    for (char c : text) {
        if (c < '0' || c > '7') return std::nullopt;
        mode = mode * 8 + static_cast<unsigned>(c - '0');
    }
    if (mode > 07777) return std::nullopt;
    return mode;
}

std::string format_mode(unsigned mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", mode & 07777u);
    return text;
}

std::string describe_permission_bits(unsigned bits) {
    struct Class {
        char who;
        int shift;
        unsigned special;
        char special_letter;
    };
    static const Class classes[] = {{'u', 6, 04000, 's'}, {'g', 3, 02000, 's'}, {'o', 0, 01000, 't'}};
    std::string text;
    for (const auto& c : classes) {
        std::string letters;
        if (bits & (4u << c.shift)) letters += 'r';
        if (bits & (2u << c.shift)) letters += 'w';
        if (bits & (1u << c.shift)) letters += 'x';
        if (bits & c.special) letters += c.special_letter;
        if (letters.empty()) continue;
        text += (text.empty() ? "" : ",") + std::string(1, c.who) + "+" + letters;
    }
    return text;
}

std::optional<std::string> mode_violation(unsigned mode, unsigned mode_max) {
    unsigned extra = mode & ~mode_max & 07777u;
    if (extra == 0) return std::nullopt;
    return "mode " + format_mode(mode) + " exceeds " + format_mode(mode_max) +
           " (extra: " + describe_permission_bits(extra) + ")";
}

std::vector<int> matching_lines(std::string_view text, const Pattern& pattern) {
    std::vector<int> lines;
    int number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        ++number;
        if (pattern.search(line)) lines.push_back(number);
        start = end + 1;
    }
    return lines;
}

std::string describe_lines(const std::vector<int>& lines) {
    constexpr std::size_t kShown = 10;
    std::string text = lines.size() == 1 ? "line " : "lines ";
    for (std::size_t i = 0; i < lines.size() && i < kShown; ++i)
        text += (i == 0 ? "" : ", ") + std::to_string(lines[i]);
    if (lines.size() > kShown) text += " and " + std::to_string(lines.size() - kShown) + " more";
    return text;
}

std::string shell_quote(const std::string& path) {
    bool plain = !path.empty();
    for (char c : path)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '_' ||
              c == '-' || c == '+' || c == ':' || c == '@' || c == ','))
            plain = false;
    if (plain) return path;
    std::string quoted = "'";
    for (char c : path) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

}  // namespace preflight
