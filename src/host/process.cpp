#include "src/host/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <mutex>
#include <set>
#include <system_error>

#include "src/unique_fd.hpp"

namespace preflight::host {

namespace {

using Clock = std::chrono::steady_clock;

// Time the group gets between SIGTERM and SIGKILL at the deadline.
constexpr auto kKillGrace = std::chrono::milliseconds(200);

[[noreturn]] void throw_errno(int error, const char* what) {
    throw std::system_error(error, std::generic_category(), what);
}

struct Pipe {
    UniqueFd read_end;
    UniqueFd write_end;
};

// O_CLOEXEC so that a child spawned by another thread at the same moment never inherits our
// write end (it would hold the pipe open and delay our EOF). Only our read end is non-blocking:
// the child's stdout must stay an ordinary blocking pipe.
Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno(errno, "pipe2");
    Pipe pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
    int flags = ::fcntl(pipe.read_end.get(), F_GETFL);
    if (flags < 0 || ::fcntl(pipe.read_end.get(), F_SETFL, flags | O_NONBLOCK) != 0)
        throw_errno(errno, "fcntl");
    return pipe;
}

class SpawnFileActions {
public:
    SpawnFileActions() {
        if (int rc = posix_spawn_file_actions_init(&actions_)) throw_errno(rc, "posix_spawn");
    }
    ~SpawnFileActions() { posix_spawn_file_actions_destroy(&actions_); }
    SpawnFileActions(const SpawnFileActions&) = delete;
    SpawnFileActions& operator=(const SpawnFileActions&) = delete;
    posix_spawn_file_actions_t* get() { return &actions_; }

private:
    posix_spawn_file_actions_t actions_;
};

class SpawnAttributes {
public:
    SpawnAttributes() {
        if (int rc = posix_spawnattr_init(&attributes_)) throw_errno(rc, "posix_spawn");
    }
    ~SpawnAttributes() { posix_spawnattr_destroy(&attributes_); }
    SpawnAttributes(const SpawnAttributes&) = delete;
    SpawnAttributes& operator=(const SpawnAttributes&) = delete;
    posix_spawnattr_t* get() { return &attributes_; }

private:
    posix_spawnattr_t attributes_;
};

// The groups of children started and not yet reaped, for kill_running_process_groups().
struct LiveGroups {
    std::mutex mutex;
    std::set<pid_t> groups;
};

LiveGroups& live_groups() {
    static auto* live = new LiveGroups;  // never destroyed: abandoned threads may still use it
    return *live;
}

// Owns a started child, which leads its own process group. Until reaped, the child stays at
// least a zombie, so its pid (the group id) cannot be reused and signalling the group is safe.
class ChildGroup {
public:
    explicit ChildGroup(pid_t pid) : pid_(pid) {
        std::lock_guard lock(live_groups().mutex);
        live_groups().groups.insert(pid_);
    }
    ChildGroup(const ChildGroup&) = delete;
    ChildGroup& operator=(const ChildGroup&) = delete;
    ~ChildGroup() {
        if (!reaped_) {
            signal_group(SIGKILL);
            reap();
        }
    }

    pid_t pid() const { return pid_; }
    void signal_group(int signal_number) const { ::kill(-pid_, signal_number); }

    // True once the child has exited; leaves it unreaped (WNOWAIT).
    bool has_exited() const {
        siginfo_t info{};
        int rc;
        do {
            rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
        } while (rc != 0 && errno == EINTR);
        if (rc != 0) return true;  // ECHILD: someone else reaped it (SIGCHLD ignored)
        return info.si_pid == pid_;
    }

    // Waits until the child has exited or `until` has passed; true when it exited.
    bool wait_exit(Clock::time_point until) const {
        UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
        while (!has_exited()) {
            auto now = Clock::now();
            if (now >= until) return false;
            auto left = std::chrono::ceil<std::chrono::milliseconds>(until - now).count();
            int wait_ms = static_cast<int>(std::min<long long>(left, INT_MAX));
            if (pidfd.valid()) {
                pollfd entry{pidfd.get(), POLLIN, 0};
                ::poll(&entry, 1, wait_ms);
            } else {
                ::poll(nullptr, 0, std::min(wait_ms, 10));  // kernels without pidfd
            }
        }
        return true;
    }

