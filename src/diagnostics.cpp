#include "src/diagnostics.hpp"

#include <algorithm>
#include <tuple>

namespace preflight {

std::string format_location(const SourceLocation& where) {
    if (where.line <= 0) return where.file;
    return where.file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
}

std::string Diagnostic::to_string() const { return format_location(where) + ": " + message; }

void Diagnostics::error(SourceLocation where, std::string message) {
    items_.push_back({std::move(where), std::move(message)});
}

std::vector<std::string> Diagnostics::lines() const {
    std::vector<Diagnostic> sorted = items_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.where.file, a.where.line, a.where.column) <
               std::tie(b.where.file, b.where.line, b.where.column);
    });
    std::vector<std::string> out;
    for (const auto& d : sorted) out.push_back(d.to_string());
    return out;
}

namespace {
// Optimal string alignment distance: insertions, deletions, substitutions and transpositions
// of adjacent characters ("paht" -> "path") each cost one.
size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}
}  // namespace

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
    if (word.size() > 64) return "";  // not a typo of a short name
    std::string best;
    size_t best_distance = std::max<size_t>(1, word.size() / 4) + 1;
    for (const auto& candidate : candidates) {
        size_t d = edit_distance(word, candidate);
        if (d < best_distance && d < word.size()) {
            best_distance = d;
            best = candidate;
        }
    }
    return best;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best = closest_match(word, candidates);
    return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

}  // namespace preflight
