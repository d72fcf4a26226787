#include <doctest/doctest.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <thread>
#include <vector>

#include "src/host/process.hpp"
#include "support/process_fixtures.hpp"

using namespace preflight;
using namespace preflight::host;
using preflight::testing::ScratchDir;
using Clock = std::chrono::steady_clock;

namespace {

const std::map<std::string, std::string> kBaseEnv = {{"PATH", "/usr/bin:/bin"}};

ProcessResult run_sh(const std::string& script, std::chrono::milliseconds timeout = std::chrono::seconds(30),
                     std::map<std::string, std::string> env = kBaseEnv) {
    SystemProcessRunner runner;
    ProcessRequest request;
    request.argv = {"sh", "-c", script};
    request.environment = std::move(env);
    request.deadline = Clock::now() + timeout;
    return runner.run(request);
}

bool was_reaped(int pid) {
    int status = 0;
    return ::waitpid(pid, &status, WNOHANG) == -1 && errno == ECHILD;
}

}  // namespace

TEST_CASE("find_in_path returns the absolute path of an executable regular file") {
    ScratchDir dir;
    std::filesystem::create_directory(dir.file("bin"));
    std::filesystem::create_directory(dir.file("other"));
    std::string tool = dir.write("bin/tool", "#!/bin/sh\n", 0755);
    dir.write("other/tool", "not executable", 0644);
    std::filesystem::create_directory(dir.file("other/subdir"));
    std::string path = dir.file("other") + ":" + dir.file("bin");

    CHECK(find_in_path("tool", path) == tool);  // the non-executable one earlier in PATH is skipped
    CHECK(find_in_path("subdir", dir.file("other")) == std::nullopt);  // directories are not programs
    CHECK(find_in_path("missing", path) == std::nullopt);
    CHECK(find_in_path("tool", "") == std::nullopt);
    CHECK(find_in_path(tool, "") == tool);  // a path is checked as is
    CHECK(find_in_path(dir.file("other/tool"), "") == std::nullopt);
    CHECK(find_in_path("", path) == std::nullopt);
}

TEST_CASE("find_in_path never searches the current directory for an empty PATH entry") {
    ScratchDir dir;
    dir.write("here-only-tool", "#!/bin/sh\n", 0755);
    auto previous = std::filesystem::current_path();
    std::filesystem::current_path(dir.path());
    auto found = find_in_path("here-only-tool", ":/usr/bin::");
    std::filesystem::current_path(previous);
    CHECK(found == std::nullopt);
}

TEST_CASE("a program's stdout, stderr and exit code are reported") {
    auto result = run_sh("echo out; echo err >&2; exit 3");
    REQUIRE(result.started);
    CHECK(result.exit_code == 3);
    CHECK_FALSE(result.term_signal);
    CHECK_FALSE(result.timed_out);
    CHECK(result.exited_before_deadline);
    CHECK(result.stdout_text == "out\n");
    CHECK(result.stderr_text == "err\n");
    CHECK_FALSE(result.stdout_truncated);
    CHECK(was_reaped(result.process_group));
}

TEST_CASE("the child gets exactly the requested environment and stdin from /dev/null") {
    SystemProcessRunner runner;
    ProcessRequest request;
    request.argv = {"env"};
    request.environment = {{"PATH", "/usr/bin:/bin"}, {"ODD VALUE", "a b=c"}, {"EMPTY", ""}};
    request.deadline = Clock::now() + std::chrono::seconds(30);
    auto result = runner.run(request);
    CHECK(result.stdout_text == "EMPTY=\nODD VALUE=a b=c\nPATH=/usr/bin:/bin\n");

    request.argv = {"cat"};  // would block forever on an inherited terminal or pipe
    result = runner.run(request);
    CHECK_FALSE(result.timed_out);
    CHECK(result.exit_code == 0);
    CHECK(result.stdout_text.empty());
}

TEST_CASE("a program that cannot be started is reported, not thrown") {
    ScratchDir dir;
    SystemProcessRunner runner;
    ProcessRequest request;
    request.environment = kBaseEnv;
    request.deadline = Clock::now() + std::chrono::seconds(30);

    request.argv = {"no-such-program-for-preflight"};
    auto result = runner.run(request);
    CHECK_FALSE(result.started);
    CHECK(result.spawn_error == "not found");

    request.argv = {dir.write("plain", "echo hi\n", 0644)};
    result = runner.run(request);
    CHECK_FALSE(result.started);
    CHECK(result.spawn_error == "permission denied");

    request.argv = {dir.file("absent")};
    CHECK(runner.run(request).spawn_error == "not found");

    request.argv = {};
    CHECK(runner.run(request).spawn_error == "empty command");
}

TEST_CASE("a program ended by a signal reports the signal") {
    auto result = run_sh("kill -KILL $$");
    CHECK_FALSE(result.exit_code);
    CHECK(result.term_signal == SIGKILL);
}

TEST_CASE("at the deadline the process group is terminated, reaped and gone") {
    auto result = run_sh("sleep 100", std::chrono::seconds(1));
    REQUIRE(result.started);
    CHECK(result.timed_out);
    CHECK_FALSE(result.exited_before_deadline);
    CHECK(result.term_signal == SIGTERM);
    CHECK(was_reaped(result.process_group));
    CHECK(preflight::testing::eventually_gone(result.process_group, true));
}

