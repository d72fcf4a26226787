#include <doctest/doctest.h>

#include "checks/command.hpp"
#include "checks/process_report.hpp"
#include "src/host/process.hpp"
#include "support/fake_context.hpp"
#include "support/process_fixtures.hpp"

using namespace preflight;
using preflight::testing::FakeRunContext;
using preflight::testing::ScratchDir;

namespace {

Template t(const std::string& text) {
    std::string error;
    auto parsed = Template::parse(text, error);
    REQUIRE(parsed);
    return *parsed;
}

struct CommandFields {
    std::vector<std::string> run;
    std::optional<long long> exit_code;
    std::optional<std::string> stdout_matches;
    std::optional<std::string> stderr_matches;
    std::map<std::string, std::string> env;
};

struct Built {
    Diagnostics diagnostics;
    std::unique_ptr<Check> check;
};

std::unique_ptr<Built> build(const CommandFields& input) {
    FieldValues fields;
    fields.check_location = {"pack.yaml", 3, 5};
    std::vector<Template> argv;
    for (const auto& argument : input.run) argv.push_back(t(argument));
    fields.set("run", argv, {"pack.yaml", 4, 10});
    if (input.exit_code) fields.set("exit_code", *input.exit_code, {"pack.yaml", 5, 16});
    if (input.stdout_matches) fields.set("stdout_matches", t(*input.stdout_matches), {"pack.yaml", 6, 21});
    if (input.stderr_matches) fields.set("stderr_matches", t(*input.stderr_matches), {"pack.yaml", 7, 21});
    if (!input.env.empty()) {
        std::map<std::string, Template> env;
        for (const auto& [name, value] : input.env) env[name] = t(value);
        fields.set("env", env, {"pack.yaml", 8, 10});
    }
    auto built = std::make_unique<Built>();
    RulePack pack;
    built->check = command_kind().make(KindInput{fields, pack, built->diagnostics});
    return built;
}

struct Setup {
    ScratchDir dir;
    host::SystemProcessRunner runner;
    FakeRunContext context;
    Setup() {
        context.child_env["PATH"] = "/usr/bin:/bin";
        context.probes.processes = &runner;
    }
    Outcome run(const CommandFields& fields) {
        auto built = build(fields);
        REQUIRE(built->diagnostics.empty());
        REQUIRE(built->check);
        return built->check->run(context);
    }
};

}  // namespace

TEST_CASE("command passes on the expected exit status and matching output") {
    Setup setup;
    auto outcome = setup.run({{"sh", "-c", "echo ready; echo 'all good' >&2"}, {}, "^ready$", "good$", {}});
    CHECK(outcome.message == "sh exited with status 0 as expected");
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.observed == nlohmann::json{{"exit_code", 0}});

    outcome = setup.run({{"sh", "-c", "exit 3"}, 3, {}, {}, {}});
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == "sh exited with status 3 as expected");
}

TEST_CASE("command fails on another exit status and carries the tail of its output") {
    Setup setup;
    auto outcome = setup.run({{"sh", "-c", "echo line1; echo line2; echo oops >&2; exit 3"}, {}, {}, {}, {}});
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "sh exited with status 3, expected exit status 0");
    CHECK(outcome.observed ==
          nlohmann::json{{"exit_code", 3}, {"stdout_tail", "line1\nline2"}, {"stderr_tail", "oops"}});
    CHECK(outcome.expected == nlohmann::json{{"exit_code", 0}});
}

TEST_CASE("command output patterns are RE2, with ^ and $ at each line") {
    Setup setup;
    const std::string script = "printf 'booting\\nReady: 12 workers\\ndone\\n'; echo 'WARN x' >&2";
    auto run = [&](const std::string& out, const std::string& err) {
        return setup.run({{"sh", "-c", script}, {}, out, err, {}}).status;
    };
    CHECK(run("^(?i)ready: \\d+ workers$", "(?i)^warn\\s") == Status::pass);
    CHECK(run("^ready", "WARN") == Status::fail);             // case matters without (?i)
    CHECK(run("^Ready: \\d{3} workers$", "WARN") == Status::fail);
    CHECK(run("workers\\ndone$", "^WARN x$") == Status::pass);  // a pattern may span lines
    CHECK(run("booting.*done", "WARN") == Status::fail);       // . stops at a line break
}

