#include <doctest/doctest.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/file.hpp"
#include "src/host/files.hpp"
#include "support/fake_context.hpp"
#include "support/file_fixtures.hpp"

using namespace preflight;
using preflight::testing::FakeRunContext;
using preflight::testing::FieldsBuilder;
using preflight::testing::TempDir;

namespace {

std::string user_name_of(uid_t uid) {
    passwd* entry = ::getpwuid(uid);
    return entry ? entry->pw_name : "uid " + std::to_string(uid);
}

std::string group_name_of(gid_t gid) {
    group* entry = ::getgrgid(gid);
    return entry ? entry->gr_name : "gid " + std::to_string(gid);
}

// How the kind names the user that run_unprivileged runs as.
std::string unprivileged_runner() {
    if (::geteuid() != 0) return host::runner_description();
    return user_name_of(testing::kNobody) + " (uid " + std::to_string(testing::kNobody) + ")";
}

Pattern pattern(const std::string& source) {
    std::string error;
    auto compiled = Pattern::compile(source, preflight::Anchoring::one_line, error);
    REQUIRE(compiled);
    return *compiled;
}

struct Fixture {
    TempDir dir;
    FakeRunContext context;
    std::string me = user_name_of(::geteuid());
    std::string my_group = group_name_of(::getegid());

    // Builds and runs; the fields must load.
    Outcome run(FieldsBuilder& fields) {
        auto check = fields.make(file_kind());
        REQUIRE(fields.errors.empty());
        REQUIRE(check);
        return check->run(context);
    }
    std::string facts(const std::string& what, const std::string& mode) const {
        return " is " + what + ", mode " + mode + ", owner " + me + ", group " + my_group;
    }
};

}  // namespace

TEST_CASE("file: modes are parsed, printed and compared as octal permission bits") {
    CHECK(parse_mode("0750") == 0750u);
    CHECK(parse_mode("750") == 0750u);
    CHECK(parse_mode("4755") == 04755u);
    CHECK(parse_mode("07777") == 07777u);
    CHECK(parse_mode("0") == 0u);
    for (const char* bad : {"", "rwx", "0758", "17777", "-750", "0o750", "000750"})
        CHECK_MESSAGE(!parse_mode(bad), bad);

    CHECK(format_mode(0755) == "0755");
    CHECK(format_mode(04755) == "4755");
    CHECK(format_mode(0) == "0000");

    CHECK(describe_permission_bits(0005) == "o+rx");
    CHECK(describe_permission_bits(0027) == "g+w,o+rwx");
    CHECK(describe_permission_bits(04000) == "u+s");
    CHECK(describe_permission_bits(02010) == "g+xs");
    CHECK(describe_permission_bits(01007) == "o+rwxt");
    CHECK(describe_permission_bits(0) == "");

    CHECK(mode_violation(0755, 0750) == "mode 0755 exceeds 0750 (extra: o+rx)");
    CHECK(mode_violation(04750, 0750) == "mode 4750 exceeds 0750 (extra: u+s)");
    CHECK(mode_violation(0640, 0750) == std::nullopt);
    CHECK(mode_violation(0750, 0750) == std::nullopt);
    CHECK(mode_violation(0600, 0640) == std::nullopt);
}

TEST_CASE("file: lines are numbered from 1, CRLF tolerated, and listed briefly") {
    auto key = pattern("^key=");
    CHECK(matching_lines("key=1\nother\nkey=2", key) == std::vector<int>{1, 3});
    CHECK(matching_lines("x\r\nkey=1\r\n", key) == std::vector<int>{2});
    CHECK(matching_lines("", key).empty());
    CHECK(matching_lines("a\n\nkey=\n", pattern("^$")) == std::vector<int>{2});
    CHECK(matching_lines("end\r\n", pattern("end$")) == std::vector<int>{1});

    CHECK(describe_lines({4}) == "line 4");
    CHECK(describe_lines({4, 17}) == "lines 4, 17");
    CHECK(describe_lines({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}) ==
          "lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more");

    CHECK(shell_quote("/etc/app.conf") == "/etc/app.conf");
    CHECK(shell_quote("/tmp/a b") == "'/tmp/a b'");
    CHECK(shell_quote("/tmp/it's") == "'/tmp/it'\\''s'");
    CHECK(shell_quote("") == "''");
}

