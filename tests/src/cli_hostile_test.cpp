// The real binary under hostile command lines and process events (issue 8): conflicting and
// out-of-range flags, SIGTERM in the middle of a run, two runs writing the same report, a pack
// of 10,000 checks.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process_fixtures.hpp"

namespace fs = std::filesystem;
using preflight::testing::ScratchDir;

namespace {

// Starts the preflight binary with `args` in `dir`, stdout and stderr to `dir`/NAME.out|.err.
pid_t start_preflight(const std::vector<std::string>& args, const std::string& dir, const std::string& name) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (::chdir(dir.c_str()) != 0) ::_exit(120);
        int out = ::open((name + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = ::open((name + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int in = ::open("/dev/null", O_RDONLY);
        if (out < 0 || err < 0 || in < 0) ::_exit(121);
        ::dup2(in, 0), ::dup2(out, 1), ::dup2(err, 2);
        std::vector<char*> argv{const_cast<char*>(PREFLIGHT_BINARY)};
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::setenv("NO_COLOR", "1", 1);
        ::execv(PREFLIGHT_BINARY, argv.data());
        ::_exit(127);
    }
    return pid;
}

// Waits for `pid`; kills it and fails the test if it has not ended after `watchdog` (a bound
// on a hang, not a timing assertion). Returns the exit code, or 128 + signal.
int wait_with_watchdog(pid_t pid, std::chrono::seconds watchdog = std::chrono::seconds(20)) {
    const auto give_up = std::chrono::steady_clock::now() + watchdog;
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > give_up) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            FAIL("preflight did not end within the watchdog");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run_to_end(const std::vector<std::string>& args, const std::string& dir, const std::string& name = "run") {
    return wait_with_watchdog(start_preflight(args, dir, name), std::chrono::seconds(120));
}

// Files in `dir` whose names start with `.` and contain ".tmp-": the report writer's temporaries.
std::vector<std::string> temporaries_in(const std::string& dir) {
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(dir)) {
        std::string name = entry.path().filename().string();
        if (name.find(".tmp-") != std::string::npos) found.push_back(name);
    }
    return found;
}

const char* kUsageHint = "\nRun 'preflight --help' for usage.\n";

}  // namespace

TEST_CASE("conflicting, repeated and out-of-range run flags exit 64 with one clear message") {
    ScratchDir dir;
    dir.write("p.yaml", "preflight: 1\npack: p\nchecks:\n  - id: a\n    kind: command\n    run: [touch, ran]\n");
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"-f", "json", "-f", "text"}, "option '--format' cannot be specified more than once"},
        {{"--format", "json", "--format=junit"}, "option '--format' cannot be specified more than once"},
        {{"-q", "--quiet"}, "option '--quiet' cannot be specified more than once"},
        {{"--strict", "--strict"}, "option '--strict' cannot be specified more than once"},
        {{"--deadline", "5", "--deadline", "6"}, "option '--deadline' cannot be specified more than once"},
        {{"-j", "2", "--jobs", "3"}, "option '--jobs' cannot be specified more than once"},
        {{"--jobs", "0"}, "--jobs must be at least 1"},
        {{"-j", "-1"}, "--jobs must be at least 1"},
        {{"--jobs", "two"}, "the argument ('two') for option '--jobs' is invalid"},
        {{"--jobs", "99999999999"}, "the argument ('99999999999') for option '--jobs' is invalid"},
        {{"--deadline", "-1"}, "--deadline must be a number of seconds from 0.001 to 86400 (24h)"},
        {{"--deadline=0"}, "--deadline must be a number of seconds from 0.001 to 86400 (24h)"},
        {{"--deadline", "nan"}, "--deadline must be a number of seconds from 0.001 to 86400 (24h)"},
        {{"--deadline", "inf"}, "--deadline must be a number of seconds from 0.001 to 86400 (24h)"},
        {{"--deadline", "1e300"}, "--deadline must be a number of seconds from 0.001 to 86400 (24h)"},
        {{"--deadline", "1e-300"}, "--deadline must be a number of seconds from 0.001 to 86400 (24h)"},
        {{"--deadline", "soon"}, "the argument ('soon') for option '--deadline' is invalid"},
        {{"--no-color=yes"}, "option '--no-color' does not take any arguments"},
        {{"--var"}, "the required argument for option '--var' is missing"},
        {{"--var", "=x"}, "--var expects NAME=VALUE, got an empty NAME"},
        {{"--var", "NAME"}, "--var expects NAME=VALUE, got an argument without '='"},
        {{"--var", "Hunter2-Password"}, "--var expects NAME=VALUE, got an argument without '='"},
        {{"-x"}, "unrecognised option '-x'"},
        {{"--only"}, "the required argument for option '--only' is missing"},
    };
    for (const auto& [flags, message] : cases) {
        std::vector<std::string> args{"run", "p.yaml"};
        args.insert(args.end(), flags.begin(), flags.end());
        // Copies: clang 14 cannot capture a structured binding (CAPTURE is a lambda).
        const std::string first_flag = flags.front(), last_flag = flags.back();
        CAPTURE(first_flag);
        CAPTURE(last_flag);
        CHECK(run_to_end(args, dir.path()) == 64);
        CHECK(dir.read("run.err") == "preflight: " + message + kUsageHint);
        CHECK(dir.read("run.out") == "");
    }
    CHECK(run_to_end({"validate", "p.yaml", "--strict"}, dir.path()) == 64);
    CHECK(dir.read("run.err") == std::string("preflight: unknown option '--strict' for 'validate'") + kUsageHint);
    CHECK(run_to_end({"diff", "a.json"}, dir.path()) == 64);
    CHECK(dir.read("run.err") == std::string("preflight: 'diff' needs two JSON reports: OLD.json NEW.json") + kUsageHint);
    CHECK_FALSE(fs::exists(dir.file("ran")));  // no command line above ran a check
}

