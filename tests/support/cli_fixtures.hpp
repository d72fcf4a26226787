#pragma once
// The real preflight binary run through a shell, for tests of the command line end to end.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace preflight::testing {

/// What one run of the binary gave: the exit status (-1 when it did not exit), stdout, stderr.
struct Ran {
    int status = -1;
    std::string out, err;
};

/// Runs the preflight binary with `args` (already shell-quoted) in `dir`, with NO_COLOR set,
/// `env` (NAME=VALUE ...) added and stdin from /dev/null.
inline Ran run_preflight(const std::string& args, const std::string& dir, const std::string& env = "") {
    std::string out_file = dir + "/.stdout", err_file = dir + "/.stderr";
    std::string command = "cd '" + dir + "' && env NO_COLOR=1 " + env + " " + PREFLIGHT_BINARY + " " + args + " >" +
                          out_file + " 2>" + err_file + " </dev/null";
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
    return ran;
}

}  // namespace preflight::testing
