// Fuzz target: the config reader of config_drift. The first byte chooses the format (even:
// JSON, odd: YAML), the rest is the document. Failures are reported through `error`, not
// thrown, so any exception is a finding.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "src/config_document.hpp"

namespace {

int depth_of(const nlohmann::json& value) {
    int deepest = 0;
    if (value.is_structured())
        for (const auto& item : value) deepest = std::max(deepest, depth_of(item));
    return value.is_structured() ? deepest + 1 : 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const auto format = data[0] % 2 == 0 ? preflight::DocumentFormat::json : preflight::DocumentFormat::yaml;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

    std::string error;
    const auto document = preflight::parse_document(text, format, error);
    if (!document) {
        if (error.empty()) __builtin_trap();  // a refusal always says why
        return 0;
    }
    if (depth_of(*document) > preflight::kMaxDocumentDepth) __builtin_trap();
    // Reports print observed values this way; it must work for anything the reader returns.
    const std::string shown = document->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (format == preflight::DocumentFormat::json) {
        // What was read from JSON reads back the same.
        std::string again_error;
        const auto again = preflight::parse_document(shown, preflight::DocumentFormat::json, again_error);
        if (!again || *again != *document) __builtin_trap();
    }
    return 0;
}
