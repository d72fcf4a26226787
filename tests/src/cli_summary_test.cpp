// `preflight summary` end to end: real reports written by `preflight run -o X.json` of small
// host-local packs (ready, failing, erroring), given as files and as a directory; every bad input
// with its exit status and its message word for word, and nothing summarized then.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/support/cli_fixtures.hpp"
#include "tests/support/file_fixtures.hpp"

using preflight::testing::Ran;
using preflight::testing::run_preflight;
using preflight::testing::run_preflight_in;
using preflight::testing::TempDir;

namespace {

// Ready with marker=present, failing with marker=absent.
const char* kSitePack =
    "preflight: 1\n"
    "pack: site\n"
    "vars:\n"
    "  marker: present\n"
    "checks:\n"
    "  - id: etc-is-dir\n"
    "    kind: file\n"
    "    path: /etc\n"
    "    type: directory\n"
    "  - id: marker-present\n"
    "    kind: file\n"
    "    path: \"${var.marker}\"\n"
    "    type: file\n"
    "  - id: config-current\n"
    "    kind: file\n"
    "    path: \"${var.marker}\"\n"
    "    contains: [\"^version: 2$\"]\n";

// An unresolved ${env...} reference: the check is an error, the gate unknown.
const char* kDbPack =
    "preflight: 1\n"
    "pack: db\n"
    "checks:\n"
    "  - id: etc-is-dir\n"
    "    kind: file\n"
    "    path: /etc\n"
    "  - id: socket-present\n"
    "    kind: file\n"
    "    path: \"${env.PREFLIGHT_SUMMARY_TEST_UNSET}\"\n";

// Runs the packs into reports/{a-ready,b-failing,c-erroring}.json of `dir`.
void write_reports(const TempDir& dir) {
    dir.write("site.yaml", kSitePack);
    dir.write("db.yaml", kDbPack);
    dir.write("present", "version: 2\n");
    dir.mkdir("reports");
    REQUIRE(run_preflight("run site.yaml -q -o reports/a-ready.json", dir.path()).status == 0);
    REQUIRE(run_preflight("run site.yaml -q --var marker=absent -o reports/b-failing.json", dir.path()).status == 1);
    REQUIRE(run_preflight("run db.yaml -q -o reports/c-erroring.json", dir.path()).status == 2);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
}

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(slurp(path)); }

// The fields of a report a summary row shows.
struct Written {
    std::string host, started;
};
Written written(const TempDir& dir, const std::string& name) {
    const auto report = read_json(dir.file("reports/" + name));
    return {report["host"], report["started_utc"]};
}

const std::string kNothing = "preflight summary: nothing was summarized";

}  // namespace

TEST_CASE("summary of real reports: one row per report, grouped per pack, exit 2 when one is unknown") {
    TempDir dir;
    write_reports(dir);
    const Written ready = written(dir, "a-ready.json"), failing = written(dir, "b-failing.json"),
                  erroring = written(dir, "c-erroring.json");
    const std::string host = ready.host;
    const std::string pad(host.size() > 4 ? 0 : 4 - host.size(), ' ');
    const std::string host_header = "HOST" + std::string(host.size() > 4 ? host.size() - 4 : 0, ' ');

    Ran ran = run_preflight("summary reports", dir.path());
    CHECK(ran.status == 2);
    CHECK(ran.err == "");
    CHECK(ran.out == "db: 1 report: 0 ready, 0 not ready, 1 unknown\n"
                     "  " + host_header + "  VERDICT  FAILING  ERRORING        STARTED_UTC\n"
                     "  " + host + pad + "  ERROR    -        socket-present  " + erroring.started + "\n"
                     "\n"
                     "site: 2 reports: 1 ready, 1 not ready, 0 unknown\n"
                     "  " + host_header + "  VERDICT  FAILING                         ERRORING  STARTED_UTC\n"
                     "  " + host + pad + "  PASS     -                               -         " + ready.started + "\n"
                     "  " + host + pad + "  FAIL     marker-present, config-current  -         " + failing.started + "\n"
                     "\n"
                     "3 reports, 2 packs: 1 ready, 1 not ready, 1 unknown (exit 2)\n");

    // The same three named one by one, in another order: rows follow the order given.
    ran = run_preflight("summary -f json reports/c-erroring.json reports/b-failing.json reports/a-ready.json", dir.path());
    CHECK(ran.status == 2);
    CHECK(ran.err == "");
    const auto document = nlohmann::json::parse(ran.out);
    CHECK(document["schema"] == "preflight.summary/v1");
    CHECK(document["exit_code"] == 2);
    CHECK(document["counts"] == nlohmann::json{{"reports", 3}, {"ready", 1}, {"not_ready", 1}, {"unknown", 1}});
    REQUIRE(document["packs"].size() == 2);
    CHECK(document["packs"][0]["pack"] == "db");
    CHECK(document["packs"][0]["reports"][0]["erroring"] == nlohmann::json{"socket-present"});
    const auto& site = document["packs"][1]["reports"];
    CHECK(site[0]["file"] == "reports/b-failing.json");
    CHECK(site[0]["readiness"] == "not_ready");
    CHECK(site[0]["failing"] == nlohmann::json{"marker-present", "config-current"});
    CHECK(site[1]["file"] == "reports/a-ready.json");
    CHECK(site[1]["readiness"] == "ready");
    CHECK(site[1]["host"] == host);
    CHECK(site[1]["started_utc"] == ready.started);
}

