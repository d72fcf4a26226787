#pragma once
// Kind `config_drift`: fields of a JSON or YAML file, addressed by JSON Pointer, hold the
// expected values, compared type-aware ("5432" is not 5432).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "src/check.hpp"

namespace preflight {

/// The reference tokens of a JSON Pointer (RFC 6901: "" is the whole document, "/a~1b/0" is
/// ["a/b", "0"]); nullopt when `pointer` is not one (does not start with '/', or '~' is not
/// followed by 0 or 1).
std::optional<std::vector<std::string>> parse_json_pointer(const std::string& pointer);

/// The value `tokens` address in `document`; null when absent (a missing key, an array index
/// out of range or not a plain decimal, or a step into a scalar).
const nlohmann::json* find_by_pointer(const nlohmann::json& document,
                                      const std::vector<std::string>& tokens);

/// Compares every `expect` entry (JSON Pointer -> expected value) with `document`, type-aware
/// (1 == 1.0, but "5432" != 5432 and true != 1). Pass: "3 fields match". Fail: "2 fields
/// drifted: /deployed_source_commit, /milestone_of_record" (pointers in key order). `observed`
/// maps each pointer to the document's value or "<missing>"; `expected` is `expect`. Error when
/// a key is not a JSON Pointer or `expect` is not an object.
Outcome judge_drift(const nlohmann::json& document, const nlohmann::json& expect);

/// The `config_drift` kind.
KindSpec config_drift_kind();

}  // namespace preflight
