// The real binary, end to end: exit codes, located errors, redaction in every output.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/text_forms.hpp"
#include "tests/support/cli_fixtures.hpp"
#include "tests/support/file_fixtures.hpp"

namespace fs = std::filesystem;
using preflight::testing::Ran;
using preflight::testing::run_preflight;

namespace {

void write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("validate reports an unknown key, a duplicate id, an alias, an unknown kind and an unterminated quote") {
    preflight::testing::TempDir dir;
    write(dir.path() + "/bad.yaml",
          "preflight: 1\n"
          "pack: bad\n"
          "checks:\n"
          "  - id: one\n"
          "    kind: file\n"
          "    path: &p /etc\n"
          "    mode_mx: \"0755\"\n"
          "  - id: one\n"
          "    kind: fille\n"
          "  - id: three\n"
          "    kind: file\n"
          "    path: *p\n"
          "  - id: four\n"
          "    kind: file\n"
          "    path: \"/etc\n");
    Ran ran = run_preflight("validate bad.yaml", dir.path());
    CHECK(ran.status == 65);
    CHECK(ran.out == "");
    CHECK(ran.err ==
          "bad.yaml:6:11: anchors (&name) are not allowed in rule packs; write the value out\n"
          "bad.yaml:7:5: unknown key 'mode_mx' for kind file (did you mean 'mode_max'?)\n"
          "bad.yaml:8:5: duplicate check id 'one' (first defined at bad.yaml:4:5)\n"
          "bad.yaml:9:11: unknown kind 'fille' (did you mean 'file'?)\n"
          "bad.yaml:12:11: aliases (*name) are not allowed in rule packs; write the value out\n"
          "bad.yaml:15:11: unterminated double-quoted string: add the closing \"\n"
          "preflight: the rule pack is invalid (6 errors); nothing was run\n");
}

TEST_CASE("bad command lines exit 64 with a clear message") {
    preflight::testing::TempDir dir;
    Ran ran = run_preflight("frobnicate", dir.path());
    CHECK(ran.status == 64);
    CHECK(ran.err == "preflight: unknown command 'frobnicate'\nRun 'preflight --help' for usage.\n");
    ran = run_preflight("run", dir.path(), "PREFLIGHT_RULES_DIR=" + dir.path() + "/rules.d");
    CHECK(ran.status == 65);
    CHECK(ran.err == "preflight: no RULES given, and the default rule directory " + dir.path() +
                         "/rules.d does not exist; nothing was run\n");
    ran = run_preflight("run x.yaml --jobs 0", dir.path());
    CHECK(ran.status == 64);
    CHECK(ran.err == "preflight: --jobs must be at least 1\nRun 'preflight --help' for usage.\n");
    ran = run_preflight("run x.yaml --bogus", dir.path());
    CHECK(ran.status == 64);
    CHECK(ran.err == "preflight: unrecognised option '--bogus'\nRun 'preflight --help' for usage.\n");
    ran = run_preflight("run x.yaml -o report.pdf", dir.path());
    CHECK(ran.status == 64);
    CHECK(ran.err ==
          "preflight: cannot tell the report format of 'report.pdf' (use .json, .md, .xml, .txt or .prom)\n"
          "Run 'preflight --help' for usage.\n");
    ran = run_preflight("run x.yaml -f yaml", dir.path());
    CHECK(ran.status == 64);
    CHECK(ran.err == "preflight: unknown format 'yaml' (text, json, markdown, junit, prometheus)\nRun 'preflight --help' for usage.\n");
}

TEST_CASE("a report path in a missing directory is refused before any check runs") {
    preflight::testing::TempDir dir;
    write(dir.path() + "/p.yaml", "preflight: 1\npack: p\nchecks:\n  - id: a\n    kind: command\n    run: [touch, ran]\n");
    Ran ran = run_preflight("run p.yaml -o missing/r.json", dir.path());
    CHECK(ran.status == 64);
    CHECK(ran.err == "preflight: cannot write report \"missing/r.json\": directory \"missing\" does not exist; nothing was run\n");
    CHECK_FALSE(fs::exists(dir.path() + "/ran"));
}

TEST_CASE("a run that selects zero checks is an invalid pack (65), never a pass") {
    preflight::testing::TempDir dir;
    write(dir.path() + "/p.yaml", "preflight: 1\npack: p\nchecks:\n  - id: a\n    kind: file\n    path: /etc\n");
    Ran ran = run_preflight("run p.yaml --only a --skip a", dir.path());
    CHECK(ran.status == 65);
    CHECK(ran.err == "preflight: no check is selected by --only/--skip/--tag; nothing was run\n");
}

TEST_CASE("a pack of host-local kinds gives the right verdict, and secrets appear only redacted") {
    preflight::testing::TempDir dir;
    const std::string long_secret = "s3cr3t \"quoted\" back\\slash 100% $HOME \xC3\xA9t\xC3\xA9 0123456789ABCDEF";
    const std::string short_secret = "p\"w %$ \\x y";
    write(dir.path() + "/.env",
          "BACKUP_GPG_FPR=0123456789ABCDEF0123456789ABCDEF9F3A12BC\n"
          "DB_PASSWORD='" + short_secret + "'\n"
          "API_TOKEN=\"" + std::string("s3cr3t \\\"quoted\\\" back\\\\slash 100% \\$HOME \xC3\xA9t\xC3\xA9 0123456789ABCDEF") + "\"\n");
    write(dir.path() + "/config.json", "{\"port\": 5432, \"mode\": \"production\"}");
    write(dir.path() + "/p.yaml",
          "preflight: 1\n"
          "pack: local\n"
          "env_files: [.env]\n"
          "secrets: [BACKUP_GPG_FPR]\n"
          "checks:\n"
          "  - id: fpr\n    kind: env_var\n    name: BACKUP_GPG_FPR\n    file: .env\n    matches: \"^[0-9A-F]{40}$\"\n"
          "  - id: password\n    kind: env_var\n    name: DB_PASSWORD\n    matches: \"^nope$\"\n"
          "  - id: config\n    kind: config_drift\n    path: config.json\n    expect: {\"/port\": \"5432\"}\n"
          "  - id: shell\n    kind: executable\n    name: sh\n"
          "  - id: echo\n    kind: command\n    run: [sh, -c, 'echo \"$API_TOKEN\"; echo \"$DB_PASSWORD\" >&2; exit 3']\n"
          "  - id: envfile\n    kind: file\n    path: .env\n    not_contains: [\"PASSWORD\"]\n");
    for (const char* format : {"text", "json", "markdown", "junit", "prometheus"}) {
        CAPTURE(format);
        Ran ran = run_preflight(std::string("run p.yaml -f ") + format + " -o r.json -o r.md -o r.xml -o r.prom", dir.path());
        CHECK(ran.status == 1);
        for (const std::string& out : {ran.out, ran.err}) {
            CHECK(out.find(long_secret) == std::string::npos);
            CHECK(out.find(short_secret) == std::string::npos);
            CHECK(out.find("0123456789ABCDEF0123456789ABCDEF9F3A12BC") == std::string::npos);
            CHECK(out.find("s3cr3t") == std::string::npos);
        }
        if (std::string(format) == "json") CHECK(ran.out.find("\u20269F3A12BC") != std::string::npos);
        // No escaped or encoded form either.
        for (const std::string& secret : {long_secret, short_secret}) {
            for (const std::string& form : {preflight::json_escaped(secret), preflight::xml_escaped(secret),
                                            preflight::url_encoded(secret), preflight::base64(secret)})
                CHECK(ran.out.find(form) == std::string::npos);
        }
    }
    for (const char* report : {"r.json", "r.md", "r.xml", "r.prom"}) {
        std::ifstream in(dir.path() + "/" + report);
        std::stringstream s;
        s << in.rdbuf();
        CHECK(s.str().find("s3cr3t") == std::string::npos);
        CHECK(s.str().find("0123456789ABCDEF0123456789ABCDEF9F3A12BC") == std::string::npos);
    }
}
