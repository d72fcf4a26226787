#pragma once
// Regular expressions of the rule language: POSIX extended syntax, compiled once at load and
// matched without recursion, so a long line of command output can never exhaust the stack
// (std::regex does on lines of a few ten thousand characters).
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "src/diagnostics.hpp"
#include "src/fields.hpp"

namespace preflight {

/// A compiled POSIX extended regular expression. `^` and `$` match at line breaks and `.`
/// never matches a newline. Copies share the compiled form; matching is thread-safe.
class Pattern {
public:
    /// Compiles `source`; on a syntax error returns nullopt and sets `error` to the system's
    /// description (e.g. "Unmatched ( or \\(").
    static std::optional<Pattern> compile(const std::string& source, std::string& error);

    const std::string& source() const { return source_; }
    /// A copy with its own compiled form, not shared with the pack's. glibc builds a pattern's
    /// DFA tables while matching and keeps them until the pattern is freed (tens of KB each): a
    /// check that matches a long text through a private copy frees them when it ends.
    Pattern private_copy() const;
    /// True when the pattern matches somewhere in `text` (which may contain NUL bytes).
    bool search(std::string_view text) const;
    /// The first match in `text`: its first capture group when the pattern has one and it
    /// took part in the match, else the whole match. Nullopt when nothing matches.
    std::optional<std::string> first_match(std::string_view text) const;

    struct Compiled;

private:
    std::string source_;
    std::shared_ptr<const Compiled> compiled_;
};

/// The regex of the text field `name` compiled at load. Nullopt when the field is absent, or
/// (with a located error added to `diagnostics`) when it holds ${...} references or bad syntax.
std::optional<Pattern> load_pattern_field(const FieldValues& fields, const std::string& name,
                                          Diagnostics& diagnostics);

}  // namespace preflight
