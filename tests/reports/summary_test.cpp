// `preflight summary`: the pure rollup (readiness of each report, per-pack grouping, failing and
// erroring ids, the exit status) and its three renderings, with literal reports.
#include <doctest/doctest.h>

#include "reports/summary.hpp"
#include "tests/reports/fixture.hpp"

namespace preflight {
namespace {

using testing::make_check;
using Ids = std::vector<std::string>;

// A report as `preflight run` writes it for `verdict`, with the checks given.
Report report_of(const std::string& host, const std::string& pack, const std::string& verdict,
                 std::vector<CheckResult> checks) {
    Report report;
    report.host = host;
    report.pack_name = pack;
    report.verdict = verdict;
    report.exit_code = verdict == "PASS" ? 0 : verdict == "FAIL" ? 1 : 2;
    report.started_utc = "2026-11-30T03:00:00Z";
    report.checks = std::move(checks);
    return report;
}

CheckResult check(const std::string& id, Status status, Severity severity = Severity::critical) {
    return make_check(id, id, "file", severity, status, "", 1);
}

Report ready(const std::string& host, const std::string& pack = "f4-backup") {
    return report_of(host, pack, "PASS", {check("a", Status::pass), check("b", Status::pass)});
}
Report failing(const std::string& host, const std::string& pack = "f4-backup") {
    return report_of(host, pack, "FAIL",
                     {check("a", Status::fail), check("b", Status::pass), check("c", Status::fail),
                      check("d", Status::skip)});
}
Report erroring(const std::string& host, const std::string& pack = "f4-backup") {
    return report_of(host, pack, "ERROR", {check("a", Status::pass), check("db", Status::error)});
}

FleetSummary summary_of(const std::vector<Report>& reports) {
    std::vector<SourcedReport> sourced;
    for (const auto& report : reports) sourced.push_back({report.host + ".json", report});
    return summarize_reports(sourced);
}

TEST_CASE("summary exit status: all ready 0, any not ready 1, any unknown 2 even beside not ready") {
    CHECK(summary_of({ready("h1"), ready("h2")}).exit_code == 0);
    CHECK(summary_of({ready("h1"), failing("h2")}).exit_code == 1);
    CHECK(summary_of({failing("h1"), failing("h2")}).exit_code == 1);
    CHECK(summary_of({ready("h1"), erroring("h2")}).exit_code == 2);
    CHECK(summary_of({failing("h1"), erroring("h2"), ready("h3")}).exit_code == 2);
    CHECK(summary_of({erroring("h1"), failing("h2")}).exit_code == 2);
    CHECK(summary_of({}).exit_code == 2);  // no report never means a ready fleet
}

TEST_CASE("summary counts per pack and for the fleet") {
    const FleetSummary summary = summary_of({failing("h1"), erroring("h2"), ready("h3"), ready("h4")});
    CHECK(summary.counts.ready == 2);
    CHECK(summary.counts.not_ready == 1);
    CHECK(summary.counts.unknown == 1);
    CHECK(summary.counts.total() == 4);
    REQUIRE(summary.packs.size() == 1);
    CHECK(summary.packs[0].counts.total() == 4);
}

TEST_CASE("summary rows list the failing and the erroring check ids in report order, skips in neither") {
    const FleetSummary summary = summary_of({failing("h1"), erroring("h2"), ready("h3")});
    const auto& rows = summary.packs.at(0).rows;
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].host == "h1");
    CHECK(rows[0].source == "h1.json");
    CHECK(rows[0].verdict == "FAIL");
    CHECK(rows[0].readiness == Readiness::not_ready);
    CHECK(rows[0].failing == Ids{"a", "c"});
    CHECK(rows[0].erroring.empty());
    CHECK(rows[1].readiness == Readiness::unknown);
    CHECK(rows[1].failing.empty());
    CHECK(rows[1].erroring == Ids{"db"});
    CHECK(rows[2].readiness == Readiness::ready);
    CHECK(rows[2].failing.empty());
    CHECK(rows[2].erroring.empty());
    CHECK(rows[2].started_utc == "2026-11-30T03:00:00Z");
}