TEST_CASE("file: load errors are located and name the field") {
    struct Row {
        std::function<void(FieldsBuilder&)> add;
        const char* error;
    };
    const Row rows[] = {
        {[](FieldsBuilder& f) { f.text("mode_max", "0758"); },
         "pack.yaml:11:3: 'mode_max' must be an octal mode such as 0750, got '0758'"},
        {[](FieldsBuilder& f) { f.text("mode_max", "${var.mode}"); },
         "pack.yaml:11:3: 'mode_max' cannot contain ${...} references: it is checked when the "
         "pack is loaded"},
        {[](FieldsBuilder& f) { f.list("contains", {"^ok$", "(unclosed"}); },
         "pack.yaml:11:3: 'contains' pattern 2 is not a valid regular expression: missing ): (unclosed"},
        {[](FieldsBuilder& f) { f.list("not_contains", {"ok", "(a)\\1"}); },
         "pack.yaml:11:3: 'not_contains' pattern 2 is not a valid regular expression: invalid "
         "escape sequence: \\1 (RE2 has no backreferences)"},
        {[](FieldsBuilder& f) { f.list("not_contains", {"^ZIP=1\nexport"}); },
         "pack.yaml:11:3: 'not_contains' pattern 1 is not a valid regular expression: it only "
         "matches across a line break, and the text is matched one line at a time"},
        {[](FieldsBuilder& f) { f.list("not_contains", {"${env.SECRET}"}); },
         "pack.yaml:11:3: 'not_contains' pattern 1 cannot contain ${...} references: a regular "
         "expression is fixed when the pack is loaded"},
        {[](FieldsBuilder& f) { f.text("owner", ""); },
         "pack.yaml:11:3: 'owner' must be a name or a numeric id"},
        {[](FieldsBuilder& f) { f.choice("type", "directory").list("contains", {"x"}); },
         "pack.yaml:12:3: 'contains' reads a file's lines, but type is directory"},
        {[](FieldsBuilder& f) { f.boolean("exists", false).text("mode_max", "0600"); },
         "pack.yaml:12:3: 'mode_max' cannot be combined with exists: false (there is nothing to "
         "inspect)"},
        {[](FieldsBuilder& f) { f.boolean("exists", false).choice("type", "file"); },
         "pack.yaml:12:3: 'type' cannot be combined with exists: false (there is nothing to "
         "inspect)"},
        {[](FieldsBuilder& f) { f.boolean("exists", false).boolean("writable", false); },
         "pack.yaml:12:3: 'writable' cannot be combined with exists: false (there is nothing to "
         "inspect)"},
    };
    for (const auto& row : rows) {
        FieldsBuilder fields;
        fields.text("path", "/etc/hostname");
        row.add(fields);
        CHECK(fields.make(file_kind()) == nullptr);
        CHECK(fields.errors == std::vector<std::string>{row.error});
    }
    FieldsBuilder fine;
    fine.text("path", "/x").boolean("exists", false).choice("type", "any");
    CHECK(fine.make(file_kind()) != nullptr);
}

TEST_CASE("file: existence and absence") {
    Fixture f;
    std::string present = f.dir.write("present.conf", "x\n", 0640);
    std::string absent = f.dir.file("absent.conf");

    FieldsBuilder exists;
    exists.text("path", present);
    Outcome pass = f.run(exists);
    CHECK(pass.status == Status::pass);
    CHECK(pass.message == present + f.facts("a regular file", "0640"));
    CHECK(pass.observed == nlohmann::json{{"path", present}, {"exists", true}, {"type", "file"},
                                          {"mode", "0640"}, {"owner", f.me}, {"group", f.my_group},
                                          {"size", 2}});

    FieldsBuilder missing;
    missing.text("path", absent);
    Outcome fail = f.run(missing);
    CHECK(fail.status == Status::fail);
    CHECK(fail.message == absent + " does not exist");
    CHECK(fail.expected == nlohmann::json{{"exists", true}});

    FieldsBuilder must_be_absent;
    must_be_absent.text("path", absent).boolean("exists", false);
    Outcome gone = f.run(must_be_absent);
    CHECK(gone.status == Status::pass);
    CHECK(gone.message == absent + " does not exist, as required");

    FieldsBuilder must_not_exist;
    must_not_exist.text("path", present).boolean("exists", false);
    Outcome there = f.run(must_not_exist);
    CHECK(there.status == Status::fail);
    CHECK(there.message == present + " exists (a regular file) but must not");

    FieldsBuilder below_a_file;  // ENOTDIR counts as absent
    below_a_file.text("path", present + "/child");
    CHECK(f.run(below_a_file).message == present + "/child does not exist");
}