TEST_CASE("a check timeout out of range is a located load error, not an internal error") {
    ScratchDir dir;
    const std::string suffix = " must be a duration from 1ms to 24h such as 10, 2.5s, 500ms or 2m, got '";
    for (const std::string& timeout : std::vector<std::string>{"25h", "99999999999999999999h", "0.0000001ms", "0",
                                                                std::string(400, '9') + "s"}) {
        CAPTURE(timeout);
        dir.write("t.yaml", "preflight: 1\npack: p\nchecks:\n  - id: a\n    kind: file\n    path: /\n    timeout: " +
                                timeout + "\n");
        CHECK(run_to_end({"run", "t.yaml"}, dir.path()) == 65);
        CHECK(dir.read("run.err") == "t.yaml:7:14: 'timeout'" + suffix + timeout +
                                         "'\npreflight: the rule pack is invalid (1 error); nothing was run\n");
    }
    dir.write("t.yaml", "preflight: 1\npack: p\nchecks:\n  - id: a\n    kind: file\n    path: /\n    timeout: 24h\n");
    CHECK(run_to_end({"run", "t.yaml", "--deadline", "86400"}, dir.path()) == 0);
}

TEST_CASE("SIGTERM mid-run: non-zero exit, complete reports marked incomplete, no temporary file, no child left") {
    ScratchDir dir;
    dir.write("hang.yaml",
              "preflight: 1\npack: hang\nchecks:\n"
              "  - id: quick\n    kind: file\n    path: /\n"
              "  - id: hangs\n    kind: command\n    timeout: 60s\n"
              "    run: [sh, -c, 'echo $$ > started.tmp && mv started.tmp started && exec sleep 30']\n");
    pid_t pid = start_preflight({"run", "hang.yaml", "-f", "json", "-o", "report.json", "-o", "report.md", "-o", "report.xml",
                                 "-o", "report.txt"},
                                dir.path(), "run");
    int sleeper = 0;
    for (int i = 0; i < 1000 && sleeper == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        sleeper = preflight::testing::read_pid(dir, "started");
    }
    REQUIRE_MESSAGE(sleeper > 0, "the hanging check never started: " << dir.read("run.err"));
    REQUIRE(::kill(pid, SIGTERM) == 0);
    int code = wait_with_watchdog(pid);
    CHECK(code == 2);
    CHECK(dir.read("run.err") == "");

    // Each report is either absent or complete; here both are written, marked incomplete.
    for (const std::string& text : {dir.read("run.out"), dir.read("report.json")}) {
        auto report = nlohmann::json::parse(text);
        CHECK(report["incomplete"] == true);
        CHECK(report["verdict"] == "ERROR");
        CHECK(report["exit_code"] == 2);
        CHECK(report["checks"][0]["status"] == "pass");
        CHECK(report["checks"][1]["status"] == "error");
        CHECK(report["checks"][1]["message"] == "not finished: the run was interrupted");
    }
    std::string markdown = dir.read("report.md");
    CHECK(markdown.find("**Incomplete:** the run was interrupted or reached its deadline") != std::string::npos);
    CHECK(markdown.find("not finished: the run was interrupted") != std::string::npos);
    CHECK(dir.read("report.xml").find("not finished: the run was interrupted") != std::string::npos);
    CHECK(dir.read("report.xml").find("<property name=\"incomplete\" value=\"true\"/>") != std::string::npos);
    CHECK(dir.read("report.xml").find("</testsuites>") != std::string::npos);
    CHECK(dir.read("report.txt").find("incomplete: the run was interrupted or reached its deadline") !=
          std::string::npos);
    CHECK(temporaries_in(dir.path()).empty());
    // The check's child went with the run: it does not outlive preflight, orphaned.
    CHECK(preflight::testing::eventually_gone(sleeper, false));
}

