// What one `preflight run` starts of GnuPG, and how the checks of a run share a homedir's
// private copy and GPGME context (issue 17): counted through a `gpg`, `gpgconf` and `gpgsm` on
// PATH that log each invocation and then run the real program.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gpg/gpg_test_keyring.hpp"
#include "src/host/gpg.hpp"
#include "tests/support/process_fixtures.hpp"

using namespace preflight;
using preflight::testing::copy_of_test_home;
using preflight::testing::shell;
using preflight::testing::shell_quote;
using preflight::testing::test_keyring;

namespace {

std::string real_program(const std::string& name) {
    std::string path = shell("command -v " + name);
    path.erase(path.find_last_not_of('\n') + 1);
    return path;
}

// A directory holding `gpg`, `gpgconf` and `gpgsm` that append "NAME ARGS..." to `log` and
// then exec the real program.
std::string logging_bin(const preflight::testing::ScratchDir& dir, const std::string& log) {
    const std::string bin = dir.mkdir("bin", 0755);
    for (const char* name : {"gpg", "gpgconf", "gpgsm"})
        dir.script(std::string("bin/") + name, "line=" + shell_quote(name) +
                                                   "\nfor a in \"$@\"; do line=\"$line $a\"; done\n"
                                                   "printf '%s\\n' \"$line\" >> " + shell_quote(log) +  // one write: runs overlap
                                                   "\nexec " + shell_quote(real_program(name)) + " \"$@\"\n");
    return bin;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(line);
    return lines;
}

long count_with(const std::vector<std::string>& lines, const std::string& part) {
    return std::count_if(lines.begin(), lines.end(),
                         [&](const std::string& line) { return line.find(part) != std::string::npos; });
}

// The --homedir values gpg was given.
std::set<std::string> homedirs_of(const std::vector<std::string>& lines) {
    std::set<std::string> homedirs;
    for (const auto& line : lines) {
        std::istringstream words(line);
        std::string word;
        while (words >> word)
            if (word == "--homedir" && words >> word) homedirs.insert(word);
    }
    return homedirs;
}

// Runs `preflight run PACK` with the logging programs first on PATH and TMPDIR=`tmp`.
int run_logged(const preflight::testing::ScratchDir& dir, const std::string& bin, const std::string& tmp) {
    const char* path = std::getenv("PATH");
    std::string command = "env -u PREFLIGHT_GPG_BINARY TMPDIR=" + shell_quote(tmp) + " PATH=" +
                          shell_quote(bin + ":" + (path ? path : "/usr/bin:/bin")) + " " + PREFLIGHT_BINARY +
                          " run " + shell_quote(dir.file("pack.yaml")) + " >" + shell_quote(dir.file("out")) +
                          " 2>&1 </dev/null";
    int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("one run of three gpg_key checks and an encrypt probe on one homedir: one private copy, five gpg processes") {
    const auto& keys = test_keyring();
    preflight::testing::ScratchDir dir;
    const std::string tmp = dir.mkdir("tmp", 0700);
    const std::string home = copy_of_test_home(dir.file("home"));
    const std::string log = dir.file("gpg.log");
    const std::string bin = logging_bin(dir, log);
    dir.write("pack.yaml", "preflight: 1\npack: shared\nchecks:\n"
                           "  - id: usable\n    kind: gpg_key\n    fingerprint: " + keys.ed + "\n    homedir: " + home +
                           "\n    usable_for: encrypt\n    encrypt_probe: true\n"
                           "  - id: not-expiring\n    kind: gpg_key\n    needs: [usable]\n    fingerprint: " + keys.ed +
                           "\n    homedir: " + home + "\n    min_valid_days: 30\n"
                           "  - id: other-key\n    kind: gpg_key\n    fingerprint: " + keys.rsa + "\n    homedir: " +
                           home + "\n");

    CHECK(run_logged(dir, bin, tmp) == 0);
    CAPTURE(dir.read("out"));
    const std::string text = dir.read("gpg.log");
    CAPTURE(text);
    const auto lines = lines_of(text);
    // GPGME's start-up (gpgconf disabled) and the one context: two `gpg --version`; then one
    // listing per fingerprint and the probe, all in one context.
    CHECK(lines.size() == 5);
    CHECK(count_with(lines, "gpg --version") == 2);
    CHECK(count_with(lines, "--list-keys") == 2);
    CHECK(count_with(lines, "--encrypt") == 1);
    CHECK(count_with(lines, "gpgconf") == 0);
    CHECK(count_with(lines, "gpgsm") == 0);
    const auto homedirs = homedirs_of(lines);
    REQUIRE(homedirs.size() == 1);  // one private copy for all three operations
    CHECK(homedirs.begin()->rfind(tmp + "/preflight-gpg-", 0) == 0);
    CHECK(std::filesystem::is_empty(tmp));  // removed at the end of the run, with the owner lock
}

TEST_CASE("secret_key asks gpgconf for gpg-agent's socket directory once, and only then") {
    const auto& keys = test_keyring();
    preflight::testing::ScratchDir dir;
    const std::string tmp = dir.mkdir("tmp", 0700);
    const std::string home = copy_of_test_home(dir.file("home"));
    const std::string log = dir.file("gpg.log");
    const std::string bin = logging_bin(dir, log);
    dir.write("pack.yaml", "preflight: 1\npack: secret\nchecks:\n"
                           "  - id: present\n    kind: gpg_key\n    fingerprint: " + keys.ed + "\n    homedir: " + home +
                           "\n    secret_key: present\n    encrypt_probe: true\n"
                           "  - id: again\n    kind: gpg_key\n    needs: [present]\n    fingerprint: " + keys.ed +
                           "\n    homedir: " + home + "\n    secret_key: present\n");

    CHECK(run_logged(dir, bin, tmp) == 0);  // a real gpg-agent answers: the secret key is there
    CAPTURE(dir.read("out"));
    const std::string text = dir.read("gpg.log");
    CAPTURE(text);
    const auto lines = lines_of(text);
    CHECK(count_with(lines, "gpgconf") == 1);
    CHECK(count_with(lines, "gpgconf --homedir " + home + " --list-dirs socketdir") == 1);
    CHECK(count_with(lines, "gpgsm") == 0);
    // The secret listing is in the homedir itself; the probe reuses its key, in the private copy.
    CHECK(count_with(lines, "--list-keys") == 1);
    CHECK(count_with(lines, "--encrypt") == 1);
    CHECK(std::filesystem::is_empty(tmp));
    shell("gpgconf --homedir " + shell_quote(home) + " --kill all || true");
}

TEST_CASE("checks sharing a homedir take turns, each waiting no longer than its own deadline") {
    const auto& keys = test_keyring();
    host::GpgmeKeyring keyring(keys.hanging_gpg);  // answers --version, then hangs
    const auto start = std::chrono::steady_clock::now();
    bool slow_timed_out = false;
    std::thread slow([&] {
        try {
            keyring.lookup(keys.home, keys.ed, start + std::chrono::seconds(4), false);
        } catch (const host::GpgTimeout&) {
            slow_timed_out = true;
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the slow one holds the homedir
    std::string message;
    try {
        keyring.encrypt_probe(keys.home, keys.rsa, start + std::chrono::seconds(1));
    } catch (const host::GpgTimeout& timeout) {
        message = timeout.what();
    }
    const auto waited = std::chrono::steady_clock::now() - start;
    slow.join();
    CHECK(message == "gpg did not answer in time (homedir " + keys.home + ")");
    CHECK(waited < std::chrono::milliseconds(3500));  // its own deadline (1 s), not the other's (4 s)
    CHECK(slow_timed_out);
}

TEST_CASE("one keyring: listings and encrypt probes from several threads on one homedir all succeed") {
    const auto& keys = test_keyring();
    host::GpgmeKeyring keyring("");
    const std::vector<std::string> fingerprints = {keys.rsa, keys.ed, keys.expiring, keys.rsa, keys.ed, keys.expiring};
    std::vector<int> encrypted(fingerprints.size(), -1);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < fingerprints.size(); ++i)
        threads.emplace_back([&, i] {
            try {
                auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
                if (!keyring.lookup(keys.home, fingerprints[i], deadline, false).found) {
                    encrypted[i] = -3;
                    return;
                }
                encrypted[i] = keyring.encrypt_probe(keys.home, fingerprints[i], deadline).encrypted ? 1 : 0;
            } catch (const std::exception&) {
                encrypted[i] = -2;
            }
        });
    for (auto& thread : threads) thread.join();
    CHECK(encrypted == std::vector<int>{1, 1, 1, 1, 1, 1});
}

TEST_CASE("no gpg on PATH and no PREFLIGHT_GPG_BINARY: the key check is an error saying so") {
    const auto& keys = test_keyring();
    preflight::testing::ScratchDir dir;
    const std::string empty_bin = dir.mkdir("empty-bin", 0755);
    dir.write("pack.yaml", "preflight: 1\npack: nogpg\nchecks:\n  - id: key\n    kind: gpg_key\n    fingerprint: " +
                               keys.ed + "\n    homedir: " + keys.home + "\n");
    std::string command = "env -u PREFLIGHT_GPG_BINARY PATH=" + shell_quote(empty_bin) + " " + PREFLIGHT_BINARY +
                          " run " + shell_quote(dir.file("pack.yaml")) + " -f json >" + shell_quote(dir.file("out")) +
                          " 2>/dev/null </dev/null";
    int status = std::system(command.c_str());
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 2);
    CAPTURE(dir.read("out"));
    CHECK(dir.read("out").find("\"message\": \"gpg was not found on PATH, so GnuPG homedir " + keys.home +
                               " cannot be read; install GnuPG (apt-get install gnupg) or set "
                               "PREFLIGHT_GPG_BINARY\"") != std::string::npos);
}
