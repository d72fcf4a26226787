// gpg_key against hostile GnuPG homes (issue 8): world-writable, a gpg-agent that never answers, no HOME.
// One test case with subcases, so that the keyring is generated once per process.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "gpg/gpg_check_support.hpp"
#include "gpg/gpg_test_keyring.hpp"
#include "src/host/gpg.hpp"
#include "tests/support/file_fixtures.hpp"

using namespace preflight;
using preflight::testing::copy_of_test_home;
using preflight::testing::GpgCheckFields;
using preflight::testing::run_with_gnupg;
using preflight::testing::shell;
using preflight::testing::shell_quote;
using preflight::testing::test_keyring;

namespace {

// The message of the first check of a JSON report that `command` printed.
std::string first_message(const std::string& command) {
    std::string output = shell(command + " || true");
    auto report = nlohmann::json::parse(output);
    return report["checks"][0]["message"].get<std::string>();
}

}  // namespace

TEST_CASE("gpg_key against hostile GnuPG homes") {
    const auto& keys = test_keyring();

    SUBCASE("a world-writable homedir is an error naming the mode, though gpg only warns") {
        const std::string home = copy_of_test_home(keys.base + "/w");
        REQUIRE(::chmod(home.c_str(), 0777) == 0);
        // gpg itself goes on after its warning: the key is listed.
        std::string listing = shell("gpg --batch --no-tty --homedir " + shell_quote(home) +
                                    " --no-auto-check-trustdb --with-colons --list-keys " + keys.ed);
        CHECK(listing.find("WARNING: unsafe permissions on homedir") != std::string::npos);
        CHECK(listing.find(keys.ed) != std::string::npos);
        const std::string expected = "GnuPG homedir " + home +
                                     " is writable by other users (mode 0777), so its keys cannot be trusted; "
                                     "run: chmod go-w " + home;
        for (const char* policy : {"any", "present"}) {
            CAPTURE(policy);
            GpgCheckFields fields;
            fields.text("fingerprint", keys.ed).text("homedir", home).choice("secret_key", policy);
            auto outcome = run_with_gnupg(fields);
            CHECK(outcome.status == Status::error);
            CHECK(outcome.message == expected);
        }
        REQUIRE(::chmod(home.c_str(), 0775) == 0);
        GpgCheckFields group_writable;
        group_writable.text("fingerprint", keys.ed).text("homedir", home);
        CHECK(run_with_gnupg(group_writable).message == "GnuPG homedir " + home +
                                                 " is writable by other users (mode 0775), so its keys cannot be "
                                                 "trusted; run: chmod go-w " + home);
        REQUIRE(::chmod(home.c_str(), 0755) == 0);  // readable by others is gpg's warning only
        GpgCheckFields readable;
        readable.text("fingerprint", keys.ed).text("homedir", home);
        CHECK(run_with_gnupg(readable).status == Status::pass);
        shell("gpgconf --homedir " + shell_quote(home) + " --kill all || true");
    }

    SUBCASE("a gpg-agent that never answers: the secret-key lookup ends as error within the timeout") {
        const std::string home = copy_of_test_home(keys.base + "/s");
        // The agent's socket accepts connections (the kernel queues them) and never says a word,
        // as a stopped or wedged gpg-agent does. A socket of our own rather than a SIGSTOPped
        // agent: a real agent can be restarted behind the test's back, this one cannot.
        const int hung = ::socket(AF_UNIX, SOCK_STREAM, 0);
        REQUIRE(hung >= 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const std::string socket_path = home + "/S.gpg-agent";
        REQUIRE(socket_path.size() < sizeof address.sun_path);
        std::copy(socket_path.begin(), socket_path.end(), address.sun_path);
        REQUIRE(::bind(hung, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(hung, 64) == 0);

        GpgCheckFields needs_agent;
        needs_agent.text("fingerprint", keys.ed).text("homedir", home).choice("secret_key", "present");
        auto outcome = run_with_gnupg(needs_agent, std::chrono::seconds(2));
        CHECK(outcome.status == Status::error);
        CHECK(outcome.message == "gpg did not answer within 2s (homedir " + home + ")");

        // The public keyring alone does not need the agent.
        GpgCheckFields public_only;
        public_only.text("fingerprint", keys.ed).text("homedir", home).boolean("encrypt_probe", true);
        CHECK(run_with_gnupg(public_only, std::chrono::seconds(10)).status == Status::pass);
        ::close(hung);
    }

    SUBCASE("HOME and GNUPGHOME unset: the default homedir comes from the password database") {
        if (::geteuid() != 0) {
            MESSAGE("not root: cannot run preflight as other users; skipped");
            return;
        }
        preflight::testing::TempDir dir;
        dir.write("k.yaml", "preflight: 1\npack: k\nchecks:\n  - id: key\n    kind: gpg_key\n    fingerprint: " +
                                keys.ed + "\n");
        const std::string run_as = "cd " + shell_quote(dir.path()) + " && env -i PATH=/usr/bin:/bin setpriv --regid=";
        const std::string preflight_run = std::string(" --clear-groups ") + PREFLIGHT_BINARY + " run k.yaml -f json 2>/dev/null";
        // nobody's home in the password database is /nonexistent.
        CHECK(first_message(run_as + "65534 --reuid=65534" + preflight_run) ==
              "GnuPG homedir /nonexistent/.gnupg (the default for user nobody) does not exist (nothing was "
              "created); run preflight as the user who holds the key, or set `homedir:`");
        CHECK(first_message(run_as + "54321 --reuid=54321" + preflight_run) ==
              "cannot tell the default GnuPG homedir: GNUPGHOME and HOME are not set and the user has no home "
              "directory; set `homedir:`");
    }
}