TEST_CASE("command fails when stdout or stderr does not match") {
    Setup setup;
    auto outcome = setup.run({{"sh", "-c", "echo not ready"}, {}, "^ready$", {}, {}});
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "stdout of sh does not match '^ready$'");
    CHECK(outcome.observed == nlohmann::json{{"exit_code", 0}, {"stdout_tail", "not ready"}});
    CHECK(outcome.expected == nlohmann::json{{"exit_code", 0}, {"stdout_matches", "^ready$"}});

    outcome = setup.run({{"sh", "-c", "echo fine; echo warning >&2"}, {}, "fine", "^ok", {}});
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "stderr of sh does not match '^ok'");
}

TEST_CASE("command gives its child the run's minimal environment plus its own env, never the env files") {
    Setup setup;
    setup.context.env["GREETING"] = "hi";            // what the env files define
    setup.context.env["PATH"] = setup.dir.path();
    setup.context.env["LD_PRELOAD"] = setup.dir.file("evil.so");
    setup.context.vars["who"] = "there";
    auto outcome = setup.run({{"sh", "-c", "echo \"$GREETING $EXTRA\""}, {}, "^ there$", {}, {{"EXTRA", "${var.who}"}}});
    CHECK(outcome.status == Status::pass);

    // Expecting status 1 from `env` makes it fail and show what the child saw.
    outcome = setup.run({{"env"}, 1, {}, {}, {{"EXTRA", "${var.who}"}, {"NAMED", "${env.GREETING}"}}});
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.observed["stdout_tail"] == "EXTRA=there\nNAMED=hi\nPATH=/usr/bin:/bin");
}

TEST_CASE("command refuses its program, PATH, LD_* and the like from ${env.X}, located") {
    auto built = build({{"${env.TOOL}", "-x"}, {}, {}, {}, {{"PATH", "${env.PATH}"}, {"LD_PRELOAD", "${env.X}"},
                                                         {"PGAPPNAME", "${env.APP}"}, {"PYTHONPATH", "/opt/${var.v}"}}});
    CHECK_FALSE(built->check);
    CHECK(built->diagnostics.lines() ==
          std::vector<std::string>{
              "pack.yaml:4:10: 'run' takes its program from an env file (${env.TOOL}); write the program in "
              "the pack or use ${var.NAME}",
              "pack.yaml:8:10: 'env' sets LD_PRELOAD from an env file (${env.X}); it chooses what the program "
              "runs or loads: write its value in the pack or use ${var.NAME}",
              "pack.yaml:8:10: 'env' sets PATH from an env file (${env.PATH}); it chooses what the program runs "
              "or loads: write its value in the pack or use ${var.NAME}"});
    CHECK(build({{"sh"}, {}, {}, {}, {{"PATH", "/opt/bin:${var.p}"}, {"PGAPPNAME", "${env.APP}"}}})->check);
}

TEST_CASE("command registers env values with secret names before running") {
    Setup setup;
    auto outcome = setup.run({{"sh", "-c", "test -n \"$DB_PASSWORD\""}, {}, {}, {}, {{"DB_PASSWORD", "s3cret value"}}});
    CHECK(outcome.status == Status::pass);
    auto secrets = setup.context.secrets.snapshot();
    REQUIRE(secrets.size() == 1);
    CHECK(secrets[0].value == "s3cret value");
    CHECK(secrets[0].name == "env DB_PASSWORD");
}

TEST_CASE("command interpolates argv and lets unresolved references propagate") {
    Setup setup;
    setup.context.vars["word"] = "interpolated";
    auto outcome = setup.run({{"echo", "${var.word}"}, {}, "^interpolated$", {}, {}});
    CHECK(outcome.status == Status::pass);

    auto built = build({{"echo", "${env.NOT_DEFINED}"}, {}, {}, {}, {}});
    REQUIRE(built->check);
    CHECK_THROWS_AS(built->check->run(setup.context), UnresolvedReference);
}

TEST_CASE("a command that hangs ends as an error at its timeout, its process group gone") {
    Setup setup;
    setup.context.check_timeout = std::chrono::seconds(1);
    auto outcome = setup.run({{"sh", "-c", "echo $$ > " + setup.dir.file("pid") + "; echo waiting; exec sleep 100"}, {}, {}, {}, {}});
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "timed out after 1s; process group killed");
    CHECK(outcome.observed == nlohmann::json{{"exit_code", nullptr}, {"signal", 15}, {"stdout_tail", "waiting"}});
    int pgid = preflight::testing::read_pid(setup.dir, "pid");
    REQUIRE(pgid > 0);
    CHECK(preflight::testing::group_is_gone(pgid));
}

