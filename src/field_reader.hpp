#pragma once
// Converts located YAML values into typed field values according to a FieldSpec.
#include <nlohmann/json.hpp>
#include <optional>

#include "src/diagnostics.hpp"
#include "src/fields.hpp"
#include "src/yaml_tree.hpp"

namespace preflight {

/// The typed value of `node` for `spec`; nullopt (with a located error added) when it does not fit.
std::optional<FieldValue> read_field(const FieldSpec& spec, const YamlNode& node, Diagnostics& diagnostics);

/// A string value (any non-null scalar) parsed as a template; nullopt with an error otherwise.
std::optional<Template> read_template(const std::string& field, const YamlNode& node, Diagnostics& diagnostics);

/// A plain string (any non-null scalar, no interpolation); nullopt with an error otherwise.
std::optional<std::string> read_string(const std::string& field, const YamlNode& node, Diagnostics& diagnostics);

/// `node` as JSON, type-aware: plain scalars become null, booleans, integers or floats where
/// YAML's core schema says so; quoted scalars are always strings.
nlohmann::json yaml_to_json(const YamlNode& node);

/// Bounds of a duration field (and of --deadline): 1 ms to 24 h.
inline constexpr double kMinDurationSeconds = 0.001;
inline constexpr double kMaxDurationSeconds = 86400;

/// Seconds from 10, 2.5, "10s", "500ms", "2m"; nullopt when malformed or outside 1 ms..24 h.
std::optional<double> parse_duration(const std::string& text);

}  // namespace preflight
