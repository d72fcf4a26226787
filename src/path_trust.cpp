#include "src/path_trust.hpp"

#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <vector>

namespace preflight {

namespace {

constexpr unsigned kGroupOrOthersWrite = 0022;
constexpr unsigned kSticky = 01000;
constexpr int kMaxSymlinks = 40;  // the kernel's own limit

std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        if (end > start) out.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::string parent_of(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string octal(unsigned mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", mode & 07777);
    return text;
}

std::string writers(unsigned mode) {
    if ((mode & 0020) && (mode & 0002)) return "group and others";
    return (mode & 0020) ? "group" : "others";
}

class Walk {
public:
    Walk(unsigned long long runner_uid, const PathEntryProbe& probe) : runner_(runner_uid), probe_(probe) {}

    std::optional<std::string> owner_problem(const std::string& what, const std::string& path,
                                             const PathEntryFacts& facts) const {
        if (facts.uid == 0 || facts.uid == runner_) return std::nullopt;
        std::string owner = "uid " + std::to_string(facts.uid);
        if (!facts.owner_name.empty()) owner = facts.owner_name + " (" + owner + ")";
        std::string trusted = runner_ == 0 ? "root" : "root or uid " + std::to_string(runner_);
        return what + " " + path + " is owned by " + owner + ", not by " + trusted;
    }

    std::optional<std::string> directory_problem(const std::string& path, const PathEntryFacts& facts) const {
        if (auto problem = owner_problem("directory", path, facts)) return problem;
        if ((facts.mode & kGroupOrOthersWrite) && !(facts.mode & kSticky))
            return "directory " + path + " is writable by " + writers(facts.mode) + " and not sticky (mode " +
                   octal(facts.mode) + ")";
        return std::nullopt;
    }

    std::optional<PathEntryFacts> examine(const std::string& path, std::string& problem) const {
        std::string error;
        auto facts = probe_(path, error);
        if (!facts) problem = "cannot examine " + path + ": " + error;
        return facts;
    }

private:
    unsigned long long runner_;
    const PathEntryProbe& probe_;
};

}  // namespace

std::optional<std::string> path_trust_problem(const std::string& path, unsigned long long runner_uid,
                                              TrustedEnd end, const PathEntryProbe& probe) {
    if (path.empty() || path.front() != '/') return "cannot examine '" + path + "': not an absolute path";
    Walk walk(runner_uid, probe);
    std::string problem;
    auto root = walk.examine("/", problem);
    if (!root) return problem;
    if (auto bad = walk.directory_problem("/", *root)) return bad;

    auto first = components(path);
    std::deque<std::string> pending(first.begin(), first.end());
    std::string current = "/";  // resolved so far: real directories only, every one checked
    int symlinks = 0;
    while (!pending.empty()) {
        std::string name = pending.front();
        pending.pop_front();
        if (name == ".") continue;
        if (name == "..") {
            current = parent_of(current);
            continue;
        }
        std::string next = current == "/" ? "/" + name : current + "/" + name;
        auto facts = walk.examine(next, problem);
        if (!facts) return problem;
        if (facts->type == PathEntryFacts::Type::symlink) {
            // Whoever may replace the link chooses where the path leads.
            if (auto bad = walk.owner_problem("symlink", next, *facts)) return bad;
            if (++symlinks > kMaxSymlinks) return "too many levels of symbolic links at " + next;
            auto target = components(facts->link_target);
            pending.insert(pending.begin(), target.begin(), target.end());
            if (!facts->link_target.empty() && facts->link_target.front() == '/') current = "/";
            continue;
        }
        if (facts->type == PathEntryFacts::Type::directory) {
            if (auto bad = walk.directory_problem(next, *facts)) return bad;
        } else if (!pending.empty()) {
            return next + " is not a directory";
        }
        current = next;
    }

    auto last = walk.examine(current, problem);
    if (!last) return problem;
    if (end == TrustedEnd::directory) {
        if (last->type != PathEntryFacts::Type::directory) return current + " is not a directory";
        return std::nullopt;  // checked on the way
    }
    if (last->type != PathEntryFacts::Type::regular) return current + " is not a regular file";
    if (auto bad = walk.owner_problem("file", current, *last)) return bad;
    if (last->mode & kGroupOrOthersWrite)
        return "file " + current + " is writable by " + writers(last->mode) + " (mode " + octal(last->mode) + ")";
    return std::nullopt;
}

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

}  // namespace preflight
