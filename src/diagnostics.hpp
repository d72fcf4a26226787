#pragma once
// Located error messages: every problem in an input file is reported as FILE:LINE:COL: message.
#include <string>
#include <vector>

namespace preflight {

/// A position in an input file; line and column are 1-based (0 = unknown).
struct SourceLocation {
    std::string file;
    int line = 0;
    int column = 0;
};

/// "FILE:LINE:COL" (or "FILE" when the position is unknown).
std::string format_location(const SourceLocation& where);

struct Diagnostic {
    SourceLocation where;
    std::string message;
    /// "FILE:LINE:COL: message".
    std::string to_string() const;
};

/// Collects every error of a pass so all of them are reported at once.
class Diagnostics {
public:
    void error(SourceLocation where, std::string message);
    bool empty() const { return items_.empty(); }
    const std::vector<Diagnostic>& items() const { return items_; }
    /// Errors sorted by file, line and column, one "FILE:LINE:COL: message" per line.
    std::vector<std::string> lines() const;

private:
    std::vector<Diagnostic> items_;
};

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely
/// typo; empty otherwise.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

/// " (did you mean 'X'?)" or "" when nothing is close.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace preflight
