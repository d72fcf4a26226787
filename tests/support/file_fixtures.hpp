#pragma once
// Scratch directories, field builders and an unprivileged runner for tests of the file-based
// kinds (`file`, `config_drift`).
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/check.hpp"

namespace preflight::testing {

/// A mkdtemp directory (mode 0755, so an unprivileged child can reach its files), removed
/// with its content at the end of the test.
class TempDir {
public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "preflight-files-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
        ::chmod(path_.c_str(), 0755);
    }
    ~TempDir() {
        unlock(path_);
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }
    /// Writes `name` with `text` and exactly `mode`; returns its path.
    std::string write(const std::string& name, const std::string& text, unsigned mode = 0644) const {
        std::string target = file(name);
        {
            std::ofstream out(target, std::ios::binary | std::ios::trunc);
            out << text;
        }
        ::chmod(target.c_str(), static_cast<mode_t>(mode));
        return target;
    }
    std::string mkdir(const std::string& name, unsigned mode = 0755) const {
        std::string target = file(name);
        ::mkdir(target.c_str(), static_cast<mode_t>(mode));
        ::chmod(target.c_str(), static_cast<mode_t>(mode));
        return target;
    }
    std::string symlink(const std::string& name, const std::string& target) const {
        std::string link = file(name);
        if (::symlink(target.c_str(), link.c_str()) != 0) throw std::runtime_error("symlink failed");
        return link;
    }

private:
    // Tests close directories (mode 0); reopen them so they can be removed.
    static void unlock(const std::string& dir) {
        ::chmod(dir.c_str(), 0700);
        std::error_code error;
        for (const auto& entry : std::filesystem::directory_iterator(dir, error))
            if (entry.is_directory(error) && !entry.is_symlink(error)) unlock(entry.path().string());
    }
    std::string path_;
};

/// The uid/gid tests switch to when they need a user without privileges.
inline constexpr uid_t kNobody = 65534;

/// Runs `probe` as an unprivileged user and returns what it returned: in a forked child that
/// drops to uid/gid 65534 when the tests run as root, in-process otherwise. `probe` must not
/// use doctest macros (they would run in the child).
inline std::pair<Status, std::string> run_unprivileged(const std::function<Outcome()>& probe) {
    if (::geteuid() != 0) {
        Outcome outcome = probe();
        return {outcome.status, outcome.message};
    }
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_t child = ::fork();
    if (child < 0) throw std::runtime_error("fork failed");
    if (child == 0) {
        ::close(fds[0]);
        std::string reply;
        if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
            reply = "E could not drop privileges";
        } else {
            Outcome outcome = probe();
            reply = std::to_string(static_cast<int>(outcome.status)) + " " + outcome.message;
        }
        ssize_t ignored = ::write(fds[1], reply.data(), reply.size());
        (void)ignored;
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string reply;
    char buffer[4096];
    for (ssize_t got; (got = ::read(fds[0], buffer, sizeof buffer)) > 0;) reply.append(buffer, got);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    if (reply.size() < 2 || reply[0] == 'E') throw std::runtime_error("unprivileged run: " + reply);
    return {static_cast<Status>(reply[0] - '0'), reply.substr(2)};
}

/// Field values as the loader would give them to a kind's factory, each located at
/// pack.yaml:LINE:3 with LINE = 10, 11, ... in the order they are added.
class FieldsBuilder {
public:
    FieldsBuilder() { values_.check_location = {"pack.yaml", 9, 3}; }
    FieldsBuilder& text(const std::string& name, const std::string& value) {
        values_.set(name, parse(value), next());
        return *this;
    }
    FieldsBuilder& choice(const std::string& name, const std::string& value) {
        values_.set(name, Template::literal(value), next());
        return *this;
    }
    FieldsBuilder& boolean(const std::string& name, bool value) {
        values_.set(name, value, next());
        return *this;
    }
    FieldsBuilder& list(const std::string& name, const std::vector<std::string>& items) {
        std::vector<Template> templates;
        for (const auto& item : items) templates.push_back(parse(item));
        values_.set(name, templates, next());
        return *this;
    }
    FieldsBuilder& map(const std::string& name, const std::map<std::string, std::string>& entries) {
        std::map<std::string, Template> templates;
        for (const auto& [key, item] : entries) templates[key] = parse(item);
        values_.set(name, templates, next());
        return *this;
    }
    FieldsBuilder& values(const std::string& name, nlohmann::json value) {
        values_.set(name, std::move(value), next());
        return *this;
    }

    /// The check `kind` builds; null when it reported errors, which are then in `errors` as
    /// "pack.yaml:LINE:COL: message".
    std::unique_ptr<Check> make(const KindSpec& kind) {
        Diagnostics diagnostics;
        RulePack pack;
        auto check = kind.make(KindInput{values_, pack, diagnostics});
        errors = diagnostics.lines();
        return check;
    }
    std::vector<std::string> errors;

private:
    static Template parse(const std::string& text) {
        std::string error;
        auto parsed = Template::parse(text, error);
        if (!parsed) throw std::runtime_error("bad template in test: " + error);
        return *parsed;
    }
    SourceLocation next() { return {"pack.yaml", line_++, 3}; }
    FieldValues values_;
    int line_ = 10;
};

}  // namespace preflight::testing
