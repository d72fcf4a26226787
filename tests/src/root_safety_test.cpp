// Issue 13 end to end, as root with `nobody` as the attacker: rule and env files another user
// could change are refused, env files never choose what a child runs, reports never take a mode
// from what was at their destination.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "src/child_environment.hpp"
#include "tests/support/file_fixtures.hpp"
#include "tests/support/cli_fixtures.hpp"

using preflight::testing::kNobody;
using preflight::testing::run_preflight_in;
using preflight::testing::TempDir;

namespace {

const char* kRuleFileRule =
    "; as root, preflight reads a rule file only when no other user can change or replace it\n";
const char* kInvalidPack = "preflight: the rule pack is invalid (1 error); nothing was run\n";

// A pack whose one check leaves `marker` behind when it runs.
std::string marker_pack(const std::string& marker) {
    return "preflight: 1\npack: pwn\nchecks:\n  - id: pwn\n    kind: command\n"
           "    run: [/bin/sh, -c, \"id > " + marker + "\"]\n";
}

void give_to_nobody(const std::string& path) { REQUIRE(::chown(path.c_str(), kNobody, kNobody) == 0); }

bool as_root() {
    if (::geteuid() == 0) return true;
    MESSAGE("skipped: the ownership rules apply only when preflight runs as root");
    return false;
}

}  // namespace

TEST_CASE("as root, a rule directory owned by another user is refused and nothing runs") {
    if (!as_root()) return;
    TempDir dir;
    std::string rules = dir.mkdir("rules.d");
    dir.write("rules.d/pack.yaml", marker_pack(dir.file("pwned")));
    give_to_nobody(rules);
    // The attacker's own pack, written by nobody into the directory nobody owns.
    REQUIRE(std::system(("runuser -u nobody -- sh -c \"cat " + dir.file("rules.d/pack.yaml") + " > " +
                         rules + "/nobody.yaml\"").c_str()) == 0);

    auto ran = run_preflight_in(dir.path(), {"run", "rules.d"});
    CHECK(ran.status == 65);
    CHECK(ran.err == "rules.d/nobody.yaml: not trusted: directory " + rules +
                         " is owned by nobody (uid 65534), not by root" + kRuleFileRule +
                         "rules.d/pack.yaml: not trusted: directory " + rules +
                         " is owned by nobody (uid 65534), not by root" + kRuleFileRule +
                         "preflight: the rule pack is invalid (2 errors); nothing was run\n");
    CHECK_FALSE(std::filesystem::exists(dir.file("pwned")));

    ran = run_preflight_in(dir.path(), {"validate", "rules.d/pack.yaml"});
    CHECK(ran.status == 65);
}

TEST_CASE("as root, a rule file another user owns or can write, or under an open directory, is refused") {
    if (!as_root()) return;
    TempDir dir;
    give_to_nobody(dir.write("theirs.yaml", marker_pack(dir.file("pwned"))));
    auto ran = run_preflight_in(dir.path(), {"run", "theirs.yaml"});
    CHECK(ran.status == 65);
    CHECK(ran.err == "theirs.yaml: not trusted: file " + dir.file("theirs.yaml") +
                         " is owned by nobody (uid 65534), not by root" + kRuleFileRule + kInvalidPack);

    dir.write("open.yaml", marker_pack(dir.file("pwned")), 0666);
    ran = run_preflight_in(dir.path(), {"run", "open.yaml"});
    CHECK(ran.status == 65);
    CHECK(ran.err == "open.yaml: not trusted: file " + dir.file("open.yaml") +
                         " is writable by group and others (mode 0666)" + kRuleFileRule + kInvalidPack);

    dir.mkdir("shared", 0777);
    dir.write("shared/pack.yaml", marker_pack(dir.file("pwned")));
    ran = run_preflight_in(dir.path(), {"run", dir.file("shared/pack.yaml")});
    CHECK(ran.status == 65);
    CHECK(ran.err == dir.file("shared/pack.yaml") + ": not trusted: directory " + dir.file("shared") +
                         " is writable by group and others and not sticky (mode 0777)" + kRuleFileRule + kInvalidPack);
    CHECK_FALSE(std::filesystem::exists(dir.file("pwned")));
}

