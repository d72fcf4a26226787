// Private keyring copies (/tmp/preflight-gpg-*) that a killed run leaves behind (issue 17): the
// next run removes those whose owner is gone, and only those.
#include <doctest/doctest.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "gpg/gpg_test_keyring.hpp"
#include "src/host/abandoned_dirs.hpp"
#include "support/cli_fixtures.hpp"
#include "support/file_fixtures.hpp"

using namespace preflight;
using namespace preflight::testing;

namespace {

// The entries of `dir` whose name starts with "preflight-gpg-": copies and owner lock files (or
// only the copies, the directories).
std::vector<std::string> private_copies(const std::string& dir, bool directories_only = false) {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("preflight-gpg-", 0) == 0 && (!directories_only || entry.is_directory()))
            found.push_back(name);
    }
    return found;
}

// A pack of gpg_key checks over every key of the test keyring: each lists its key in a
// private copy of the homedir.
std::string key_pack(const TempDir& dir) {
    const auto& keys = test_keyring();
    std::string yaml = "preflight: 1\npack: copies\nchecks:\n";
    int n = 0;
    for (const auto& fpr : {keys.rsa, keys.ed, keys.sign_only, keys.revoked_subkey, keys.revoked, keys.expired,
                            keys.expiring, keys.disabled}) {
        yaml += "  - id: key-" + std::to_string(++n) + "\n    kind: gpg_key\n    fingerprint: \"" + fpr +
                "\"\n    homedir: \"" + keys.home + "\"\n";
    }
    return dir.write("pack.yaml", yaml);
}

// Starts `preflight run PACK -f json` with TMPDIR=`tmpdir` and kills it with SIGKILL as soon as
// a private copy appears there. True when it was killed while one existed.
bool kill_while_copying(const std::string& pack, const std::string& tmpdir) {
    const pid_t child = ::fork();
    if (child == 0) {
        ::setenv("TMPDIR", tmpdir.c_str(), 1);
        if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "w", stderr)) ::_exit(127);
        ::execl(PREFLIGHT_BINARY, PREFLIGHT_BINARY, "run", pack.c_str(), "-f", "json", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    bool killed = false;
    for (;;) {
        if (!private_copies(tmpdir, true).empty()) {
            ::kill(child, SIGKILL);
            killed = true;
            break;
        }
        int status = 0;
        if (::waitpid(child, &status, WNOHANG) == child) return false;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return killed && WIFSIGNALED(status);
}

}  // namespace

TEST_CASE("abandoned private dirs: those of a lock file nobody holds, in this user's real directories") {
    TempDir parent;
    const std::string live_prefix = host::owned_dir_prefix(parent.path(), "preflight-gpg-");  // this process: alive
    const std::string live = live_prefix + "aaaaaa";
    const std::string gone = parent.file("preflight-gpg-DEADID-bbbbbb");
    const std::string gone_file = parent.file("preflight-gpg-DEADID-cccccc");
    const std::string foreign = parent.file("preflight-gpg-DEADID-dddddd");
    const std::string unowned = parent.file("preflight-gpg-NOLOCK-eeeeee");
    for (const auto& dir : {live, gone, foreign, unowned}) std::filesystem::create_directory(dir);
    parent.write("preflight-gpg-DEADID.lock", "");  // its process died: nobody holds it
    parent.write("preflight-gpg-DEADID-cccccc", "not a directory");
    std::filesystem::create_directory_symlink(live, parent.file("preflight-gpg-DEADID-link"));
    if (::geteuid() == 0) REQUIRE(::chown(foreign.c_str(), 65534, 65534) == 0);
    // A lock file still being made whose process died in that instant, an hour ago; and one being made now.
    const std::string unfinished_old = parent.write(".preflight-gpg-OLDXXX", "", 0600);
    const std::string unfinished_new = parent.write(".preflight-gpg-NEWXXX", "", 0600);
    const timeval old[2] = {{::time(nullptr) - 3600, 0}, {::time(nullptr) - 3600, 0}};
    REQUIRE(::utimes(unfinished_old.c_str(), old) == 0);

    CHECK(host::remove_abandoned_dirs(parent.path(), "preflight-gpg-") == 1);

    CHECK(std::filesystem::exists(live));  // its lock is held
    CHECK(std::filesystem::exists(live_prefix.substr(0, live_prefix.size() - 1) + ".lock"));
    CHECK_FALSE(std::filesystem::exists(gone));
    CHECK_FALSE(std::filesystem::exists(parent.file("preflight-gpg-DEADID.lock")));
    CHECK(std::filesystem::exists(gone_file));                              // not a directory
    CHECK(std::filesystem::is_symlink(parent.file("preflight-gpg-DEADID-link")));  // never followed
    if (::geteuid() == 0) CHECK(std::filesystem::exists(foreign));           // another user's
    CHECK(std::filesystem::exists(unowned));                                // no lock file names it
    CHECK_FALSE(std::filesystem::exists(unfinished_old));
    CHECK(std::filesystem::exists(unfinished_new));
    host::remove_owner_lock();
}

TEST_CASE("a run killed with SIGKILL while gpg reads a private copy: the next run removes the copy") {
    TempDir dir;
    TempDir tmpdir;
    ::chmod(tmpdir.path().c_str(), 0700);
    const std::string pack = key_pack(dir);

    bool killed = false;
    for (int attempt = 0; attempt < 40 && !killed; ++attempt) killed = kill_while_copying(pack, tmpdir.path());
    REQUIRE_MESSAGE(killed, "no run was caught while a private copy existed");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // gpg, orphaned, finishes reading
    REQUIRE_FALSE(private_copies(tmpdir.path(), true).empty());  // what SIGKILL leaves: nothing could remove it

    Ran next = run_preflight("run " + shell_quoted(pack) + " -f json", dir.path(), "TMPDIR=" + shell_quoted(tmpdir.path()));
    CHECK(next.status == 1);  // revoked and expired keys fail; the run itself completed
    CAPTURE(next.err);
    CHECK(private_copies(tmpdir.path()).empty());  // the killed run's copies and lock, and the next run's own
}
