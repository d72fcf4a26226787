// gpg_key as root against homedirs other users control (issue 13): their gpg.conf names programs
// gpg runs; a gpg-agent that cannot start; and nothing gpg started outlives `preflight run`.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "gpg/gpg_check_support.hpp"
#include "gpg/gpg_test_keyring.hpp"
#include "src/host/gpg.hpp"
#include "tests/support/process_fixtures.hpp"

using namespace preflight;
using preflight::testing::copy_of_test_home;
using preflight::testing::GpgCheckFields;
using preflight::testing::run_with_gnupg;
using preflight::testing::shell;
using preflight::testing::shell_quote;
using preflight::testing::test_keyring;

namespace {

// A program that leaves `marker` behind when anything runs it, and then fails.
std::string evil_program(const std::string& path, const std::string& marker) {
    shell("printf '#!/bin/sh\\ntouch %s\\nexit 1\\n' " + shell_quote(shell_quote(marker)) + " > " + shell_quote(path) +
          " && chmod 0755 " + shell_quote(path));
    return path;
}

bool exists(const std::string& path) { return std::filesystem::exists(path); }

}  // namespace

TEST_CASE("gpg_key as root: a homedir another user owns is refused before gpg reads its options") {
    if (::geteuid() != 0) {
        MESSAGE("not root: the ownership rule is about root; skipped");
        return;
    }
    const auto& keys = test_keyring();
    const std::string home = copy_of_test_home(keys.base + "/owned-by-nobody");
    const std::string marker = keys.base + "/evil-ran";
    const std::string evil = evil_program(keys.base + "/evil", marker);
    shell("printf 'agent-program %s\\n' " + shell_quote(evil) + " > " + shell_quote(home + "/gpg.conf"));
    shell("printf 'pinentry-program %s\\nscdaemon-program %s\\n' " + shell_quote(evil) + " " + shell_quote(evil) +
          " > " + shell_quote(home + "/gpg-agent.conf"));

    SUBCASE("the homedir itself, owned by nobody with mode 0700") {
        shell("chown -R nobody " + shell_quote(home));
        const std::string expected = "GnuPG homedir " + home +
                                     " is owned by nobody (uid 65534), not by root: that user could make gpg run any "
                                     "program as root; run preflight as nobody, or run: chown -R root " + home;
        for (const char* policy : {"any", "present", "absent"}) {
            CAPTURE(policy);
            GpgCheckFields fields;
            fields.text("fingerprint", keys.ed).text("homedir", home).choice("secret_key", policy)
                .boolean("encrypt_probe", true);
            auto outcome = run_with_gnupg(fields);
            CHECK(outcome.status == Status::error);
            CHECK(outcome.message == expected);
        }
        CHECK_FALSE(exists(marker));
    }

    SUBCASE("a root-owned homedir holding a gpg.conf that nobody owns") {
        shell("chown nobody " + shell_quote(home + "/gpg.conf"));
        GpgCheckFields fields;
        fields.text("fingerprint", keys.ed).text("homedir", home).choice("secret_key", "absent");
        auto outcome = run_with_gnupg(fields);
        CHECK(outcome.status == Status::error);
        CHECK(outcome.message == home + "/gpg.conf in GnuPG homedir " + home +
                                     " is owned by nobody (uid 65534), not by root: that user could make gpg run "
                                     "any program as root; run preflight as nobody, or run: chown -R root " + home);
        CHECK_FALSE(exists(marker));
    }

    SUBCASE("a gpg-agent.conf, or a key file, that other users may write") {
        ::chmod((home + "/gpg-agent.conf").c_str(), 0666);
        GpgCheckFields fields;
        fields.text("fingerprint", keys.ed).text("homedir", home).choice("secret_key", "present");
        auto outcome = run_with_gnupg(fields);
        CHECK(outcome.status == Status::error);
        CHECK(outcome.message == home + "/gpg-agent.conf in GnuPG homedir " + home +
                                     " is writable by other users (mode 0666), so gpg's options and keys there "
                                     "cannot be trusted; run: chmod go-w " + home + "/gpg-agent.conf");
        ::chmod((home + "/gpg-agent.conf").c_str(), 0600);
        ::chmod((home + "/pubring.kbx").c_str(), 0620);
        GpgCheckFields public_only;
        public_only.text("fingerprint", keys.ed).text("homedir", home);
        CHECK(run_with_gnupg(public_only).message == home + "/pubring.kbx in GnuPG homedir " + home +
                                              " is writable by other users (mode 0620), so gpg's options and keys "
                                              "there cannot be trusted; run: chmod go-w " + home + "/pubring.kbx");
        CHECK_FALSE(exists(marker));
    }

    SUBCASE("the same options in a homedir root owns do run: the fixture is real") {
        GpgCheckFields fields;
        fields.text("fingerprint", keys.ed).text("homedir", home).choice("secret_key", "present");
        auto outcome = run_with_gnupg(fields);
        CHECK(outcome.status == Status::error);  // the "agent" exits 1: gpg could not reach it
        CHECK(exists(marker));
        std::filesystem::remove(marker);
    }
    shell("gpgconf --homedir " + shell_quote(home) + " --kill all || true; rm -rf " + shell_quote(home));
}

