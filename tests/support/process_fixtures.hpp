#pragma once
// Scratch directories, scripts and process probes for tests of process-running code.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/file_fixtures.hpp"

namespace preflight::testing {

/// A TempDir (tests/support/file_fixtures.hpp) that also writes scripts and reads files back.
class ScratchDir : public TempDir {
public:
    /// Writes an executable /bin/sh script `name` with `body`; returns its path.
    std::string script(const std::string& name, const std::string& body) const {
        return write(name, "#!/bin/sh\n" + body + "\n", 0755);
    }
    /// The content of `name` ("" when absent).
    std::string read(const std::string& name) const {
        std::ifstream in(file(name), std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
};

/// True when no process of group `pgid` exists any more.
inline bool group_is_gone(int pgid) { return ::kill(-pgid, 0) == -1 && errno == ESRCH; }

/// Waits (up to 20 s) for an orphaned process, reaped by init rather than by us, to disappear;
/// true when it did. Not a timing assertion: it only bounds the wait for an eventual state.
inline bool eventually_gone(int pid, bool whole_group) {
    for (int i = 0; i < 2000; ++i) {
        bool gone = whole_group ? group_is_gone(pid) : (::kill(pid, 0) == -1 && errno == ESRCH);
        if (gone) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

/// The pid written as text in `file` by a test script (0 when absent).
inline int read_pid(const ScratchDir& dir, const std::string& name) {
    try {
        return std::stoi(dir.read(name));
    } catch (const std::exception&) {
        return 0;
    }
}

/// Nine random digits: a marker for the argv of processes a test starts, e.g. `sleep 300.TOKEN`.
inline std::string unique_token() {
    std::random_device device;
    return std::to_string(100000000 + device() % 900000000);
}

/// The pids of the live (not zombie) processes with `argument` as one of their argv elements.
inline std::vector<int> pids_with_argument(const std::string& argument) {
    std::vector<int> found;
    DIR* proc = ::opendir("/proc");
    if (!proc) return found;
    while (dirent* entry = ::readdir(proc)) {
        std::string name = entry->d_name;
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream cmdline("/proc/" + name + "/cmdline", std::ios::binary);
        std::string element;
        bool match = false;
        while (std::getline(cmdline, element, '\0')) match = match || element == argument;
        if (match) found.push_back(std::stoi(name));  // a zombie has an empty cmdline
    }
    ::closedir(proc);
    return found;
}

}  // namespace preflight::testing
