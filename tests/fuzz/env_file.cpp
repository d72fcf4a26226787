// Fuzz target: the env-file parser (docker compose `.env` rules). Parsing is pure; the outer
// lookup is a fixed map, never the real environment. Errors are reported, not thrown, so any
// exception is a finding.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "src/env_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    static const std::map<std::string, std::string> outer_values{{"HOME", "/home/operator"}, {"USER", "operator"}};
    const preflight::EnvLookup outer = [](const std::string& name) -> std::optional<std::string> {
        auto it = outer_values.find(name);
        if (it == outer_values.end()) return std::nullopt;
        return it->second;
    };
    const auto parsed = preflight::parse_env_text(text, "fuzz.env", outer);

    int lines = 1;
    for (char c : text) lines += c == '\n' ? 1 : 0;
    for (const auto& entry : parsed.entries) {
        // A definition has a name and sits on a line of the file.
        if (entry.name.empty() || entry.line < 1 || entry.line > lines) __builtin_trap();
        const auto defined_at = parsed.definition_lines(entry.name);
        const auto value = parsed.value(entry.name);
        // Defined once: its value; defined twice: ambiguous, never silently resolved.
        if (defined_at.size() == 1 ? value != entry.value : value.has_value()) __builtin_trap();
    }
    for (const auto& error : parsed.errors) {
        if (error.where.file != "fuzz.env" || error.where.line < 1 || error.where.line > lines ||
            error.message.empty())
            __builtin_trap();
        (void)error.to_string();
    }
    return 0;
}
