// The pure half of the `manifest` kind, with literals: parsing the manifest and judging it.
#include <doctest/doctest.h>

#include "checks/manifest.hpp"

using namespace preflight;

namespace {

const std::string kManifest = "/b/r1.envelope.json";
const std::string kArtifact = "/b/r1.sql.gpg";
// SHA-256 of "abc".
const std::string kDigest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const std::string kFpr = "0123456789ABCDEF0123456789ABCDEF01234567";

ArtifactEvidence artifact() {
    ArtifactEvidence evidence;
    evidence.path = kArtifact;
    evidence.sha256 = kDigest;
    evidence.size = 3;
    return evidence;
}

ManifestRules envelope_rules() {
    ManifestRules rules;
    rules.required = {"gpg_fpr"};
    rules.expect = {{"gpg_fpr", kFpr}};
    return rules;
}

nlohmann::json envelope() {
    return {{"sha256", kDigest}, {"size_bytes", 3}, {"gpg_fpr", kFpr}, {"artifact_ref", "r1.sql.gpg"}};
}

Outcome judge(const nlohmann::json& manifest, const ArtifactEvidence& evidence = artifact(),
              const ManifestRules& rules = envelope_rules()) {
    return judge_manifest(kManifest, manifest, evidence, rules);
}

std::string parse_failure(const std::string& text) {
    ParsedManifest parsed = parse_manifest(kManifest, text);
    REQUIRE(parsed.failure);
    CHECK(parsed.failure->status == Status::fail);
    CHECK(!parsed.document);
    return parsed.failure->message;
}

}  // namespace

TEST_CASE("manifest judge: a complete envelope that matches the artifact passes") {
    Outcome outcome = judge(envelope());
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message ==
          "/b/r1.envelope.json describes /b/r1.sql.gpg (3 bytes): sha256, size_bytes, artifact_ref, "
          "gpg_fpr checked");
    CHECK(outcome.observed["artifact_sha256"] == kDigest);
    CHECK(outcome.observed["artifact_size"] == 3);
    CHECK(outcome.observed["fields"]["gpg_fpr"] == kFpr);

    auto upper_hex = envelope();
    std::string upper = kDigest;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    upper_hex["sha256"] = upper;
    CHECK(judge(upper_hex).status == Status::pass);

    auto full_path = envelope();
    full_path["artifact_ref"] = kArtifact;
    CHECK(judge(full_path).status == Status::pass);
}

TEST_CASE("manifest judge: a wrong digest, size, reference or expected value fails naming the field") {
    auto manifest = envelope();
    manifest["sha256"] = std::string(64, '0');
    CHECK(judge(manifest).message ==
          "/b/r1.envelope.json: field 'sha256' does not match the artifact's SHA-256");
    CHECK(judge(manifest).status == Status::fail);
    CHECK(judge(manifest).expected["sha256"] == kDigest);

    manifest = envelope();
    manifest["size_bytes"] = 4;
    CHECK(judge(manifest).message ==
          "/b/r1.envelope.json: field 'size_bytes' is 4, but the artifact has 3 bytes");

    manifest = envelope();
    manifest["artifact_ref"] = "r2.sql.gpg";
    CHECK(judge(manifest).message ==
          "/b/r1.envelope.json: field 'artifact_ref' names 'r2.sql.gpg', not the artifact "
          "('r1.sql.gpg' or /b/r1.sql.gpg)");
    manifest["artifact_ref"] = "/elsewhere/r1.sql.gpg";
    CHECK(judge(manifest).status == Status::fail);

    manifest = envelope();
    manifest["gpg_fpr"] = "FEDCBA9876543210FEDCBA9876543210FEDCBA98";
    CHECK(judge(manifest).message ==
          "/b/r1.envelope.json: field 'gpg_fpr' is 'FEDCBA9876543210FEDCBA9876543210FEDCBA98', "
          "expected '0123456789ABCDEF0123456789ABCDEF01234567'");
    // Exact: the runner writes the env file's value; another spelling is another record.
    manifest["gpg_fpr"] = "0123456789abcdef0123456789abcdef01234567";
    CHECK(judge(manifest).status == Status::fail);
}

TEST_CASE("manifest judge: missing fields are all listed") {
    Outcome outcome = judge({{"size_bytes", 3}, {"artifact_ref", "r1.sql.gpg"}});
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message ==
          "/b/r1.envelope.json: field 'sha256' is missing; field 'gpg_fpr' is missing");
    CHECK(outcome.observed["fields"]["sha256"] == "<missing>");

    ManifestRules rules = envelope_rules();
    rules.expect.clear();
    auto manifest = envelope();
    manifest["gpg_fpr"] = nullptr;
    CHECK(judge(manifest, artifact(), rules).message ==
          "/b/r1.envelope.json: field 'gpg_fpr' is null");
    manifest["gpg_fpr"] = "";
    CHECK(judge(manifest, artifact(), rules).message ==
          "/b/r1.envelope.json: field 'gpg_fpr' is empty");
    manifest.erase("gpg_fpr");
    CHECK(judge(manifest, artifact(), rules).message ==
          "/b/r1.envelope.json: field 'gpg_fpr' is missing");
}