    // Reaps the child; returns its wait status (0 when it was reaped elsewhere).
    int reap() {
        {
            std::lock_guard lock(live_groups().mutex);
            live_groups().groups.erase(pid_);
        }
        int status = 0;
        pid_t rc;
        do {
            rc = ::waitpid(pid_, &status, 0);
        } while (rc < 0 && errno == EINTR);
        reaped_ = true;
        return rc == pid_ ? status : 0;
    }

private:
    pid_t pid_;
    bool reaped_ = false;
};

struct OutputStream {
    UniqueFd fd;
    std::string* text;
    bool* truncated;
};

std::string describe_spawn_error(int error) {
    switch (error) {
        case ENOENT: return "not found";
        case EACCES: return "permission denied";
        case ENOEXEC: return "not an executable format";
        case ENOTDIR: return "not found (a path component is not a directory)";
        case ETXTBSY: return "text file busy";
        default: return std::strerror(error);
    }
}

// Reads both streams until they close or the deadline passes; true when both closed.
bool read_until_closed(std::array<OutputStream, 2>& streams, std::size_t limit,
                       Clock::time_point deadline) {
    std::array<char, 16384> buffer;
    for (;;) {
        std::array<pollfd, 2> entries{};
        std::array<OutputStream*, 2> owners{};
        nfds_t count = 0;
        for (auto& stream : streams) {
            if (!stream.fd.valid()) continue;
            entries[count] = {stream.fd.get(), POLLIN, 0};
            owners[count++] = &stream;
        }
        if (count == 0) return true;
        auto now = Clock::now();
        if (now >= deadline) return false;
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
        int rc = ::poll(entries.data(), count, static_cast<int>(std::min<long long>(left, INT_MAX)));
        if (rc < 0 && errno != EINTR) throw_errno(errno, "poll");
        for (nfds_t i = 0; rc > 0 && i < count; ++i) {
            if (entries[i].revents == 0) continue;
            OutputStream& stream = *owners[i];
            ssize_t n = ::read(stream.fd.get(), buffer.data(), buffer.size());
            if (n > 0) {
                std::size_t room = limit - std::min(limit, stream.text->size());
                std::size_t keep = std::min(room, static_cast<std::size_t>(n));
                stream.text->append(buffer.data(), keep);
                if (keep < static_cast<std::size_t>(n)) *stream.truncated = true;
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                stream.fd.reset();
            }
        }
    }
}

void record_status(int status, ProcessResult& result) {
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
}

}  // namespace

void kill_running_process_groups() {
    std::lock_guard lock(live_groups().mutex);
    for (pid_t group : live_groups().groups) ::kill(-group, SIGKILL);
}

ProcessResult SystemProcessRunner::run(const ProcessRequest& request) {
    ProcessResult result;
    if (request.argv.empty() || request.argv.front().empty()) {
        result.spawn_error = "empty command";
        return result;
    }
    std::string program = request.argv.front();
    if (program.find('/') == std::string::npos) {
        auto path = request.environment.find("PATH");
        auto found = find_in_path(program, path == request.environment.end() ? kDefaultSearchPath
                                                                            : path->second);
        if (!found) {
            result.spawn_error = "not found";
            return result;
        }
        program = *found;
    }

    std::vector<char*> argv;
    for (const auto& argument : request.argv) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    std::vector<std::string> assignments;
    for (const auto& [name, value] : request.environment)
        if (!name.empty() && name.find('=') == std::string::npos)
            assignments.push_back(name + "=" + value);
    std::vector<char*> envp;
    for (auto& assignment : assignments) envp.push_back(assignment.data());
    envp.push_back(nullptr);

    Pipe out = make_pipe();
    Pipe err = make_pipe();
    SpawnFileActions actions;
    for (int failed :
         {posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0),
          posix_spawn_file_actions_adddup2(actions.get(), out.write_end.get(), STDOUT_FILENO),
          posix_spawn_file_actions_adddup2(actions.get(), err.write_end.get(), STDERR_FILENO),
          posix_spawn_file_actions_addclosefrom_np(actions.get(), STDERR_FILENO + 1)})
        if (failed) throw_errno(failed, "posix_spawn_file_actions");

    // The child starts with no blocked signals and default dispositions, whatever the calling
    // thread had (the engine's workers may block SIGTERM/SIGINT).
    SpawnAttributes attributes;
    sigset_t empty_set, defaults;
    sigemptyset(&empty_set);
    sigemptyset(&defaults);
    for (int signal_number : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGALRM,
                              SIGUSR1, SIGUSR2, SIGTSTP, SIGTTIN, SIGTTOU})
        sigaddset(&defaults, signal_number);
    posix_spawnattr_setflags(attributes.get(), POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                   POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(attributes.get(), 0);
    posix_spawnattr_setsigmask(attributes.get(), &empty_set);
    posix_spawnattr_setsigdefault(attributes.get(), &defaults);

    pid_t pid = 0;
    int rc = ::posix_spawn(&pid, program.c_str(), actions.get(), attributes.get(), argv.data(),
                           envp.data());
    if (rc != 0) {
        result.spawn_error = describe_spawn_error(rc);
        return result;
    }
    ChildGroup child(pid);
    result.started = true;
    result.process_group = pid;
    out.write_end.reset();
    err.write_end.reset();

    std::array<OutputStream, 2> streams{
        OutputStream{std::move(out.read_end), &result.stdout_text, &result.stdout_truncated},
        OutputStream{std::move(err.read_end), &result.stderr_text, &result.stderr_truncated}};
    bool finished = read_until_closed(streams, request.max_output_bytes, request.deadline) &&
                    child.wait_exit(request.deadline);
    // Stop reading at the deadline even if a grandchild still holds a pipe open.
    for (auto& stream : streams) stream.fd.reset();

    if (finished) {
        result.exited_before_deadline = true;
    } else {
        result.timed_out = true;
        result.exited_before_deadline = child.has_exited();
        child.signal_group(SIGTERM);
        child.wait_exit(Clock::now() + kKillGrace);
    }
    // Whatever the child left running in its group goes with it.
    child.signal_group(SIGKILL);
    record_status(child.reap(), result);
    return result;
}

}  // namespace preflight::host
