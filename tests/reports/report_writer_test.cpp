// Report files are replaced atomically, never left partial, and a destination that cannot be
// written is reported before any check runs.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "reports/report_writer.hpp"
#include "tests/reports/fixture.hpp"

namespace preflight {
namespace {

using testing::read_file;
using testing::ScratchDir;

std::vector<std::string> entries(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// A directory this process cannot create files in: a read-only one for an ordinary user;
// sysfs for root, whom permission bits do not stop.
std::string unwritable_directory(const ScratchDir& scratch) {
    if (::geteuid() == 0) return "/sys";
    const std::string dir = scratch / "read-only";
    std::filesystem::create_directory(dir);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    return dir;
}

TEST_CASE("a report is written in full and nothing else is left in its directory") {
    ScratchDir dir;
    std::string error = "stale";
    const std::string content(300000, 'x');
    REQUIRE(write_report_atomically(dir / "report.json", content, error));
    CHECK(error.empty());
    CHECK(read_file(dir / "report.json") == content);
    CHECK(entries(dir.path()) == std::vector<std::string>{"report.json"});
}

TEST_CASE("a report path without a directory is written to the current directory") {
    ScratchDir dir;
    const auto previous = std::filesystem::current_path();
    std::filesystem::current_path(dir.path());
    std::string error;
    const bool written = write_report_atomically("report.md", "# ok\n", error);
    std::filesystem::current_path(previous);
    CHECK(written);
    CHECK(read_file(dir / "report.md") == "# ok\n");
    CHECK_FALSE(check_report_destination("report.md").has_value());
}

TEST_CASE("an existing report is replaced, not rewritten in place") {
    ScratchDir dir;
    const std::string path = dir / "report.json";
    std::ofstream(path) << "old report\n";
    ::chmod(path.c_str(), 0640);
    std::ifstream reader_of_old(path);  // a reader that opened the old report keeps all of it

    std::string error;
    REQUIRE(write_report_atomically(path, "new report\n", error));
    CHECK(read_file(path) == "new report\n");
    std::string old_content((std::istreambuf_iterator<char>(reader_of_old)), std::istreambuf_iterator<char>());
    CHECK(old_content == "old report\n");
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 07777) == 0600);  // its own mode, not the old report's 0640
    CHECK(entries(dir.path()) == std::vector<std::string>{"report.json"});
}

mode_t mode_of(const std::string& path) {
    struct stat info {};
    REQUIRE(::lstat(path.c_str(), &info) == 0);
    return info.st_mode;
}

TEST_CASE("a new report is mode 0600 whatever the umask") {
    ScratchDir dir;
    for (mode_t umask : {mode_t{000}, mode_t{022}, mode_t{077}}) {
        const mode_t previous = ::umask(umask);
        std::string error;
        const bool written = write_report_atomically(dir / "report.md", "# report\n", error);
        ::umask(previous);
        REQUIRE(written);
        CHECK((mode_of(dir / "report.md") & 07777) == 0600);
    }
}

TEST_CASE("a planted setuid file at the destination never lends its mode to the report") {
    // Issue 13: a 6777 file left at the destination came back -rwsrwsrwx root root.
    if (::geteuid() != 0) return;  // only root can plant a file for another user
    ScratchDir dir;
    const std::string path = dir / "gate.json";
    std::ofstream(path) << "forged PASS\n";
    REQUIRE(::chown(path.c_str(), 65534, 65534) == 0);
    REQUIRE(::chmod(path.c_str(), 06777) == 0);
    std::string error;
    REQUIRE(write_report_atomically(path, "{}\n", error));
    struct stat info {};
    REQUIRE(::lstat(path.c_str(), &info) == 0);
    CHECK(S_ISREG(info.st_mode));
    CHECK((info.st_mode & 07777) == 0600);
    CHECK(info.st_uid == ::geteuid());
    CHECK(read_file(path) == "{}\n");
}

TEST_CASE("a destination that is a symlink is replaced by the report, never written through") {
    ScratchDir dir;
    const std::string target = dir / "setuid-program";
    std::ofstream(target) << "program\n";
    REQUIRE(::chmod(target.c_str(), 04755) == 0);
    const std::string path = dir / "gate.json";
    REQUIRE(::symlink(target.c_str(), path.c_str()) == 0);
    std::string error;
    REQUIRE(write_report_atomically(path, "{}\n", error));
    CHECK(S_ISREG(mode_of(path)));
    CHECK((mode_of(path) & 07777) == 0600);
    CHECK(read_file(path) == "{}\n");
    CHECK((mode_of(target) & 07777) == 04755);
    CHECK(read_file(target) == "program\n");
}

TEST_CASE("a directory other users can write without the sticky bit is refused, before and at writing") {
    ScratchDir dir;
    REQUIRE(::chmod(dir.path().c_str(), 0777) == 0);
    const std::string path = dir / "gate.json";
    const std::string expected = "cannot write report \"" + path + "\": another user could replace the report: directory " +
                                 dir.path().string() + " is writable by group and others and not sticky (mode 0777)";
    CHECK(check_report_destination(path) == expected);
    std::string error;
    CHECK_FALSE(write_report_atomically(path, "{}\n", error));
    CHECK(error == expected);
    CHECK(entries(dir.path()).empty());

    REQUIRE(::chmod(dir.path().c_str(), 0775) == 0);
    CHECK(check_report_destination(path) ==
          "cannot write report \"" + path + "\": another user could replace the report: directory " +
              dir.path().string() + " is writable by group and not sticky (mode 0775)");
}

TEST_CASE("a directory owned by another user is refused") {
    if (::geteuid() != 0) return;
    ScratchDir dir;
    const std::string theirs = dir / "theirs";
    std::filesystem::create_directory(theirs);
    REQUIRE(::chown(theirs.c_str(), 65534, 65534) == 0);
    CHECK(check_report_destination(theirs + "/gate.json") ==
          "cannot write report \"" + theirs + "/gate.json\": another user could replace the report: directory " +
              theirs + " is owned by nobody (uid 65534), not by root");
}

TEST_CASE("in a sticky directory others can write, a new name is created and another user's name is refused") {
    ScratchDir dir;
    REQUIRE(::chmod(dir.path().c_str(), 01777) == 0);
    const std::string fresh = dir / "fresh.json";
    std::string error;
    CHECK_FALSE(check_report_destination(fresh).has_value());
    REQUIRE(write_report_atomically(fresh, "one\n", error));
    CHECK((mode_of(fresh) & 07777) == 0600);
    REQUIRE(write_report_atomically(fresh, "two\n", error));  // our own report is replaced
    CHECK(read_file(fresh) == "two\n");

    if (::geteuid() != 0) return;  // only root can plant a file for another user
    const std::string planted = dir / "planted.json";
    std::ofstream(planted) << "forged PASS\n";
    REQUIRE(::chown(planted.c_str(), 65534, 65534) == 0);
    const std::string expected = "cannot write report \"" + planted + "\": \"" + planted +
                                 "\" exists and belongs to uid 65534 in a directory other users can write; "
                                 "choose a new name or a private directory";
    CHECK(check_report_destination(planted) == expected);
    CHECK_FALSE(write_report_atomically(planted, "{}\n", error));
    CHECK(error == expected);
    CHECK(read_file(planted) == "forged PASS\n");
}

TEST_CASE("a write that fails half-way leaves the old report intact and no temporary file") {
    ScratchDir dir;
    const std::string path = dir / "report.json";
    std::ofstream(path) << "old report\n";

    // The file size limit makes write(2) fail with EFBIG after 4096 bytes of the new report.
    struct rlimit saved {};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
    const auto previous_handler = ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = saved;
    small.rlim_cur = 4096;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::string error;
    const bool written = write_report_atomically(path, std::string(100000, 'n'), error);
    ::setrlimit(RLIMIT_FSIZE, &saved);
    ::signal(SIGXFSZ, previous_handler);

    CHECK_FALSE(written);
    CHECK(error == "cannot write report \"" + path + "\": File too large");
    CHECK(read_file(path) == "old report\n");
    CHECK(entries(dir.path()) == std::vector<std::string>{"report.json"});
}

TEST_CASE("a missing directory is a clear error, before and at writing") {
    ScratchDir dir;
    const std::string path = dir / "missing/report.json";
    const std::string expected =
        "cannot write report \"" + path + "\": directory \"" + (dir / "missing") + "\" does not exist";
    CHECK(check_report_destination(path) == expected);
    std::string error;
    CHECK_FALSE(write_report_atomically(path, "x", error));
    CHECK(error == expected);
    CHECK_FALSE(std::filesystem::exists(dir / "missing"));
}

TEST_CASE("a directory that cannot be written is a clear error and is left untouched") {
    ScratchDir scratch;
    const std::string dir = unwritable_directory(scratch);
    const auto before = entries(dir);
    const std::string path = dir + "/report.json";
    const std::string expected = "cannot write report \"" + path + "\": directory \"" + dir + "\" is not writable";
    CHECK(check_report_destination(path) == expected);
    std::string error;
    CHECK_FALSE(write_report_atomically(path, "x", error));
    CHECK(error == expected);
    CHECK(entries(dir) == before);
}

TEST_CASE("a destination that is a directory, or under a file, is refused") {
    ScratchDir dir;
    std::filesystem::create_directory(dir / "report.json");
    CHECK(check_report_destination(dir / "report.json") ==
          "cannot write report \"" + (dir / "report.json") + "\": it is a directory");
    std::ofstream(dir / "file") << "x";
    CHECK(check_report_destination(dir / "file/report.json") ==
          "cannot write report \"" + (dir / "file/report.json") + "\": \"" + (dir / "file") + "\" is not a directory");
}

TEST_CASE("checking a writable destination leaves nothing behind") {
    ScratchDir dir;
    CHECK_FALSE(check_report_destination(dir / "report.xml").has_value());
    CHECK(entries(dir.path()).empty());
}

}  // namespace
}  // namespace preflight
