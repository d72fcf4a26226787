// The Markdown record parsed by a GitHub Flavored Markdown implementation (cmark-gfm, when it is
// installed): hostile text stays inside its table cell and remedies stay one code block.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdlib>

#include "reports/renderers.hpp"
#include "reports/summary.hpp"
#include "tests/reports/fixture.hpp"
#include "tests/reports/xmllint.hpp"

namespace preflight {
namespace {

bool have_cmark_gfm() { return std::system("command -v cmark-gfm >/dev/null 2>&1") == 0; }

std::string to_html(const std::string& markdown) {
    testing::ScratchDir dir;
    std::ofstream(dir / "report.md", std::ios::binary) << markdown;
    const std::string command = "cmark-gfm --unsafe -e table -e strikethrough " +
                                testing::shell_quoted(dir / "report.md") + " >" +
                                testing::shell_quoted(dir / "report.html");
    const int status = std::system(command.c_str());
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    return testing::read_file(dir / "report.html");
}

TEST_CASE("GFM keeps hostile text inside its table cell and remedies in one code block") {
    // scripts/install-deps installs it; a missing parser must not turn this test into a no-op.
    REQUIRE_MESSAGE(have_cmark_gfm(), "cmark-gfm is not installed (apt-get install cmark-gfm)");
    Report report = testing::fixture_report();
    auto check = testing::make_check("nasty", "Title | with\nnewline `and` <b>& *em* ~~s~~ <!-- c", "command",
                                     Severity::critical, Status::fail, "a|b <tag> & ]]> `tick` \\* x\nsecond | line", 7);
    check.remedy = "```sh\nrm -rf ````/tmp````\n```\n";
    report.checks.push_back(check);
    const std::string html = to_html(render_markdown(Redactor({}).redact(report)));

    CHECK(html.find("<td><code>nasty</code></td>\n"
                    "<td>Title | with<br>newline `and` &lt;b&gt;&amp; *em* ~~s~~ &lt;!-- c</td>\n"
                    "<td>critical</td>\n"
                    "<td>\xE2\x9D\x8C fail</td>\n"
                    "<td>a|b &lt;tag&gt; &amp; ]]&gt; `tick` \\* x<br>second | line</td>\n"
                    "</tr>") != std::string::npos);
    CHECK(html.find("<p><strong>Remedy:</strong></p>\n<pre><code>```sh\nrm -rf ````/tmp````\n```\n</code></pre>") !=
          std::string::npos);
    CHECK(html.find("<del>") == std::string::npos);
    CHECK(html.find("<em>em</em>") == std::string::npos);
    CHECK(html.find("<!-- c") == std::string::npos);
}

TEST_CASE("GFM keeps hostile host names and check ids inside their cells of the fleet summary") {
    REQUIRE_MESSAGE(have_cmark_gfm(), "cmark-gfm is not installed (apt-get install cmark-gfm)");
    Report hostile = testing::fixture_report();
    hostile.host = "db|01 <b>& *em* ~~s~~\nnext";
    hostile.checks[1].id = "key|imported_`x`";
    Report ready = testing::fixture_report();
    ready.host = "db-02";
    ready.verdict = "PASS";
    ready.exit_code = 0;
    ready.checks = {ready.checks[0]};
    const FleetSummary summary = summarize_reports({{"a.json", hostile}, {"b.json", ready}});
    const std::string html = to_html(render_summary(SummaryFormat::markdown, summary));

    CHECK(html.find("<h2>Pack f4-backup</h2>") != std::string::npos);
    CHECK(html.find("<th>Host</th>\n<th>Verdict</th>\n<th>Failing checks</th>\n<th>Erroring checks</th>\n"
                    "<th>Started (UTC)</th>") != std::string::npos);
    CHECK(html.find("<td>db|01 &lt;b&gt;&amp; *em* ~~s~~ next</td>\n"
                    "<td>FAIL</td>\n"
                    "<td>key|imported_`x`, directus-grants</td>\n"
                    "<td>db-connect</td>\n"
                    "<td>2024-05-01T12:00:00Z</td>\n"
                    "</tr>") != std::string::npos);
    CHECK(html.find("<td>db-02</td>\n<td>PASS</td>\n<td></td>\n<td></td>\n") != std::string::npos);
    CHECK(html.find("<del>") == std::string::npos);
    CHECK(html.find("<em>") == std::string::npos);
}

}  // namespace
}  // namespace preflight