TEST_CASE("file: the path is interpolated and an unresolved reference propagates") {
    Fixture f;
    f.dir.write("app.conf", "x", 0600);
    f.context.vars["dir"] = f.dir.path();
    FieldsBuilder fields;
    fields.text("path", "${var.dir}/app.conf");
    CHECK(f.run(fields).status == Status::pass);

    FieldsBuilder unresolved;
    unresolved.text("path", "${var.nowhere}/app.conf");
    auto check = unresolved.make(file_kind());
    REQUIRE(check);
    CHECK_THROWS_AS(check->run(f.context), UnresolvedReference);

    f.context.vars["empty"] = "";
    FieldsBuilder empty;
    empty.text("path", "${var.empty}");
    Outcome nothing = f.run(empty);
    CHECK(nothing.status == Status::error);
    CHECK(nothing.message == "'path' resolved to an empty string");
}

TEST_CASE("file: type, with symlinks followed for file and directory") {
    Fixture f;
    std::string file = f.dir.write("f", "", 0600);
    std::string dir = f.dir.mkdir("d", 0750);
    std::string to_file = f.dir.symlink("to-file", file);
    std::string to_dir = f.dir.symlink("to-dir", dir);
    std::string dangling = f.dir.symlink("dangling", f.dir.file("nothing"));

    auto run = [&](const std::string& path, const std::string& type) {
        FieldsBuilder fields;
        fields.text("path", path).choice("type", type);
        return f.run(fields);
    };
    CHECK(run(file, "file").status == Status::pass);
    CHECK(run(dir, "directory").message == dir + f.facts("a directory", "0750"));
    CHECK(run(to_file, "file").message == to_file + f.facts("a symlink to a regular file", "0600"));
    CHECK(run(to_file, "symlink").status == Status::pass);

    Outcome not_file = run(dir, "file");
    CHECK(not_file.status == Status::fail);
    CHECK(not_file.message == dir + " is a directory, expected a regular file");
    CHECK(not_file.expected == nlohmann::json{{"exists", true}, {"type", "file"}});
    CHECK(run(file, "directory").message == file + " is a regular file, expected a directory");
    CHECK(run(file, "symlink").message == file + " is a regular file, expected a symlink");
    CHECK(run(to_dir, "file").message == to_dir + " is a symlink to a directory, expected a regular file");

    Outcome broken = run(dangling, "any");
    CHECK(broken.status == Status::fail);
    CHECK(broken.message == dangling + " is a symlink whose target does not exist");
    Outcome link_only = run(dangling, "symlink");
    CHECK(link_only.status == Status::pass);
    CHECK(link_only.message == dangling + " is a symlink (its target does not exist)");
    FieldsBuilder link_with_mode;
    link_with_mode.text("path", dangling).choice("type", "symlink").text("mode_max", "0777");
    CHECK(f.run(link_with_mode).status == Status::fail);

    FieldsBuilder must_be_absent;
    must_be_absent.text("path", dangling).boolean("exists", false);
    CHECK(f.run(must_be_absent).message == dangling + " exists (a symlink) but must not");

    std::string fifo = f.dir.file("fifo");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(run(fifo, "file").message == fifo + " is a FIFO, expected a regular file");
}

TEST_CASE("file: mode_max fails on any permission bit outside it, with a chmod remedy") {
    Fixture f;
    std::string loose = f.dir.write("loose", "", 0755);
    std::string tight = f.dir.write("tight", "", 0640);
    std::string spaced = f.dir.write("with space", "", 0666);

    FieldsBuilder too_open;
    too_open.text("path", loose).text("mode_max", "0750");
    Outcome fail = f.run(too_open);
    CHECK(fail.status == Status::fail);
    CHECK(fail.message == loose + ": mode 0755 exceeds 0750 (extra: o+rx)");
    CHECK(fail.generated_remedy == "chmod o-rx " + loose);
    CHECK(fail.observed["mode"] == "0755");
    CHECK(fail.expected == nlohmann::json{{"exists", true}, {"mode_max", "0750"}});

    FieldsBuilder within;
    within.text("path", tight).text("mode_max", "750");
    CHECK(f.run(within).status == Status::pass);

    FieldsBuilder quoted;
    quoted.text("path", spaced).text("mode_max", "0600");
    Outcome q = f.run(quoted);
    CHECK(q.message == spaced + ": mode 0666 exceeds 0600 (extra: g+rw,o+rw)");
    CHECK(q.generated_remedy == "chmod g-rw,o-rw '" + spaced + "'");
}

