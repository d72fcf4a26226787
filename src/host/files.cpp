#include "src/host/files.hpp"

#include <algorithm>
#include <fcntl.h>
#include <openssl/evp.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "src/unique_fd.hpp"

namespace preflight::host {

std::string_view to_string(FileType type) {
    switch (type) {
        case FileType::regular: return "file";
        case FileType::directory: return "directory";
        case FileType::symlink: return "symlink";
        case FileType::fifo: return "fifo";
        case FileType::socket: return "socket";
        case FileType::char_device: return "char_device";
        case FileType::block_device: return "block_device";
    }
    return "file";
}

std::string_view describe(FileType type) {
    switch (type) {
        case FileType::regular: return "a regular file";
        case FileType::directory: return "a directory";
        case FileType::symlink: return "a symlink";
        case FileType::fifo: return "a FIFO";
        case FileType::socket: return "a socket";
        case FileType::char_device: return "a character device";
        case FileType::block_device: return "a block device";
    }
    return "a regular file";
}

namespace {

std::string reason(int error_number) {
    switch (error_number) {
        case ENOENT:
        case ENOTDIR: return "no such file";
        case EACCES:
        case EPERM: return "permission denied";
        case ELOOP: return "too many levels of symbolic links";
        default: break;
    }
    std::string text = std::strerror(error_number);
    if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    return text;
}

FileType type_of(mode_t mode) {
    if (S_ISDIR(mode)) return FileType::directory;
    if (S_ISLNK(mode)) return FileType::symlink;
    if (S_ISFIFO(mode)) return FileType::fifo;
    if (S_ISSOCK(mode)) return FileType::socket;
    if (S_ISCHR(mode)) return FileType::char_device;
    if (S_ISBLK(mode)) return FileType::block_device;
    return FileType::regular;
}

std::size_t lookup_buffer_size() {
    long suggested = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    return suggested > 0 ? static_cast<std::size_t>(suggested) : 16384;
}

// The *_r lookups report a too-small buffer with ERANGE; grow until the entry fits.
template <typename Entry, typename Key, typename Lookup>
bool find_entry(Key key, Lookup lookup, Entry& entry, std::vector<char>& buffer, int& failure) {
    buffer.resize(lookup_buffer_size());
    for (;;) {
        Entry* found = nullptr;
        int rc = lookup(key, &entry, buffer.data(), buffer.size(), &found);
        if (rc == ERANGE && buffer.size() < (1u << 20)) {
            buffer.resize(buffer.size() * 2);
            continue;
        }
        failure = found ? 0 : rc;
        return found != nullptr;
    }
}

std::string user_name(uid_t uid) {
    passwd entry{};
    std::vector<char> buffer;
    int failure = 0;
    return find_entry(uid, ::getpwuid_r, entry, buffer, failure) ? entry.pw_name : "";
}

std::string group_name(gid_t gid) {
    group entry{};
    std::vector<char> buffer;
    int failure = 0;
    return find_entry(gid, ::getgrgid_r, entry, buffer, failure) ? entry.gr_name : "";
}

// getpwnam_r returns 0 or one of these when the name simply does not exist.
bool means_not_found(int rc) { return rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF; }

}  // namespace

std::optional<FileFacts> stat_path(const std::string& path, bool follow_symlinks,
                                   std::string& error) {
    struct stat info {};
    int rc = follow_symlinks ? ::stat(path.c_str(), &info) : ::lstat(path.c_str(), &info);
    FileFacts facts;
    if (rc != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return facts;
        error = reason(errno);
        return std::nullopt;
    }
    facts.exists = true;
    facts.type = type_of(info.st_mode);
    facts.mode = static_cast<unsigned>(info.st_mode) & 07777u;
    facts.uid = info.st_uid;
    facts.gid = info.st_gid;
    facts.owner = user_name(info.st_uid);
    facts.group = group_name(info.st_gid);
    facts.size = static_cast<long long>(info.st_size);
    return facts;
}

std::optional<bool> writable_by_runner(const std::string& path, std::string& error) {
    // AT_EACCESS: the effective ids decide, as they do for an actual write.
    if (::faccessat(AT_FDCWD, path.c_str(), W_OK, AT_EACCESS) == 0) return true;
    switch (errno) {
        case EACCES:
        case EPERM:
        case EROFS:
        case ETXTBSY: return false;
        default: error = reason(errno); return std::nullopt;
    }
}

std::string runner_description() {
    uid_t uid = ::geteuid();
    std::string name = user_name(uid);
    std::string id = "uid " + std::to_string(uid);
    return name.empty() ? id : name + " (" + id + ")";
}

IdLookup user_id(const std::string& name) {
    passwd entry{};
    std::vector<char> buffer;
    int failure = 0;
    IdLookup result;
    if (find_entry(name.c_str(), ::getpwnam_r, entry, buffer, failure))
        result.id = entry.pw_uid;
    else if (!means_not_found(failure))
        result.error = reason(failure);
    return result;
}

IdLookup group_id(const std::string& name) {
    group entry{};
    std::vector<char> buffer;
    int failure = 0;
    IdLookup result;
    if (find_entry(name.c_str(), ::getgrnam_r, entry, buffer, failure))
        result.id = entry.gr_gid;
    else if (!means_not_found(failure))
        result.error = reason(failure);
    return result;
}

std::string describe_size(std::size_t bytes) {
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
        return std::to_string(bytes / (1024 * 1024)) + " MiB";
    if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
    return std::to_string(bytes) + " bytes";
}

std::optional<std::string> read_text_file(const std::string& path, std::size_t max_bytes,
                                          std::string& error) {
    auto refuse_type = [&](mode_t mode) -> bool {
        if (S_ISREG(mode)) return false;
        error = "not a regular file (it is " + std::string(describe(type_of(mode))) + ")";
        return true;
    };
    auto too_large = [&](std::optional<unsigned long long> size) {
        error = "larger than " + describe_size(max_bytes);
        if (size) error += " (" + std::to_string(*size) + " bytes)";
    };
    // Look before opening: opening a device can have side effects.
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        error = reason(errno);
        return std::nullopt;
    }
    if (refuse_type(info.st_mode)) return std::nullopt;

