// Who could change or replace what a path leads to (issue 13): the walk judged on literal facts.
#include <doctest/doctest.h>

#include <map>

#include "src/path_trust.hpp"

using namespace preflight;

namespace {

using Type = PathEntryFacts::Type;

// A file system of literal lstat facts.
struct FakeTree {
    std::map<std::string, PathEntryFacts> entries{{"/", {Type::directory, 0, 0755, "root", ""}}};

    FakeTree& dir(const std::string& path, unsigned mode = 0755, unsigned long long uid = 0) {
        entries[path] = {Type::directory, uid, mode, uid == 0 ? "root" : "nobody", ""};
        return *this;
    }
    FakeTree& file(const std::string& path, unsigned mode = 0644, unsigned long long uid = 0) {
        entries[path] = {Type::regular, uid, mode, uid == 0 ? "root" : "nobody", ""};
        return *this;
    }
    FakeTree& link(const std::string& path, const std::string& target, unsigned long long uid = 0) {
        entries[path] = {Type::symlink, uid, 0777, uid == 0 ? "root" : "nobody", target};
        return *this;
    }
    std::optional<std::string> judge(const std::string& path, TrustedEnd end = TrustedEnd::regular_file,
                                     unsigned long long runner = 0) const {
        PathEntryProbe probe = [this](const std::string& p, std::string& error) -> std::optional<PathEntryFacts> {
            auto it = entries.find(p);
            if (it == entries.end()) {
                error = "No such file or directory";
                return std::nullopt;
            }
            return it->second;
        };
        return path_trust_problem(path, runner, end, probe);
    }
};

}  // namespace

TEST_CASE("a root-owned file under root-owned directories that only root can write is trusted") {
    FakeTree tree;
    tree.dir("/etc").dir("/etc/preflight").dir("/etc/preflight/rules.d").file("/etc/preflight/rules.d/f4.yaml");
    CHECK(tree.judge("/etc/preflight/rules.d/f4.yaml") == std::nullopt);
    CHECK(tree.judge("/etc/preflight/rules.d", TrustedEnd::directory) == std::nullopt);
    CHECK(tree.judge("/etc/./preflight/rules.d/../rules.d/f4.yaml") == std::nullopt);
}

TEST_CASE("a file another user owns or group/others can write is not trusted") {
    FakeTree tree;
    tree.dir("/srv").file("/srv/a.yaml", 0644, 65534).file("/srv/b.yaml", 0664).file("/srv/c.yaml", 0646)
        .file("/srv/d.yaml", 0666);
    CHECK(tree.judge("/srv/a.yaml") == "file /srv/a.yaml is owned by nobody (uid 65534), not by root");
    CHECK(tree.judge("/srv/b.yaml") == "file /srv/b.yaml is writable by group (mode 0664)");
    CHECK(tree.judge("/srv/c.yaml") == "file /srv/c.yaml is writable by others (mode 0646)");
    CHECK(tree.judge("/srv/d.yaml") == "file /srv/d.yaml is writable by group and others (mode 0666)");
}

TEST_CASE("a directory on the way that another user owns, or can write without the sticky bit, is not trusted") {
    FakeTree tree;
    tree.dir("/srv").dir("/srv/rules", 0755, 65534).file("/srv/rules/a.yaml");
    CHECK(tree.judge("/srv/rules/a.yaml") == "directory /srv/rules is owned by nobody (uid 65534), not by root");

    FakeTree open;
    open.dir("/srv", 0777).dir("/srv/rules").file("/srv/rules/a.yaml");
    CHECK(open.judge("/srv/rules/a.yaml") == "directory /srv is writable by group and others and not sticky (mode 0777)");

    FakeTree group;
    group.dir("/srv", 02775).file("/srv/a.yaml");
    CHECK(group.judge("/srv/a.yaml") == "directory /srv is writable by group and not sticky (mode 2775)");

    FakeTree slash;
    slash.entries["/"].mode = 0777;
    slash.file("/a.yaml");
    CHECK(slash.judge("/a.yaml") == "directory / is writable by group and others and not sticky (mode 0777)");
}

TEST_CASE("a root-owned file in a sticky world-writable directory is trusted, as OpenSSH's StrictModes reasons") {
    FakeTree tree;
    tree.dir("/tmp", 01777).file("/tmp/pack.yaml").dir("/tmp/mine").file("/tmp/mine/pack.yaml")
        .dir("/tmp/theirs", 0700, 65534).file("/tmp/theirs/pack.yaml");
    CHECK(tree.judge("/tmp/pack.yaml") == std::nullopt);
    CHECK(tree.judge("/tmp/mine/pack.yaml") == std::nullopt);
    CHECK(tree.judge("/tmp/theirs/pack.yaml") == "directory /tmp/theirs is owned by nobody (uid 65534), not by root");
    CHECK(tree.judge("/tmp", TrustedEnd::directory) == std::nullopt);
}

TEST_CASE("symlinks are followed: each one and every directory it leads through is judged") {
    FakeTree tree;
    tree.dir("/tmp", 01777).dir("/etc").file("/etc/pack.yaml").dir("/home").dir("/home/nobody", 0755, 65534)
        .file("/home/nobody/evil.yaml")
        .link("/tmp/by-root", "/etc/pack.yaml")
        .link("/tmp/by-nobody", "/etc/pack.yaml", 65534)
        .link("/etc/relative", "pack.yaml")
        .link("/etc/into-home", "../home/nobody/evil.yaml")
        .link("/etc/loop", "loop");
    CHECK(tree.judge("/tmp/by-root") == std::nullopt);
    CHECK(tree.judge("/etc/relative") == std::nullopt);
    CHECK(tree.judge("/tmp/by-nobody") == "symlink /tmp/by-nobody is owned by nobody (uid 65534), not by root");
    CHECK(tree.judge("/etc/into-home") == "directory /home/nobody is owned by nobody (uid 65534), not by root");
    CHECK(tree.judge("/etc/loop") == "too many levels of symbolic links at /etc/loop");
}

TEST_CASE("what cannot be examined or is of the wrong type is not trusted") {
    FakeTree tree;
    tree.dir("/srv").file("/srv/a.yaml");
    CHECK(tree.judge("/srv/missing.yaml") == "cannot examine /srv/missing.yaml: No such file or directory");
    CHECK(tree.judge("/srv/a.yaml/x") == "/srv/a.yaml is not a directory");
    CHECK(tree.judge("/srv") == "/srv is not a regular file");
    CHECK(tree.judge("/srv/a.yaml", TrustedEnd::directory) == "/srv/a.yaml is not a directory");
    CHECK(tree.judge("srv/a.yaml") == "cannot examine 'srv/a.yaml': not an absolute path");
}

TEST_CASE("a user other than root may also trust what it owns itself") {
    FakeTree tree;
    tree.dir("/home").dir("/home/op", 0700, 1000).file("/home/op/r.json", 0600, 1000).dir("/home/other", 0755, 1001);
    tree.entries["/home/op"].owner_name = "op";
    tree.entries["/home/other"].owner_name = "";
    CHECK(tree.judge("/home/op", TrustedEnd::directory, 1000) == std::nullopt);
    CHECK(tree.judge("/home/other", TrustedEnd::directory, 1000) ==
          "directory /home/other is owned by uid 1001, not by root or uid 1000");
}
