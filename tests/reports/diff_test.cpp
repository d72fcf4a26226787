// `preflight diff`: which checks newly fail, newly pass, drift, appear or disappear, and when
// the difference is a regression.
#include <doctest/doctest.h>

#include <sstream>

#include "reports/diff.hpp"
#include "reports/json.hpp"
#include "tests/reports/fixture.hpp"

namespace preflight {
namespace {

using testing::ScratchDir;

CheckResult& find(Report& report, const std::string& id) {
    for (auto& check : report.checks) {
        if (check.id == id) return check;
    }
    FAIL("no check " << id);
    throw std::logic_error("unreachable");
}

void set_status(Report& report, const std::string& id, Status status, const std::string& message) {
    CheckResult& check = find(report, id);
    check.status = status;
    check.message = message;
    if (status == Status::pass) check.remedy.clear();
}

// A report as `diff` reads it: already through the redactor.
Report published(Report report) { return Redactor(testing::fixture_secrets()).redact(std::move(report)).report(); }

Report failing_report() { return published(testing::fixture_report()); }

// The fixture after the operator ran the remedies: everything passes.
Report fixed_report() {
    Report report = testing::fixture_report();
    report.started_utc = "2024-05-08T12:00:00Z";
    report.verdict = "PASS";
    report.exit_code = 0;
    report.summary = {6, 0, 0, 0};
    set_status(report, "backup-key-imported", Status::pass, "key found, usable for encrypt");
    set_status(report, "directus-grants", Status::pass, "role cutter_exec holds SELECT on 9 of 9 tables");
    find(report, "directus-grants").observed = {{"missing", nlohmann::json::array()}};
    set_status(report, "db-connect", Status::pass, "connected as cutter_exec to directus");
    set_status(report, "backups-dir", Status::pass, "directory is writable");
    return published(report);
}

ReportDiff diff_of(const Report& old_report, const Report& new_report) {
    std::string error;
    auto diff = diff_reports(old_report, new_report, error);
    REQUIRE_MESSAGE(diff.has_value(), error);
    return *diff;
}

std::vector<std::string> ids(const auto& items) {
    std::vector<std::string> out;
    for (const auto& item : items) out.push_back(item.id);
    return out;
}

using Ids = std::vector<std::string>;

TEST_CASE("a failing run followed by a fixed one lists exactly the checks that changed") {
    const ReportDiff diff = diff_of(failing_report(), fixed_report());
    CHECK(ids(diff.newly_passing) == Ids{"backup-key-imported", "directus-grants", "db-connect", "backups-dir"});
    CHECK(diff.newly_failing.empty());
    CHECK(diff.status_changed.empty());
    CHECK(ids(diff.drift) == Ids{"directus-grants"});
    CHECK(diff.added.empty());
    CHECK(diff.removed.empty());
    CHECK_FALSE(diff.regression);
    CHECK(diff.newly_passing[0].old_status == Status::fail);
    CHECK(diff.newly_passing[2].old_status == Status::error);
    testing::check_golden("diff-fixed.txt", render_diff_text(diff));
}

TEST_CASE("a fixed run followed by a failing one is a regression") {
    const ReportDiff diff = diff_of(fixed_report(), failing_report());
    CHECK(ids(diff.newly_failing) == Ids{"backup-key-imported", "directus-grants"});
    CHECK(diff.newly_passing.empty());
    CHECK(ids(diff.status_changed) == Ids{"db-connect", "backups-dir"});
    CHECK(diff.status_changed[0].new_status == Status::error);
    CHECK(diff.status_changed[1].new_status == Status::skip);
    CHECK(ids(diff.drift) == Ids{"directus-grants"});
    CHECK(diff.regression);
    testing::check_golden("diff-regression.txt", render_diff_text(diff));
    testing::check_golden("diff-regression.json", render_diff_json(diff));
}

TEST_CASE("identical reports have no changes and no regression") {
    const ReportDiff diff = diff_of(failing_report(), failing_report());
    CHECK(diff.unchanged());
    CHECK_FALSE(diff.regression);
    const std::string text = render_diff_text(diff);
    CHECK(text.find("\nNo changes: the same checks, with the same statuses and observed values.\n") !=
          std::string::npos);
    CHECK(text.find("\nNo regression: no check fails that did not fail before (exit 0)\n") != std::string::npos);
}

TEST_CASE("a changed observed value with the same status is drift only") {
    Report before = fixed_report(), after = fixed_report();
    find(after, "orchestrator-config").observed["/backup/retention_days"] = 7;
    const ReportDiff diff = diff_of(before, after);
    CHECK(ids(diff.drift) == Ids{"orchestrator-config"});
    CHECK(diff.newly_failing.empty());
    CHECK(diff.newly_passing.empty());
    CHECK_FALSE(diff.regression);
    CHECK(render_diff_text(diff).find(
              "\nDrift of observed values (1):\n  orchestrator-config \xE2\x80\x94 Orchestrator config has no drift: "
              "{\"/backup/enabled\":true,\"/backup/retention_days\":14} \xE2\x86\x92 "
              "{\"/backup/enabled\":true,\"/backup/retention_days\":7}\n") != std::string::npos);
}

TEST_CASE("added and removed checks, an added failing check is a regression") {
    Report before = fixed_report(), after = fixed_report();
    after.checks.erase(after.checks.begin() + 5);  // backups-dir
    after.checks.push_back(testing::make_check("backup-timer", "Backup timer is enabled", "command",
                                               Severity::critical, Status::fail, "timer is disabled", 5));
    ReportDiff diff = diff_of(before, after);
    CHECK(ids(diff.added) == Ids{"backup-timer"});
    CHECK(ids(diff.removed) == Ids{"backups-dir"});
    CHECK(diff.removed[0].status == Status::pass);
    CHECK(diff.regression);
    const std::string text = render_diff_text(diff);
    CHECK(text.find("\nAdded checks (1):\n  FAIL backup-timer \xE2\x80\x94 Backup timer is enabled: timer is disabled\n") !=
          std::string::npos);
    CHECK(text.find("\nRemoved checks (1):\n  PASS backups-dir \xE2\x80\x94 Backups directory is writable: "
                    "directory is writable\n") != std::string::npos);
    CHECK(text.find("\nRegression: 1 check fails that did not fail before (exit 1)\n") != std::string::npos);

    after.checks.back().status = Status::error;
    diff = diff_of(before, after);
    CHECK_FALSE(diff.regression);
}

TEST_CASE("error to fail is a new failure, fail to error is not") {
    Report errored = fixed_report(), failed = fixed_report();
    set_status(errored, "db-connect", Status::error, "timeout");
    set_status(failed, "db-connect", Status::fail, "wrong user");
    ReportDiff diff = diff_of(errored, failed);
    CHECK(ids(diff.newly_failing) == Ids{"db-connect"});
    CHECK(diff.regression);
    diff = diff_of(failed, errored);
    CHECK(ids(diff.status_changed) == Ids{"db-connect"});
    CHECK_FALSE(diff.regression);
}

TEST_CASE("reports of different packs are refused") {
    Report other = fixed_report();
    other.pack_name = "f5-restore";
    std::string error;
    CHECK_FALSE(diff_reports(failing_report(), other, error).has_value());
    CHECK(error == "cannot compare reports of different packs: OLD is \"f4-backup\", NEW is \"f5-restore\"");
}

struct DiffRun {
    int exit_code;
    std::string out, err;
};

DiffRun run(const std::string& old_path, const std::string& new_path, ReportFormat format = ReportFormat::text) {
    std::ostringstream out, err;
    const int code = run_diff_command(old_path, new_path, format, out, err);
    return {code, out.str(), err.str()};
}

std::string write_report(const ScratchDir& dir, const std::string& name, const Report& report) {
    const std::string path = dir / name;
    std::ofstream(path) << render_json(Redactor({}).redact(report));
    return path;
}

TEST_CASE("run_diff_command exits 1 on a regression and 0 otherwise") {
    ScratchDir dir;
    const std::string failing = write_report(dir, "failing.json", failing_report());
    const std::string fixed = write_report(dir, "fixed.json", fixed_report());

    DiffRun result = run(failing, fixed);
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());
    CHECK(result.out == testing::read_file(std::string(PREFLIGHT_SOURCE_DIR) + "/tests/reports/golden/diff-fixed.txt"));

