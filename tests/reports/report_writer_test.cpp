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
    CHECK((info.st_mode & 0777) == 0640);
    CHECK(entries(dir.path()) == std::vector<std::string>{"report.json"});
}

TEST_CASE("a new report gets the mode the umask allows, not the temporary file's 0600") {
    ScratchDir dir;
    const mode_t previous = ::umask(027);
    std::string error;
    const bool written = write_report_atomically(dir / "report.md", "# report\n", error);
    ::umask(previous);
    REQUIRE(written);
    struct stat info {};
    REQUIRE(::stat((dir / "report.md").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0640);
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