TEST_CASE("summary groups reports per pack, packs sorted by name, rows in the order given") {
    const FleetSummary summary =
        summary_of({ready("h2", "web"), failing("h1", "f4-backup"), ready("h1", "web"), erroring("h9", "f4-backup")});
    REQUIRE(summary.packs.size() == 2);
    CHECK(summary.packs[0].pack == "f4-backup");
    CHECK(summary.packs[0].rows.size() == 2);
    CHECK(summary.packs[0].rows[0].host == "h1");
    CHECK(summary.packs[0].rows[1].host == "h9");
    CHECK(summary.packs[0].counts.not_ready == 1);
    CHECK(summary.packs[0].counts.unknown == 1);
    CHECK(summary.packs[1].pack == "web");
    CHECK(summary.packs[1].rows[0].host == "h2");
    CHECK(summary.packs[1].rows[1].host == "h1");
    CHECK(summary.packs[1].counts.ready == 2);
    CHECK(summary.exit_code == 2);
}

TEST_CASE("a PASS the report contradicts is unknown, never ready") {
    std::string doubt;
    Report incomplete = ready("h1");
    incomplete.incomplete = true;
    CHECK(readiness_of(incomplete, doubt) == Readiness::unknown);
    CHECK(doubt == "the run was incomplete");

    Report odd_exit = ready("h1");
    odd_exit.exit_code = 1;
    CHECK(readiness_of(odd_exit, doubt) == Readiness::unknown);
    CHECK(doubt == "its exit_code is 1");

    Report critical_fail = ready("h1");
    critical_fail.checks.push_back(check("grants", Status::fail));
    CHECK(readiness_of(critical_fail, doubt) == Readiness::unknown);
    CHECK(doubt == "critical check grants is fail");

    Report critical_error = ready("h1");
    critical_error.checks.push_back(check("db", Status::error));
    CHECK(readiness_of(critical_error, doubt) == Readiness::unknown);
    CHECK(doubt == "critical check db is error");

    // A warning that failed does not close the gate without --strict: the PASS stands.
    Report warning_fail = ready("h1");
    warning_fail.checks.push_back(check("config", Status::fail, Severity::warning));
    CHECK(readiness_of(warning_fail, doubt) == Readiness::ready);
    CHECK(doubt.empty());

    CHECK(summary_of({ready("h1"), incomplete}).exit_code == 2);
}

TEST_CASE("summary verdicts other than PASS and FAIL are unknown") {
    std::string doubt;
    CHECK(readiness_of(erroring("h1"), doubt) == Readiness::unknown);
    CHECK(doubt.empty());
    Report odd = ready("h1");
    odd.verdict = "pass";
    CHECK(readiness_of(odd, doubt) == Readiness::unknown);
    odd.verdict = "";
    CHECK(readiness_of(odd, doubt) == Readiness::unknown);
    // FAIL is not ready whatever else the report says (an incomplete run that already failed).
    Report failed_incomplete = failing("h1");
    failed_incomplete.incomplete = true;
    CHECK(readiness_of(failed_incomplete, doubt) == Readiness::not_ready);
}

FleetSummary mixed_fleet() {
    Report many = failing("db-02.example.org", "f4-backup");
    for (int i = 0; i < 5; ++i) many.checks.push_back(check("extra-" + std::to_string(i), Status::fail));
    Report doubtful = ready("db-04");
    doubtful.incomplete = true;
    return summary_of({ready("db-01"), many, erroring("db-03"), doubtful, ready("web-01", "web")});
}

TEST_CASE("summary text: a table per pack, at most 5 ids per cell, the fleet line with the exit status") {
    CHECK(render_summary(SummaryFormat::text, mixed_fleet()) ==
          "f4-backup: 4 reports: 1 ready, 1 not ready, 2 unknown\n"
          "  HOST               VERDICT                                 FAILING                                  ERRORING  STARTED_UTC\n"
          "  db-01              PASS                                    -                                        -         2026-11-30T03:00:00Z\n"
          "  db-02.example.org  FAIL                                    a, c, extra-0, extra-1, extra-2 +2 more  -         2026-11-30T03:00:00Z\n"
          "  db-03              ERROR                                   -                                        db        2026-11-30T03:00:00Z\n"
          "  db-04              PASS (unknown: the run was incomplete)  -                                        -         2026-11-30T03:00:00Z\n"
          "\n"
          "web: 1 report: 1 ready, 0 not ready, 0 unknown\n"
          "  HOST    VERDICT  FAILING  ERRORING  STARTED_UTC\n"
          "  web-01  PASS     -        -         2026-11-30T03:00:00Z\n"
          "\n"
          "5 reports, 2 packs: 2 ready, 1 not ready, 2 unknown (exit 2)\n");
}

