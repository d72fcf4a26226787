#include "checks/manifest.hpp"

#include <cctype>

#include "checks/process_report.hpp"
#include "src/host/files.hpp"

namespace preflight {

namespace {

struct NoReferences : ReferenceResolver {
    std::optional<std::string> lookup(const Reference&) const override { return std::nullopt; }
};

std::string upper(std::string text) {
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

class ManifestCheck : public Check {
public:
    Template path;
    Template artifact;
    ManifestRules rules;
    std::map<std::string, Template> expect;

    Outcome run(const RunContext& context) const override {
        const std::string manifest_path = context.resolve(path);
        const std::string artifact_path = context.resolve(artifact);
        if (manifest_path.empty()) return Outcome::error("'path' resolved to an empty string");
        if (artifact_path.empty()) return Outcome::error("'artifact' resolved to an empty string");
        ManifestRules resolved = rules;
        for (const auto& [field, wanted] : expect) resolved.expect[field] = context.resolve(wanted);

        std::string error;
        auto facts = host::stat_path(manifest_path, true, error);
        if (!facts) return Outcome::error("cannot inspect " + manifest_path + ": " + error);
        if (!facts->exists)
            return Outcome::fail(manifest_path + " does not exist",
                                 {{"manifest", manifest_path}, {"exists", false}});
        auto text = host::read_text_file(manifest_path, host::kMaxTextFileBytes, error);
        if (!text) return Outcome::error("cannot read " + manifest_path + ": " + error);
        ParsedManifest parsed = parse_manifest(manifest_path, *text);
        if (parsed.failure) return *parsed.failure;
        register_secret_fields(context, manifest_path, *parsed.document);

        return judge_manifest(manifest_path, *parsed.document, probe_artifact(context, artifact_path),
                              resolved);
    }

private:
    // Values of the manifest are observed values: one compared with a secret (an expect value
    // naming a secret env variable, such as gpg_fpr: ${env.BACKUP_GPG_FPR}) is itself secret —
    // a wrong fingerprint shows only its last 8 characters — and so is one under a name that
    // reads as secret (password, token, ...).
    void register_secret_fields(const RunContext& context, const std::string& manifest_path,
                                const nlohmann::json& document) const {
        for (const auto& [field, value] : document.items()) {
            bool secret = context.is_secret_name(upper(field));
            if (auto wanted = expect.find(field); wanted != expect.end())
                for (const auto& reference : wanted->second.references())
                    secret = secret || (reference.space == Reference::Space::env &&
                                        context.is_secret_name(reference.name));
            if (!secret || value.is_null()) continue;
            context.add_secret(value.is_string() ? value.get<std::string>() : value.dump(),
                               "manifest " + manifest_path + " " + field);
        }
    }

    ArtifactEvidence probe_artifact(const RunContext& context, const std::string& file) const {
        ArtifactEvidence evidence;
        evidence.path = file;
        const bool needs_content = !rules.sha256_field.empty() || !rules.size_field.empty();
        if (!needs_content) {
            std::string error;
            auto facts = host::stat_path(file, true, error);
            if (!facts)
                evidence.error = "cannot inspect the artifact " + file + ": " + error;
            else
                evidence.exists = facts->exists;
            return evidence;
        }
        host::FileDigest digest = host::sha256_file(file, context.deadline());
        evidence.through_symlink = digest.through_symlink;
        switch (digest.status) {
            case host::DigestStatus::done:
                evidence.sha256 = digest.sha256;
                evidence.size = digest.size;
                break;
            case host::DigestStatus::missing: evidence.exists = false; break;
            case host::DigestStatus::failed:
                evidence.error = "cannot read the artifact " + file + ": " + digest.error;
                break;
            case host::DigestStatus::timed_out:
                evidence.error = "timed out after " + format_timeout(context.timeout()) +
                                 " while hashing the artifact " + file + " (" +
                                 std::to_string(digest.size) + " bytes read)";
                break;
        }
        return evidence;
    }
};

// A field name is fixed text: the check's own vocabulary, not a value of the host.
std::optional<std::string> literal_field_name(const FieldValues& fields, const std::string& name,
                                              const std::string& fallback, Diagnostics& diagnostics,
                                              bool& ok) {
    auto value = fields.text(name);
    if (!value) return fallback;
    if (value->has_references()) {
        diagnostics.error(fields.where(name), "'" + name + "' cannot contain ${...} references: "
                                                          "write the manifest's field name itself");
        ok = false;
        return std::nullopt;
    }
    return value->resolve(NoReferences{});
}

}  // namespace

KindSpec manifest_kind() {
    KindSpec spec;
    spec.name = "manifest";
    spec.summary = "a JSON manifest that describes a file (release manifest, backup envelope) is "
                   "complete and matches it: SHA-256, size, name, required and expected fields";
    spec.fields = {
        {"path", FieldType::text, true, "", "the manifest: a JSON object (at most 1 MiB)", {}},
        {"artifact", FieldType::text, true, "",
         "the file it describes: a regular file (a symlink to one counts), hashed streaming "
         "within the check's timeout",
         {}},
        {"sha256_field", FieldType::text, false, "sha256",
         "field holding the artifact's SHA-256 as 64 hex digits (either case); \"\" = not checked",
         {}},
        {"size_field", FieldType::text, false, "size_bytes",
         "field holding the artifact's size in bytes as a JSON integer; \"\" = not checked", {}},
        {"ref_field", FieldType::text, false, "artifact_ref",
         "field that must name the artifact: its path as given, or its file name; \"\" = not "
         "checked",
         {}},
        {"required", FieldType::text_list, false, "",
         "further fields that must be present, not null and not an empty string", {}},
        {"expect", FieldType::text_map, false, "",
         "field -> expected value (interpolated), compared exactly with a string field, e.g. "
         "gpg_fpr: ${env.BACKUP_GPG_FPR}",
         {}},
    };
    spec.make = [](const KindInput& input) -> std::unique_ptr<Check> {
        const FieldValues& fields = input.fields;
        Diagnostics& diagnostics = input.diagnostics;
        bool ok = true;
        auto check = std::make_unique<ManifestCheck>();
        check->path = fields.text("path").value_or(Template{});
        check->artifact = fields.text("artifact").value_or(Template{});
        check->rules.sha256_field =
            literal_field_name(fields, "sha256_field", "sha256", diagnostics, ok).value_or("");
        check->rules.size_field =
            literal_field_name(fields, "size_field", "size_bytes", diagnostics, ok).value_or("");
        check->rules.ref_field =
            literal_field_name(fields, "ref_field", "artifact_ref", diagnostics, ok).value_or("");
        for (const auto& item : fields.text_list("required")) {
            if (item.has_references() || item.source().empty()) {
                diagnostics.error(fields.where("required"),
                                  "'required' lists field names: each must be plain text, not "
                                  "empty and without ${...} references");
                ok = false;
                break;
            }
            check->rules.required.push_back(item.source());
        }
        check->expect = fields.text_map("expect");
        for (const auto& [field, wanted] : check->expect) {
            if (!field.empty()) continue;
            diagnostics.error(fields.where("expect"), "'expect' has an empty field name");
            ok = false;
        }
        if (ok && check->rules.sha256_field.empty() && check->rules.size_field.empty() &&
            check->rules.ref_field.empty() && check->rules.required.empty() &&
            check->expect.empty()) {
            diagnostics.error(fields.check_location,
                              "this manifest check verifies nothing: keep one of sha256_field, "
                              "size_field, ref_field, or list 'required' or 'expect' fields");
            ok = false;
        }
        if (!ok) return nullptr;
        return check;
    };
    return spec;
}

}  // namespace preflight