TEST_CASE("two runs writing the same report paths leave one complete report each, no temporary file") {
    ScratchDir dir;
    std::string checks;
    for (int i = 0; i < 50; ++i)
        checks += "  - {id: c" + std::to_string(i) + ", kind: file, path: /, title: \"" + std::string(200, 'x') + "\"}\n";
    dir.write("p.yaml", "preflight: 1\npack: same\nchecks:\n" + checks);
    for (int round = 0; round < 5; ++round) {
        CAPTURE(round);
        std::vector<std::string> args{"run", "p.yaml", "-q", "-o", "r.json", "-o", "r.md", "-o", "r.xml", "-o", "r.txt"};
        pid_t first = start_preflight(args, dir.path(), "first");
        pid_t second = start_preflight(args, dir.path(), "second");
        CHECK(wait_with_watchdog(first) == 0);
        CHECK(wait_with_watchdog(second) == 0);
        CHECK(dir.read("first.err") == "");
        CHECK(dir.read("second.err") == "");
        auto report = nlohmann::json::parse(dir.read("r.json"));
        CHECK(report["summary"]["pass"] == 50);
        CHECK(report["checks"].size() == 50);
        std::string markdown = dir.read("r.md");
        CHECK(markdown.find("c49") != std::string::npos);
        std::string junit = dir.read("r.xml");
        CHECK(junit.find("</testsuites>") != std::string::npos);
        CHECK(junit.find("</testsuites>") == junit.rfind("</testsuites>"));
        CHECK(temporaries_in(dir.path()).empty());
    }
}

TEST_CASE("a pack of 10,000 checks loads and runs to a verdict") {
    ScratchDir dir;
    std::string yaml = "preflight: 1\npack: many\nchecks:\n";
    for (int i = 0; i < 10000; ++i) {
        yaml += "- {id: c" + std::to_string(i) + ", kind: file, path: /";
        if (i % 100 != 0) yaml += ", needs: [c" + std::to_string(i - 1) + "]";
        yaml += "}\n";
    }
    dir.write("many.yaml", yaml);
    CHECK(run_to_end({"run", "many.yaml", "-f", "json", "-o", "many.md"}, dir.path()) == 0);
    auto report = nlohmann::json::parse(dir.read("run.out"));
    CHECK(report["summary"]["pass"] == 10000);
    CHECK(report["checks"][9999]["id"] == "c9999");
    CHECK(dir.read("many.md").find("c9999") != std::string::npos);
}
