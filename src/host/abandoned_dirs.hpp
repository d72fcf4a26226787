#pragma once
// Private temporary directories that do not outlive their process's death by more than one run.
// A run killed with SIGKILL (a systemd stop timeout, the OOM killer) cannot remove what it made;
// the next run can, if it can tell a directory whose owner is gone from one still in use.
// Before its first private directory, a process makes an owner lock file `PREFIXID.lock` that it
// keeps locked (flock) until it exits; its directories are named `PREFIXID-XXXXXX`. The kernel
// releases the lock when the process dies, however it dies.
#include <string>

namespace preflight::host {

/// How old an owner lock file still being made (`.PREFIX*`, never renamed to its name because its
/// process died in that instant) must be before a sweep removes it.
inline constexpr int kUnfinishedLockGraceSeconds = 60;

/// The start of the name of this process's private directories in `parent`: "PARENT/PREFIXID-",
/// to which the caller appends "XXXXXX" for mkdtemp. The first call of a process removes what
/// dead processes left (remove_abandoned_dirs), then makes the owner lock file already locked
/// (made under a hidden name, locked, then renamed, so that no sweep ever sees it unlocked) and
/// holds it until the process exits. Later calls return the same. Throws std::system_error when
/// the lock file cannot be made.
std::string owned_dir_prefix(const std::string& parent, const std::string& prefix);

/// Removes this process's owner lock file (on the way out, after its directories went). A later
/// owned_dir_prefix() makes a new one.
void remove_owner_lock() noexcept;

/// For each owner lock file `PREFIXID.lock` directly in `parent` that belongs to the effective
/// user and that nobody holds (its process is gone): removes the directories `PREFIXID-*` of this
/// user (not symlinks), then the lock file. Also removes unfinished lock files older than
/// kUnfinishedLockGraceSeconds. Anything of another user, or of a live process, is left alone.
/// Never throws; returns how many directories it removed.
int remove_abandoned_dirs(const std::string& parent, const std::string& prefix) noexcept;

}  // namespace preflight::host
