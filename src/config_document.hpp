#pragma once
// Config files read as JSON values (for config_drift): JSON with nlohmann, YAML through
// yaml-cpp's events, nesting bounded before anything recursive runs. Error messages locate a
// problem by line and column but never quote the file: it may hold secrets.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace preflight {

enum class DocumentFormat { json, yaml };

/// Nesting (arrays/objects, sequences/mappings) deeper than this is refused.
inline constexpr int kMaxDocumentDepth = 512;

/// json for a ".json" path, yaml for ".yaml" or ".yml" (any case); nullopt otherwise.
std::optional<DocumentFormat> format_from_extension(std::string_view path);

/// The document in `text` as JSON. YAML is converted type-aware with the rule language's own
/// rules: plain scalars become null (~, null, empty), booleans (true/false), integers or floats
/// where they read as such, else strings; quoted and block scalars are always strings; `!!str`
/// is honoured. Empty YAML is null. On failure returns nullopt and sets `error` to a located
/// reason without content, e.g. "invalid JSON at line 3, column 14: invalid literal",
/// "duplicate mapping key at line 4, column 1 (first at line 2)", "YAML alias at line 2,
/// column 6 (anchors and aliases are not supported; write the value out)", "nesting deeper than
/// 512 levels at line 1, column 513".
std::optional<nlohmann::json> parse_document(std::string_view text, DocumentFormat format,
                                             std::string& error);

}  // namespace preflight
