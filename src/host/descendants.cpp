#include "src/host/descendants.hpp"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <fstream>
#include <mutex>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "src/host/gpg.hpp"
#include "src/host/process.hpp"

namespace preflight::host {

namespace {

using Clock = std::chrono::steady_clock;

// The parent pid in /proc/PID/stat, after the command name (which may hold spaces and ')').
pid_t parent_of(const std::string& pid) {
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return -1;
    auto close = line.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream rest(line.substr(close + 1));
    char state = 0;
    pid_t parent = -1;
    rest >> state >> parent;
    return rest ? parent : -1;
}

// Every process below this one, parents before their children.
std::vector<pid_t> descendants() {
    std::multimap<pid_t, pid_t> children;
    if (DIR* proc = ::opendir("/proc")) {
        while (dirent* entry = ::readdir(proc)) {
            std::string name = entry->d_name;
            if (name.empty() || !std::isdigit(static_cast<unsigned char>(name.front()))) continue;
            pid_t parent = parent_of(name);
            if (parent > 0) children.emplace(parent, static_cast<pid_t>(std::stol(name)));
        }
        ::closedir(proc);
    }
    std::vector<pid_t> found;
    std::vector<pid_t> parents{::getpid()};
    while (!parents.empty()) {
        pid_t parent = parents.back();
        parents.pop_back();
        auto [first, last] = children.equal_range(parent);
        for (auto it = first; it != last; ++it) {
            found.push_back(it->second);
            parents.push_back(it->second);
        }
    }
    return found;
}

void reap_exited_children() {
    int status = 0;
    while (::waitpid(-1, &status, WNOHANG) > 0) {
    }
}

// Set by forbid_new_children(): a child that fork() makes from then on leaves at once (an
// atfork handler runs in the child of every fork()).
std::atomic<bool> children_forbidden{false};

void leave_if_forbidden() {
    if (children_forbidden.load()) ::_exit(127);
}

}  // namespace

bool adopt_orphaned_descendants() noexcept {
    static std::once_flag once;
    std::call_once(once, [] { ::pthread_atfork(nullptr, nullptr, leave_if_forbidden); });
    return ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
}

void forbid_new_children() noexcept { children_forbidden.store(true); }

void stop_all_descendants(std::chrono::milliseconds grace) noexcept {
    try {
        reap_exited_children();
        auto left = descendants();
        if (left.empty()) return;
        for (pid_t pid : left) ::kill(pid, SIGTERM);
        auto until = Clock::now() + grace;
        while (!left.empty() && Clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            reap_exited_children();
            left = descendants();
        }
        // A process may fork between the listing and the kill; its child is adopted by us when
        // its parent dies and shows up in the next listing.
        for (int round = 0; round < 100 && !left.empty(); ++round) {
            for (pid_t pid : left) ::kill(pid, SIGKILL);
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            reap_exited_children();
            left = descendants();
        }
    } catch (...) {
        // Out of memory while listing /proc: what is left is left.
    }
}

void clean_up_after_run() noexcept {
    kill_running_process_groups();
    stop_all_descendants();
    remove_private_gpg_homes();
}

}  // namespace preflight::host
