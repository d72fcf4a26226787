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

using preflight::ParsedEnvFile;
using preflight::read_env_file;

namespace {

class ScratchDir {
public:
    ScratchDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "preflight-envread-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    std::string file(const std::string& name, const std::string& content) const {
        std::string path = (path_ / name).string();
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
    std::string path(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

std::vector<std::string> errors_of(const ParsedEnvFile& parsed) {
    std::vector<std::string> out;
    for (const auto& d : parsed.errors) out.push_back(d.to_string());
    return out;
}

// read_env_file as an unprivileged user (root reads everything), in a child process.
std::string first_error_as_nobody(const std::string& path) {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(pipe_fds[0]);
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
        ParsedEnvFile parsed = read_env_file(path, nullptr);
        std::string message = parsed.errors.empty() ? "no error" : parsed.errors[0].to_string();
        ssize_t written = ::write(pipe_fds[1], message.data(), message.size());
        ::_exit(written == static_cast<ssize_t>(message.size()) ? 0 : 4);
    }
    ::close(pipe_fds[1]);
    std::string message;
    char buffer[512];
    ssize_t got;
    while ((got = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) message.append(buffer, got);
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    return message;
}

}  // namespace

TEST_CASE("read_env_file: parses a regular file and locates errors with its path") {
    ScratchDir dir;
    std::string path = dir.file(".env", "# compose env\nBACKUP_GPG_FPR=ABC\nBROKEN\n");
    ParsedEnvFile parsed = read_env_file(path, nullptr);
    REQUIRE(parsed.entries.size() == 1);
    CHECK(parsed.entries[0].name == "BACKUP_GPG_FPR");
    CHECK(parsed.entries[0].value == "ABC");
    CHECK(parsed.entries[0].line == 2);
    CHECK(errors_of(parsed) ==
          std::vector<std::string>{path + ":3:1: variable 'BROKEN' has no '='; write BROKEN= to define it as empty"});
}

TEST_CASE("read_env_file: follows a symlink to a regular file and uses the outer lookup") {
    ScratchDir dir;
    std::string target = dir.file("real.env", "A=${HOME_DIR}/x\n");
    std::string link = dir.path("link.env");
    std::filesystem::create_symlink(target, link);
    ParsedEnvFile parsed = read_env_file(link, [](const std::string& name) -> std::optional<std::string> {
        if (name == "HOME_DIR") return "/home/op";
        return std::nullopt;
    });
    CHECK(parsed.errors.empty());
    CHECK(parsed.value("A") == std::optional<std::string>("/home/op/x"));
}

TEST_CASE("read_env_file: refuses what is not a regular file") {
    ScratchDir dir;
    std::string missing = dir.path("missing.env");
    CHECK(errors_of(read_env_file(missing, nullptr)) ==
          std::vector<std::string>{missing + ": cannot read env file: no such file"});

    std::string directory = dir.path("env.d");
    std::filesystem::create_directory(directory);
    CHECK(errors_of(read_env_file(directory, nullptr)) ==
          std::vector<std::string>{directory + ": cannot read env file: not a regular file (it is a directory)"});

    // A FIFO without a writer would block a plain open(); this must return at once.
    std::string fifo = dir.path("fifo.env");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(errors_of(read_env_file(fifo, nullptr)) ==
          std::vector<std::string>{fifo + ": cannot read env file: not a regular file (it is a FIFO)"});

    ParsedEnvFile zero = read_env_file("/dev/zero", nullptr);
    CHECK(zero.entries.empty());
    CHECK(errors_of(zero) ==
          std::vector<std::string>{"/dev/zero: cannot read env file: not a regular file (it is a character device)"});
}

TEST_CASE("read_env_file: refuses files over 1 MiB and reads one of exactly 1 MiB") {
    ScratchDir dir;
    std::string line = "# " + std::string(1021, 'x') + "\n";  // 1024 bytes
    std::string exact;
    for (int i = 0; i < 1024; ++i) exact += line;
    REQUIRE(exact.size() == 1024u * 1024u);
    std::string at_limit = dir.file("exact.env", exact);
    ParsedEnvFile parsed = read_env_file(at_limit, nullptr);
    CHECK(parsed.errors.empty());
    CHECK(parsed.entries.empty());

    std::string too_big = dir.file("big.env", exact + "A=1\n");
    ParsedEnvFile refused = read_env_file(too_big, nullptr);
    CHECK(refused.entries.empty());
    CHECK(errors_of(refused) ==
          std::vector<std::string>{too_big + ": cannot read env file: larger than 1 MiB (1048580 bytes)"});
}

TEST_CASE("read_env_file: says permission denied for an unreadable file") {
    ScratchDir dir;
    std::string path = dir.file("secret.env", "PASSWORD=hunter2\n");
    REQUIRE(::chmod(path.c_str(), 0) == 0);
    std::string expected = path + ": cannot read env file: permission denied";
    if (::geteuid() == 0) {
        std::filesystem::permissions(dir.path(""), std::filesystem::perms::owner_all |
                                                       std::filesystem::perms::others_exec);
        CHECK(first_error_as_nobody(path) == expected);
    } else {
        CHECK(errors_of(read_env_file(path, nullptr)) == std::vector<std::string>{expected});
    }
}

TEST_CASE("read_env_file: a 10 MB line is refused by size, at once") {
    ScratchDir dir;
    std::string path = dir.file("long.env", "A=" + std::string(10 * 1024 * 1024, 'x') + "\n");
    ParsedEnvFile parsed = read_env_file(path, nullptr);
    CHECK(parsed.entries.empty());
    CHECK(errors_of(parsed) ==
          std::vector<std::string>{path + ": cannot read env file: larger than 1 MiB (10485763 bytes)"});
}