    // O_NONBLOCK: should the path be swapped for a FIFO after the stat, open must not hang.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (fd.get() < 0) {
        error = reason(errno);
        return std::nullopt;
    }
    if (::fstat(fd.get(), &info) != 0) {
        error = reason(errno);
        return std::nullopt;
    }
    if (refuse_type(info.st_mode)) return std::nullopt;
    if (static_cast<unsigned long long>(info.st_size) > max_bytes) {
        too_large(static_cast<unsigned long long>(info.st_size));
        return std::nullopt;
    }

    // Sized from fstat, plus one byte to notice growth; read at most one byte past the cap.
    std::string text(static_cast<std::size_t>(info.st_size) + 1, '\0');
    std::size_t used = 0;
    while (true) {
        if (used == text.size()) {
            if (text.size() > max_bytes) break;
            text.resize(std::min(text.size() * 2, max_bytes + 1));
        }
        ssize_t got = ::read(fd.get(), text.data() + used, text.size() - used);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            error = reason(errno);
            return std::nullopt;
        }
        if (got == 0) break;
        used += static_cast<std::size_t>(got);
    }
    if (used > max_bytes) {
        too_large(std::nullopt);
        return std::nullopt;
    }
    text.resize(used);
    return text;
}

namespace {

struct DigestContextDeleter {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

bool same_file_state(const struct stat& before, const struct stat& after) {
    return before.st_size == after.st_size && before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
           before.st_mtim.tv_nsec == after.st_mtim.tv_nsec && before.st_ino == after.st_ino;
}

}  // namespace

FileDigest sha256_file(const std::string& path, std::chrono::steady_clock::time_point deadline) {
    FileDigest result;
    auto failed = [&](std::string why) {
        result.status = DigestStatus::failed;
        result.error = std::move(why);
        return result;
    };
    auto not_regular = [&](mode_t mode) {
        return failed("not a regular file (it is " + std::string(describe(type_of(mode))) + ")");
    };
    struct stat info {};
    if (::lstat(path.c_str(), &info) == 0 && S_ISLNK(info.st_mode)) result.through_symlink = true;
    // Look before opening: opening a device or a FIFO can block or have side effects.
    if (::stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            result.status = DigestStatus::missing;
            return result;
        }
        return failed(reason(errno));
    }
    if (!S_ISREG(info.st_mode)) return not_regular(info.st_mode);
    // O_NONBLOCK: should the path be swapped for a FIFO after the stat, open must not hang.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (fd.get() < 0) return failed(reason(errno));
    struct stat opened {};
    if (::fstat(fd.get(), &opened) != 0) return failed(reason(errno));
    if (!S_ISREG(opened.st_mode)) return not_regular(opened.st_mode);

    std::unique_ptr<EVP_MD_CTX, DigestContextDeleter> context(EVP_MD_CTX_new());
    if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1)
        return failed("the SHA-256 digest could not be initialised");
    constexpr std::size_t kChunkBytes = 1024 * 1024;
    std::vector<unsigned char> chunk(kChunkBytes);
    unsigned long long total = 0;
    for (;;) {
        if (std::chrono::steady_clock::now() >= deadline) {
            result.status = DigestStatus::timed_out;
            result.size = total;
            return result;
        }
        ssize_t got = ::read(fd.get(), chunk.data(), chunk.size());
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return failed(reason(errno));
        if (got == 0) break;
        if (EVP_DigestUpdate(context.get(), chunk.data(), static_cast<std::size_t>(got)) != 1)
            return failed("the SHA-256 digest could not be computed");
        total += static_cast<unsigned long long>(got);
    }
    // A file still being written (or replaced in place) has no single digest: say so.
    struct stat after {};
    if (::fstat(fd.get(), &after) != 0) return failed(reason(errno));
    if (!same_file_state(opened, after) ||
        total != static_cast<unsigned long long>(after.st_size))
        return failed("changed while it was hashed (still being written?)");

    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context.get(), digest, &length) != 1)
        return failed("the SHA-256 digest could not be computed");
    static const char* const hex = "0123456789abcdef";
    for (unsigned int i = 0; i < length; ++i) {
        result.sha256 += hex[digest[i] >> 4];
        result.sha256 += hex[digest[i] & 0x0f];
    }
    result.size = total;
    result.status = DigestStatus::done;
    return result;
}

}  // namespace preflight::host
