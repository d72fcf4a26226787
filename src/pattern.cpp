#include "src/pattern.hpp"

#include <re2/re2.h>

#include <map>
#include <mutex>
#include <utility>

namespace preflight {

struct Pattern::Compiled {
    explicit Compiled(const std::string& regex, const RE2::Options& options)
        : re2(regex, options) {}
    RE2 re2;
};

namespace {

// Bound on what one compiled pattern may hold: its programs plus the DFA state caches RE2
// fills while matching (RE2's default is 8 MiB). A rule pattern compiles to a few KB; the bound
// refuses absurd ones at load ("pattern too large") and caps the cache of each one, past which
// RE2 flushes it or falls back to its (still linear) NFA.
constexpr int64_t kMaxMemoryPerPattern = 1 << 20;

RE2::Options pattern_options(Anchoring anchoring) {
    RE2::Options options;
    // A line holds no line break: RE2 turns a literal \n into "no match" (and drops it from
    // classes), so a pattern that needs one compiles to the one-instruction failing program.
    options.set_never_nl(anchoring == Anchoring::one_line);
    options.set_encoding(RE2::Options::EncodingUTF8);
    options.set_longest_match(false);  // leftmost-first, as in Perl and Go: *? means something
    options.set_log_errors(false);     // RE2 would print to stderr, past the redactor
    options.set_max_mem(kMaxMemoryPerPattern);
    return options;
}

std::string hint_for(const RE2& failed) {
    const std::string& fragment = failed.error_arg();
    auto starts = [&](std::string_view prefix) { return fragment.rfind(prefix, 0) == 0; };
    switch (failed.error_code()) {
    case RE2::ErrorBadPerlOp:
        if (starts("(?=") || starts("(?!")) return " (RE2 has no lookahead)";
        // RE2 quotes "(?<" for both a lookbehind and a named group.
        if (starts("(?<"))
            return " (RE2 has no lookbehind; a named group is written (?P<name>...))";
        return "";
    case RE2::ErrorBadEscape:
        if (fragment.size() == 2 && fragment[1] >= '1' && fragment[1] <= '9')
            return " (RE2 has no backreferences)";
        return "";
    case RE2::ErrorPatternTooLarge:
        return " (a pattern may use at most 1 MiB)";
    default:
        return "";
    }
}

// Every compiled pattern alive in the process, by anchoring and source: a pack that uses one
// pattern in 300 checks holds one compiled form and one DFA cache, not 300.
std::mutex g_interned_mutex;
std::map<std::pair<Anchoring, std::string>, std::weak_ptr<const Pattern::Compiled>> g_interned;

}  // namespace

std::optional<Pattern> Pattern::compile(const std::string& source, Anchoring anchoring,
                                        std::string& error) {
    std::lock_guard lock(g_interned_mutex);
    Pattern pattern;
    pattern.source_ = source;
    auto& interned = g_interned[{anchoring, source}];
    if (auto known = interned.lock()) {
        pattern.compiled_ = std::move(known);
        return pattern;
    }
    const RE2::Options options = pattern_options(anchoring);
    const std::string regex = anchoring == Anchoring::each_line ? "(?m)" + source : source;
    auto compiled = std::make_shared<const Compiled>(regex, options);
    std::string problem;
    if (!compiled->re2.ok()) {
        // Describe the pattern as written: the (?m) prefix must not show in RE2's fragment.
        RE2 as_written(source, options);
        const RE2& failed = as_written.ok() ? compiled->re2 : as_written;
        problem = failed.error() + hint_for(failed);
    } else if (anchoring == Anchoring::one_line && compiled->re2.ProgramSize() == 1 &&
               !RE2::PartialMatch("", compiled->re2)) {
        problem = "it only matches across a line break, and the text is matched one line at a time";
    }
    if (!problem.empty()) {
        error = std::move(problem);
        g_interned.erase({anchoring, source});
        return std::nullopt;
    }
    interned = compiled;
    pattern.compiled_ = std::move(compiled);
    return pattern;
}

namespace {

// Length of the valid UTF-8 sequence at the start of `text`, 0 when it is not one (overlong
// forms, surrogates and code points past U+10FFFF are not).
std::size_t utf8_sequence_length(std::string_view text) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    auto continuation = [&](std::size_t i) { return i < text.size() && (byte(i) & 0xC0) == 0x80; };
    unsigned char lead = byte(0);
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
    if (lead >= 0xE0 && lead <= 0xEF) {
        if (!continuation(1) || !continuation(2)) return 0;
        if (lead == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
        if (lead == 0xED && byte(1) >= 0xA0) return 0;  // surrogate
        return 3;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
        if (lead == 0xF0 && byte(1) < 0x90) return 0;  // overlong
        if (lead == 0xF4 && byte(1) >= 0x90) return 0;  // past U+10FFFF
        return 4;
    }
    return 0;
}

// RE2 in UTF-8 mode matches no character at a byte that is not UTF-8: "secret.*" would skip a
// Latin-1 line and a not_contains would pass. As Go does, such a byte reads as U+FFFD.
// Nullopt (nothing to copy) when `text` is valid UTF-8 already.
std::optional<std::string> with_invalid_bytes_replaced(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t length = utf8_sequence_length(text.substr(i));
        if (length == 0) break;
        i += length;
    }
    if (i == text.size()) return std::nullopt;
    std::string replaced(text.substr(0, i));
    while (i < text.size()) {
        std::size_t length = utf8_sequence_length(text.substr(i));
        if (length == 0) {
            replaced += "\xEF\xBF\xBD";
            ++i;
        } else {
            replaced.append(text.substr(i, length));
            i += length;
        }
    }
    return replaced;
}

re2::StringPiece piece(std::string_view text) { return {text.data(), text.size()}; }

}  // namespace

