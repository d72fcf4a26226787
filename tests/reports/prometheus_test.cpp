// The Prometheus metrics renderer (issue 15): exact text for literal reports, label escaping,
// the leak guard over the escaped form, and the real binary's .prom file (mode, atomic name,
// `promtool check metrics`).
#include <doctest/doctest.h>

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <set>

#include "reports/prometheus.hpp"
#include "reports/renderers.hpp"
#include "reports/report_writer.hpp"
#include "src/text_forms.hpp"
#include "tests/reports/fixture.hpp"
#include "tests/support/cli_fixtures.hpp"
#include "tests/support/file_fixtures.hpp"

namespace preflight {
namespace {

using testing::make_check;

Report small_report() {
    Report report;
    report.pack_name = "demo";
    report.started_utc = "2024-05-01T12:00:00Z";
    report.duration_ms = 1534;
    report.verdict = "FAIL";
    report.exit_code = 1;
    report.summary = {1, 1, 0, 0};
    report.checks = {make_check("etc-present", "title", "file", Severity::critical, Status::pass, "ok", 1),
                     make_check("token-set", "title", "env_var", Severity::warning, Status::fail, "no", 2)};
    return report;
}

std::string rendered(const Report& report) { return render_prometheus(Redactor({}).redact(report)); }

TEST_CASE("the metrics of a small report, line for line") {
    CHECK(rendered(small_report()) ==
          "# HELP preflight_gate_open 1 when every selected gating check passed (preflight exit status 0), else 0.\n"
          "# TYPE preflight_gate_open gauge\n"
          "preflight_gate_open{pack=\"demo\"} 0\n"
          "# HELP preflight_run_incomplete 1 when the run reached no verdict: interrupted, deadline reached, or a "
          "gating check could not be evaluated (exit status 2 or more).\n"
          "# TYPE preflight_run_incomplete gauge\n"
          "preflight_run_incomplete{pack=\"demo\"} 0\n"
          "# HELP preflight_run_timestamp_seconds When the run started, in Unix seconds.\n"
          "# TYPE preflight_run_timestamp_seconds gauge\n"
          "preflight_run_timestamp_seconds{pack=\"demo\"} 1714564800\n"
          "# HELP preflight_run_duration_seconds How long the run took, in seconds.\n"
          "# TYPE preflight_run_duration_seconds gauge\n"
          "preflight_run_duration_seconds{pack=\"demo\"} 1.534\n"
          "# HELP preflight_checks Number of checks of the pack that ended with each status.\n"
          "# TYPE preflight_checks gauge\n"
          "preflight_checks{pack=\"demo\",status=\"pass\"} 1\n"
          "preflight_checks{pack=\"demo\",status=\"fail\"} 1\n"
          "preflight_checks{pack=\"demo\",status=\"error\"} 0\n"
          "preflight_checks{pack=\"demo\",status=\"skip\"} 0\n"
          "# HELP preflight_check_status 1 for the status the check ended with, 0 for the other three (pass, fail, "
          "error, skip).\n"
          "# TYPE preflight_check_status gauge\n"
          "preflight_check_status{pack=\"demo\",check=\"etc-present\",kind=\"file\",severity=\"critical\",status=\"pass\"} 1\n"
          "preflight_check_status{pack=\"demo\",check=\"etc-present\",kind=\"file\",severity=\"critical\",status=\"fail\"} 0\n"
          "preflight_check_status{pack=\"demo\",check=\"etc-present\",kind=\"file\",severity=\"critical\",status=\"error\"} 0\n"
          "preflight_check_status{pack=\"demo\",check=\"etc-present\",kind=\"file\",severity=\"critical\",status=\"skip\"} 0\n"
          "preflight_check_status{pack=\"demo\",check=\"token-set\",kind=\"env_var\",severity=\"warning\",status=\"pass\"} 0\n"
          "preflight_check_status{pack=\"demo\",check=\"token-set\",kind=\"env_var\",severity=\"warning\",status=\"fail\"} 1\n"
          "preflight_check_status{pack=\"demo\",check=\"token-set\",kind=\"env_var\",severity=\"warning\",status=\"error\"} 0\n"
          "preflight_check_status{pack=\"demo\",check=\"token-set\",kind=\"env_var\",severity=\"warning\",status=\"skip\"} 0\n");
}

TEST_CASE("the gate is open only on a complete run with verdict PASS and exit status 0") {
    Report report = small_report();
    report.verdict = "PASS";
    report.exit_code = 0;
    CHECK(rendered(report).find("preflight_gate_open{pack=\"demo\"} 1\n") != std::string::npos);
    CHECK(rendered(report).find("preflight_run_incomplete{pack=\"demo\"} 0\n") != std::string::npos);
    report.incomplete = true;  // an interrupted run is never an open gate
    CHECK(rendered(report).find("preflight_gate_open{pack=\"demo\"} 0\n") != std::string::npos);
    CHECK(rendered(report).find("preflight_run_incomplete{pack=\"demo\"} 1\n") != std::string::npos);
    report.incomplete = false;
    report.verdict = "ERROR";
    report.exit_code = 2;
    CHECK(rendered(report).find("preflight_gate_open{pack=\"demo\"} 0\n") != std::string::npos);
    CHECK(rendered(report).find("preflight_run_incomplete{pack=\"demo\"} 1\n") != std::string::npos);
    report.verdict = "PASS";  // verdict and exit status disagree: not open, not decided
    CHECK(rendered(report).find("preflight_gate_open{pack=\"demo\"} 0\n") != std::string::npos);
    CHECK(rendered(report).find("preflight_run_incomplete{pack=\"demo\"} 1\n") != std::string::npos);
}

TEST_CASE("a label value escapes backslash, double quote and line feed, and nothing else") {
    CHECK(prometheus_label_escaped("a\"b\\c\nd\te $x 100% {k=\"v\"}") == "a\\\"b\\\\c\\nd\te $x 100% {k=\\\"v\\\"}");
    Report report = small_report();
    report.pack_name = "p\"q\\r\ns";
    report.checks[0].id = "id\"\\\n";
    const std::string text = rendered(report);
    CHECK(text.find("preflight_gate_open{pack=\"p\\\"q\\\\r\\ns\"} 0\n") != std::string::npos);
    CHECK(text.find("check=\"id\\\"\\\\\\n\",kind=\"file\"") != std::string::npos);
    // Invalid UTF-8 and control characters never reach a label value raw.
    report.checks[0].id = std::string("bad\xFF\x01");
    CHECK(rendered(report).find("check=\"bad\xEF\xBF\xBD\\\\x01\"") != std::string::npos);
}

TEST_CASE("no metric series exists for a start time that is not a UTC timestamp") {
    Report report = small_report();
    report.started_utc = "yesterday";
    const std::string text = rendered(report);
    CHECK(text.find("# TYPE preflight_run_timestamp_seconds gauge\n# HELP preflight_run_duration_seconds") !=
          std::string::npos);
}

TEST_CASE("prometheus is a format name and .prom its extension") {
    CHECK(format_from_name("prometheus") == ReportFormat::prometheus);
    CHECK_FALSE(format_from_name("prom").has_value());
    CHECK(format_from_path("/var/lib/prometheus/node-exporter/preflight.prom") == ReportFormat::prometheus);
    CHECK(format_from_path("X.PROM") == ReportFormat::prometheus);
    const RedactedReport report = Redactor({}).redact(small_report());
    CHECK(render(ReportFormat::prometheus, report, {}) == render_prometheus(report));
}

// Quotes, backslashes, %, $, spaces, a tab and a line feed: its Prometheus form differs from its
// JSON form (a tab stays a tab), so only the Prometheus form in report_text_forms() finds it.
const Secret kCanary{"Prom\t\"canary\" back\\slash 100% $HOME {x=\"y\"}\nsecond-line canary", "env API_TOKEN"};

TEST_CASE("a secret in a check id, a kind or the pack name never reaches the metrics, and the guard sees its escaped form") {
    Report report = small_report();
    report.pack_name = "pack " + kCanary.value;
    report.checks[0].id = "id " + kCanary.value;
    report.checks[1].kind = "kind " + kCanary.value;
    const Redactor redactor({kCanary}, report_text_forms());
    const std::string text = render_prometheus(redactor.redact(report));
    CHECK(redactor.find_leak(text) == std::nullopt);
    for (const std::string& form : {kCanary.value, prometheus_label_escaped(kCanary.value), json_escaped(kCanary.value)})
        CHECK(text.find(form) == std::string::npos);
    CHECK(text.find("canary") == std::string::npos);
    // The same report through a redactor that did not know the secret: the guard finds it.
    CHECK(redactor.find_leak(render_prometheus(Redactor({}).redact(report))) == kCanary.name);
    // A one-line canary whose Prometheus form is none of the redactor's own forms: only the
    // form report_text_forms() adds finds it.
    const Secret tab{"Prom\t\"tab canary\" back\\slash 100% $HOME", "env API_TOKEN"};
    const std::string escaped = "x=\"" + prometheus_label_escaped(tab.value) + "\"";
    CHECK(Redactor({tab}).find_leak(escaped) == std::nullopt);
    CHECK(Redactor({tab}, report_text_forms()).find_leak(escaped) == tab.name);
}

// ---- the real binary ----

// Passing, failing, erroring (unresolved reference) and skipped (needs a failure) checks; the
// canary is in the env file, in a failing env_var check's value and in a command's output.
const std::string kPack =
    "preflight: 1\n"
    "pack: prom-probe\n"
    "env_files: [.env]\n"
    "checks:\n"
    "  - id: etc-present\n    kind: file\n    path: /etc\n    type: directory\n"
    "  - id: token-shape\n    kind: env_var\n    name: API_TOKEN\n    matches: \"^nope$\"\n    severity: warning\n"
    "  - id: token-echo\n    kind: command\n    run: [sh, -c, 'echo \"$API_TOKEN\"; exit 3']\n"
    "  - id: unresolved\n    kind: file\n    path: \"${env.PREFLIGHT_PROM_TEST_UNSET}\"\n    severity: info\n"
    "  - id: after-echo\n    kind: file\n    path: /etc\n    needs: [token-echo]\n";
const std::string kEnvFile =
    "API_TOKEN=\"Prom\\t\\\"canary\\\" back\\\\slash 100% \\$HOME {x=\\\"y\\\"}\\nsecond-line canary\"\n";

std::string promtool_check(const std::string& path, int& status) {
    const std::string output = path + ".promtool";
    const int raw = std::system(("promtool check metrics <" + testing::shell_quoted(path) + " >" +
                                 testing::shell_quoted(output) + " 2>&1").c_str());
    status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    std::string text = testing::read_file(output);
    std::remove(output.c_str());
    return text;
}

TEST_CASE("preflight run -o x.prom writes metrics that promtool accepts, mode 0644, with no secret in any form") {
    testing::TempDir dir;
    dir.write("p.yaml", kPack);
    dir.write(".env", kEnvFile, 0600);
    const testing::Ran ran = testing::run_preflight_in(dir.path(), {"run", "p.yaml", "-f", "prometheus", "-o", "x.prom"});
    CHECK(ran.status == 1);
    CHECK(ran.err == "");
    const std::string prom = testing::read_file(dir.file("x.prom"));
    CHECK(ran.out == prom);
    struct stat info {};
    REQUIRE(::stat(dir.file("x.prom").c_str(), &info) == 0);
    CHECK((info.st_mode & 07777) == 0644);
    // One series per status for every check; 1 for the status it ended with.
    const std::vector<std::vector<std::string>> expected = {
        {"etc-present", "file", "critical", "pass"}, {"token-shape", "env_var", "warning", "fail"},
        {"token-echo", "command", "critical", "fail"}, {"unresolved", "file", "info", "error"},
        {"after-echo", "file", "critical", "skip"}};
    for (const auto& row : expected) {
        CAPTURE(row[0]);
        for (const char* status : {"pass", "fail", "error", "skip"})
            CHECK(prom.find("preflight_check_status{pack=\"prom-probe\",check=\"" + row[0] + "\",kind=\"" + row[1] +
                            "\",severity=\"" + row[2] + "\",status=\"" + status + "\"} " +
                            (row[3] == status ? "1" : "0") + "\n") != std::string::npos);
    }
    CHECK(prom.find("preflight_gate_open{pack=\"prom-probe\"} 0\n") != std::string::npos);
    CHECK(prom.find("preflight_checks{pack=\"prom-probe\",status=\"fail\"} 2\n") != std::string::npos);
    CHECK(prom.find("preflight_checks{pack=\"prom-probe\",status=\"skip\"} 1\n") != std::string::npos);
    CHECK(prom.find("canary") == std::string::npos);
    const std::string canary = kCanary.value;
    for (const std::string& form : {canary, prometheus_label_escaped(canary), json_escaped(canary), xml_escaped(canary),
                                    url_encoded(canary), base64(canary), std::string("second-line canary")})
        CHECK(prom.find(form) == std::string::npos);
    int status = -1;
    const std::string lint = promtool_check(dir.file("x.prom"), status);
    CHECK_MESSAGE(status == 0, lint);
    CHECK(lint == "");
}

TEST_CASE("a report other than .prom stays 0600 beside a 0644 .prom of the same run") {
    testing::TempDir dir;
    dir.write("p.yaml", "preflight: 1\npack: p\nchecks:\n  - id: a\n    kind: file\n    path: /etc\n");
    const testing::Ran ran = testing::run_preflight_in(dir.path(), {"run", "p.yaml", "-o", "r.json", "-o", "m.prom"},
                                                       "0000");
    CHECK(ran.status == 0);
    struct stat info {};
    REQUIRE(::stat(dir.file("r.json").c_str(), &info) == 0);
    CHECK((info.st_mode & 07777) == 0600);
    REQUIRE(::stat(dir.file("m.prom").c_str(), &info) == 0);
    CHECK((info.st_mode & 07777) == 0644);
    CHECK(testing::read_file(dir.file("m.prom")).find("preflight_gate_open{pack=\"p\"} 1\n") != std::string::npos);
}

// node_exporter's textfile collector reads every *.prom of its directory: the file is created
// under another name in the same directory and renamed, so it never sees half a file.
TEST_CASE("the metrics file is written under a name that does not end in .prom, then renamed in the same directory") {
    testing::TempDir dir;
    const int watch = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    REQUIRE(watch >= 0);
    REQUIRE(::inotify_add_watch(watch, dir.path().c_str(), IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO) >= 0);
    std::string error;
    REQUIRE(write_report_atomically(dir.file("node.prom"), "m 1\n", error, kMetricsFileMode));
    std::vector<std::pair<uint32_t, std::string>> events;
    alignas(inotify_event) char buffer[4096];
    for (ssize_t n; (n = ::read(watch, buffer, sizeof buffer)) > 0;)
        for (char* p = buffer; p < buffer + n;) {
            const auto* event = reinterpret_cast<const inotify_event*>(p);
            events.emplace_back(event->mask & (IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO), event->len ? event->name : "");
            p += sizeof(inotify_event) + event->len;
        }
    ::close(watch);
    REQUIRE(events.size() == 3);
    CHECK(events[0].first == IN_CREATE);
    const std::string temporary = events[0].second;
    CHECK(temporary.rfind(".node.prom.tmp-", 0) == 0);
    CHECK(temporary.substr(temporary.size() - 5) != ".prom");
    CHECK(events[1] == std::pair<uint32_t, std::string>{IN_MOVED_FROM, temporary});  // within the watched directory
    CHECK(events[2] == std::pair<uint32_t, std::string>{IN_MOVED_TO, "node.prom"});
    CHECK(testing::read_file(dir.file("node.prom")) == "m 1\n");
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()) == 1);
}

}  // namespace
}  // namespace preflight
