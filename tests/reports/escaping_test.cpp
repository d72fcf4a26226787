// Text that could break a format: table pipes, line breaks, markup, CDATA ends, quotes,
// backticks, control characters and bytes that are not UTF-8.
#include <doctest/doctest.h>

#include "reports/renderers.hpp"
#include "tests/reports/fixture.hpp"
#include "tests/reports/xmllint.hpp"

namespace preflight {
namespace {

using testing::make_check;

const std::string kNasty =
    "a|b <tag> & \"dq\" 'sq' ]]> `tick` ``two`` $x *em* _u_ [l](u) #h \\ back\x1b[31mred\x01 \xC3\xA9t\xC3\xA9";

Report nasty_report() {
    Report report = testing::fixture_report();
    report.pack_title = "Pack | with <markup> & `ticks`";
    report.command_line = "preflight run --var 'x=`a`|b' rules/";
    auto check = make_check("nasty", "Title | with\nnewline `and` <b>&", "command", Severity::critical,
                            Status::fail, kNasty + "\nsecond line ]]> & <end>", 7);
    check.observed = {{"stdout", "line1\nline2 ]]>"}, {"k|ey", "v`al"}};
    check.expected = "0 < exit & \"ok\"";
    check.remedy = "```sh\nrm -rf ````/tmp````\n```\necho 'done' ]]> & <ok>";
    auto broken = make_check("broken-utf8", "Bad bytes \xFF\xFE here", "command", Severity::warning,
                             Status::error, "invalid \xC3 byte and non-character \xEF\xBF\xBF end", 1);
    auto skipped = make_check("skipped", "Skip \"quoted\"", "file", Severity::info, Status::skip,
                              "needs <nasty> & it failed", 0);
    report.checks = {check, broken, skipped};
    report.summary = {0, 1, 1, 1};
    return report;
}

RedactedReport nasty_redacted() { return Redactor({}).redact(nasty_report()); }

// Pipes that end a cell: those not escaped with a backslash.
int cell_separators(const std::string& row) {
    int count = 0;
    for (size_t i = 0; i < row.size(); ++i) {
        if (row[i] == '|' && (i == 0 || row[i - 1] != '\\')) ++count;
    }
    return count;
}

std::string line_starting(const std::string& text, const std::string& prefix) {
    const size_t at = text.find("\n" + prefix);
    if (at == std::string::npos) return {};
    return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

TEST_CASE("Markdown table cells escape pipes, line breaks, backticks, markup and entities") {
    const std::string md = render_markdown(nasty_redacted());
    const std::string row = line_starting(md, "| `nasty` |");
    REQUIRE_FALSE(row.empty());
    CHECK(cell_separators(row) == 6);
    CHECK(row ==
          "| `nasty` | Title \\| with<br>newline \\`and\\` &lt;b&gt;&amp; | critical | \xE2\x9D\x8C fail | "
          "a\\|b &lt;tag&gt; &amp; \"dq\" 'sq' \\]\\]&gt; \\`tick\\` \\`\\`two\\`\\` \\$x \\*em\\* \\_u\\_ "
          "\\[l\\](u) #h \\\\ back\\\\x1B\\[31mred\\\\x01 \xC3\xA9t\xC3\xA9<br>second line \\]\\]&gt; "
          "&amp; &lt;end&gt; |");
    CHECK(md.find('\x1b') == std::string::npos);
    CHECK(md.find('\x01') == std::string::npos);
}

TEST_CASE("Markdown fences are longer than any backtick run inside") {
    const std::string md = render_markdown(nasty_redacted());
    CHECK(md.find("**Remedy:**\n\n`````\n```sh\nrm -rf ````/tmp````\n```\necho 'done' ]]> & <ok>\n`````\n") !=
          std::string::npos);
    CHECK(md.find("**Message:**\n\n```\n" + std::string("a|b <tag>")) != std::string::npos);
}

TEST_CASE("Markdown code spans outgrow the backticks they hold") {
    const std::string md = render_markdown(nasty_redacted());
    CHECK(md.find("- **Command line:** ``preflight run --var 'x=`a`|b' rules/``\n") != std::string::npos);
    CHECK(md.find("- **Pack:** `f4-backup` \xE2\x80\x94 Pack \\| with &lt;markup&gt; &amp; \\`ticks\\`\n") !=
          std::string::npos);
}

TEST_CASE("Markdown replaces bytes that are not UTF-8") {
    const std::string md = render_markdown(nasty_redacted());
    CHECK(md.find("Bad bytes \xEF\xBF\xBD\xEF\xBF\xBD here") != std::string::npos);
    CHECK(md.find('\xFF') == std::string::npos);
}

TEST_CASE("JUnit escapes markup, CDATA ends, quotes and control characters") {
    const std::string xml = render_junit(nasty_redacted());
    CHECK(xml.find("]]>") == std::string::npos);
    CHECK(xml.find("<tag>") == std::string::npos);
    CHECK(xml.find('\x1b') == std::string::npos);
    CHECK(xml.find('\x01') == std::string::npos);
    CHECK(xml.find("\xEF\xBF\xBF") == std::string::npos);
    CHECK(xml.find(
              "<failure message=\"a|b &lt;tag&gt; &amp; &quot;dq&quot; &apos;sq&apos; ]]&gt; `tick` ``two`` "
              "$x *em* _u_ [l](u) #h \\ back\\x1B[31mred\\x01 \xC3\xA9t\xC3\xA9 \xE2\x80\xA6\" type=\"command\">") !=
          std::string::npos);
}

TEST_CASE("JUnit with hostile text is well-formed and valid against the JUnit schema") {
    const std::string xml = render_junit(nasty_redacted());
    const auto well_formed = testing::run_xmllint(xml, "--noout");
    CHECK_MESSAGE(well_formed.exit_code == 0, well_formed.output);
    const auto valid = testing::run_xmllint(xml, "--noout --schema " + testing::junit_schema());
    CHECK_MESSAGE(valid.exit_code == 0, valid.output);
}

TEST_CASE("JUnit text reads back exactly through an XML parser") {
    const std::string xml = render_junit(nasty_redacted());
    CHECK(testing::xpath_string(xml, "//property[@name=\"pack.title\"]/@value") ==
          "Pack | with <markup> & `ticks`");
    CHECK(testing::xpath_string(xml, "//property[@name=\"command_line\"]/@value") ==
          "preflight run --var 'x=`a`|b' rules/");
    const std::string body = testing::xpath_string(xml, "//testcase[@name=\"nasty\"]/failure");
    CHECK(body.find("second line ]]> & <end>\n") != std::string::npos);
    CHECK(body.find("remedy:\n```sh\nrm -rf ````/tmp````\n```\necho 'done' ]]> & <ok>\n") != std::string::npos);
    CHECK(testing::xpath_string(xml, "//testcase[@name=\"skipped\"]/skipped/@message") ==
          "needs <nasty> & it failed");
}

TEST_CASE("JUnit keeps line breaks in attributes as character references") {
    Report report = testing::fixture_report();
    report.command_line = "one\ntwo\tthree";
    const std::string xml = render_junit(Redactor({}).redact(report));
    CHECK(xml.find("value=\"one&#10;two&#9;three\"") != std::string::npos);
    CHECK(testing::xpath_string(xml, "//property[@name=\"command_line\"]/@value") == "one\ntwo\tthree");
}

TEST_CASE("JSON keeps every string exactly and replaces bytes that are not UTF-8") {
    const auto document = nlohmann::json::parse(render_json(nasty_redacted()));
    const auto& check = document["checks"][0];
    CHECK(check["message"] == kNasty + "\nsecond line ]]> & <end>");
    CHECK(check["observed"]["k|ey"] == "v`al");
    CHECK(check["expected"] == "0 < exit & \"ok\"");
    CHECK(document["pack"]["title"] == "Pack | with <markup> & `ticks`");
    CHECK(document["checks"][1]["title"] == "Bad bytes \xEF\xBF\xBD\xEF\xBF\xBD here");
}

TEST_CASE("text shows control characters instead of sending them to the terminal") {
    for (const bool color : {false, true}) {
        const std::string text = render_text(nasty_redacted(), RenderOptions{color, false});
        CHECK(text.find("\x1b[31mred") == std::string::npos);
        CHECK(text.find("back\\x1B[31mred\\x01") != std::string::npos);
        CHECK(text.find('\x01') == std::string::npos);
        CHECK(text.find('\xFF') == std::string::npos);
    }
}

TEST_CASE("text keeps one line per check when titles hold line breaks") {
    const std::string text = render_text(nasty_redacted(), RenderOptions{});
    CHECK(text.find("\nFAIL   nasty        Title | with newline `and` <b>& \xE2\x80\x94 a|b <tag>") !=
          std::string::npos);
    CHECK(text.find("\nERROR  broken-utf8  Bad bytes \xEF\xBF\xBD\xEF\xBF\xBD here \xE2\x80\x94 invalid "
                    "\xEF\xBF\xBD byte") != std::string::npos);
    CHECK(text.find("\nSKIP   skipped      Skip \"quoted\" \xE2\x80\x94 needs <nasty> & it failed\n") !=
          std::string::npos);
}

}  // namespace
}  // namespace preflight
