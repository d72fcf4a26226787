#pragma once
// The only code that examines and reads files for the checks: metadata (lstat/stat, owner and
// group names), "writable by the runner", and bounded reads that never block on a FIFO or device.
// Error texts are short reasons without the path ("permission denied"); callers add the path.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace preflight::host {

enum class FileType { regular, directory, symlink, fifo, socket, char_device, block_device };

/// "file", "directory", "symlink", "fifo", "socket", "char_device" or "block_device" (for
/// observed values).
std::string_view to_string(FileType type);
/// "a regular file", "a directory", "a symlink", "a FIFO", ... (for messages).
std::string_view describe(FileType type);

struct FileFacts {
    bool exists = false;  ///< false when the path (or a directory on the way) does not exist
    FileType type = FileType::regular;
    unsigned mode = 0;  ///< permission bits including setuid, setgid and sticky (mask 07777)
    unsigned long long uid = 0;
    unsigned long long gid = 0;
    std::string owner;  ///< user name; empty when the uid has no passwd entry
    std::string group;  ///< group name; empty when the gid has no group entry
    long long size = 0;
};

/// Facts about `path`: lstat when `follow_symlinks` is false (a link is reported as a symlink),
/// stat when true (the link's target; a dangling link gives `exists == false`). A path that
/// does not exist is not an error. Returns nullopt and sets `error` ("permission denied",
/// "too many levels of symbolic links", ...) when the path could not be examined.
std::optional<FileFacts> stat_path(const std::string& path, bool follow_symlinks,
                                   std::string& error);

/// Whether the user running preflight (effective uid and groups) may write `path`, as the
/// kernel decides it (modes, ACLs, read-only mounts). Nullopt with `error` ("does not exist",
/// ...) when it cannot be told.
std::optional<bool> writable_by_runner(const std::string& path, std::string& error);

/// The user running preflight: "root (uid 0)", or "uid 1234" when it has no name.
std::string runner_description();

/// A user or group id looked up by name: `id` set when found; neither set when no such name
/// exists on this host; `error` set when the lookup itself failed.
struct IdLookup {
    std::optional<unsigned long long> id;
    std::string error;
};
IdLookup user_id(const std::string& name);
IdLookup group_id(const std::string& name);

/// The cap on files read as text for the checks.
inline constexpr std::size_t kMaxTextFileBytes = 1024 * 1024;

/// "1 MiB", "64 KiB" or "100 bytes".
std::string describe_size(std::size_t bytes);

/// The content of the regular file `path` (symlinks followed), at most `max_bytes`. Refuses,
/// with nullopt and `error`, anything else without blocking or reading it: "no such file",
/// "permission denied", "not a regular file (it is a directory)", "larger than 1 MiB".
std::optional<std::string> read_text_file(const std::string& path, std::size_t max_bytes,
                                          std::string& error);

/// How a streamed digest of a file ended.
enum class DigestStatus {
    done,       ///< `sha256` and `size` hold the file's digest and length
    missing,    ///< nothing at the path (or a dangling symlink)
    failed,     ///< could not be read: `error` says why ("permission denied", "not a regular
                ///< file (it is a FIFO)", "changed while it was hashed")
    timed_out,  ///< the deadline came before the end of the file
};

struct FileDigest {
    DigestStatus status = DigestStatus::failed;
    std::string sha256;          ///< 64 lowercase hex digits, when done
    unsigned long long size = 0; ///< bytes hashed, when done
    bool through_symlink = false;  ///< the path is a symlink (its target was hashed)
    std::string error;
};

/// The SHA-256 and length of the regular file `path` (symlinks followed, as the `file` kind
/// does), read in fixed-size chunks; the deadline is checked between chunks, so a huge file
/// ends `timed_out` instead of running past it. Anything but a regular file is refused before
/// it is opened and again after (fstat of the open descriptor), without blocking or reading it.
/// A file whose size or modification time changes while it is read ends `failed`.
FileDigest sha256_file(const std::string& path, std::chrono::steady_clock::time_point deadline);

}  // namespace preflight::host
