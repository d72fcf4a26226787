#include "src/env_file.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

namespace preflight {

std::optional<std::string> ParsedEnvFile::value(const std::string& name) const {
    std::optional<std::string> found;
    for (const auto& entry : entries) {
        if (entry.name != name) continue;
        if (found) return std::nullopt;  // defined twice: ambiguous, never silently resolved
        found = entry.value;
    }
    return found;
}

std::vector<int> ParsedEnvFile::definition_lines(const std::string& name) const {
    std::vector<int> lines;
    for (const auto& entry : entries)
        if (entry.name == name) lines.push_back(entry.line);
    return lines;
}

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
// Each ${...} default may hold another reference; bound the recursion a hostile file can cause.
constexpr int kMaxReferenceNesting = 32;
// References to references multiply: a few hundred bytes of `B=$A$A$A$A`, `C=$B$B$B$B`, ...
// would expand to terabytes. Real env files expand to kilobytes; bound what references add.
constexpr size_t kMaxExpandedBytes = 4 * 1024 * 1024;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }
bool is_ascii_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// compose accepts any Unicode letter or digit in a name; bytes >= 0x80 stand for those.
bool is_name_char(char c) {
    return is_ascii_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '-' || c == '[' ||
           c == ']' || static_cast<unsigned char>(c) >= 0x80;
}
bool is_reference_start(char c) { return is_ascii_alpha(c) || c == '_'; }
bool is_reference_char(char c) { return is_reference_start(c) || is_digit(c); }

// Until its '=' is seen, the text of a line may be a line of a multi-line value (an unquoted
// private key): messages about it name file, line and column, never the text.
constexpr std::string_view kNameRule =
    "a name may contain only letters, digits, '_', '.', '-', '[' and ']'";
constexpr std::string_view kNoEquals =
    "a line with no '='; a definition is NAME=VALUE (NAME= for an empty value), and a value of "
    "several lines must be quoted";

// A character of a name for a message; never used on value text.
std::string describe(char c) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '\'') return "\"'\"";
    if (byte > 0x20 && byte < 0x7f) return std::string("'") + c + "'";
    char hex[16];
    std::snprintf(hex, sizeof hex, "byte 0x%02X", byte);
    return hex;
}

std::string normalize_line_endings(std::string_view text) {
    if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
        out += text[i];
    }
    return out;
}

class EnvFileParser {
public:
    EnvFileParser(std::string_view text, const std::string& file_name, const EnvLookup& outer)
        : text_(normalize_line_endings(text)), file_(file_name), outer_(outer) {
        line_starts_.push_back(0);
        for (size_t i = 0; i < text_.size(); ++i)
            if (text_[i] == '\n') line_starts_.push_back(i + 1);
    }

