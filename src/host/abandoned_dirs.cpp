#include "src/host/abandoned_dirs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <vector>

#include "src/unique_fd.hpp"

namespace preflight::host {

namespace {

constexpr std::string_view kLockSuffix = ".lock";

bool starts_with(const std::string& text, const std::string& start) { return text.compare(0, start.size(), start) == 0; }

bool ends_with(const std::string& text, std::string_view end) {
    return text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

// lstat of `path` when it is an entry of the effective user of type `type` (S_IFDIR, S_IFREG).
bool owned_entry(const std::string& path, mode_t type, struct stat& info) {
    return ::lstat(path.c_str(), &info) == 0 && (info.st_mode & S_IFMT) == type && info.st_uid == ::geteuid();
}

std::vector<std::string> entries_of(const std::string& parent) {
    std::vector<std::string> names;
    if (DIR* listing = ::opendir(parent.c_str())) {
        while (const dirent* entry = ::readdir(listing)) names.emplace_back(entry->d_name);
        ::closedir(listing);
    }
    return names;
}

}  // namespace

int remove_abandoned_dirs(const std::string& parent, const std::string& prefix) noexcept {
    int removed = 0;
    try {
        const std::vector<std::string> names = entries_of(parent);
        for (const auto& name : names) {
            const std::string path = parent + "/" + name;
            struct stat info {};
            if (starts_with(name, "." + prefix)) {
                if (owned_entry(path, S_IFREG, info) && ::time(nullptr) - info.st_mtime > kUnfinishedLockGraceSeconds)
                    ::unlink(path.c_str());
                continue;
            }
            if (!starts_with(name, prefix) || !ends_with(name, kLockSuffix) || !owned_entry(path, S_IFREG, info))
                continue;
            const UniqueFd lock(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
            if (!lock.valid() || ::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) continue;  // its owner lives
            const std::string owned = name.substr(0, name.size() - kLockSuffix.size()) + "-";
            for (const auto& other : names) {
                struct stat dir_info {};
                if (!starts_with(other, owned) || !owned_entry(parent + "/" + other, S_IFDIR, dir_info)) continue;
                std::error_code ignored;
                if (std::filesystem::remove_all(parent + "/" + other, ignored) > 0 && !ignored) ++removed;
            }
            ::unlink(path.c_str());  // still holding the lock: a concurrent sweep skipped it
        }
    } catch (...) {
        // Sweeping is a courtesy; it never fails a run.
    }
    return removed;
}

namespace {

// This process's owner lock: made once, its descriptor never closed (closing it would free the lock).
struct OwnerLock {
    std::mutex mutex;
    std::string path;   // PARENT/PREFIXID.lock, empty until made
    std::string owned;  // PARENT/PREFIXID-
};

OwnerLock& owner_lock() {
    static auto* lock = new OwnerLock;  // never destroyed: threads abandoned at exit may still ask
    return *lock;
}

}  // namespace

std::string owned_dir_prefix(const std::string& parent, const std::string& prefix) {
    OwnerLock& lock = owner_lock();
    std::lock_guard guard(lock.mutex);
    if (!lock.owned.empty()) return lock.owned;
    remove_abandoned_dirs(parent, prefix);
    std::string pending = parent + "/." + prefix + "XXXXXX";
    UniqueFd fd(::mkostemp(pending.data(), O_CLOEXEC));
    if (!fd.valid()) throw std::system_error(errno, std::generic_category(), "cannot create " + pending);
    const std::string id = pending.substr(pending.size() - 6);
    const std::string path = parent + "/" + prefix + id + std::string(kLockSuffix);
    if (::flock(fd.get(), LOCK_EX) != 0 || ::rename(pending.c_str(), path.c_str()) != 0) {
        const int error = errno;
        ::unlink(pending.c_str());
        throw std::system_error(error, std::generic_category(), "cannot make the owner lock " + path);
    }
    static_cast<void>(fd.release());  // held until the process exits
    lock.path = path;
    lock.owned = parent + "/" + prefix + id + "-";
    return lock.owned;
}

void remove_owner_lock() noexcept {
    OwnerLock& lock = owner_lock();
    std::lock_guard guard(lock.mutex);
    if (!lock.path.empty()) ::unlink(lock.path.c_str());
    lock.path.clear();
    lock.owned.clear();
}

}  // namespace preflight::host
