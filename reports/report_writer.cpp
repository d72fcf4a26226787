#include "reports/report_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

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

// The mode a new report gets: what the process umask allows of 0666 (read from /proc so that
// the umask is never changed, not even for a moment).
mode_t new_file_mode() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("Umask:", 0) != 0) continue;
        char* end = nullptr;
        const unsigned long umask = std::strtoul(line.c_str() + 6, &end, 8);
        if (end != line.c_str() + 6 && umask <= 0777) return 0666 & ~static_cast<mode_t>(umask);
    }
    return 0644;
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
    return std::nullopt;
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

bool write_report_atomically(const std::string& path, const std::string& content, std::string& error) {
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
    struct stat existing {};
    const mode_t mode = ::stat(path.c_str(), &existing) == 0 ? (existing.st_mode & 07777) : new_file_mode();
    if (::fchmod(temporary.fd(), mode) != 0 || !write_all(temporary.fd(), content) ||
        ::fsync(temporary.fd()) != 0 || !temporary.close()) {
        error = prefix + std::strerror(errno);
        return false;
    }
    if (::rename(temporary.name(), path.c_str()) != 0) {
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
