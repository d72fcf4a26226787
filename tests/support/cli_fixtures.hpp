#pragma once
// The real preflight binary run through a shell, for tests of the command line end to end.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace preflight::testing {

/// What one run of the binary gave: the exit status (-1 when it did not exit), stdout, stderr.
struct Ran {
    int status = -1;
    std::string out, err;
};

/// `word` quoted for /bin/sh.
inline std::string shell_quoted(const std::string& word) {
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

/// Runs the preflight binary with `args` (already shell-quoted) in `dir`, with NO_COLOR set,
/// `env` (NAME=VALUE ...) added, stdin from /dev/null, after `umask` when one is given.
inline Ran run_preflight(const std::string& args, const std::string& dir, const std::string& env = "",
                         const std::string& umask = "") {
    std::string out_file = dir + "/.stdout", err_file = dir + "/.stderr";
    std::string command = "cd " + shell_quoted(dir) + " && " + (umask.empty() ? "" : "umask " + umask + " && ") +
                          "env NO_COLOR=1 " + env + " " + shell_quoted(PREFLIGHT_BINARY) + " " + args + " >" +
                          shell_quoted(out_file) + " 2>" + shell_quoted(err_file) + " </dev/null";
    int raw = std::system(command.c_str());
    Ran ran;
    ran.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    auto slurp = [](const std::string& path) {
        std::ifstream in(path);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    };
    ran.out = slurp(out_file);
    ran.err = slurp(err_file);
    std::remove(out_file.c_str());
    std::remove(err_file.c_str());
    return ran;
}

/// The same with each of `args` quoted for the shell.
inline Ran run_preflight_in(const std::string& dir, const std::vector<std::string>& args,
                            const std::string& umask = "") {
    std::string quoted;
    for (const auto& arg : args) quoted += (quoted.empty() ? "" : " ") + shell_quoted(arg);
    return run_preflight(quoted, dir, "", umask);
}

}  // namespace preflight::testing
