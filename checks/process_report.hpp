#pragma once
// How the `executable` and `command` kinds describe a program run in their outcomes.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "src/host/process.hpp"

namespace preflight {

/// "10s", "1.5s", "0.25s": a timeout as an operator writes it.
std::string format_timeout(std::chrono::milliseconds timeout);

/// argv joined with spaces, as a human reads a command line ("gpg --version").
std::string command_line_text(const std::vector<std::string>& argv);

/// "exited with status 3", "was killed by signal 9 (SIGKILL)", or "did not report an exit
/// status".
std::string describe_exit(const host::ProcessResult& result);

/// The end of a program's output for a report: whole lines only, at most `max_lines` lines and
/// `max_bytes` bytes. A line longer than `max_bytes` is replaced by "[a line of N bytes not
/// shown]" and, when the output was truncated, the cut last line is dropped, so that no part of
/// a line (a secret cut in two would escape the redactor) is ever shown. Invalid UTF-8 bytes
/// become U+FFFD. Empty when there is no output.
std::string output_tail(std::string_view output, bool truncated, std::size_t max_lines = 20,
                        std::size_t max_bytes = 2048);

}  // namespace preflight