    result = run(fixed, failing, ReportFormat::json);
    CHECK(result.exit_code == 1);
    CHECK(result.err.empty());
    const auto document = nlohmann::json::parse(result.out);
    CHECK(document["schema"] == "preflight.diff/v1");
    CHECK(document["regression"] == true);
    CHECK(document["newly_failing"].size() == 2);
}

TEST_CASE("run_diff_command: a report file that cannot be read is 66, invalid and mismatched reports 65") {
    ScratchDir dir;
    const std::string good = write_report(dir, "good.json", failing_report());

    DiffRun result = run(dir / "missing.json", good);
    CHECK(result.exit_code == 66);
    CHECK(result.err == "preflight diff: cannot read report \"" + (dir / "missing.json") +
                            "\": No such file or directory\n");
    CHECK(result.out.empty());

    result = run(good, dir / "missing.json");
    CHECK(result.exit_code == 66);

    result = run(good, dir.path().string());
    CHECK(result.exit_code == 66);
    CHECK(result.err == "preflight diff: cannot read report \"" + dir.path().string() + "\": it is a directory\n");

    const std::string broken = dir / "broken.json";
    std::ofstream(broken) << "{\"schema\": ";
    result = run(good, broken);
    CHECK(result.exit_code == 65);
    CHECK(result.err.rfind("preflight diff: " + broken + ": not valid JSON: parse error at line 1, column 12", 0) == 0);

    auto v2 = nlohmann::json::parse(testing::read_file(good));
    v2["schema"] = "preflight.report/v2";
    const std::string newer = dir / "v2.json";
    std::ofstream(newer) << v2.dump();
    result = run(good, newer);
    CHECK(result.exit_code == 65);
    CHECK(result.err == "preflight diff: cannot compare reports of different schema versions: " + good +
                            " is preflight.report/v1, " + newer + " is preflight.report/v2\n");
    result = run(newer, newer);
    CHECK(result.exit_code == 65);
    CHECK(result.err == "preflight diff: " + newer +
                            ": unsupported report schema \"preflight.report/v2\" (this preflight reads "
                            "preflight.report/v1)\n");

    const std::string not_report = dir / "list.json";
    std::ofstream(not_report) << "[1, 2]";
    result = run(not_report, good);
    CHECK(result.exit_code == 65);
    CHECK(result.err == "preflight diff: " + not_report + ": not a JSON object\n");

    Report other = testing::fixture_report();
    other.pack_name = "f5-restore";
    const std::string other_path = write_report(dir, "other.json", other);
    result = run(good, other_path);
    CHECK(result.exit_code == 65);
    CHECK(result.err == "preflight diff: cannot compare reports of different packs: OLD is \"f4-backup\", "
                        "NEW is \"f5-restore\"\n");
}

TEST_CASE("run_diff_command writes only text or json") {
    ScratchDir dir;
    const std::string good = write_report(dir, "good.json", failing_report());
    const DiffRun result = run(good, good, ReportFormat::markdown);
    CHECK(result.exit_code == 64);
    CHECK(result.err == "preflight diff: the diff is written as text or json\n");
    CHECK(result.out.empty());
}

}  // namespace
}  // namespace preflight
