#pragma once
// Running a program on the host: argv without a shell, an explicit environment, a deadline that
// holds, bounded output, and no process left behind.
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace preflight::host {

/// What to run. `argv[0]` is a path (contains '/') or a name looked up in the PATH of
/// `environment` (the system default path when it has none).
struct ProcessRequest {
    std::vector<std::string> argv;
    /// The child's whole environment: it gets exactly these variables.
    std::map<std::string, std::string> environment;
    /// When the child (and every process of its group) is killed if it has not finished.
    std::chrono::steady_clock::time_point deadline;
    /// Bytes kept per stream; further output is read and discarded (the stream's
    /// `*_truncated` flag is set).
    std::size_t max_output_bytes = 64 * 1024;
};

/// How a run ended. When `started` is false only `spawn_error` is meaningful.
struct ProcessResult {
    bool started = false;
    /// Why the program could not be started: "not found", "permission denied", ...
    std::string spawn_error;
    /// The child's pid, which is also its process group id (0 when not started).
    int process_group = 0;
    /// Set when the child exited normally.
    std::optional<int> exit_code;
    /// Set when a signal ended the child (also our SIGTERM/SIGKILL at the deadline).
    std::optional<int> term_signal;
    /// The deadline came before the child exited and its output was closed; the whole process
    /// group was then killed (SIGTERM, a short grace, SIGKILL).
    bool timed_out = false;
    /// The child itself had exited before the deadline (with `timed_out`: a process it started
    /// kept its output open).
    bool exited_before_deadline = false;
    std::string stdout_text;
    std::string stderr_text;
    bool stdout_truncated = false;
    bool stderr_truncated = false;
};

/// Runs programs for the checks; tests substitute a fake.
class ProcessRunner {
public:
    virtual ~ProcessRunner() = default;
    /// Runs `request` to completion or to its deadline. Never throws for a program that cannot
    /// be started (see ProcessResult::started); may throw std::system_error when the system is
    /// out of pipes or processes.
    virtual ProcessResult run(const ProcessRequest& request) = 0;
};

/// The real runner: posix_spawn with stdin from /dev/null, stdout/stderr on pipes, the child in
/// its own process group, every inherited descriptor closed. Once the child has exited (or at
/// the deadline) every process still in its group is killed, and the child is reaped.
/// Stateless and safe to use from several threads at once.
class SystemProcessRunner : public ProcessRunner {
public:
    ProcessResult run(const ProcessRequest& request) override;
};

/// Sends SIGKILL to the process group of every child a SystemProcessRunner started and has not
/// reaped yet: for a process about to exit while a check thread (and its child) is abandoned.
void kill_running_process_groups();

/// The absolute path of the executable regular file `name` in the ':'-separated `path_env`
/// (empty entries are skipped, never the current directory). A `name` containing '/' is
/// checked as is. Returns nullopt when there is no such executable file.
std::optional<std::string> find_in_path(const std::string& name, const std::string& path_env);

/// The search path used when an environment has no PATH.
inline constexpr const char* kDefaultSearchPath = "/usr/local/bin:/usr/bin:/bin";

/// find_in_path(name, $PATH of this process), kDefaultSearchPath when PATH is unset or empty.
std::optional<std::string> find_on_own_path(const std::string& name);

/// This process's environment as NAME -> value (a name set twice: its last value).
std::map<std::string, std::string> own_environment();

}  // namespace preflight::host