bool Pattern::search(std::string_view text) const {
    if (!compiled_) return false;
    auto replaced = with_invalid_bytes_replaced(text);
    std::string_view subject = replaced ? std::string_view(*replaced) : text;
    return compiled_->re2.Match(piece(subject), 0, subject.size(), RE2::UNANCHORED, nullptr, 0);
}

std::optional<std::string> Pattern::first_match(std::string_view text) const {
    if (!compiled_) return std::nullopt;
    auto replaced = with_invalid_bytes_replaced(text);
    std::string_view subject = replaced ? std::string_view(*replaced) : text;
    const RE2& re2 = compiled_->re2;
    re2::StringPiece groups[2];
    int wanted = re2.NumberOfCapturingGroups() > 0 ? 2 : 1;
    if (!re2.Match(piece(subject), 0, subject.size(), RE2::UNANCHORED, groups, wanted))
        return std::nullopt;
    // A group that did not take part in the match is a null piece.
    const re2::StringPiece& chosen = wanted == 2 && groups[1].data() ? groups[1] : groups[0];
    return std::string(chosen.data(), chosen.size());
}

namespace {
struct NoReferences : ReferenceResolver {
    std::optional<std::string> lookup(const Reference&) const override { return std::nullopt; }
};
}  // namespace

std::optional<Pattern> load_pattern_field(const FieldValues& fields, const std::string& name,
                                          Anchoring anchoring, Diagnostics& diagnostics) {
    auto text = fields.text(name);
    if (!text) return std::nullopt;
    if (text->has_references()) {
        diagnostics.error(fields.where(name), "'" + name +
                                                  "' cannot contain ${...} references: a regular "
                                                  "expression is fixed when the pack is loaded");
        return std::nullopt;
    }
    std::string error;
    auto pattern = Pattern::compile(text->resolve(NoReferences{}), anchoring, error);
    if (!pattern)
        diagnostics.error(fields.where(name),
                          "'" + name + "' is not a valid regular expression: " + error);
    return pattern;
}

}  // namespace preflight
