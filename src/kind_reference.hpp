#pragma once
// Documentation generated from the kinds' field declarations: `preflight kinds`, `preflight
// schema` and the README's kind reference all come from here.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace preflight {

/// The plain-text reference of every kind, or of `kind` alone; nullopt when `kind` is unknown.
std::optional<std::string> kinds_reference(const std::string& kind = "");

/// The same reference as Markdown tables (for the README).
std::string kinds_reference_markdown();

/// JSON Schema (draft-07) of the rule language, usable by yaml-language-server.
nlohmann::json rule_language_schema();

}  // namespace preflight