TEST_CASE("summary exit status of real reports: 0 all ready, 1 one not ready, 2 wins over 1") {
    TempDir dir;
    write_reports(dir);
    CHECK(run_preflight("summary reports/a-ready.json reports/a-ready.json", dir.path()).status == 0);
    CHECK(run_preflight("summary reports/a-ready.json reports/b-failing.json", dir.path()).status == 1);
    CHECK(run_preflight("summary reports/b-failing.json reports/c-erroring.json", dir.path()).status == 2);
    CHECK(run_preflight("summary reports/c-erroring.json", dir.path()).status == 2);
}

TEST_CASE("summary of a directory: its *.json files sorted by name, other entries and subdirectories left out") {
    TempDir dir;
    write_reports(dir);
    dir.write("reports/notes.txt", "not a report");
    dir.write("reports/.hidden.json", "not a report either");
    dir.write("reports/README", "");
    dir.mkdir("reports/older");
    dir.write("reports/older/z.json", "{}");
    Ran ran = run_preflight("summary -f json reports", dir.path());
    CHECK(ran.status == 2);
    CHECK(ran.err == "");
    const auto document = nlohmann::json::parse(ran.out);
    CHECK(document["counts"]["reports"] == 3);
    CHECK(document["packs"][1]["reports"][0]["file"] == "reports/a-ready.json");
    CHECK(document["packs"][1]["reports"][1]["file"] == "reports/b-failing.json");

    // A directory and a file together.
    dir.mkdir("more");
    std::filesystem::copy_file(dir.file("reports/a-ready.json"), dir.file("more/x.json"));
    ran = run_preflight("summary -f json more reports/b-failing.json", dir.path());
    CHECK(ran.status == 1);
    CHECK(nlohmann::json::parse(ran.out)["counts"]["reports"] == 2);
}

TEST_CASE("summary -o writes the summary atomically, format from the extension, beside stdout") {
    TempDir dir;
    write_reports(dir);
    dir.mkdir("out");
    Ran ran = run_preflight("summary -o out/fleet.md -o out/fleet.json reports/a-ready.json", dir.path());
    CHECK(ran.status == 0);
    CHECK(ran.err == "");
    CHECK(ran.out.find("1 report, 1 pack: 1 ready, 0 not ready, 0 unknown (exit 0)\n") != std::string::npos);
    CHECK(slurp(dir.file("out/fleet.md")).rfind("# preflight fleet summary\n", 0) == 0);
    CHECK(read_json(dir.file("out/fleet.json"))["schema"] == "preflight.summary/v1");
    struct stat facts {};
    REQUIRE(::stat(dir.file("out/fleet.json").c_str(), &facts) == 0);
    CHECK((facts.st_mode & 07777) == 0600);
    CHECK(run_preflight("summary -f markdown reports/a-ready.json", dir.path()).out == slurp(dir.file("out/fleet.md")));
}

TEST_CASE("summary: a report that cannot be read is 66, word for word, and nothing is summarized") {
    TempDir dir;
    write_reports(dir);
    dir.mkdir("out");
    Ran ran = run_preflight("summary -o out/fleet.json reports/a-ready.json missing.json", dir.path());
    CHECK(ran.status == 66);
    CHECK(ran.out == "");
    CHECK(ran.err == "preflight summary: cannot read report \"missing.json\": No such file or directory\n" + kNothing +
                         " (1 of 2 reports could not be used)\n");
    CHECK_FALSE(std::filesystem::exists(dir.file("out/fleet.json")));

    dir.mkdir("empty");
    dir.mkdir("other");
    dir.write("other/notes.txt", "");
    ran = run_preflight("summary reports empty other", dir.path());
    CHECK(ran.status == 66);
    CHECK(ran.out == "");
    CHECK(ran.err == "preflight summary: no reports in \"empty\": it holds no *.json file\n"
                     "preflight summary: no reports in \"other\": it holds no *.json file\n" + kNothing + "\n");

    // A FIFO is refused at once, never waited on; a dangling symlink is a missing report.
    dir.mkdir("odd");
    std::filesystem::copy_file(dir.file("reports/a-ready.json"), dir.file("odd/a.json"));
    REQUIRE(::mkfifo(dir.file("odd/b.json").c_str(), 0644) == 0);
    dir.symlink("odd/c.json", dir.file("gone.json"));
    ran = run_preflight("summary odd", dir.path());
    CHECK(ran.status == 66);
    CHECK(ran.out == "");
    CHECK(ran.err == "preflight summary: cannot read report \"odd/b.json\": not a regular file\n"
                     "preflight summary: cannot read report \"odd/c.json\": No such file or directory\n" +
                         kNothing + " (2 of 3 reports could not be used)\n");
    // `diff` reads reports through the same reader.
    ran = run_preflight("diff odd/b.json odd/a.json", dir.path());
    CHECK(ran.status == 66);
    CHECK(ran.err == "preflight diff: cannot read report \"odd/b.json\": not a regular file\n");
}

