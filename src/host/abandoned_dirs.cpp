#include "src/host/abandoned_dirs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace preflight::host {

namespace {

constexpr const char* kLockName = "owner.lock";

// Whether DIR/owner.lock exists and this process could lock it: its owner is gone. The probe
// keeps the lock until the directory is removed, so a concurrent sweep skips it.
class AbandonedProbe {
public:
    explicit AbandonedProbe(const std::string& directory)
        : fd_(::open((directory + "/" + kLockName).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) {}
    ~AbandonedProbe() {
        if (fd_ >= 0) ::close(fd_);
    }
    AbandonedProbe(const AbandonedProbe&) = delete;
    AbandonedProbe& operator=(const AbandonedProbe&) = delete;

    bool abandoned() const { return fd_ >= 0 && ::flock(fd_, LOCK_EX | LOCK_NB) == 0; }

private:
    int fd_;
};

}  // namespace

OwnerLock::OwnerLock(const std::string& directory) {
    const std::string pending = directory + "/.owner.lock.new";
    fd_ = ::open(pending.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot create " + pending);
    if (::flock(fd_, LOCK_EX) != 0 || ::rename(pending.c_str(), (directory + "/" + kLockName).c_str()) != 0) {
        const int error = errno;
        ::close(fd_);
        ::unlink(pending.c_str());
        throw std::system_error(error, std::generic_category(), "cannot lock " + pending);
    }
}

OwnerLock::~OwnerLock() { ::close(fd_); }

int remove_abandoned_dirs(const std::string& parent, const std::string& prefix) noexcept {
    DIR* listing = ::opendir(parent.c_str());
    if (!listing) return 0;
    int removed = 0;
    while (const dirent* entry = ::readdir(listing)) {
        const std::string name = entry->d_name;
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string path = parent + "/" + name;
        struct stat info {};
        if (::lstat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != ::geteuid()) continue;
        AbandonedProbe probe(path);
        if (!probe.abandoned()) continue;
        std::error_code ignored;
        if (std::filesystem::remove_all(path, ignored) > 0 && !ignored) ++removed;
    }
    ::closedir(listing);
    return removed;
}

}  // namespace preflight::host
