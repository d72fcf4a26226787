// read_env_file refuses what is not a small, readable regular file, without blocking.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "src/env_file.hpp"
#include "support/file_fixtures.hpp"

using preflight::ParsedEnvFile;
using preflight::read_env_file;

namespace {

std::vector<std::string> errors_of(const ParsedEnvFile& parsed) {
    std::vector<std::string> out;
    for (const auto& d : parsed.errors) out.push_back(d.to_string());
    return out;
}

// The first error of read_env_file as an unprivileged user (root reads everything).
std::string first_error_as_nobody(const std::string& path) {
    return preflight::testing::run_unprivileged([&] {
               ParsedEnvFile parsed = read_env_file(path, nullptr);
               return preflight::Outcome::error(parsed.errors.empty() ? "no error" : parsed.errors[0].to_string());
           })
        .second;
}

}  // namespace

TEST_CASE("read_env_file: parses a regular file and locates errors with its path") {
    preflight::testing::TempDir dir;
    std::string path = dir.write(".env", "# compose env\nBACKUP_GPG_FPR=ABC\nBROKEN\n");
    ParsedEnvFile parsed = read_env_file(path, nullptr);
    REQUIRE(parsed.entries.size() == 1);
    CHECK(parsed.entries[0].name == "BACKUP_GPG_FPR");
    CHECK(parsed.entries[0].value == "ABC");
    CHECK(parsed.entries[0].line == 2);
    CHECK(errors_of(parsed) ==
          std::vector<std::string>{path + ":3:1: a line with no '='; a definition is NAME=VALUE (NAME= for an empty value), and a value of several lines must be quoted"});
}

TEST_CASE("read_env_file: follows a symlink to a regular file and uses the outer lookup") {
    preflight::testing::TempDir dir;
    std::string target = dir.write("real.env", "A=${HOME_DIR}/x\n");
    std::string link = dir.file("link.env");
    std::filesystem::create_symlink(target, link);
    ParsedEnvFile parsed = read_env_file(link, [](const std::string& name) -> std::optional<std::string> {
        if (name == "HOME_DIR") return "/home/op";
        return std::nullopt;
    });
    CHECK(parsed.errors.empty());
    CHECK(parsed.value("A") == std::optional<std::string>("/home/op/x"));
}

TEST_CASE("read_env_file: refuses what is not a regular file") {
    preflight::testing::TempDir dir;
    std::string missing = dir.file("missing.env");
    CHECK(errors_of(read_env_file(missing, nullptr)) ==
          std::vector<std::string>{missing + ": cannot read env file: no such file"});

    std::string directory = dir.file("env.d");
    std::filesystem::create_directory(directory);
    CHECK(errors_of(read_env_file(directory, nullptr)) ==
          std::vector<std::string>{directory + ": cannot read env file: not a regular file (it is a directory)"});

    // A FIFO without a writer would block a plain open(); this must return at once.
    std::string fifo = dir.file("fifo.env");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(errors_of(read_env_file(fifo, nullptr)) ==
          std::vector<std::string>{fifo + ": cannot read env file: not a regular file (it is a FIFO)"});

    ParsedEnvFile zero = read_env_file("/dev/zero", nullptr);
    CHECK(zero.entries.empty());
    CHECK(errors_of(zero) ==
          std::vector<std::string>{"/dev/zero: cannot read env file: not a regular file (it is a character device)"});
}

TEST_CASE("read_env_file: refuses files over 1 MiB and reads one of exactly 1 MiB") {
    preflight::testing::TempDir dir;
    std::string line = "# " + std::string(1021, 'x') + "\n";  // 1024 bytes
    std::string exact;
    for (int i = 0; i < 1024; ++i) exact += line;
    REQUIRE(exact.size() == 1024u * 1024u);
    std::string at_limit = dir.write("exact.env", exact);
    ParsedEnvFile parsed = read_env_file(at_limit, nullptr);
    CHECK(parsed.errors.empty());
    CHECK(parsed.entries.empty());

    std::string too_big = dir.write("big.env", exact + "A=1\n");
    ParsedEnvFile refused = read_env_file(too_big, nullptr);
    CHECK(refused.entries.empty());
    CHECK(errors_of(refused) ==
          std::vector<std::string>{too_big + ": cannot read env file: larger than 1 MiB (1048580 bytes)"});
}

TEST_CASE("read_env_file: says permission denied for an unreadable file") {
    preflight::testing::TempDir dir;
    std::string path = dir.write("secret.env", "PASSWORD=hunter2\n");
    REQUIRE(::chmod(path.c_str(), 0) == 0);
    std::string expected = path + ": cannot read env file: permission denied";
    if (::geteuid() == 0) {
        std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all |
                                                       std::filesystem::perms::others_exec);
        CHECK(first_error_as_nobody(path) == expected);
    } else {
        CHECK(errors_of(read_env_file(path, nullptr)) == std::vector<std::string>{expected});
    }
}

TEST_CASE("read_env_file: a 10 MB line is refused by size, at once") {
    preflight::testing::TempDir dir;
    std::string path = dir.write("long.env", "A=" + std::string(10 * 1024 * 1024, 'x') + "\n");
    ParsedEnvFile parsed = read_env_file(path, nullptr);
    CHECK(parsed.entries.empty());
    CHECK(errors_of(parsed) ==
          std::vector<std::string>{path + ": cannot read env file: larger than 1 MiB (10485763 bytes)"});
}