TEST_CASE("as root, a root-owned rule file in a sticky directory like /tmp is read") {
    if (!as_root()) return;
    TempDir dir;
    dir.mkdir("sticky", 01777);
    dir.write("sticky/pack.yaml", marker_pack(dir.file("ran")));
    auto ran = run_preflight_in(dir.path(), {"run", "sticky/pack.yaml"});
    CHECK(ran.err == "");
    CHECK(ran.status == 0);
    CHECK(std::filesystem::exists(dir.file("ran")));
}

TEST_CASE("as root, an env file another user could change is refused, from the pack or --env-file") {
    if (!as_root()) return;
    TempDir dir;
    dir.write("pack.yaml", marker_pack(dir.file("pwned")) + "env_files: [\"${var.env_file}\"]\nvars:\n  env_file: \"\"\n");
    give_to_nobody(dir.write("theirs.env", "PATH=/tmp\n"));
    const std::string env_rule =
        "; as root, preflight reads an env file only when no other user can change or replace it\n"
        "preflight: refusing to run with an env file that another user could change; nothing was run\n";

    dir.write("ok.env", "A=1\n");
    auto ran = run_preflight_in(dir.path(), {"run", "pack.yaml", "--var", "env_file=" + dir.file("ok.env"),
                                        "--env-file", "theirs.env"});
    CHECK(ran.status == 65);
    CHECK(ran.err == "theirs.env: not trusted: file " + dir.file("theirs.env") +
                         " is owned by nobody (uid 65534), not by root" + env_rule);

    std::string theirs = dir.mkdir("compose");
    dir.write("compose/.env", "A=1\n");
    give_to_nobody(theirs);
    ran = run_preflight_in(dir.path(), {"run", "pack.yaml", "--var", "env_file=" + dir.file("compose/.env")});
    CHECK(ran.status == 65);
    CHECK(ran.err == dir.file("compose/.env") + ": not trusted: directory " + theirs +
                         " is owned by nobody (uid 65534), not by root" + env_rule);
    CHECK_FALSE(std::filesystem::exists(dir.file("pwned")));
}

TEST_CASE("an env file's PATH, LD_PRELOAD and other variables never reach a child, its env: names do") {
    TempDir dir;
    std::string evil = dir.mkdir("evilbin");
    for (const char* program : {"sh", "preflight-fake-tool"})
        dir.write(std::string("evilbin/") + program, "#!/bin/sh\ntouch " + dir.file("fake-ran") + "\n", 0755);
    dir.write(".env", "PATH=" + evil + ":/usr/bin:/bin\nLD_PRELOAD=" + dir.file("evil.so") +
                          "\nFROM_FILE=visible\nPYTHONPATH=" + evil + "\n");
    dir.write("pack.yaml",
              "preflight: 1\npack: env\nenv_files: [\"" + dir.file(".env") + "\"]\nchecks:\n"
              "  - id: tool\n    kind: executable\n    name: preflight-fake-tool\n"
              "  - id: child\n    kind: command\n"
              "    run: [sh, -c, 'test \"$PATH\" = \"" + std::string(preflight::kSecurePath) +
              "\" && test -z \"$LD_PRELOAD$PYTHONPATH$FROM_FILE\" && test \"$NAMED\" = visible']\n"
              "    env:\n      NAMED: \"${env.FROM_FILE}\"\n");
    auto ran = run_preflight_in(dir.path(), {"run", "pack.yaml", "-f", "json"});
    CHECK(ran.status == 1);
    auto report = nlohmann::json::parse(ran.out);
    CHECK(report["checks"][0]["status"] == "fail");
    CHECK(report["checks"][0]["message"] ==
          "preflight-fake-tool not found in PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin); "
          "install it or add its directory to PATH");
    CHECK(report["checks"][1]["status"] == "pass");
    CHECK_FALSE(std::filesystem::exists(dir.file("fake-ran")));
}