TEST_CASE("manifest judge: wrong JSON types fail naming the field and the type") {
    auto manifest = envelope();
    manifest["size_bytes"] = "3";
    CHECK(judge(manifest).message ==
          "/b/r1.envelope.json: field 'size_bytes' is a string, expected an integer");
    manifest["size_bytes"] = 3.0;
    CHECK(judge(manifest).message ==
          "/b/r1.envelope.json: field 'size_bytes' is a number with a fraction, expected an integer");
    manifest["size_bytes"] = -3;
    CHECK(judge(manifest).message == "/b/r1.envelope.json: field 'size_bytes' is -3, a negative size");

    manifest = envelope();
    manifest["sha256"] = 12;
    CHECK(judge(manifest).message ==
          "/b/r1.envelope.json: field 'sha256' is an integer, expected a string of 64 hex digits");
    manifest["sha256"] = "sha256:" + kDigest;
    CHECK(judge(manifest).message ==
          "/b/r1.envelope.json: field 'sha256' is not a SHA-256 (64 hex digits, got 71 characters)");
    manifest["sha256"] = std::string(63, 'a') + "g";
    CHECK(judge(manifest).message ==
          "/b/r1.envelope.json: field 'sha256' is not a SHA-256 (64 hex digits, got 64 characters)");

    manifest = envelope();
    manifest["artifact_ref"] = {{"path", "r1.sql.gpg"}};
    CHECK(judge(manifest).message ==
          "/b/r1.envelope.json: field 'artifact_ref' is an object, expected a string naming the "
          "artifact");
    manifest = envelope();
    manifest["gpg_fpr"] = nlohmann::json::array({kFpr});
    CHECK(judge(manifest).message ==
          "/b/r1.envelope.json: field 'gpg_fpr' is an array, expected the string "
          "'0123456789ABCDEF0123456789ABCDEF01234567'");
    manifest["gpg_fpr"] = true;
    CHECK(judge(manifest).message ==
          "/b/r1.envelope.json: field 'gpg_fpr' is a boolean, expected the string "
          "'0123456789ABCDEF0123456789ABCDEF01234567'");
}

TEST_CASE("manifest judge: an artifact that is missing fails, one that could not be hashed is an error") {
    ArtifactEvidence missing;
    missing.path = kArtifact;
    missing.exists = false;
    Outcome outcome = judge(envelope(), missing);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "/b/r1.envelope.json: the artifact /b/r1.sql.gpg does not exist");
    CHECK(outcome.observed["artifact_exists"] == false);

    ArtifactEvidence unread;
    unread.path = kArtifact;
    unread.error = "timed out after 0.2s while hashing the artifact /b/r1.sql.gpg (1048576 bytes read)";
    outcome = judge(envelope(), unread);
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message ==
          "/b/r1.envelope.json: timed out after 0.2s while hashing the artifact /b/r1.sql.gpg "
          "(1048576 bytes read)");

    // What is already wrong in the manifest is a failure whatever the artifact holds.
    auto manifest = envelope();
    manifest.erase("gpg_fpr");
    outcome = judge(manifest, unread);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message ==
          "/b/r1.envelope.json: field 'gpg_fpr' is missing; timed out after 0.2s while hashing the "
          "artifact /b/r1.sql.gpg (1048576 bytes read)");
}

TEST_CASE("manifest judge: an empty field name is not checked") {
    ManifestRules rules;
    rules.sha256_field = "";
    rules.size_field = "";
    rules.ref_field = "";
    rules.required = {"release"};
    Outcome outcome = judge({{"release", "1.2"}}, artifact(), rules);
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message ==
          "/b/r1.envelope.json describes /b/r1.sql.gpg (3 bytes): release checked");

    rules = ManifestRules{};
    rules.sha256_field = "digest";
    rules.size_field = "length";
    rules.ref_field = "";
    CHECK(judge({{"digest", kDigest}, {"length", 3}}, artifact(), rules).status == Status::pass);
}

TEST_CASE("manifest parse: a manifest that is not a JSON object fails, located") {
    CHECK(parse_failure("{sha256: 1}") ==
          "/b/r1.envelope.json is not JSON at line 1, column 2: invalid literal");
    CHECK(parse_failure("{\n  \"sha256\": \"a\",\n  \"size_bytes\": 3,\n}\n") ==
          "/b/r1.envelope.json is not JSON at line 4, column 1: unexpected '}'; expected string literal");
    CHECK(parse_failure("  \n") == "/b/r1.envelope.json is empty, not a JSON document");
    CHECK(parse_failure("[1, 2]") == "/b/r1.envelope.json is not a JSON object (it is an array)");
    CHECK(parse_failure("\"sha256\"") == "/b/r1.envelope.json is not a JSON object (it is a string)");
    CHECK(parse_failure("{\"sha256\": \"a\", \"size_bytes\": 3, \"sha256\": \"b\"}") ==
          "/b/r1.envelope.json has field 'sha256' twice");

    ParsedManifest parsed = parse_manifest(kManifest, "{\"a\": {\"b\": 1, \"c\": {\"b\": 2}}}");
    CHECK(!parsed.failure);
    REQUIRE(parsed.document);
    CHECK((*parsed.document)["a"]["c"]["b"] == 2);
}

TEST_CASE("manifest: JSON types are named for messages") {
    CHECK(describe_json_type("x") == "a string");
    CHECK(describe_json_type(1) == "an integer");
    CHECK(describe_json_type(1u) == "an integer");
    CHECK(describe_json_type(1.5) == "a number with a fraction");
    CHECK(describe_json_type(false) == "a boolean");
    CHECK(describe_json_type(nullptr) == "null");
    CHECK(describe_json_type(nlohmann::json::object()) == "an object");
    CHECK(describe_json_type(nlohmann::json::array()) == "an array");
}
