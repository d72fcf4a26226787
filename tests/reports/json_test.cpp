// The JSON report reads back into the same Report, and a document that is not a
// preflight.report/v1 report is refused naming what is wrong.
#include <doctest/doctest.h>

#include "reports/json.hpp"
#include "reports/renderers.hpp"
#include "tests/reports/fixture.hpp"

namespace preflight {
namespace {

nlohmann::json fixture_document() { return nlohmann::json::parse(render_json(testing::fixture_redacted())); }

std::string refusal(const nlohmann::json& document) {
    std::string error;
    const Report report = report_from_json(document, error);
    CHECK(report.checks.empty());
    return error;
}

TEST_CASE("a report without inputs reads back with none") {
    nlohmann::json document = fixture_document();
    document.erase("inputs");
    std::string error = "stale";
    const Report read = report_from_json(document, error);
    CHECK(error.empty());
    CHECK(read.env_files.empty());
    CHECK(read.connections.empty());
    document["inputs"] = {{"env_files", {1}}};
    CHECK(refusal(document) == "inputs.env_files[0]: expected a string");
}

TEST_CASE("a rendered JSON report reads back field by field") {
    const RedactedReport redacted = testing::fixture_redacted();
    const Report& original = redacted.report();
    std::string error = "stale";
    const Report read = report_from_json(fixture_document(), error);
    CHECK(error.empty());
    CHECK(read.tool == "preflight");
    CHECK(read.tool_version == "0.1.0");
    CHECK(read.pack_name == "f4-backup");
    CHECK(read.pack_title == original.pack_title);
    REQUIRE(read.sources.size() == 1);
    CHECK(read.sources[0].path == "rules/f4-backup.yaml");
    CHECK(read.sources[0].sha256 == original.sources[0].sha256);
    CHECK(read.env_files == std::vector<std::string>{"/opt/incomex/docker/.env"});
    REQUIRE(read.connections.size() == 1);
    CHECK(read.connections[0].name == "directus");
    CHECK(read.connections[0].target == "host=/var/run/postgresql dbname=directus user=cutter_exec");
    CHECK(read.host == "backup-01");
    CHECK(read.user == "operator");
    CHECK(read.command_line == original.command_line);
    CHECK(read.started_utc == "2024-05-01T12:00:00Z");
    CHECK(read.duration_ms == 1534);
    CHECK(read.verdict == "FAIL");
    CHECK(read.exit_code == 1);
    CHECK_FALSE(read.incomplete);
    CHECK(read.summary.pass == 2);
    CHECK(read.summary.fail == 2);
    CHECK(read.summary.error == 1);
    CHECK(read.summary.skip == 1);
    CHECK(read.values_redacted == original.values_redacted);
    REQUIRE(read.checks.size() == original.checks.size());
    for (size_t i = 0; i < read.checks.size(); ++i) {
        const CheckResult& a = read.checks[i];
        const CheckResult& b = original.checks[i];
        CAPTURE(b.id);
        CHECK(a.id == b.id);
        CHECK(a.title == b.title);
        CHECK(a.kind == b.kind);
        CHECK(a.severity == b.severity);
        CHECK(a.status == b.status);
        CHECK(a.message == b.message);
        CHECK(a.observed == b.observed);
        CHECK(a.expected == b.expected);
        CHECK(a.remedy == b.remedy);
        CHECK(a.why == b.why);
        CHECK(a.duration_ms == b.duration_ms);
    }
}

TEST_CASE("the JSON report marks an incomplete run") {
    Report report = testing::fixture_report();
    report.incomplete = true;
    const auto document = nlohmann::json::parse(render_json(Redactor({}).redact(report)));
    CHECK(document["incomplete"] == true);
    std::string error;
    CHECK(report_from_json(document, error).incomplete);
}

TEST_CASE("documents that are not preflight.report/v1 reports are refused, naming the member") {
    auto document = fixture_document();
    CHECK(refusal(nlohmann::json::array()) == "not a JSON object");
    CHECK(refusal(nlohmann::json::object()) == "missing \"schema\"");

    auto other = document;
    other["schema"] = "preflight.report/v2";
    CHECK(refusal(other) == "unsupported report schema \"preflight.report/v2\" (this preflight reads preflight.report/v1)");

    auto no_pack = document;
    no_pack["pack"].erase("name");
    CHECK(refusal(no_pack) == "missing \"pack.name\"");

    auto no_checks = document;
    no_checks.erase("checks");
    CHECK(refusal(no_checks) == "missing \"checks\"");

    auto bad_checks = document;
    bad_checks["checks"] = "all good";
    CHECK(refusal(bad_checks) == "checks: expected an array");

    auto bad_status = document;
    bad_status["checks"][2]["status"] = "passed";
    CHECK(refusal(bad_status) == "checks[2].status: expected one of pass, fail, error, skip");

    auto bad_severity = document;
    bad_severity["checks"][0]["severity"] = "high";
    CHECK(refusal(bad_severity) == "checks[0].severity: expected one of critical, warning, info");

    auto no_id = document;
    no_id["checks"][1].erase("id");
    CHECK(refusal(no_id) == "missing \"checks[1].id\"");

    auto bad_duration = document;
    bad_duration["checks"][3]["duration_ms"] = "slow";
    CHECK(refusal(bad_duration) == "checks[3].duration_ms: expected an integer");

    auto bad_title = document;
    bad_title["pack"]["title"] = 7;
    CHECK(refusal(bad_title) == "pack.title: expected a string");

    auto bad_incomplete = document;
    bad_incomplete["incomplete"] = "no";
    CHECK(refusal(bad_incomplete) == "incomplete: expected true or false");

    auto duplicate = document;
    duplicate["checks"][4]["id"] = "backup-fpr-set";
    CHECK(refusal(duplicate) == "checks[4].id: duplicate id \"backup-fpr-set\"");
}

}  // namespace
}  // namespace preflight
