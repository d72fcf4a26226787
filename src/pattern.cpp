#include "src/pattern.hpp"

#include <regex.h>

#include <array>
#include <map>
#include <mutex>

namespace preflight {

struct Pattern::Compiled {
    regex_t regex{};
    bool ready = false;
    ~Compiled() {
        if (ready) regfree(&regex);
    }
};

namespace {
// Every compiled pattern alive in the process, by source. glibc's regexec builds its DFA tables
// lazily inside the regex_t and keeps them (tens of KB for `[0-9a-f]{32}`), so a pack that uses
// one pattern in 300 checks would hold 300 copies; the same source shares one regex_t instead
// (regexec serialises on the regex_t's own lock).
std::mutex g_interned_mutex;
std::map<std::string, std::weak_ptr<const Pattern::Compiled>> g_interned;
}  // namespace

std::optional<Pattern> Pattern::compile(const std::string& source, std::string& error) {
    std::lock_guard lock(g_interned_mutex);
    Pattern pattern;
    pattern.source_ = source;
    if (auto known = g_interned[source].lock()) {
        pattern.compiled_ = std::move(known);
        return pattern;
    }
    auto compiled = std::make_shared<Compiled>();
    if (int rc = regcomp(&compiled->regex, source.c_str(), REG_EXTENDED | REG_NEWLINE)) {
        std::array<char, 256> message{};
        regerror(rc, &compiled->regex, message.data(), message.size());
        error = message.data();
        g_interned.erase(source);
        return std::nullopt;
    }
    compiled->ready = true;
    g_interned[source] = compiled;
    pattern.compiled_ = std::move(compiled);
    return pattern;
}

Pattern Pattern::private_copy() const {
    auto compiled = std::make_shared<Compiled>();
    // The source compiled once already; should the system refuse it now, the shared form serves.
    if (regcomp(&compiled->regex, source_.c_str(), REG_EXTENDED | REG_NEWLINE) != 0) return *this;
    compiled->ready = true;
    Pattern copy;
    copy.source_ = source_;
    copy.compiled_ = std::move(compiled);
    return copy;
}

namespace {
// REG_STARTEND bounds the subject by length, so NUL bytes in command output do not end it.
bool execute(const regex_t& regex, std::string_view text, std::array<regmatch_t, 2>& matches) {
    matches[0].rm_so = 0;
    matches[0].rm_eo = static_cast<regoff_t>(text.size());
    const char* subject = text.data() ? text.data() : "";
    return regexec(&regex, subject, matches.size(), matches.data(), REG_STARTEND) == 0;
}
}  // namespace

bool Pattern::search(std::string_view text) const {
    if (!compiled_) return false;
    std::array<regmatch_t, 2> matches{};
    return execute(compiled_->regex, text, matches);
}

std::optional<std::string> Pattern::first_match(std::string_view text) const {
    if (!compiled_) return std::nullopt;
    std::array<regmatch_t, 2> matches{};
    if (!execute(compiled_->regex, text, matches)) return std::nullopt;
    const regmatch_t& chosen =
        compiled_->regex.re_nsub > 0 && matches[1].rm_so >= 0 ? matches[1] : matches[0];
    return std::string(text.substr(static_cast<std::size_t>(chosen.rm_so),
                                   static_cast<std::size_t>(chosen.rm_eo - chosen.rm_so)));
}

namespace {
struct NoReferences : ReferenceResolver {
    std::optional<std::string> lookup(const Reference&) const override { return std::nullopt; }
};
}  // namespace

std::optional<Pattern> load_pattern_field(const FieldValues& fields, const std::string& name,
                                          Diagnostics& diagnostics) {
    auto text = fields.text(name);
    if (!text) return std::nullopt;
    if (text->has_references()) {
        diagnostics.error(fields.where(name), "'" + name +
                                                  "' cannot contain ${...} references: a regular "
                                                  "expression is fixed when the pack is loaded");
        return std::nullopt;
    }
    std::string error;
    auto pattern = Pattern::compile(text->resolve(NoReferences{}), error);
    if (!pattern)
        diagnostics.error(fields.where(name),
                          "'" + name + "' is not a valid regular expression: " + error);
    return pattern;
}

}  // namespace preflight