TEST_CASE("file: owner and group by name or numeric id") {
    Fixture f;
    std::string file = f.dir.write("owned", "", 0600);
    struct stat info {};
    REQUIRE(::stat(file.c_str(), &info) == 0);
    std::string uid = std::to_string(info.st_uid), gid = std::to_string(info.st_gid);

    FieldsBuilder by_name;
    by_name.text("path", file).text("owner", f.me).text("group", f.my_group);
    CHECK(f.run(by_name).status == Status::pass);
    FieldsBuilder by_id;
    by_id.text("path", file).text("owner", uid).text("group", gid);
    CHECK(f.run(by_id).status == Status::pass);

    std::string other_uid = std::to_string(info.st_uid + 4242), other_gid = std::to_string(info.st_gid + 4242);
    FieldsBuilder wrong;
    wrong.text("path", file).text("owner", other_uid).text("group", other_gid);
    Outcome fail = f.run(wrong);
    CHECK(fail.status == Status::fail);
    CHECK(fail.message == file + ": owner is " + f.me + ", expected " + other_uid + "; group is " +
                              f.my_group + ", expected " + other_gid);
    CHECK(fail.generated_remedy == "chown " + other_uid + " " + file + "\nchgrp " + other_gid + " " + file);

    FieldsBuilder unknown;
    unknown.text("path", file).text("owner", "no-such-user-preflight").text("group", "no-such-group-preflight");
    CHECK(f.run(unknown).message ==
          file + ": owner should be no-such-user-preflight, but no user of that name exists on "
                 "this host; group should be no-such-group-preflight, but no group of that name "
                 "exists on this host");

    if (::geteuid() == 0) {  // a file owned by an id without a name shows the id
        REQUIRE(::chown(file.c_str(), 4242, 4242) == 0);
        FieldsBuilder nameless;
        nameless.text("path", file).text("owner", "0");
        CHECK(f.run(nameless).message == file + ": owner is uid 4242, expected 0");
    }
}

TEST_CASE("file: writable by the user running preflight") {
    Fixture f;
    std::string mine = f.dir.write("mine", "", 0644);

    FieldsBuilder must_write;
    must_write.text("path", mine).boolean("writable", true);
    Outcome pass = f.run(must_write);
    CHECK(pass.status == Status::pass);
    CHECK(pass.observed["writable"] == true);

    FieldsBuilder must_not_write;
    must_not_write.text("path", mine).boolean("writable", false);
    Outcome fail = f.run(must_not_write);
    CHECK(fail.status == Status::fail);
    CHECK(fail.message == mine + ": writable by " + host::runner_description() +
                              ", which must not be able to write it");

    // As a user without privileges, a 0644 file of someone else is read-only.
    std::string theirs = f.dir.write("theirs", "", 0444);
    auto check_true = FieldsBuilder().text("path", theirs).boolean("writable", true).make(file_kind());
    auto check_false = FieldsBuilder().text("path", theirs).boolean("writable", false).make(file_kind());
    REQUIRE(check_true);
    REQUIRE(check_false);
    auto [status, message] = testing::run_unprivileged([&] { return check_true->run(f.context); });
    CHECK(status == Status::fail);
    CHECK(message == theirs + ": not writable by " + unprivileged_runner());
    CHECK(testing::run_unprivileged([&] { return check_false->run(f.context); }).first == Status::pass);
}

TEST_CASE("file: contains and not_contains report line numbers, never the text") {
    Fixture f;
    const std::string secret = "hunter2-do-not-print";
    std::string conf = f.dir.write("app.conf",
                                   "# app\nlisten=0.0.0.0\npassword=" + secret +
                                       "\nmode=prod\r\nold_password=" + secret + "\n",
                                   0600);

    FieldsBuilder good;
    good.text("path", conf).list("contains", {"^listen=", "^mode=prod$"}).list("not_contains", {"^debug"});
    Outcome pass = f.run(good);
    CHECK(pass.status == Status::pass);
    CHECK(pass.expected.is_null());

    FieldsBuilder bad;
    bad.text("path", conf)
        .list("contains", {"^listen=", "^tls=on"})
        .list("not_contains", {"^debug", "password="});
    Outcome fail = f.run(bad);
    CHECK(fail.status == Status::fail);
    CHECK(fail.message == conf + ": contains pattern 2 '^tls=on' matches no line; not_contains "
                                 "pattern 2 matches at lines 3, 5");
    CHECK(fail.observed["not_contains_lines"] == nlohmann::json{{"2", {3, 5}}});
    CHECK(fail.expected["not_contains"] == nlohmann::json{"^debug", "password="});
    CHECK(fail.message.find(secret) == std::string::npos);
    CHECK(fail.observed.dump().find(secret) == std::string::npos);
    CHECK(fail.generated_remedy.empty());
}

