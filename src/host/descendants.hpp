#pragma once
// Nothing a run started outlives it: processes that left their process group (setsid, a
// double fork, GPGME's gpg and the gpg-agent it starts) are adopted and stopped at the end.
#include <chrono>

namespace preflight::host {

/// Makes this process the "child subreaper" of its descendants (PR_SET_CHILD_SUBREAPER): an
/// orphaned descendant is re-parented to it rather than to init, so stop_all_descendants()
/// still finds it. Also installs the fork handler forbid_new_children() relies on. Returns
/// false when the kernel refused.
bool adopt_orphaned_descendants() noexcept;

/// Stops every process descended from this one: SIGTERM (gpg-agent then removes its sockets),
/// up to `grace` for them to exit, then SIGKILL until none is left, reaping what was ours.
/// Found through /proc (parent pids), so it also reaches processes in other process groups
/// and sessions. Reaps any exited child of this process, so call it only when no thread still
/// waits for a child of its own.
void stop_all_descendants(std::chrono::milliseconds grace = std::chrono::milliseconds(500)) noexcept;

/// For the end of a run, whichever way it ends: stops every process it started (also those
/// of abandoned check threads, see kill_running_process_groups) and removes the private
/// copies of GnuPG homedirs. Never throws.
void clean_up_after_run() noexcept;

/// For a process about to leave while a check thread is abandoned: a child fork() makes from
/// now on (GPGME's, in a hung operation slow to reach its fork after the last listing of
/// stop_all_descendants) exits at once, before it can exec, instead of outliving the run.
/// Needs adopt_orphaned_descendants() first. There is no way back: call it only before _Exit.
void forbid_new_children() noexcept;

/// Calls clean_up_after_run() when it goes out of scope: for every return path of a run.
class CleanUpAfterRun {
public:
    CleanUpAfterRun() = default;
    ~CleanUpAfterRun() { clean_up_after_run(); }
    CleanUpAfterRun(const CleanUpAfterRun&) = delete;
    CleanUpAfterRun& operator=(const CleanUpAfterRun&) = delete;
};

}  // namespace preflight::host
