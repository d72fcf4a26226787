#include "src/host/gpg_homedir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <system_error>
#include <vector>

#include "src/host/abandoned_dirs.hpp"
#include "src/host/gpg.hpp"
#include "src/unique_fd.hpp"

namespace preflight::host {

namespace {

// The entry of the effective user in the password database ({name, home}); empty when unknown.
std::pair<std::string, std::string> current_user() {
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    if (getpwuid_r(geteuid(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
        return {"uid " + std::to_string(geteuid()), ""};
    return {found->pw_name ? found->pw_name : "", found->pw_dir ? found->pw_dir : ""};
}

// The name of `uid` in the password database; empty when it has none.
std::string user_name(uid_t uid) {
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || !found || !found->pw_name)
        return "";
    return found->pw_name;
}

std::string home_directory() {
    if (const char* home = std::getenv("HOME"); home && *home) return home;
    return current_user().second;
}

// "nobody (uid 65534)", or "uid 54321" for a uid without a name.
std::string user_label(uid_t uid) {
    std::string name = user_name(uid);
    return name.empty() ? "uid " + std::to_string(uid) : name + " (uid " + std::to_string(uid) + ")";
}

// gpg.conf and gpg-agent.conf name programs gpg and gpg-agent start (agent-program,
// pinentry-program, scdaemon-program ...), and the keyrings decide what the check vouches for:
// whoever owns any of them runs code as the user running preflight. So the homedir and
// everything in it must belong to that user or to root.
bool trusted_owner(uid_t owner) { return owner == 0 || owner == ::geteuid(); }

[[noreturn]] void throw_untrusted_owner(const std::string& subject, uid_t owner, const std::string& homedir) {
    std::string me = user_name(::geteuid());
    if (me.empty()) me = std::to_string(::geteuid());
    std::string allowed = ::geteuid() == 0 ? "root" : "root or " + me;
    std::string owner_name = user_name(owner);
    throw GpgError(subject + " is owned by " + user_label(owner) + ", not by " + allowed +
                   ": that user could make gpg run any program as " + me + "; run preflight as " +
                   (owner_name.empty() ? "uid " + std::to_string(owner) : owner_name) +
                   ", or run: chown -R " + me + " " + homedir);
}

[[noreturn]] void throw_writable(const std::string& subject, const std::string& path, mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    throw GpgError(subject + " is writable by other users (mode " + text +
                   "), so gpg's options and keys there cannot be trusted; run: chmod go-w " + path);
}

// Checks every entry of the directory open as `directory` (`dir_path`) and below,
// not following links into other directories but checking where a link points. By name relative
// to the directory, not by full path: a homedir holding thousands of secret-key files is walked
// in a few milliseconds. Messages name the entry only when it is refused.
void require_trusted_entries_in(UniqueFd directory, const std::string& dir_path, const std::string& homedir) {
    std::unique_ptr<DIR, int (*)(DIR*)> listing(::fdopendir(directory.get()), &::closedir);
    if (!listing) throw GpgError("cannot read GnuPG homedir " + homedir + ": " + std::strerror(errno));
    static_cast<void>(directory.release());  // the listing closes it now
    const int fd = ::dirfd(listing.get());
    std::vector<std::string> subdirectories;
    for (;;) {
        errno = 0;
        const dirent* entry = ::readdir(listing.get());
        if (!entry) {
            if (errno != 0) throw GpgError("cannot read GnuPG homedir " + homedir + ": " + std::strerror(errno));
            break;
        }
        const char* name = entry->d_name;
        if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
        auto subject = [&] { return dir_path + "/" + name + " in GnuPG homedir " + homedir; };
        struct stat link {};
        if (::fstatat(fd, name, &link, AT_SYMLINK_NOFOLLOW) != 0) continue;  // removed meanwhile (a lock file)
        if (!trusted_owner(link.st_uid)) throw_untrusted_owner(subject(), link.st_uid, homedir);
        struct stat target = link;
        if (S_ISLNK(link.st_mode) && ::fstatat(fd, name, &target, 0) != 0) continue;  // dangling
        if (!trusted_owner(target.st_uid)) throw_untrusted_owner(subject(), target.st_uid, homedir);
        // Sockets are gpg-agent's; only what gpg reads can be replaced through its mode.
        if ((S_ISREG(target.st_mode) || S_ISDIR(target.st_mode)) && (target.st_mode & (S_IWGRP | S_IWOTH)))
            throw_writable(subject(), dir_path + "/" + name, target.st_mode);
        if (S_ISDIR(link.st_mode)) subdirectories.emplace_back(name);
    }
    for (const auto& name : subdirectories) {
        UniqueFd child(::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!child.valid()) {
            if (errno == ENOENT) continue;  // removed meanwhile
            throw GpgError("cannot read GnuPG homedir " + homedir + ": " + std::strerror(errno));
        }
        require_trusted_entries_in(std::move(child), dir_path + "/" + name, homedir);
    }
}

// The homedir's owner was checked by the caller; this checks every entry below it.
void require_trusted_entries(const std::string& homedir) {
    UniqueFd directory(::open(homedir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directory.valid())
        throw GpgError("cannot read GnuPG homedir " + homedir + ": " + std::strerror(errno) +
                       "; run preflight as the user who owns it");
    require_trusted_entries_in(std::move(directory), homedir, homedir);
}

// Whoever can rename entries of a directory above the homedir can put another homedir in its
// place after it was checked: every directory on the way (as written and with links resolved)
// must be trusted-owned and not writable by others, unless sticky (as /tmp), as sudo reasons.
void require_trusted_ancestors(const std::string& homedir, const std::string& which) {
    namespace fs = std::filesystem;
    std::error_code error;
    fs::path resolved = fs::canonical(homedir, error);
    for (const fs::path& path : {fs::path(homedir), error ? fs::path(homedir) : resolved}) {
        for (fs::path above = path.parent_path(); !above.empty(); above = above.parent_path()) {
            struct stat info {};
            if (::lstat(above.c_str(), &info) == 0) {
                const std::string subject = "GnuPG homedir " + homedir + which + " is inside " + above.string();
                if (!trusted_owner(info.st_uid))
                    throw GpgError(subject + ", which " + user_label(info.st_uid) +
                                   " owns: that user could put another homedir in its place; move the "
                                   "homedir, or run: chown root " + above.string());
                if (S_ISDIR(info.st_mode) && (info.st_mode & (S_IWGRP | S_IWOTH)) && !(info.st_mode & S_ISVTX)) {
                    char mode[8];
                    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
                    throw GpgError(subject + ", which other users may write (mode " + mode +
                                   "): they could put another homedir in its place; run: chmod go-w " +
                                   above.string());
                }
            }
            if (above == above.root_path()) break;
        }
    }
}

void require_trusted_homedir(const std::string& path, const std::string& which, const struct stat& info) {
    if (!trusted_owner(info.st_uid)) throw_untrusted_owner("GnuPG homedir " + path + which, info.st_uid, path);
    require_trusted_ancestors(path, which);
    require_trusted_entries(path);
}

}  // namespace

std::string default_gpg_homedir() {
    if (const char* configured = std::getenv("GNUPGHOME"); configured && *configured)
        return configured;
    std::string home = home_directory();
    return home.empty() ? "" : home + "/.gnupg";
}

std::string usable_gpg_homedir(const std::string& requested) {
    bool is_default = requested.empty();
    std::string path = requested;
    if (is_default) {
        path = default_gpg_homedir();
        if (path.empty())
            throw GpgError("cannot tell the default GnuPG homedir: GNUPGHOME and HOME are not set "
                           "and the user has no home directory; set `homedir:`");
    } else if (path == "~" || path.rfind("~/", 0) == 0) {
        path = home_directory() + path.substr(1);
    }
    path = std::filesystem::path(path).lexically_normal().string();
    if (path.size() > 1 && path.back() == '/') path.pop_back();
    if (path.front() != '/') path = (std::filesystem::current_path() / path).lexically_normal().string();

    std::string which = is_default ? " (the default for user " + current_user().first + ")" : "";
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        int error = errno;
        if (error == ENOENT || error == ENOTDIR)
            throw GpgError("GnuPG homedir " + path + which + " does not exist (nothing was created); " +
                           (is_default ? "run preflight as the user who holds the key, or set `homedir:`"
                                       : "check `homedir:`, or import the key there first"));
        throw GpgError("cannot read GnuPG homedir " + path + which + ": " + std::strerror(error));
    }
    if (!S_ISDIR(info.st_mode)) throw GpgError("GnuPG homedir " + path + which + " is not a directory");
    // gpg only warns ("unsafe permissions") and goes on; a gate must not: anyone who can write
    // the homedir can swap the keyring the check would vouch for.
    if (info.st_mode & (S_IWGRP | S_IWOTH)) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
        throw GpgError("GnuPG homedir " + path + which + " is writable by other users (mode " + mode +
                       "), so its keys cannot be trusted; run: chmod go-w " + path);
    }
    if (::access(path.c_str(), R_OK | X_OK) != 0)
        throw GpgError("cannot read GnuPG homedir " + path + which + ": " + std::strerror(errno) +
                       "; run preflight as the user who owns it");
    require_trusted_homedir(path, which, info);
    return path;
}

namespace {

// The private copies that exist now, for remove_private_gpg_homes() on the way out of a run
// whose check threads were abandoned (their destructors never run).
struct LivePrivateHomes {
    std::mutex mutex;
    std::set<std::string> paths;
};

LivePrivateHomes& live_private_homes() {
    static auto* live = new LivePrivateHomes;  // never destroyed: abandoned threads may still use it
    return *live;
}

}  // namespace

void remove_private_gpg_homes() noexcept {
    std::lock_guard lock(live_private_homes().mutex);
    for (const auto& path : live_private_homes().paths) {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    live_private_homes().paths.clear();
    remove_owner_lock();
}

void PrivateGpgHome::make_directory(const std::string& what) {
    const char* tmp = std::getenv("TMPDIR");
    const std::string parent = tmp && *tmp ? tmp : "/tmp";
    std::string pattern;
    try {
        pattern = owned_dir_prefix(parent, "preflight-gpg-") + "XXXXXX";
    } catch (const std::system_error& error) {
        throw GpgError("cannot make " + what + ": " + error.what());
    }
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    if (!::mkdtemp(name.data()))
        throw GpgError("cannot make " + what + " at " + pattern + ": " + std::strerror(errno));
    path_ = name.data();
    {
        std::lock_guard lock(live_private_homes().mutex);
        live_private_homes().paths.insert(path_);
    }
}

PrivateGpgHome::PrivateGpgHome(Empty, const std::string& gpg_conf) {
    make_directory("an empty temporary GnuPG homedir");
    std::string file = path_ + "/gpg.conf";
    std::FILE* out = std::fopen(file.c_str(), "wx");
    bool written = out && std::fwrite(gpg_conf.data(), 1, gpg_conf.size(), out) == gpg_conf.size();
    if (out && std::fclose(out) != 0) written = false;
    if (!written) {
        std::string reason = std::strerror(errno);
        forget_and_remove();
        throw GpgError("cannot write " + file + ": " + reason);
    }
}

PrivateGpgHome::PrivateGpgHome(const std::string& homedir) {
    make_directory("a private copy of GnuPG homedir " + homedir);
    namespace fs = std::filesystem;
    // The files gpg reads to list public keys and encrypt to them: the keybox (GnuPG 2.1+), the
    // legacy keyring, the trust database, and the operator's options, so that gpg behaves here as
    // it does in the homedir. Secret keys are never copied.
    for (const char* file : {"pubring.kbx", "pubring.gpg", "trustdb.gpg", "gpg.conf"}) {
        std::error_code error;
        fs::path from = fs::path(homedir) / file;
        if (!fs::is_regular_file(from, error)) continue;
        if (!fs::copy_file(from, fs::path(path_) / file, error)) {
            std::string reason = error.message();
            forget_and_remove();
            throw GpgError("cannot copy " + from.string() + " into a private copy of the homedir: " + reason);
        }
    }
}

PrivateGpgHome::~PrivateGpgHome() { forget_and_remove(); }

void PrivateGpgHome::forget_and_remove() noexcept {
    std::lock_guard lock(live_private_homes().mutex);
    live_private_homes().paths.erase(path_);
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

}  // namespace preflight::host