TEST_CASE("file: patterns are RE2, matched line by line") {
    Fixture f;
    std::string env = f.dir.write(".env",
                                  "ZIP=ddddd\nexport BACKUP_GPG_PASSPHRASE=x\nZIP=12345\n"
                                  "latin1=caf\xe9 secret\n",
                                  0600);
    FieldsBuilder fields;
    fields.text("path", env)
        .list("contains", {"^ZIP=\\d{5}$"})
        .list("not_contains", {"(?i)passphrase", "^\\s*(export\\s+)?ZIP\\s*=\\d", "caf.\\s"});
    Outcome fail = f.run(fields);
    CHECK(fail.status == Status::fail);
    CHECK(fail.message == env + ": not_contains pattern 1 matches at line 2; not_contains pattern "
                                "2 matches at line 3; not_contains pattern 3 matches at line 4");
}

TEST_CASE("file: what cannot be read is an error, never a pass") {
    Fixture f;
    std::string dir = f.dir.mkdir("conf.d");
    auto run = [&](const std::string& path) {
        FieldsBuilder fields;
        fields.text("path", path).list("contains", {"x"});
        return f.run(fields);
    };
    Outcome on_dir = run(dir);
    CHECK(on_dir.status == Status::error);
    CHECK(on_dir.message == dir + ": cannot read its content: not a regular file (it is a directory)");

    std::string fifo = f.dir.file("fifo");
    REQUIRE(::mkfifo(fifo.c_str(), 0666) == 0);
    CHECK(run(fifo).message == fifo + ": cannot read its content: not a regular file (it is a FIFO)");

    std::string big = f.dir.write("big", std::string(host::kMaxTextFileBytes + 1, 'x'), 0644);
    CHECK(run(big).message == big + ": cannot read its content: larger than 1 MiB (1048577 bytes)");
    std::string exactly = f.dir.write("exact", std::string(host::kMaxTextFileBytes, 'x'), 0644);
    CHECK(run(exactly).status == Status::pass);

    // A definite failure stays a failure when something else could not be checked.
    std::string loose_dir = f.dir.mkdir("loose.d", 0777);
    FieldsBuilder both;
    both.text("path", loose_dir).text("mode_max", "0755").list("not_contains", {"x"});
    Outcome mixed = f.run(both);
    CHECK(mixed.status == Status::fail);
    CHECK(mixed.message == loose_dir + ": mode 0777 exceeds 0755 (extra: g+w,o+w); cannot read its "
                                       "content: not a regular file (it is a directory)");
}

TEST_CASE("file: permission denied while inspecting is an error") {
    Fixture f;
    // Mode 0: closed to an unprivileged owner as much as to anyone else.
    std::string locked_dir = f.dir.mkdir("locked", 0755);
    std::string hidden = f.dir.write("locked/inside.conf", "x", 0644);
    ::chmod(locked_dir.c_str(), 0);
    std::string secret_file = f.dir.write("secret.conf", "token=1\n", 0);

    auto stat_check = FieldsBuilder().text("path", hidden).make(file_kind());
    auto absent_check = FieldsBuilder().text("path", hidden).boolean("exists", false).make(file_kind());
    auto read_check = FieldsBuilder().text("path", secret_file).list("not_contains", {"token"}).make(file_kind());
    REQUIRE(stat_check);
    REQUIRE(absent_check);
    REQUIRE(read_check);

    auto denied = testing::run_unprivileged([&] { return stat_check->run(f.context); });
    CHECK(denied.first == Status::error);
    CHECK(denied.second == "cannot inspect " + hidden + ": permission denied");
    CHECK(testing::run_unprivileged([&] { return absent_check->run(f.context); }).first == Status::error);

    auto unreadable = testing::run_unprivileged([&] { return read_check->run(f.context); });
    CHECK(unreadable.first == Status::error);
    CHECK(unreadable.second == secret_file + ": cannot read its content: permission denied");
}