TEST_CASE("gpg_key as root: entries deep in the homedir, and where its links point, are checked too") {
    if (::geteuid() != 0) {
        MESSAGE("not root: the ownership rule is about root; skipped");
        return;
    }
    const auto& keys = test_keyring();
    const std::string home = copy_of_test_home(keys.base + "/deep");
    std::string key_file = shell("ls " + shell_quote(home + "/private-keys-v1.d") + " | head -n 1");
    key_file = home + "/private-keys-v1.d/" + key_file.substr(0, key_file.find('\n'));
    GpgCheckFields fields;
    fields.text("fingerprint", keys.ed).text("homedir", home);
    const std::string owned_by_nobody = " in GnuPG homedir " + home +
                                        " is owned by nobody (uid 65534), not by root: that user could make gpg run "
                                        "any program as root; run preflight as nobody, or run: chown -R root " + home;

    shell("chown nobody " + shell_quote(key_file));
    CHECK(run_with_gnupg(fields).message == key_file + owned_by_nobody);
    shell("chown root " + shell_quote(key_file));

    ::chmod(key_file.c_str(), 0620);
    CHECK(run_with_gnupg(fields).message == key_file + " in GnuPG homedir " + home +
                                                " is writable by other users (mode 0620), so gpg's options and keys "
                                                "there cannot be trusted; run: chmod go-w " + key_file);
    ::chmod(key_file.c_str(), 0600);

    const std::string foreign = keys.base + "/foreign-options";
    shell("echo 'agent-program /bin/false' > " + shell_quote(foreign) + " && chown nobody " + shell_quote(foreign) +
          " && ln -s " + shell_quote(foreign) + " " + shell_quote(home + "/linked.conf"));
    CHECK(run_with_gnupg(fields).message == home + "/linked.conf" + owned_by_nobody);
    shell("rm -f " + shell_quote(home + "/linked.conf") + " " + shell_quote(foreign));

    CHECK(run_with_gnupg(fields).status == Status::pass);  // all restored: the fixture is real
    shell("gpgconf --homedir " + shell_quote(home) + " --kill all || true; rm -rf " + shell_quote(home));
}

TEST_CASE("gpg_key as root: a homedir inside a directory another user may change is refused") {
    if (::geteuid() != 0) {
        MESSAGE("not root: the ownership rule is about root; skipped");
        return;
    }
    const auto& keys = test_keyring();
    const std::string above = keys.base + "/above";
    shell("mkdir -m 0755 " + shell_quote(above));
    const std::string home = copy_of_test_home(above + "/home");
    GpgCheckFields fields;
    fields.text("fingerprint", keys.ed).text("homedir", home);

    shell("chown nobody " + shell_quote(above));
    auto outcome = run_with_gnupg(fields);
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "GnuPG homedir " + home + " is inside " + above +
                                 ", which nobody (uid 65534) owns: that user could put another homedir in its "
                                 "place; move the homedir, or run: chown root " + above);

    shell("chown root " + shell_quote(above));
    ::chmod(above.c_str(), 0777);
    CHECK(run_with_gnupg(fields).message == "GnuPG homedir " + home + " is inside " + above +
                                     ", which other users may write (mode 0777): they could put another homedir in "
                                     "its place; run: chmod go-w " + above);

    ::chmod(above.c_str(), 01777);  // sticky, as /tmp: others cannot rename root's entries
    CHECK(run_with_gnupg(fields).status == Status::pass);
    shell("rm -rf " + shell_quote(above));
}