TEST_CASE("summary: a file that is not a preflight report is 65, saying which, and never counted") {
    TempDir dir;
    write_reports(dir);
    auto report = read_json(dir.file("reports/a-ready.json"));
    dir.write("notes.json", "hello\n");
    dir.write("truncated.json", slurp(dir.file("reports/a-ready.json")).substr(0, 40));
    dir.write("other.json", "{\"hello\": 1}");
    auto v2 = report;
    v2["schema"] = "preflight.report/v2";
    dir.write("v2.json", v2.dump());
    auto no_verdict = report;
    no_verdict.erase("verdict");
    dir.write("no-verdict.json", no_verdict.dump());
    auto odd_verdict = report;
    odd_verdict["verdict"] = "MAYBE";
    dir.write("odd-verdict.json", odd_verdict.dump());
    auto summary = nlohmann::json::parse(run_preflight("summary -f json reports/a-ready.json", dir.path()).out);
    dir.write("summary.json", summary.dump());

    const std::vector<std::pair<std::string, std::string>> cases = {
        {"notes.json", "notes.json: not valid JSON: parse error at line 1, column 1: syntax error while parsing value - "
                       "invalid literal; last read: 'h'"},
        {"other.json", "other.json: not a preflight report: missing \"schema\""},
        {"v2.json", "v2.json: unsupported report schema \"preflight.report/v2\" (this preflight reads preflight.report/v1)"},
        {"no-verdict.json", "no-verdict.json: not a preflight report: missing \"verdict\""},
        {"odd-verdict.json", "odd-verdict.json: not a preflight report: verdict: expected one of PASS, FAIL, ERROR"},
        {"summary.json",
         "summary.json: unsupported report schema \"preflight.summary/v1\" (this preflight reads preflight.report/v1)"},
    };
    for (const auto& bad : cases) {
        const std::string& name = bad.first;
        const std::string& message = bad.second;
        CAPTURE(name);
        const Ran ran = run_preflight_in(dir.path(), {"summary", "reports/a-ready.json", name});
        CHECK(ran.status == 65);
        CHECK(ran.out == "");
        CHECK(ran.err == "preflight summary: " + message + "\n" + kNothing + " (1 of 2 reports could not be used)\n");
    }
    Ran ran = run_preflight("summary truncated.json", dir.path());
    CHECK(ran.status == 65);
    CHECK(ran.err.rfind("preflight summary: truncated.json: not valid JSON: parse error at line ", 0) == 0);

    // 66 wins over 65: the unreadable report is the more basic problem.
    ran = run_preflight("summary notes.json missing.json", dir.path());
    CHECK(ran.status == 66);
    CHECK(ran.err == "preflight summary: notes.json: not valid JSON: parse error at line 1, column 1: syntax error "
                     "while parsing value - invalid literal; last read: 'h'\n"
                     "preflight summary: cannot read report \"missing.json\": No such file or directory\n" +
                         kNothing + " (2 of 2 reports could not be used)\n");
}

TEST_CASE("summary: a bad command line is 64") {
    TempDir dir;
    const std::string hint = "\nRun 'preflight --help' for usage.\n";
    Ran ran = run_preflight("summary", dir.path());
    CHECK(ran.status == 64);
    CHECK(ran.err == "preflight: 'summary' needs JSON reports or directories of them: REPORT.json|DIR..." + hint);
    ran = run_preflight("summary -f junit x.json", dir.path());
    CHECK(ran.status == 64);
    CHECK(ran.err == "preflight: 'summary' formats are text, markdown and json, not 'junit'" + hint);
    ran = run_preflight("summary -o fleet.xml x.json", dir.path());
    CHECK(ran.status == 64);
    CHECK(ran.err == "preflight: cannot tell the summary format of 'fleet.xml' (use .txt, .md or .json)" + hint);
    ran = run_preflight("summary -o nowhere/fleet.md x.json", dir.path());
    CHECK(ran.status == 64);
    CHECK(ran.err == "preflight: cannot write report \"nowhere/fleet.md\": directory \"nowhere\" does not exist; "
                     "nothing was summarized\n");
    ran = run_preflight("summary --bogus x.json", dir.path());
    CHECK(ran.status == 64);
    CHECK(ran.err == "preflight: unrecognised option '--bogus'" + hint);
    ran = run_preflight("summary --help", dir.path());
    CHECK(ran.status == 0);
    CHECK(ran.out.rfind("usage: preflight summary [-f text|markdown|json] [-o PATH]... REPORT.json|DIR...\n", 0) == 0);
}
