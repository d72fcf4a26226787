// read_env_file: the one place an env file is opened; refuses what is not a small regular file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "src/env_file.hpp"

namespace preflight {

namespace {

constexpr off_t kMaxEnvFileBytes = 1024 * 1024;

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

const char* file_type_name(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return nullptr;
}

ParsedEnvFile refused(const std::string& path, std::string message) {
    ParsedEnvFile result;
    result.errors.push_back({{path, 0, 0}, std::move(message)});
    return result;
}

std::string open_failure(int error_number) {
    switch (error_number) {
        case ENOENT: return "env file does not exist";
        case EACCES:
        case EPERM: return "cannot read env file: permission denied";
        default: return std::string("cannot open env file: ") + std::strerror(error_number);
    }
}

}  // namespace

ParsedEnvFile read_env_file(const std::string& path, const EnvLookup& outer) {
    // O_NONBLOCK: opening a FIFO without a writer must not hang the run.
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (fd.get() < 0) return refused(path, open_failure(errno));

    struct stat info {};
    if (::fstat(fd.get(), &info) != 0)
        return refused(path, std::string("cannot read env file: ") + std::strerror(errno));
    if (!S_ISREG(info.st_mode)) {
        const char* type = file_type_name(info.st_mode);
        if (type == nullptr) return refused(path, "env file is not a regular file");
        return refused(path, std::string("env file is ") + type + ", not a regular file");
    }
    if (info.st_size > kMaxEnvFileBytes)
        return refused(path, "env file is larger than 1 MiB (" + std::to_string(info.st_size) +
                                 " bytes)");

    // Read at most one byte past the limit: the file may grow after fstat.
    std::string text(static_cast<size_t>(kMaxEnvFileBytes) + 1, '\0');
    size_t used = 0;
    while (used < text.size()) {
        ssize_t got = ::read(fd.get(), text.data() + used, text.size() - used);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            if (errno == EACCES || errno == EPERM)
                return refused(path, "cannot read env file: permission denied");
            return refused(path, std::string("cannot read env file: ") + std::strerror(errno));
        }
        if (got == 0) break;
        used += static_cast<size_t>(got);
    }
    if (used > static_cast<size_t>(kMaxEnvFileBytes))
        return refused(path, "env file is larger than 1 MiB");
    text.resize(used);
    return parse_env_text(text, path, outer);
}

}  // namespace preflight
