#pragma once
// Private temporary directories that do not outlive their process's death by more than one run.
// A run killed with SIGKILL (a systemd stop timeout, the OOM killer) cannot remove what it made;
// the next run can, if it can tell a directory whose owner is gone from one still in use.
// Each directory holds an `owner.lock` file that its process keeps locked (flock) for as long as
// the directory is in use: the kernel releases the lock when the process dies, however it dies.
#include <string>

namespace preflight::host {

/// Holds the owner lock of a private directory: creates `DIR/owner.lock` already locked (made
/// under another name, locked, then renamed, so that no sweep ever sees it unlocked) and keeps
/// it locked until destroyed. Throws std::system_error when the file cannot be made.
class OwnerLock {
public:
    explicit OwnerLock(const std::string& directory);
    ~OwnerLock();
    OwnerLock(const OwnerLock&) = delete;
    OwnerLock& operator=(const OwnerLock&) = delete;

private:
    int fd_ = -1;
};

/// Removes the directories directly in `parent` whose name starts with `prefix`, that belong to
/// the effective user, are real directories (not symlinks) and hold an `owner.lock` that nobody
/// holds: their process is gone. Directories without `owner.lock` (one being made right now, or
/// left by an older version) and anything of another user are left alone. Never throws; returns
/// how many it removed.
int remove_abandoned_dirs(const std::string& parent, const std::string& prefix) noexcept;

}  // namespace preflight::host