TEST_CASE("gpg_key: when gpg-agent cannot start, whether the secret key is there is an error, never absent") {
    const auto& keys = test_keyring();
    // The key's secret is in this homedir; gpg cannot ask the agent, so it would list none.
    const std::string home = copy_of_test_home(keys.base + "/no-agent");
    shell("echo 'agent-program /bin/false' > " + shell_quote(home + "/gpg.conf"));
    std::string listing = shell("gpg --batch --no-tty --homedir " + shell_quote(home) +
                                " --with-colons --with-secret --list-keys " + keys.ed + " 2>&1 || true");
    CHECK(listing.find("failed to start agent") != std::string::npos);

    std::string socket = shell("gpgconf --homedir " + shell_quote(home) + " --list-dirs agent-socket");
    socket.pop_back();  // the newline
    const std::string expected = "gpg could not reach gpg-agent for GnuPG homedir " + home + " (" + socket +
                                 ": No such file or directory), so it cannot tell whether the secret "
                                 "key is present; check that gpg-agent is installed and starts: gpg-connect-agent "
                                 "--homedir " + home + " /bye";
    for (const char* policy : {"absent", "present"}) {
        CAPTURE(policy);
        GpgCheckFields fields;
        fields.text("fingerprint", keys.ed).text("homedir", home).choice("secret_key", policy);
        auto outcome = run_with_gnupg(fields);
        CHECK(outcome.status == Status::error);
        CHECK(outcome.message == expected);
    }
    // The public keyring alone needs no agent.
    GpgCheckFields public_only;
    public_only.text("fingerprint", keys.ed).text("homedir", home).boolean("encrypt_probe", true);
    CHECK(run_with_gnupg(public_only).status == Status::pass);
    shell("rm -rf " + shell_quote(home));
}

TEST_CASE("preflight run leaves no gpg it started and no private keyring copy, even when gpg hangs") {
    const auto& keys = test_keyring();
    preflight::testing::ScratchDir dir;
    const std::string tmp = dir.mkdir("tmp", 0700);
    const std::string home = copy_of_test_home(dir.file("home"));
    const std::string token = preflight::testing::unique_token();
    // One gpg hangs after answering --version (the check times out and goes on), the other hangs
    // at once: GPGME's synchronous --version never returns, so the check's thread is abandoned.
    const std::string hangs_later = dir.script("hangs-later", "if [ \"$1\" = --version ]; then exec gpg --version; fi\n"
                                                              "exec sleep 300." + token);
    const std::string hangs_at_once = dir.script("hangs-at-once", "exec sleep 301." + token);
    dir.write("pack.yaml", "preflight: 1\npack: hang\nchecks:\n  - id: key\n    kind: gpg_key\n    timeout: 1s\n"
                           "    fingerprint: " + keys.ed + "\n    homedir: " + home + "\n");
    for (const std::string& gpg : {hangs_later, hangs_at_once}) {
        CAPTURE(gpg);
        std::string command = "env TMPDIR=" + shell_quote(tmp) + " PREFLIGHT_GPG_BINARY=" + shell_quote(gpg) + " " +
                              PREFLIGHT_BINARY + " run " + shell_quote(dir.file("pack.yaml")) + " >" +
                              shell_quote(dir.file("out")) + " 2>&1 </dev/null";
        int status = std::system(command.c_str());
        CAPTURE(dir.read("out"));
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) != 0);  // the check is an error
        CHECK(dir.read("out").find("error") != std::string::npos);
    }
    // A process preflight killed with SIGKILL may take a moment to leave /proc on a slow (TSan)
    // build; one it left running would still be there after seconds (they sleep 300 s).
    std::vector<int> left, left_too;
    for (int waited_ms = 0; waited_ms <= 3000; waited_ms += 50) {
        left = preflight::testing::pids_with_argument("300." + token);
        left_too = preflight::testing::pids_with_argument("301." + token);
        if (left.empty() && left_too.empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(left.empty());
    CHECK(left_too.empty());
    for (int pid : left) ::kill(pid, SIGKILL);
    for (int pid : left_too) ::kill(pid, SIGKILL);
    CHECK(std::filesystem::is_empty(tmp));  // no preflight-gpg-* copy left behind
    shell("gpgconf --homedir " + shell_quote(home) + " --kill all || true");
}
