#pragma once
// Whether another user could change or replace what a path leads to: the rule sudo, cron and
// OpenSSH's StrictModes apply before trusting a file. The walk is pure: the filesystem is reached
// through an injected probe, so it is tested with literals; examine_path_entry is the real one.
#include <functional>
#include <optional>
#include <string>

namespace preflight {

/// What lstat says of one directory entry.
struct PathEntryFacts {
    enum class Type { directory, symlink, regular, other };
    Type type = Type::other;
    unsigned long long uid = 0;
    unsigned mode = 0;         ///< permission bits with setuid, setgid and sticky (07777)
    std::string owner_name;    ///< user name of `uid`; empty when it has none
    std::string link_target;   ///< for a symlink: what it points to
};

/// Looks one absolute path up without following a final symlink. Returns nullopt with `error`
/// set ("No such file or directory", "Permission denied") when it cannot.
using PathEntryProbe = std::function<std::optional<PathEntryFacts>(const std::string& path, std::string& error)>;

/// What the path must end at.
enum class TrustedEnd { regular_file, directory };

/// Walks the absolute `path` the way the kernel resolves it, following symlinks (at most 40),
/// and returns why a user other than root and `runner_uid` could change or replace what it
/// leads to: a directory passed through that such a user owns, or that is writable by group or
/// others without the sticky bit; a symlink such a user owns; a final entry that is not of the
/// `end` type, that such a user owns, or (a file) that is writable by group or others. The
/// reason names the entry: "directory /srv/rules is owned by nobody (uid 65534), not by root".
/// Nullopt when nothing on the path could be changed by another user. A path that cannot be
/// examined is a reason too ("cannot examine /srv/x: Permission denied"): fail-closed.
std::optional<std::string> path_trust_problem(const std::string& path, unsigned long long runner_uid,
                                              TrustedEnd end, const PathEntryProbe& probe);

/// The real probe for path_trust_problem: lstat and readlink, owner names from the passwd
/// database. Shared by the rule and env file checks and the report writer.
std::optional<PathEntryFacts> examine_path_entry(const std::string& path, std::string& error);

}  // namespace preflight