TEST_CASE("a command whose background child holds stdout open still ends at the deadline") {
    Setup setup;
    setup.context.check_timeout = std::chrono::seconds(1);
    auto outcome = setup.run({{"sh", "-c", "sleep 100 & echo $! > " + setup.dir.file("pid") + "; exit 0"}, {}, {}, {}, {}});
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "timed out after 1s: sh exited with status 0 but a process it started kept "
                             "its output open; process group killed");
    int grandchild = preflight::testing::read_pid(setup.dir, "pid");
    REQUIRE(grandchild > 0);
    CHECK(preflight::testing::eventually_gone(grandchild, false));
}

TEST_CASE("command output is bounded, a long line cannot break matching") {
    Setup setup;
    auto outcome = setup.run({{"sh", "-c", "yes | head -c 10000000"}, {}, "^y$", {}, {}});
    CHECK(outcome.status == Status::pass);  // 10 MB drained, not killed by SIGPIPE

    outcome = setup.run({{"sh", "-c", "yes line | head -n 2000000; exit 1"}, {}, {}, {}, {}});
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.observed["stdout_truncated"] == true);
    std::string twenty;
    for (int i = 0; i < 20; ++i) twenty += i ? "\nline" : "line";
    CHECK(outcome.observed["stdout_tail"] == twenty);

    // One 10 MB line: std::regex would overflow the stack on ".*b" over 64 KiB.
    outcome = setup.run({{"sh", "-c", "head -c 10000000 /dev/zero | tr '\\0' a"}, {}, ".*b", {}, {}});
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "stdout of sh does not match '.*b' (only the first part of a long output was kept)");
    CHECK_FALSE(outcome.observed.contains("stdout_tail"));  // never a cut line
}

TEST_CASE("command is an error when its program cannot be started") {
    Setup setup;
    auto outcome = setup.run({{"no-such-program-for-preflight"}, {}, {}, {}, {}});
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "could not run no-such-program-for-preflight: not found");

    outcome = setup.run({{setup.dir.write("plain", "echo\n", 0644)}, {}, {}, {}, {}});
    CHECK(outcome.message == "could not run " + setup.dir.file("plain") + ": permission denied");

    setup.context.probes.processes = nullptr;
    outcome = setup.run({{"true"}, {}, {}, {}, {}});
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "cannot run true: running programs is not available in this run");
}

TEST_CASE("judge_command describes a run killed by a signal") {
    host::ProcessResult result;
    result.started = true;
    result.term_signal = 9;
    result.stderr_text = "partial\n";
    auto outcome = judge_command("backup", result, {}, std::chrono::seconds(10));
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "backup was killed by signal 9 (SIGKILL), expected exit status 0");
    CHECK(outcome.observed == nlohmann::json{{"exit_code", nullptr}, {"signal", 9}, {"stderr_tail", "partial"}});
}

TEST_CASE("command rejects bad fields at load, located") {
    auto built = build({{}, {}, "([a-z]", "${env.X}", {{"BAD=NAME", "x"}}});
    CHECK_FALSE(built->check);
    auto lines = built->diagnostics.lines();
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == "pack.yaml:4:10: 'run' must start with the program to run, e.g. [pg_isready, -q]");
    CHECK(lines[1] == "pack.yaml:6:21: 'stdout_matches' is not a valid regular expression: missing ): ([a-z]");
    CHECK(lines[2] == "pack.yaml:7:21: 'stderr_matches' cannot contain ${...} references: a regular expression is fixed when the pack is loaded");
    CHECK(lines[3] == "pack.yaml:8:10: 'env' has an invalid variable name 'BAD=NAME'");
}

TEST_CASE("output_tail shows whole lines only, bounded in lines and bytes") {
    CHECK(output_tail("", false) == "");
    CHECK(output_tail("a\nb\n", false) == "a\nb");
    CHECK(output_tail("a\r\nb\r\n", false) == "a\nb");
    CHECK(output_tail("1\n2\n3\n4\n", false, 2) == "3\n4");
    CHECK(output_tail("aaaa\nbbbb\ncccc\n", false, 20, 10) == "bbbb\ncccc");
    CHECK(output_tail("short\n" + std::string(50, 'x') + "\n", false, 20, 10) == "[a line of 50 bytes not shown]");
    CHECK(output_tail("whole\ncut in the mid", true) == "whole");
    CHECK(output_tail("no newline at all", true) == "");
    CHECK(output_tail("bad \xff byte\n", false) == "bad \xEF\xBF\xBD byte");
    CHECK(output_tail("caf\xC3\xA9\n", false) == "caf\xC3\xA9");
}

TEST_CASE("format_timeout writes seconds as an operator does") {
    CHECK(format_timeout(std::chrono::milliseconds(10000)) == "10s");
    CHECK(format_timeout(std::chrono::milliseconds(1500)) == "1.5s");
    CHECK(format_timeout(std::chrono::milliseconds(250)) == "0.25s");
}
