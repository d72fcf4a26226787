// Fuzz target: the rule-pack loader (YAML parsing, strict validation, every kind's load-time
// checks). It reads only the given text and touches nothing on the host. The loader reports
// every problem as a diagnostic and throws nothing, so any exception is a finding.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "src/loader.hpp"

namespace {

bool is_check_id(const std::string& id) {
    if (id.empty()) return false;
    for (size_t i = 0; i < id.size(); ++i) {
        const char c = id[i];
        const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto result = preflight::load_rule_text(text, "fuzz.yaml");

    for (const auto& d : result.diagnostics.items()) {
        // Every diagnostic is located in the one file it was given, and says something.
        if (d.where.file != "fuzz.yaml" || d.where.line < 0 || d.where.column < 0 || d.message.empty())
            __builtin_trap();
    }
    (void)result.diagnostics.lines();
    if (result.pack.sources.size() != 1) __builtin_trap();
    if (!result.ok()) return 0;

    // A pack that loads is one the engine can run: valid unique ids, needs that exist, a
    // built check behind every declaration.
    std::set<std::string> ids;
    for (const auto& c : result.pack.checks) {
        if (!is_check_id(c.id) || !ids.insert(c.id).second || !c.check) __builtin_trap();
    }
    for (const auto& c : result.pack.checks)
        for (const auto& need : c.needs)
            if (!ids.count(need) || need == c.id) __builtin_trap();
    return 0;
}