TEST_CASE("a check may not take a program, PATH, LD_* or the like from ${env.X}") {
    TempDir dir;
    dir.write("pack.yaml",
              "preflight: 1\npack: env\nchecks:\n"
              "  - id: a\n    kind: command\n    run: [sh, -c, \"true\"]\n"
              "    env:\n      PATH: \"${env.PATH}\"\n      LD_PRELOAD: \"x${env.LIB}\"\n      PGAPPNAME: \"${env.APP}\"\n"
              "  - id: b\n    kind: command\n    run: [\"${env.TOOL}\", --version]\n"
              "  - id: c\n    kind: executable\n    name: \"${env.TOOL}\"\n"
              "  - id: d\n    kind: command\n    run: [\"${var.tool}\"]\n    env:\n      PATH: \"/opt/x/bin:${var.p}\"\n"
              "vars:\n  tool: sh\n  p: /usr/bin\n");
    auto ran = run_preflight_in(dir.path(), {"validate", "pack.yaml"});
    CHECK(ran.status == 65);
    CHECK(ran.err ==
          "pack.yaml:8:7: 'env' sets LD_PRELOAD from an env file (x${env.LIB}); it chooses what the program runs "
          "or loads: write its value in the pack or use ${var.NAME}\n"
          "pack.yaml:8:7: 'env' sets PATH from an env file (${env.PATH}); it chooses what the program runs or "
          "loads: write its value in the pack or use ${var.NAME}\n"
          "pack.yaml:13:10: 'run' takes its program from an env file (${env.TOOL}); write the program in the "
          "pack or use ${var.NAME}\n"
          "pack.yaml:16:11: 'name' takes the program from an env file (${env.TOOL}); write the program in the "
          "pack or use ${var.NAME}\n"
          "preflight: the rule pack is invalid (4 errors); nothing was run\n");
}

TEST_CASE("a report directory other users can write without the sticky bit is refused before anything runs") {
    TempDir dir;
    dir.mkdir("open", 0777);
    dir.write("pack.yaml", marker_pack(dir.file("ran")));
    auto ran = run_preflight_in(dir.path(), {"run", "pack.yaml", "-o", "open/gate.json"});
    CHECK(ran.status == 64);
    CHECK(ran.err == "preflight: cannot write report \"open/gate.json\": another user could replace the report: "
                     "directory " + dir.file("open") + " is writable by group and others and not sticky (mode 0777); "
                     "nothing was run\n");
    CHECK_FALSE(std::filesystem::exists(dir.file("ran")));
}

TEST_CASE("reports are 0600 under umask 000, over a planted 6777 file and over a symlink to a setuid file") {
    if (!as_root()) return;
    TempDir dir;
    dir.write("pack.yaml", marker_pack(dir.file("ran")));
    // What nobody left behind while it could still write there.
    give_to_nobody(dir.write("gate.json", "{\"verdict\": \"PASS\"}\n", 06777));
    ::chmod(dir.file("gate.json").c_str(), 06777);  // chown clears the set-id bits
    dir.write("setuid", "#!/bin/sh\n", 04755);
    dir.symlink("gate.md", dir.file("setuid"));
    auto ran = run_preflight_in(dir.path(), {"run", "pack.yaml", "-o", "gate.json", "-o", "gate.md", "-o", "new.xml"},
                                "000");
    CHECK(ran.status == 0);
    for (const char* name : {"gate.json", "gate.md", "new.xml"}) {
        struct stat info {};
        REQUIRE(::lstat(dir.file(name).c_str(), &info) == 0);
        INFO(name);
        CHECK(S_ISREG(info.st_mode));
        CHECK((info.st_mode & 07777) == 0600);
        CHECK(info.st_uid == 0u);
    }
    struct stat target {};
    REQUIRE(::stat(dir.file("setuid").c_str(), &target) == 0);
    CHECK((target.st_mode & 07777) == 04755);
}
