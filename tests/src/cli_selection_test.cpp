// Issue 12 §1, end to end: no name on the command line that the pack does not have, no check
// left out that decides the gate, validate and run agreeing, every subcommand's --help.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "tests/support/cli_fixtures.hpp"
#include "tests/support/file_fixtures.hpp"

using preflight::testing::Ran;
using preflight::testing::run_preflight;
using preflight::testing::TempDir;

namespace {

// Two chains that fail and one check that passes, like rules/f4-backup.yaml and its config-drift.
const char* kChains =
    "preflight: 1\n"
    "pack: chains\n"
    "vars:\n"
    "  marker: ran\n"
    "checks:\n"
    "  - id: gpg-installed\n"
    "    kind: command\n"
    "    run: [\"false\"]\n"
    "  - id: key-present\n"
    "    kind: command\n"
    "    needs: [gpg-installed]\n"
    "    run: [\"false\"]\n"
    "  - id: key-usable\n"
    "    kind: command\n"
    "    needs: [key-present]\n"
    "    run: [\"false\"]\n"
    "  - id: config-drift\n"
    "    kind: command\n"
    "    title: the config is current\n"
    "    tags: [drift]\n"
    "    run: [touch, \"${var.marker}\"]\n";

size_t count(const std::string& text, const std::string& part) {
    size_t n = 0;
    for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("a check not selected never decides the exit status, the text report lists them in one line") {
    TempDir dir;
    dir.write("p.yaml", kChains);
    for (const std::string selection : {"--only config-drift", "--tag drift", "--skip 'key-*' --skip gpg-installed"}) {
        CAPTURE(selection);
        Ran ran = run_preflight("run p.yaml " + selection, dir.path());
        CHECK(ran.status == 0);
        CHECK(ran.err == "");
        CHECK(ran.out.find("SKIP   3 checks not selected: gpg-installed, key-present, key-usable\n") != std::string::npos);
        CHECK(ran.out.find("\n4 checks: 1 pass, 0 fail, 0 error, 3 skip (3 not selected) in ") != std::string::npos);
        CHECK(ran.out.find("did not pass") == std::string::npos);
        CHECK(count(ran.out, "key-usable") == 1);
        CHECK(ran.out.find("Verdict: PASS") != std::string::npos);
    }
    // Selected, the same chains close the gate.
    CHECK(run_preflight("run p.yaml --only key-usable", dir.path()).status == 1);
}

TEST_CASE("--skip wins over a need of a selected check: that check is skipped, the run says so, the gate stays closed") {
    TempDir dir;
    dir.write("p.yaml", kChains);
    Ran ran = run_preflight("run p.yaml --only key-present --skip gpg-installed", dir.path());
    CHECK(ran.status == 2);
    CHECK(ran.err == "preflight: note: check 'key-present' needs 'gpg-installed', which is not selected by --skip: "
                     "'key-present' will be skipped and cannot pass\n");
    CHECK(ran.out.find("SKIP   key-present  needs gpg-installed, which was not selected by --skip\n") != std::string::npos);
    CHECK(ran.out.find("SKIP   3 checks not selected: gpg-installed, key-usable, config-drift\n") != std::string::npos);
    CHECK(ran.out.find("Verdict: ERROR") != std::string::npos);
}

TEST_CASE("--var, --only, --skip and --tag naming what the pack does not have exit 64 with a did-you-mean") {
    TempDir dir;
    dir.write("p.yaml", kChains);
    Ran ran = run_preflight("run p.yaml --var markr=x --var 'secret_tokn=s3cr3t \"v\" $x'", dir.path());
    CHECK(ran.status == 64);
    CHECK(ran.err == "preflight: --var 'markr': no rule file declares it under 'vars:' (did you mean 'marker'?)\n"
                     "preflight: --var 'secret_tokn': no rule file declares it under 'vars:'\n"
                     "preflight: nothing was run\n");
    CHECK(ran.out == "");
    ran = run_preflight("run p.yaml --only config-drift --only key-usabel --skip gpg-instaled --tag drfit", dir.path());
    CHECK(ran.status == 64);
    CHECK(ran.err == "preflight: --only 'key-usabel' matches no check (did you mean 'key-usable'?)\n"
                     "preflight: --skip 'gpg-instaled' matches no check (did you mean 'gpg-installed'?)\n"
                     "preflight: --tag 'drfit' is not a tag of any check (did you mean 'drift'?)\n"
                     "preflight: nothing was run\n");
    CHECK_FALSE(std::filesystem::exists(dir.file("ran")));
    // Declared names run.
    CHECK(run_preflight("run p.yaml --only 'config-*' --var marker=done", dir.path()).status == 0);
    CHECK(std::filesystem::exists(dir.file("done")));
}

TEST_CASE("-q prints each failing check once, and a check without a title shows its id once") {
    TempDir dir;
    dir.write("p.yaml",
              "preflight: 1\npack: p\nchecks:\n"
              "  - id: lonely\n    kind: command\n    run: [\"false\"]\n"
              "  - id: titled\n    kind: command\n    title: a titled check\n    run: [\"false\"]\n"
              "  - id: fine\n    kind: command\n    run: [\"true\"]\n");
    Ran ran = run_preflight("run p.yaml -q", dir.path());
    CHECK(ran.status == 1);
    CHECK(count(ran.out, "lonely") == 1);
    CHECK(count(ran.out, "titled") == 2);  // the id and the title, once each
    CHECK(count(ran.out, "a titled check") == 1);
    CHECK(ran.out.find("fine") == std::string::npos);
    ran = run_preflight("run p.yaml", dir.path());
    CHECK(count(ran.out, "lonely") == 2);  // its line and its details
    CHECK(ran.out.find("FAIL lonely (critical)\n") != std::string::npos);
    CHECK(ran.out.find("FAIL titled \xE2\x80\x94 a titled check (critical)\n") != std::string::npos);
}

TEST_CASE("validate, list and run load the same files as one pack and report the same errors") {
    TempDir dir;
    dir.mkdir("rules");
    const std::string pack_a =
        "preflight: 1\npack: a\nconnections:\n  db: {postgres: \"dbname=x\"}\nchecks:\n"
        "  - id: same\n    kind: file\n    path: /etc\n";
    dir.write("rules/a.yaml", pack_a);
    dir.write("rules/b.yaml", pack_a);
    const std::string expected =
        "rules/b.yaml:4:3: connection 'db' is defined twice\n"
        "rules/b.yaml:6:5: duplicate check id 'same' (first defined at rules/a.yaml:6:5)\n"
        "preflight: the rule pack is invalid (2 errors); nothing was run\n";
    for (const std::string command : {"validate rules", "list rules", "run rules", "validate rules/a.yaml rules/b.yaml"}) {
        CAPTURE(command);
        Ran ran = run_preflight(command, dir.path());
        CHECK(ran.status == 65);
        CHECK(ran.err == expected);
        CHECK(ran.out == "");
    }
    Ran ran = run_preflight("validate rules/a.yaml", dir.path());
    CHECK(ran.status == 0);
    CHECK(ran.out == "ok: rules/a.yaml: pack a, 1 check\n");
    dir.write("rules/b.yaml", "preflight: 1\npack: b\nchecks:\n  - id: other\n    kind: file\n    path: /etc\n");
    ran = run_preflight("validate rules", dir.path());
    CHECK(ran.status == 0);
    CHECK(ran.out == "ok: rules/a.yaml, rules/b.yaml: pack a+b, 2 checks\n");
    ran = run_preflight("list rules", dir.path());
    CHECK(ran.status == 0);
    CHECK(ran.out == "same   file  critical  \nother  file  critical  \n");
}

TEST_CASE("a string where run wants a list is a load error (65) that shows the list form, for validate and run") {
    TempDir dir;
    dir.write("p.yaml", "preflight: 1\npack: p\nchecks:\n  - id: a\n    kind: command\n    run: \"uname -a\"\n");
    for (const char* command : {"validate p.yaml", "run p.yaml"}) {
        CAPTURE(command);
        Ran ran = run_preflight(command, dir.path());
        CHECK(ran.status == 65);
        CHECK(ran.err == "p.yaml:6:10: 'run' must be a list of strings, got 'uname -a': write run: [\"uname\", \"-a\"] "
                         "(or run: [\"uname -a\"] for one item)\n"
                         "preflight: the rule pack is invalid (1 error); nothing was run\n");
    }
}

TEST_CASE("an input file that cannot be read is exit 66: rule files, rule directories, diff's reports") {
    TempDir dir;
    dir.mkdir("empty");
    for (const char* command : {"validate", "list", "run"}) {
        CAPTURE(command);
        Ran ran = run_preflight(std::string(command) + " missing.yaml", dir.path());
        CHECK(ran.status == 66);
        CHECK(ran.err == "missing.yaml: no such file or directory\n"
                         "preflight: cannot read the rule pack (1 error); nothing was run\n");
        ran = run_preflight(std::string(command) + " empty", dir.path());
        CHECK(ran.status == 66);
        CHECK(ran.err == "empty: directory holds no *.yaml rule files\n"
                         "preflight: cannot read the rule pack (1 error); nothing was run\n");
    }
    dir.write("new.json", "{}");
    Ran ran = run_preflight("diff old.json new.json", dir.path());
    CHECK(ran.status == 66);
    CHECK(ran.err == "preflight diff: cannot read report \"old.json\": No such file or directory\n");
}

TEST_CASE("every subcommand prints its own usage for --help, exit 0") {
    TempDir dir;
    for (const std::string command : {"run", "validate", "list", "kinds", "schema", "diff"}) {
        CAPTURE(command);
        for (const std::string& args : {command + " --help", command + " -h", command + " x.yaml --help", "help " + command}) {
            CAPTURE(args);
            Ran ran = run_preflight(args, dir.path());
            CHECK(ran.status == 0);
            CHECK(ran.err == "");
            CHECK(ran.out.rfind("usage: preflight " + command, 0) == 0);
            CHECK(ran.out.find("exit status: 0 ") != std::string::npos);
        }
    }
    Ran ran = run_preflight("diff --help", dir.path());
    CHECK(ran.out.find("66 a report file cannot be read") != std::string::npos);
}
