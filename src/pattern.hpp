#pragma once
// Regular expressions of the rule language: RE2 syntax (what goss, Prometheus and Go users
// write: \d, \s, (?i), non-greedy *?), compiled once at load. RE2 matches in time linear in
// the text and without recursion, so one long line of output can never exhaust the stack or
// the clock (std::regex overflows the stack on lines of a few ten thousand characters).
// This file pair is the only code that knows RE2.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "src/diagnostics.hpp"
#include "src/fields.hpp"

namespace preflight {

/// Where `^` and `$` match. `.` never matches a line break in either; `\s` and negated
/// classes such as `[^x]` do, as in Go.
enum class Anchoring {
    whole_text,  ///< only at the start and the end of the whole text (a value judged whole)
    each_line,   ///< also just after and before every "\n" (RE2's (?m); multi-line output)
    one_line,    ///< the text is a single line: a pattern that only matches across a line
                 ///< break is refused at compile, since it could never match
};

/// A compiled RE2 regular expression, searched unanchored (anchor it with ^ and $). Text is
/// UTF-8; each byte that is not valid UTF-8 counts as one U+FFFD character, so `.` and `[^x]`
/// still match it. Copies share the compiled form; matching is thread-safe.
class Pattern {
public:
    /// Compiles `source`; on a syntax error (or a pattern too large for the memory bound)
    /// returns nullopt and sets `error` to RE2's description followed by a hint where one
    /// helps, e.g. "missing ): (unclosed". Identical sources share one compiled form.
    static std::optional<Pattern> compile(const std::string& source, Anchoring anchoring,
                                          std::string& error);

    /// The pattern as written in the pack.
    const std::string& source() const { return source_; }
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
                                          Anchoring anchoring, Diagnostics& diagnostics);

}  // namespace preflight
