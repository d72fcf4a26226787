#include "src/host/gpg_homedir.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "src/host/gpg.hpp"
#include "src/host/gpgme_session.hpp"

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

std::string home_directory() {
    if (const char* home = std::getenv("HOME"); home && *home) return home;
    return current_user().second;
}

// gpgconf percent-escapes characters such as ':' in the paths it lists.
std::string percent_unescape(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            out += static_cast<char>(std::strtol(text.substr(i + 1, 2).c_str(), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
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
    return path;
}

std::size_t max_agent_socket_path() { return sizeof(sockaddr_un{}.sun_path) - 2; }

void require_agent_socket_fits(const std::string& homedir) {
    initialise_gpgme();
    gpgme_ctx_t raw = nullptr;
    if (gpgme_error_t error = gpgme_new(&raw))
        throw GpgError("could not create a GPGME context: " + gpgme_error_text(error));
    GpgmeContext context(raw);
    gpgme_error_t error = gpgme_set_protocol(raw, GPGME_PROTOCOL_GPGCONF);
    if (!error) error = gpgme_ctx_set_engine_info(raw, GPGME_PROTOCOL_GPGCONF, nullptr, homedir.c_str());
    char* socket_dir = nullptr;
    if (!error) error = gpgme_op_conf_dir(raw, "socketdir", &socket_dir);
    if (error || !socket_dir)
        throw GpgError("gpgconf could not tell where gpg-agent's socket for homedir " + homedir +
                       " is" + (error ? ": " + gpgme_error_text(error) : std::string()) +
                       ", so the secret key cannot be looked for");
    std::string directory = percent_unescape(socket_dir);
    gpgme_free(socket_dir);
    // The longest of the names gpg-agent listens on; it exits when any of them does not fit.
    std::string longest = directory + "/S.gpg-agent.browser";
    if (longest.size() > max_agent_socket_path())
        throw GpgError("GnuPG homedir " + homedir + " is too long for gpg-agent's socket (" +
                       std::to_string(longest.size()) + " characters in " + longest +
                       ", at most " + std::to_string(max_agent_socket_path()) +
                       "), so gpg cannot tell whether the secret key is present; use a shorter "
                       "homedir path");
}

PrivateGpgHome::PrivateGpgHome(const std::string& homedir) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/preflight-gpg-XXXXXX";
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    if (!::mkdtemp(name.data()))
        throw GpgError("cannot make a private copy of GnuPG homedir " + homedir + " at " + pattern + ": " +
                       std::strerror(errno));
    path_ = name.data();
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
            fs::remove_all(path_, error);
            throw GpgError("cannot copy " + from.string() + " into a private copy of the homedir: " + reason);
        }
    }
}

PrivateGpgHome::~PrivateGpgHome() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

}  // namespace preflight::host
