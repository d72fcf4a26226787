#include "src/host/file_trust.hpp"

#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace preflight::host {

namespace {

std::string name_of_user(uid_t uid) {
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(4096);
    if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found) return entry.pw_name;
    return "";
}

}  // namespace

std::optional<PathEntryFacts> examine_path_entry(const std::string& path, std::string& error) {
    struct stat info{};
    if (::lstat(path.c_str(), &info) != 0) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    PathEntryFacts facts;
    facts.uid = info.st_uid;
    facts.mode = info.st_mode & 07777;
    facts.owner_name = name_of_user(info.st_uid);
    if (S_ISDIR(info.st_mode)) facts.type = PathEntryFacts::Type::directory;
    else if (S_ISREG(info.st_mode)) facts.type = PathEntryFacts::Type::regular;
    else if (S_ISLNK(info.st_mode)) {
        facts.type = PathEntryFacts::Type::symlink;
        std::vector<char> target(PATH_MAX + 1);
        ssize_t length = ::readlink(path.c_str(), target.data(), target.size() - 1);
        if (length < 0) {
            error = std::strerror(errno);
            return std::nullopt;
        }
        facts.link_target.assign(target.data(), static_cast<size_t>(length));
    }
    return facts;
}

std::optional<std::string> untrusted_as_root(const std::string& path) {
    if (::geteuid() != 0) return std::nullopt;
    std::error_code ignored;
    std::string absolute = std::filesystem::absolute(path, ignored).string();
    if (absolute.empty()) absolute = path;
    return path_trust_problem(absolute, 0, TrustedEnd::regular_file, examine_path_entry);
}

}  // namespace preflight::host
