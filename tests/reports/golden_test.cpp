// A fixed report rendered in every format must match its golden file byte for byte.
#include <doctest/doctest.h>

#include "reports/renderers.hpp"
#include "tests/reports/fixture.hpp"

namespace preflight {
namespace {

using testing::check_golden;
using testing::fixture_redacted;

TEST_CASE("text report matches its golden file") {
    check_golden("report.txt", render_text(fixture_redacted(), RenderOptions{}));
}

TEST_CASE("quiet text report shows only what did not pass and the verdict") {
    check_golden("report-quiet.txt", render_text(fixture_redacted(), RenderOptions{false, true}));
}

TEST_CASE("coloured text report matches its golden file") {
    check_golden("report-color.txt", render_text(fixture_redacted(), RenderOptions{true, false}));
}

TEST_CASE("text report has no ANSI escape without colour") {
    CHECK(render_text(fixture_redacted(), RenderOptions{}).find('\x1b') == std::string::npos);
    CHECK(render_text(fixture_redacted(), RenderOptions{true, false}).find("\x1b[1;31mFAIL\x1b[0m") !=
          std::string::npos);
}

TEST_CASE("quiet text of a passing run is the verdict alone") {
    Report report = testing::fixture_report();
    for (auto& check : report.checks) check.status = Status::pass;
    report.verdict = "PASS";
    report.exit_code = 0;
    CHECK(render_text(Redactor({}).redact(report), RenderOptions{false, true}) ==
          "Verdict: PASS \xE2\x80\x94 every selected critical check passed; the gate is open (exit 0)\n");
}

TEST_CASE("every format says when a run was incomplete") {
    Report report = testing::fixture_report();
    report.incomplete = true;
    report.exit_code = 2;
    report.verdict = "ERROR";
    const RedactedReport redacted = Redactor({}).redact(report);
    CHECK(render_text(redacted, RenderOptions{false, true}).find(
              "incomplete: the run was interrupted or reached its deadline; checks that did not finish count "
              "as errors\n\nVerdict: ERROR \xE2\x80\x94 no check failed, but at least one could not be "
              "evaluated; the host is not known to be ready (exit 2)\n") != std::string::npos);
    CHECK(render_markdown(redacted).find("- **Incomplete:** the run was interrupted") != std::string::npos);
    CHECK(render_junit(redacted).find("<property name=\"incomplete\" value=\"true\"/>") != std::string::npos);
    CHECK(render_json(redacted).find("\"incomplete\": true,") != std::string::npos);
}

TEST_CASE("JSON report matches its golden file") {
    check_golden("report.json", render_json(fixture_redacted()));
}

TEST_CASE("Markdown report matches its golden file") {
    check_golden("report.md", render_markdown(fixture_redacted()));
}

TEST_CASE("JUnit report matches its golden file") {
    check_golden("report.xml", render_junit(fixture_redacted()));
}

TEST_CASE("render dispatches on the format") {
    const auto report = fixture_redacted();
    CHECK(render(ReportFormat::text, report, {}) == render_text(report, {}));
    CHECK(render(ReportFormat::text, report, {false, true}) == render_text(report, {false, true}));
    CHECK(render(ReportFormat::json, report, {}) == render_json(report));
    CHECK(render(ReportFormat::markdown, report, {}) == render_markdown(report));
    CHECK(render(ReportFormat::junit, report, {}) == render_junit(report));
}

TEST_CASE("formats by name and by file extension") {
    CHECK(format_from_name("text") == ReportFormat::text);
    CHECK(format_from_name("json") == ReportFormat::json);
    CHECK(format_from_name("markdown") == ReportFormat::markdown);
    CHECK(format_from_name("junit") == ReportFormat::junit);
    CHECK_FALSE(format_from_name("md").has_value());
    CHECK_FALSE(format_from_name("JSON").has_value());
    CHECK_FALSE(format_from_name("").has_value());

    CHECK(format_from_path("out/report.txt") == ReportFormat::text);
    CHECK(format_from_path("report.json") == ReportFormat::json);
    CHECK(format_from_path("/srv/kb/report.md") == ReportFormat::markdown);
    CHECK(format_from_path("junit.xml") == ReportFormat::junit);
    CHECK(format_from_path("REPORT.JSON") == ReportFormat::json);
    CHECK_FALSE(format_from_path("report.html").has_value());
    CHECK_FALSE(format_from_path("report").has_value());
    CHECK_FALSE(format_from_path("json").has_value());
    CHECK_FALSE(format_from_path("dir.json/report").has_value());
}

}  // namespace
}  // namespace preflight
