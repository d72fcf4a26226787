#pragma once
// Kind `manifest`: a JSON manifest that describes a file (a release manifest, a backup
// envelope) is complete and true: the artifact's SHA-256 and size, a field naming the artifact,
// further required fields, and fields with expected values.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/check.hpp"

namespace preflight {

/// What the manifest must say. An empty field name means "not checked".
struct ManifestRules {
    std::string sha256_field = "sha256";
    std::string size_field = "size_bytes";
    std::string ref_field = "artifact_ref";
    std::vector<std::string> required;               ///< further fields that must be present
    std::map<std::string, std::string> expect;       ///< field -> expected text (resolved)
};

/// The artifact as the probe found it.
struct ArtifactEvidence {
    std::string path;
    bool exists = true;
    std::optional<std::string> sha256;          ///< 64 lowercase hex digits, when hashed
    std::optional<unsigned long long> size;     ///< bytes, when hashed
    bool through_symlink = false;
    /// Why it could not be hashed, a whole clause: "cannot read the artifact A: permission
    /// denied", "timed out after 10s while hashing the artifact A (1048576 bytes read)".
    std::string error;
};

/// "a string", "an integer", "a number with a fraction", "a boolean", "null", "an object",
/// "an array" — how a JSON value's type is named in messages.
std::string describe_json_type(const nlohmann::json& value);

/// The manifest document in `text`, or the failed outcome that says why it is not evidence:
/// "M is not JSON at line 1, column 2: invalid literal", "M is empty, not a JSON document",
/// "M is not a JSON object (it is an array)", "M has field 'sha256' twice".
struct ParsedManifest {
    std::optional<nlohmann::json> document;
    std::optional<Outcome> failure;
};
ParsedManifest parse_manifest(const std::string& manifest_path, std::string_view text);

/// Judges the manifest object `manifest` against the artifact and `rules`. Fail when any field
/// is missing, of the wrong type or wrong, or the artifact does not exist (every problem listed,
/// "M: field 'sha256' is missing; field 'size_bytes' is 7, but the artifact has 9 bytes");
/// error when none is wrong but the artifact could not be hashed; pass otherwise. `observed`
/// holds each checked field's value ("<missing>" when absent) and the artifact's digest and
/// size; `expected` what each field should be.
Outcome judge_manifest(const std::string& manifest_path, const nlohmann::json& manifest,
                       const ArtifactEvidence& artifact, const ManifestRules& rules);

/// The `manifest` kind.
KindSpec manifest_kind();

}  // namespace preflight
