#include "reports/report_writer.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "src/path_trust.hpp"

namespace preflight {

namespace {

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

std::string directory_of(const std::string& path) {
    const std::string parent = std::filesystem::path(path).parent_path().string();
    return parent.empty() ? "." : parent;
}

std::string why_not_writable(int error_number, const std::string& directory) {
    switch (error_number) {
        case EACCES:
        case EPERM: return "directory " + quoted(directory) + " is not writable";
        case EROFS: return "directory " + quoted(directory) + " is on a read-only file system";
        default: return "cannot create a file in directory " + quoted(directory) + ": " + std::strerror(error_number);
    }
}

// A temporary file beside the destination; removed on destruction unless it was renamed.
class TemporaryFile {
public:
    explicit TemporaryFile(const std::string& path) {
        const std::string name =
            directory_of(path) + "/." + std::filesystem::path(path).filename().string() + ".tmp-XXXXXX";
        name_.assign(name.begin(), name.end());
        name_.push_back('\0');
        fd_ = ::mkostemp(name_.data(), O_CLOEXEC);
        if (fd_ < 0) error_number_ = errno;
        created_ = fd_ >= 0;
    }
    ~TemporaryFile() {
        close();
        if (created_ && !renamed_) ::unlink(name_.data());
    }
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;

    bool created() const { return created_; }
    /// errno of the failed creation.
    int error_number() const { return error_number_; }
    int fd() const { return fd_; }
    const char* name() const { return name_.data(); }

    /// Closes the descriptor; false (errno set) when the kernel reports a late write error.
    bool close() {
        if (fd_ < 0) return true;
        const int result = ::close(fd_);
        fd_ = -1;
        return result == 0;
    }
    void mark_renamed() { renamed_ = true; }

private:
    std::vector<char> name_;
    int fd_ = -1;
    int error_number_ = 0;
    bool created_ = false;
    bool renamed_ = false;
};

std::string absolute_directory_of(const std::string& path) {
    std::error_code ignored;
    std::string absolute = std::filesystem::absolute(directory_of(path), ignored).lexically_normal().string();
    if (absolute.size() > 1 && absolute.back() == '/') absolute.pop_back();
    return absolute.empty() ? directory_of(path) : absolute;
}

// A directory other users may create names in (sticky, or the trust walk refuses it).
bool is_shared_directory(const std::string& directory) {
    struct stat info {};
    return ::stat(directory.c_str(), &info) == 0 && (info.st_mode & 0022) != 0;
}

bool write_all(int fd, const std::string& content) {
    size_t written = 0;
    while (written < content.size()) {
        const ssize_t result = ::write(fd, content.data() + written, content.size() - written);
        if (result < 0 && errno == EINTR) continue;
        if (result == 0) errno = EIO;
        if (result <= 0) return false;
        written += static_cast<size_t>(result);
    }
    return true;
}

std::optional<std::string> destination_problem(const std::string& path) {
    const std::string directory = directory_of(path);
    struct stat info {};
    if (::stat(directory.c_str(), &info) != 0) {
        if (errno == ENOENT) return "directory " + quoted(directory) + " does not exist";
        return "directory " + quoted(directory) + ": " + std::strerror(errno);
    }
    if (!S_ISDIR(info.st_mode)) return quoted(directory) + " is not a directory";
    if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) return "it is a directory";
    // Another user who could replace the directory, or rename over the report in it, could
    // rewrite the record of the gate.
    if (auto problem = path_trust_problem(absolute_directory_of(path), ::geteuid(), TrustedEnd::directory,
                                          examine_path_entry))
        return "another user could replace the report: " + *problem;
    if (is_shared_directory(directory) && ::lstat(path.c_str(), &info) == 0 && info.st_uid != ::geteuid())
        return quoted(path) + " exists and belongs to uid " + std::to_string(info.st_uid) +
               " in a directory other users can write; choose a new name or a private directory";
    return std::nullopt;
}

// Moves the finished temporary file to `path`. In a directory other users can write (sticky:
// the trust walk refuses any other) a name that did not exist is created exclusively, so that
// a name another user slipped in meanwhile is never replaced.
bool move_into_place(const char* temporary, const std::string& path) {
    struct stat info {};
    if (!is_shared_directory(directory_of(path)) || ::lstat(path.c_str(), &info) == 0)
        return ::rename(temporary, path.c_str()) == 0;
    if (::renameat2(AT_FDCWD, temporary, AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) return true;
    if (errno != EINVAL && errno != ENOSYS) return false;
    // A file system without RENAME_NOREPLACE: link(2) never replaces either.
    if (::link(temporary, path.c_str()) != 0) return false;
    ::unlink(temporary);
    return true;
}

}  // namespace

std::optional<std::string> check_report_destination(const std::string& path) {
    const std::string prefix = "cannot write report " + quoted(path) + ": ";
    if (auto problem = destination_problem(path)) return prefix + *problem;
    // Permission bits do not tell the whole story (root, read-only mounts, ACLs): try it.
    TemporaryFile probe(path);
    if (!probe.created()) return prefix + why_not_writable(probe.error_number(), directory_of(path));
    return std::nullopt;
}

bool write_report_atomically(const std::string& path, const std::string& content, std::string& error,
                             mode_t mode) {
    const std::string prefix = "cannot write report " + quoted(path) + ": ";
    if (auto problem = destination_problem(path)) {
        error = prefix + *problem;
        return false;
    }
    TemporaryFile temporary(path);
    if (!temporary.created()) {
        error = prefix + why_not_writable(temporary.error_number(), directory_of(path));
        return false;
    }
    // Never the mode of what was there (a planted 6777 file, a link to a setuid program), never
    // the umask's: a report holds host names, paths and the last characters of secrets.
    if (::fchmod(temporary.fd(), mode) != 0 || !write_all(temporary.fd(), content) ||
        ::fsync(temporary.fd()) != 0 || !temporary.close()) {
        error = prefix + std::strerror(errno);
        return false;
    }
    if (!move_into_place(temporary.name(), path)) {
        error = prefix + std::strerror(errno);
        return false;
    }
    temporary.mark_renamed();
    // Make the rename itself durable; the report is complete either way, so a failure here is
    // not reported.
    const int directory = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directory >= 0) {
        ::fsync(directory);
        ::close(directory);
    }
    error.clear();
    return true;
}

}  // namespace preflight
