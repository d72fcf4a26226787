// The pure half of the `manifest` kind: parsing the manifest text and judging it against the
// artifact's facts. Tested with literals (tests/checks/manifest_judge_test.cpp).
#include <cctype>
#include <set>

#include "checks/manifest.hpp"
#include "src/config_document.hpp"

namespace preflight {

namespace {

const char* const kMissing = "<missing>";

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
    std::string text;
    for (const auto& part : parts) text += (text.empty() ? "" : separator) + part;
    return text;
}

std::string quoted(const std::string& field) { return "field '" + field + "'"; }

bool is_sha256_hex(const std::string& text) {
    if (text.size() != 64) return false;
    for (char c : text)
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

std::string file_name_of(const std::string& path) {
    auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The first top-level key written twice: a reader that takes the first and one that takes the
// last would see different manifests, so the document is not evidence.
std::optional<std::string> duplicate_top_level_key(std::string_view text) {
    std::set<std::string> seen;
    std::optional<std::string> duplicate;
    auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        if (event == nlohmann::json::parse_event_t::key && depth == 1 && !duplicate &&
            parsed.is_string() && !seen.insert(parsed.get<std::string>()).second)
            duplicate = parsed.get<std::string>();
        return true;
    };
    try {
        nlohmann::json parsed = nlohmann::json::parse(text.begin(), text.end(), callback);
        (void)parsed;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;  // parse_document already accepted it; nothing more to say
    }
    return duplicate;
}

// Collects what is wrong (`problems`) and what could not be told (`errors`).
struct Findings {
    std::vector<std::string> problems;
    std::vector<std::string> errors;
    std::vector<std::string> checked;
    nlohmann::json observed = nlohmann::json::object();
    nlohmann::json expected = nlohmann::json::object();
};

// The field's value, or null after recording that it is missing.
const nlohmann::json* field_of(const nlohmann::json& manifest, const std::string& field,
                               Findings& findings) {
    findings.checked.push_back(field);
    auto it = manifest.find(field);
    if (it == manifest.end()) {
        findings.observed[field] = kMissing;
        findings.problems.push_back(quoted(field) + " is missing");
        return nullptr;
    }
    findings.observed[field] = *it;
    return &*it;
}

void judge_sha256(const nlohmann::json& manifest, const std::string& field,
                  const ArtifactEvidence& artifact, Findings& findings) {
    findings.expected[field] = artifact.sha256 ? nlohmann::json(*artifact.sha256)
                                               : nlohmann::json("the artifact's SHA-256");
    const nlohmann::json* value = field_of(manifest, field, findings);
    if (!value) return;
    if (!value->is_string()) {
        findings.problems.push_back(quoted(field) + " is " + describe_json_type(*value) +
                                    ", expected a string of 64 hex digits");
        return;
    }
    const auto& text = value->get_ref<const std::string&>();
    if (!is_sha256_hex(text)) {
        findings.problems.push_back(quoted(field) + " is not a SHA-256 (64 hex digits, got " +
                                    std::to_string(text.size()) + " characters)");
        return;
    }
    // Hex case carries no information: sha256sum writes lower case, some tools upper.
    if (artifact.sha256 && lower(text) != *artifact.sha256)
        findings.problems.push_back(quoted(field) + " does not match the artifact's SHA-256");
}

void judge_size(const nlohmann::json& manifest, const std::string& field,
                const ArtifactEvidence& artifact, Findings& findings) {
    findings.expected[field] = artifact.size ? nlohmann::json(*artifact.size)
                                             : nlohmann::json("the artifact's size in bytes");
    const nlohmann::json* value = field_of(manifest, field, findings);
    if (!value) return;
    if (!value->is_number_integer()) {
        findings.problems.push_back(quoted(field) + " is " + describe_json_type(*value) +
                                    ", expected an integer");
        return;
    }
    if (value->is_number_unsigned() || value->get<long long>() >= 0) {
        if (artifact.size && value->get<unsigned long long>() != *artifact.size)
            findings.problems.push_back(quoted(field) + " is " + value->dump() +
                                        ", but the artifact has " + std::to_string(*artifact.size) +
                                        " bytes");
        return;
    }
    findings.problems.push_back(quoted(field) + " is " + value->dump() + ", a negative size");
}

void judge_ref(const nlohmann::json& manifest, const std::string& field,
               const ArtifactEvidence& artifact, Findings& findings) {
    const std::string name = file_name_of(artifact.path);
    findings.expected[field] = nlohmann::json::array({artifact.path, name});
    const nlohmann::json* value = field_of(manifest, field, findings);
    if (!value) return;
    if (!value->is_string()) {
        findings.problems.push_back(quoted(field) + " is " + describe_json_type(*value) +
                                    ", expected a string naming the artifact");
        return;
    }
    const auto& text = value->get_ref<const std::string&>();
    if (text != artifact.path && text != name)
        findings.problems.push_back(quoted(field) + " names '" + text + "', not the artifact ('" +
                                    name + "' or " + artifact.path + ")");
}

void judge_required(const nlohmann::json& manifest, const std::string& field, Findings& findings) {
    findings.expected[field] = "present, not null, not empty";
    const nlohmann::json* value = field_of(manifest, field, findings);
    if (!value) return;
    if (value->is_null())
        findings.problems.push_back(quoted(field) + " is null");
    else if (value->is_string() && value->get_ref<const std::string&>().empty())
        findings.problems.push_back(quoted(field) + " is empty");
}

void judge_expected(const nlohmann::json& manifest, const std::string& field,
                    const std::string& wanted, Findings& findings) {
    findings.expected[field] = wanted;
    const nlohmann::json* value = field_of(manifest, field, findings);
    if (!value) return;
    if (!value->is_string()) {
        findings.problems.push_back(quoted(field) + " is " + describe_json_type(*value) +
                                    ", expected the string '" + wanted + "'");
        return;
    }
    const auto& text = value->get_ref<const std::string&>();
    if (text != wanted)
        findings.problems.push_back(quoted(field) + " is '" + text + "', expected '" + wanted + "'");
}

}  // namespace

std::string describe_json_type(const nlohmann::json& value) {
    switch (value.type()) {
        case nlohmann::json::value_t::string: return "a string";
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned: return "an integer";
        case nlohmann::json::value_t::number_float: return "a number with a fraction";
        case nlohmann::json::value_t::boolean: return "a boolean";
        case nlohmann::json::value_t::null: return "null";
        case nlohmann::json::value_t::object: return "an object";
        case nlohmann::json::value_t::array: return "an array";
        default: return "not a JSON value";
    }
}

ParsedManifest parse_manifest(const std::string& manifest_path, std::string_view text) {
    ParsedManifest parsed;
    const nlohmann::json observed = {{"manifest", manifest_path}};
    std::string error;
    auto document = parse_document(text, DocumentFormat::json, error);
    if (!document) {
        const std::string invalid = "invalid JSON";
        std::string message = error.rfind(invalid, 0) == 0
                                  ? manifest_path + " is not JSON" + error.substr(invalid.size())
                              : error.rfind("the file is empty", 0) == 0
                                  ? manifest_path + " is empty, not a JSON document"
                                  : manifest_path + " is not JSON: " + error;
        parsed.failure = Outcome::fail(message, observed, "a JSON object");
        return parsed;
    }
    if (!document->is_object()) {
        parsed.failure = Outcome::fail(manifest_path + " is not a JSON object (it is " +
                                           describe_json_type(*document) + ")",
                                       observed, "a JSON object");
        return parsed;
    }
    if (auto duplicate = duplicate_top_level_key(text)) {
        parsed.failure = Outcome::fail(manifest_path + " has field '" + *duplicate + "' twice",
                                       observed, "each field once");
        return parsed;
    }
    parsed.document = std::move(*document);
    return parsed;
}

Outcome judge_manifest(const std::string& manifest_path, const nlohmann::json& manifest,
                       const ArtifactEvidence& artifact, const ManifestRules& rules) {
    Findings findings;
    if (!manifest.is_object())
        return Outcome::fail(manifest_path + " is not a JSON object (it is " +
                             describe_json_type(manifest) + ")");
    if (!rules.sha256_field.empty()) judge_sha256(manifest, rules.sha256_field, artifact, findings);
    if (!rules.size_field.empty()) judge_size(manifest, rules.size_field, artifact, findings);
    if (!rules.ref_field.empty()) judge_ref(manifest, rules.ref_field, artifact, findings);
    // A required field that another rule already judges is not judged twice.
    std::set<std::string> judged = {rules.sha256_field, rules.size_field, rules.ref_field};
    for (const auto& [field, wanted] : rules.expect) judged.insert(field);
    for (const auto& field : rules.required)
        if (judged.insert(field).second) judge_required(manifest, field, findings);
    for (const auto& [field, wanted] : rules.expect) judge_expected(manifest, field, wanted, findings);

    nlohmann::json observed = {{"manifest", manifest_path},
                               {"artifact", artifact.path},
                               {"fields", findings.observed}};
    if (artifact.through_symlink) observed["artifact_is_symlink"] = true;
    if (artifact.sha256) observed["artifact_sha256"] = *artifact.sha256;
    if (artifact.size) observed["artifact_size"] = *artifact.size;
    if (!artifact.exists) {
        observed["artifact_exists"] = false;
        findings.problems.insert(findings.problems.begin(),
                                 "the artifact " + artifact.path + " does not exist");
    } else if (!artifact.error.empty()) {
        findings.errors.push_back(artifact.error);
    }

    if (!findings.problems.empty()) {
        auto all = findings.problems;
        all.insert(all.end(), findings.errors.begin(), findings.errors.end());
        return Outcome::fail(manifest_path + ": " + join(all, "; "), observed, findings.expected);
    }
    if (!findings.errors.empty())
        return Outcome::error(manifest_path + ": " + join(findings.errors, "; "), observed);
    std::string size = artifact.size ? " (" + std::to_string(*artifact.size) + " bytes)" : "";
    return Outcome::pass(manifest_path + " describes " + artifact.path + size + ": " +
                             join(findings.checked, ", ") + " checked",
                         observed);
}

}  // namespace preflight