TEST_CASE("summary text never passes a control character or a line break to the terminal") {
    Report hostile = failing("evil\x1b[2J\nhost");
    hostile.checks[0].id = "a\tb";
    const std::string text = render_summary(SummaryFormat::text, summary_of({hostile}));
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find("evil\\x1B[2J host") != std::string::npos);
    CHECK(text.find("a b, c") != std::string::npos);
}

TEST_CASE("summary markdown: a section and a table per pack, every cell escaped, all ids") {
    const std::string markdown = render_summary(SummaryFormat::markdown, mixed_fleet());
    CHECK(markdown.rfind("# preflight fleet summary\n\n5 reports, 2 packs: 2 ready, 1 not ready, 2 unknown (exit 2)\n\n"
                         "## Pack f4-backup\n\n4 reports: 1 ready, 1 not ready, 2 unknown\n\n"
                         "| Host | Verdict | Failing checks | Erroring checks | Started (UTC) |\n|---|---|---|---|---|\n"
                         "| db-01 | PASS |  |  | 2026-11-30T03:00:00Z |\n"
                         "| db-02.example.org | FAIL | a, c, extra-0, extra-1, extra-2, extra-3, extra-4 |  | "
                         "2026-11-30T03:00:00Z |\n",
                         0) == 0);
    CHECK(markdown.find("\n## Pack web\n") != std::string::npos);
    Report hostile = failing("a|b *c* <d>", "p_q");
    const std::string escaped = render_summary(SummaryFormat::markdown, summary_of({hostile}));
    CHECK(escaped.find("| a\\|b \\*c\\* &lt;d&gt; | FAIL |") != std::string::npos);
    CHECK(escaped.find("## Pack p\\_q\n") != std::string::npos);
}

TEST_CASE("summary json: preflight.summary/v1 with counts, packs and one object per report") {
    const auto document = nlohmann::json::parse(render_summary(SummaryFormat::json, mixed_fleet()));
    CHECK(document["schema"] == "preflight.summary/v1");
    CHECK(document["exit_code"] == 2);
    CHECK(document["counts"] == nlohmann::json{{"reports", 5}, {"ready", 2}, {"not_ready", 1}, {"unknown", 2}});
    REQUIRE(document["packs"].size() == 2);
    const auto& f4 = document["packs"][0];
    CHECK(f4["pack"] == "f4-backup");
    CHECK(f4["counts"]["reports"] == 4);
    REQUIRE(f4["reports"].size() == 4);
    CHECK(f4["reports"][1] == nlohmann::json::parse(R"({"file": "db-02.example.org.json", "host": "db-02.example.org",
        "verdict": "FAIL", "readiness": "not_ready", "doubt": null, "incomplete": false,
        "started_utc": "2026-11-30T03:00:00Z",
        "failing": ["a", "c", "extra-0", "extra-1", "extra-2", "extra-3", "extra-4"], "erroring": []})"));
    CHECK(f4["reports"][3]["readiness"] == "unknown");
    CHECK(f4["reports"][3]["doubt"] == "the run was incomplete");
    CHECK(f4["reports"][3]["incomplete"] == true);
    CHECK(document["packs"][1]["pack"] == "web");
}

TEST_CASE("summary formats by name and by file extension") {
    CHECK(summary_format_from_name("text") == SummaryFormat::text);
    CHECK(summary_format_from_name("markdown") == SummaryFormat::markdown);
    CHECK(summary_format_from_name("json") == SummaryFormat::json);
    CHECK_FALSE(summary_format_from_name("junit"));
    CHECK(summary_format_from_path("fleet.TXT") == SummaryFormat::text);
    CHECK(summary_format_from_path("out/fleet.md") == SummaryFormat::markdown);
    CHECK(summary_format_from_path("fleet.json") == SummaryFormat::json);
    CHECK_FALSE(summary_format_from_path("fleet.xml"));
    CHECK_FALSE(summary_format_from_path("fleet"));
}

}  // namespace
}  // namespace preflight