TEST_CASE("a group that ignores SIGTERM is killed after the grace period") {
    auto result = run_sh("trap '' TERM; sleep 100; sleep 100", std::chrono::seconds(1));
    CHECK(result.timed_out);
    CHECK(result.term_signal == SIGKILL);
    CHECK(was_reaped(result.process_group));
    CHECK(preflight::testing::eventually_gone(result.process_group, true));
}

TEST_CASE("signals blocked by the calling thread are unblocked in the child") {
    sigset_t term, previous;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, &previous);
    auto result = run_sh("sleep 100", std::chrono::seconds(1));
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    CHECK(result.term_signal == SIGTERM);  // SIGKILL would mean the child inherited the mask
}

TEST_CASE("a grandchild holding stdout open does not hold the run past its deadline") {
    ScratchDir dir;
    auto result = run_sh("sleep 100 & echo $! > " + dir.file("pid") + "; echo started; exit 0",
                         std::chrono::seconds(1));
    CHECK(result.timed_out);
    CHECK(result.exited_before_deadline);
    CHECK(result.exit_code == 0);
    CHECK(result.stdout_text == "started\n");
    int grandchild = preflight::testing::read_pid(dir, "pid");
    REQUIRE(grandchild > 0);
    CHECK(preflight::testing::eventually_gone(grandchild, false));
    CHECK(preflight::testing::eventually_gone(result.process_group, true));
}

TEST_CASE("a background process left in the group after a normal exit is killed") {
    ScratchDir dir;
    auto result = run_sh("sleep 100 >/dev/null 2>&1 & echo $! > " + dir.file("pid"));
    CHECK_FALSE(result.timed_out);
    CHECK(result.exit_code == 0);
    int background = preflight::testing::read_pid(dir, "pid");
    REQUIRE(background > 0);
    CHECK(preflight::testing::eventually_gone(background, false));
}

TEST_CASE("output beyond the limit is drained and discarded") {
    auto result = run_sh("head -c 10000000 /dev/zero; echo tail >&2");
    CHECK(result.exit_code == 0);  // not killed by SIGPIPE: the rest was read and dropped
    CHECK(result.stdout_text.size() == 64 * 1024);
    CHECK(result.stdout_truncated);
    CHECK(result.stderr_text == "tail\n");
    CHECK_FALSE(result.stderr_truncated);

    SystemProcessRunner runner;
    ProcessRequest request;
    request.argv = {"sh", "-c", "echo 0123456789abcdef"};
    request.environment = kBaseEnv;
    request.deadline = Clock::now() + std::chrono::seconds(30);
    request.max_output_bytes = 10;
    result = runner.run(request);
    CHECK(result.stdout_text == "0123456789");
    CHECK(result.stdout_truncated);
}

TEST_CASE("descriptors the caller left inheritable do not reach the child") {
    int fd = ::open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
    REQUIRE(fd > 2);
    auto result = run_sh("if [ -e /proc/$$/fd/" + std::to_string(fd) + " ]; then echo open; else echo closed; fi");
    ::close(fd);
    CHECK(result.stdout_text == "closed\n");
}

TEST_CASE("runs from several threads at once each get their own output") {
    SystemProcessRunner runner;
    std::vector<ProcessResult> results(8);
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&, i] {
            ProcessRequest request;
            request.argv = {"sh", "-c", "sleep 0.$1; echo run $1", "sh", std::to_string(i)};
            request.environment = kBaseEnv;
            request.deadline = Clock::now() + std::chrono::seconds(60);
            results[static_cast<size_t>(i)] = runner.run(request);
        });
    for (auto& thread : threads) thread.join();
    for (int i = 0; i < 8; ++i) {
        CHECK(results[static_cast<size_t>(i)].stdout_text == "run " + std::to_string(i) + "\n");
        CHECK_FALSE(results[static_cast<size_t>(i)].timed_out);
    }
}

TEST_CASE("preflight run stops what a command check started, even after setsid or a double fork") {
    ScratchDir dir;
    const std::string token = preflight::testing::unique_token();
    // Each sleep leaves the check's process group; the pause lets it do so before the group is killed.
    dir.write("pack.yaml", "preflight: 1\npack: escape\nchecks:\n  - id: escapes\n    kind: command\n    run:\n"
                           "      - /bin/sh\n      - -c\n      - >-\n"
                           "        /usr/bin/setsid -f /bin/sleep 300." + token + " </dev/null >/dev/null 2>&1;\n"
                           "        /usr/bin/setsid -f /bin/sh -c '/bin/sleep 301." + token +
                           " & exit 0' </dev/null >/dev/null 2>&1;\n"
                           "        /bin/sleep 0.5\n");
    std::string command = std::string(PREFLIGHT_BINARY) + " run " + dir.file("pack.yaml") + " >" +
                          dir.file("out") + " 2>&1 </dev/null";
    int status = std::system(command.c_str());
    CAPTURE(dir.read("out"));
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);  // the check itself passed
    auto left = preflight::testing::pids_with_argument("300." + token);
    auto left_too = preflight::testing::pids_with_argument("301." + token);
    CHECK(left.empty());
    CHECK(left_too.empty());
    for (int pid : left) ::kill(pid, SIGKILL);
    for (int pid : left_too) ::kill(pid, SIGKILL);
}
