// What a run leaving with an abandoned check thread does about children that thread may still
// make: forbid_new_children() makes every later fork()'s child exit at once.
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "src/host/descendants.hpp"

namespace {

// In a child of the test process (forbidding is for good): forks once before and once after
// forbid_new_children(); each grandchild would exit 7. Returns the child's exit status:
// 10 * (before's status) + after's status.
int statuses_around_forbidding() {
    const pid_t child = ::fork();
    if (child == 0) {
        preflight::host::adopt_orphaned_descendants();
        auto fork_and_wait = [] {
            const pid_t grandchild = ::fork();
            if (grandchild == 0) ::_exit(7);
            int status = 0;
            if (::waitpid(grandchild, &status, 0) != grandchild || !WIFEXITED(status)) return 99;
            return WEXITSTATUS(status) == 127 ? 1 : WEXITSTATUS(status);
        };
        const int before = fork_and_wait();
        preflight::host::forbid_new_children();
        const int after = fork_and_wait();
        ::_exit(10 * before + after);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("forbid_new_children: a child forked before runs, one forked after exits at once") {
    // before: the grandchild ran and exited 7; after: it exited 127 before running (reported 1).
    CHECK(statuses_around_forbidding() == 71);
}
