#pragma once
// Runs the real preflight binary (PREFLIGHT_BINARY) and collects its exit status and output.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace preflight::testing {

struct PreflightRun {
    int status = -1;
    std::string out, err;
};

/// `word` quoted for /bin/sh.
inline std::string shell_quoted(const std::string& word) {
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

/// Runs preflight with `args` in `dir` (stdin /dev/null, NO_COLOR=1, after `umask` when given),
/// stdout and stderr collected through files `dir`/.stdout and .stderr.
inline PreflightRun run_preflight_in(const std::string& dir, const std::vector<std::string>& args,
                                     const std::string& umask = "") {
    std::string out_file = dir + "/.stdout", err_file = dir + "/.stderr";
    std::string command = "cd " + shell_quoted(dir) + " && " + (umask.empty() ? "" : "umask " + umask + " && ") +
                          "NO_COLOR=1 " + shell_quoted(PREFLIGHT_BINARY);
    for (const auto& arg : args) command += " " + shell_quoted(arg);
    command += " >" + shell_quoted(out_file) + " 2>" + shell_quoted(err_file) + " </dev/null";
    int raw = std::system(command.c_str());
    PreflightRun ran;
    ran.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    auto slurp = [](const std::string& path) {
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    };
    ran.out = slurp(out_file);
    ran.err = slurp(err_file);
    std::remove(out_file.c_str());
    std::remove(err_file.c_str());
    return ran;
}

}  // namespace preflight::testing