    ParsedEnvFile parse() {
        if (size_t nul = text_.find('\0'); nul != std::string::npos) {
            error(nul, "NUL byte in the file; an env file must be text");
            return std::move(result_);
        }
        while (!at_end()) {
            skip_blanks();
            if (at_end()) break;
            if (peek() == '\n') {
                ++pos_;
            } else if (peek() == '#') {
                skip_line();
            } else if (!parse_statement()) {
                break;
            }
        }
        return std::move(result_);
    }

private:
    std::string text_;
    const std::string& file_;
    const EnvLookup& outer_;
    std::vector<size_t> line_starts_;
    ParsedEnvFile result_;
    std::unordered_map<std::string, size_t> latest_;  // name -> index of its last entry
    size_t pos_ = 0;
    std::string current_;  // the variable being defined, for messages
    size_t expanded_ = 0;  // bytes that references have added to values so far

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return text_[pos_]; }
    void skip_blanks() {
        while (!at_end() && is_blank(peek())) ++pos_;
    }
    void skip_line() {
        size_t newline = text_.find('\n', pos_);
        pos_ = newline == std::string::npos ? text_.size() : newline + 1;
    }
    bool at_line_end() const { return at_end() || peek() == '\n'; }

    SourceLocation locate(size_t offset) const {
        auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
        size_t line_start = *(after - 1);
        int column = 1;
        for (size_t i = line_start; i < offset; ++i)  // count code points, not UTF-8 bytes
            if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
        return {file_, static_cast<int>(after - line_starts_.begin()), column};
    }
    void error(size_t offset, std::string message) {
        result_.errors.push_back({locate(offset), std::move(message)});
    }
    std::string variable() const { return "variable '" + current_ + "'"; }

    std::optional<std::string> lookup(const std::string& name) const {
        if (auto it = latest_.find(name); it != latest_.end())
            return result_.entries[it->second].value;
        if (outer_) return outer_(name);
        return std::nullopt;
    }

    // Parses one definition starting at pos_. Returns false when the rest of the file cannot
    // be parsed (an unterminated quote swallows it).
    bool parse_statement() {
        size_t start = pos_;
        if (text_.compare(pos_, 6, "export") == 0 && pos_ + 6 < text_.size() &&
            (text_[pos_ + 6] == ' ' || text_[pos_ + 6] == '\t')) {
            pos_ += 6;
            skip_blanks();
            if (at_line_end() || peek() == '#') {
                error(start, "missing variable name after 'export'");
                skip_line();
                return true;
            }
        }
        size_t name_start = pos_;
        while (!at_end() && is_name_char(peek())) ++pos_;
        current_ = text_.substr(name_start, pos_ - name_start);
        if (current_.empty()) {
            if (peek() == '=' || peek() == ':')
                error(pos_, "missing variable name before " + describe(peek()));
            else
                error(pos_, "expected a variable name; " + std::string(kNameRule));
            skip_line();
            return true;
        }
        size_t name_end = pos_;
        skip_blanks();
        if (at_line_end() || (peek() == '#' && pos_ != name_end)) {
            error(name_start, std::string(kNoEquals));
            skip_line();
            return true;
        }
        if (peek() != '=' && peek() != ':') {
            if (pos_ == name_end)
                error(pos_, "expected '=' after a variable name; " + std::string(kNameRule));
            else
                error(pos_, "text after a variable name instead of '='; a name cannot contain spaces");
            skip_line();
            return true;
        }
        ++pos_;
        skip_blanks();
        std::string value;
        bool ok = true;
        if (!at_end() && (peek() == '"' || peek() == '\'')) {
            if (!parse_quoted(value, ok)) return false;
        } else {
            ok = parse_unquoted(value);
        }
        if (ok) {
            latest_[current_] = result_.entries.size();
            result_.entries.push_back({current_, std::move(value), locate(name_start).line});
        }
        return true;
    }

    bool parse_unquoted(std::string& value) {
        size_t end = text_.find('\n', pos_);
        if (end == std::string::npos) end = text_.size();
        std::string_view line(text_.data() + pos_, end - pos_);
        size_t value_end = pos_ + std::min(line.size(), line.find(" #"));
        while (value_end > pos_ && is_blank(text_[value_end - 1])) --value_end;
        bool ok = expand(pos_, value_end, false, 0, value);
        pos_ = end;
        skip_line();
        return ok;
    }

    // Returns false when the quote is never closed; `ok` is false after any other error.
    bool parse_quoted(std::string& value, bool& ok) {
        char quote = peek();
        size_t open = pos_;
        size_t close = open + 1;
        // As compose does, a backslash keeps the next character (even a quote) inside the value.
        while (close < text_.size() && text_[close] != quote) close += text_[close] == '\\' ? 2 : 1;
        if (close >= text_.size()) {
            std::string message = quote == '"' ? "unterminated double" : "unterminated single";
            message += "-quoted value of " + variable() + "; add the closing quote";
            error(open, std::move(message));
            pos_ = text_.size();
            return false;
        }
        if (quote == '"')
            ok = expand(open + 1, close, true, 0, value);
        else
            value = text_.substr(open + 1, close - open - 1);
        pos_ = close + 1;
        skip_blanks();
        if (!at_line_end() && peek() != '#') {
            error(pos_, variable() + ": unexpected text after the closing quote; start a "
                                     "comment with '#'");
            ok = false;
        }
        skip_line();
        return true;
    }

    // Appends text_[begin, end) to `out`, replacing references and, in double quotes, escapes.
    bool expand(size_t begin, size_t end, bool escapes, int depth, std::string& out) {
        for (size_t i = begin; i < end;) {
            char c = text_[i];
            if (escapes && c == '\\' && i + 1 < end) {
                switch (char next = text_[i + 1]) {
                    case 'n': out += '\n'; break;
                    case 'r': out += '\r'; break;
                    case 't': out += '\t'; break;
                    case '\\': case '"': case '$': out += next; break;
                    default: out += c; out += next; break;
                }
                i += 2;
            } else if (c == '$') {
                if (!expand_reference(i, end, escapes, depth, out)) return false;
            } else {
                out += c;
                ++i;
            }
        }
        return true;
    }

    // The '}' closing the "${" whose body starts at `from`, or npos.
    size_t matching_brace(size_t from, size_t end, bool escapes) const {
        int open = 1;
        for (size_t i = from; i < end; ++i) {
            if ((escapes && text_[i] == '\\') || text_.compare(i, 2, "$$") == 0) {
                ++i;
            } else if (text_.compare(i, 2, "${") == 0) {
                ++open;
                ++i;
            } else if (text_[i] == '}' && --open == 0) {
                return i;
            }
        }
        return std::string::npos;
    }

    // Expands the reference at text_[i] == '$' and moves i past it.
    bool expand_reference(size_t& i, size_t end, bool escapes, int depth, std::string& out) {
        size_t dollar = i;
        size_t next = i + 1;
        if (next < end && text_[next] == '$') {
            out += '$';
            i = next + 1;
            return true;
        }
        if (next < end && is_reference_start(text_[next])) {
            size_t name_end = next;
            while (name_end < end && is_reference_char(text_[name_end])) ++name_end;
            std::string found = lookup(text_.substr(next, name_end - next)).value_or("");
            i = name_end;
            return append_expansion(dollar, found, out);
        }
        if (next >= end || text_[next] != '{') {
            error(dollar, variable() + ": '$' must be followed by a name or '{'; write '$$' "
                                       "for a literal '$'");
            return false;
        }
        size_t close = matching_brace(next + 1, end, escapes);
        if (close == std::string::npos) {
            error(dollar, variable() + ": unterminated '${'; add the closing '}'");
            return false;
        }
        if (depth >= kMaxReferenceNesting) {
            error(dollar, variable() + ": references nested more than " +
                              std::to_string(kMaxReferenceNesting) + " levels deep");
            return false;
        }
        size_t name_end = next + 1;
        if (name_end < close && is_reference_start(text_[name_end]))
            while (name_end < close && is_reference_char(text_[name_end])) ++name_end;
        std::string name = text_.substr(next + 1, name_end - next - 1);
        bool colon = name_end < close && text_[name_end] == ':';
        size_t op_at = name_end + (colon ? 1 : 0);
        char op = op_at < close ? text_[op_at] : '\0';
        if (name.empty() || (name_end != close && op != '-' && op != '+' && op != '?')) {
            error(dollar, variable() + ": invalid reference; use ${NAME}, ${NAME:-default} or "
                                       "${NAME-default}");
            return false;
        }
        std::optional<std::string> found = lookup(name);
        bool set = found && (!colon || !found->empty());
        i = close + 1;
        if (name_end == close || (op == '-' && set)) {
            return append_expansion(dollar, found.value_or(""), out);
        } else if (op == '-' || (op == '+' && set)) {
            return expand(op_at + 1, close, escapes, depth + 1, out);
        } else if (op == '?') {
            if (!set) {
                error(dollar, variable() + " requires '" + name + "' to be set" +
                                  (colon ? " and not empty" : ""));
                return false;
            }
            return append_expansion(dollar, *found, out);
        }
        return true;
    }

    bool append_expansion(size_t dollar, const std::string& value, std::string& out) {
        expanded_ += value.size();
        if (expanded_ <= kMaxExpandedBytes) {
            out += value;
            return true;
        }
        error(dollar, variable() + ": the file's values expand to more than " +
                          std::to_string(kMaxExpandedBytes / (1024 * 1024)) +
                          " MiB; references to references multiply, write the value out");
        return false;
    }
};

}  // namespace

ParsedEnvFile parse_env_text(std::string_view text, const std::string& file_name,
                             const EnvLookup& outer) {
    return EnvFileParser(text, file_name, outer).parse();
}

}  // namespace preflight
