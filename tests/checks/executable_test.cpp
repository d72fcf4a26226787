#include <doctest/doctest.h>

#include "checks/executable.hpp"
#include "src/host/process.hpp"
#include "support/fake_context.hpp"
#include "support/process_fixtures.hpp"

using namespace preflight;
using preflight::testing::FakeRunContext;
using preflight::testing::ScratchDir;

namespace {

std::vector<std::string> v(std::string_view text) {
    auto parsed = parse_version(text);
    REQUIRE(parsed);
    return *parsed;
}

Template t(const std::string& text) {
    std::string error;
    auto parsed = Template::parse(text, error);
    REQUIRE(parsed);
    return *parsed;
}

struct Built {
    Diagnostics diagnostics;
    std::unique_ptr<Check> check;
};

// Builds an `executable` check from text fields (name -> value); "version_args" is split on spaces.
std::unique_ptr<Built> build(const std::map<std::string, std::string>& values) {
    FieldValues fields;
    fields.check_location = {"pack.yaml", 3, 5};
    int line = 4;
    for (const auto& [name, value] : values) {
        SourceLocation where{"pack.yaml", line++, 11};
        if (name == "version_args") {
            std::vector<Template> args;
            std::string rest = value;
            while (!rest.empty()) {
                auto space = rest.find(' ');
                args.push_back(t(rest.substr(0, space)));
                rest = space == std::string::npos ? "" : rest.substr(space + 1);
            }
            fields.set(name, args, where);
        } else {
            fields.set(name, t(value), where);
        }
    }
    auto built = std::make_unique<Built>();
    RulePack pack;
    built->check = executable_kind().make(KindInput{fields, pack, built->diagnostics});
    return built;
}

struct Setup {
    ScratchDir dir;
    host::SystemProcessRunner runner;
    FakeRunContext context;
    Setup() {
        context.child_env["PATH"] = dir.path();
        context.probes.processes = &runner;
    }
    Outcome run(const std::map<std::string, std::string>& values) {
        auto built = build(values);
        REQUIRE(built->diagnostics.empty());
        REQUIRE(built->check);
        return built->check->run(context);
    }
};

}  // namespace

TEST_CASE("versions compare numerically, component by component") {
    struct Row {
        const char* a;
        const char* b;
        int expected;
    };
    const Row table[] = {
        {"10", "9", 1},           {"9", "10", -1},          {"2.4.10", "2.4.9", 1},
        {"16", "16.0", 0},        {"16.0.0", "16", 0},      {"1.0", "1.0.1", -1},
        {"2.2.40", "2.4", -1},    {"2.4", "2.4", 0},        {"02.4", "2.04", 0},
        {"3", "2.99.99", 1},      {"0.0.1", "0", 1},        {"1.10", "1.9.9", 1},
        {"123456789012345678901234567890", "123456789012345678901234567889", 1},
    };
    for (const auto& row : table) {
        CAPTURE(row.a);
        CAPTURE(row.b);
        CHECK(compare_versions(v(row.a), v(row.b)) == row.expected);
        CHECK(compare_versions(v(row.b), v(row.a)) == -row.expected);
    }
}

TEST_CASE("only digits separated by dots are versions") {
    for (const char* text : {"", "2.x", "2..4", ".1", "1.", "v2", " 1", "1 ", "1.2-rc1", "-1"}) {
        CAPTURE(text);
        CHECK_FALSE(parse_version(text));
    }
    CHECK(v("007.1") == std::vector<std::string>{"7", "1"});
    CHECK(v("0.00") == std::vector<std::string>{"0", "0"});
}

TEST_CASE("the version is found in typical --version outputs") {
    CHECK(extract_version("gpg (GnuPG) 2.2.40\nlibgcrypt 1.10.1\n", nullptr) == "2.2.40");
    CHECK(extract_version("psql (PostgreSQL) 15.3 (Debian 15.3-0+deb12u1)", nullptr) == "15.3");
    CHECK(extract_version("OpenSSH_9.2p1 Debian-2, OpenSSL 3.0.11", nullptr) == "9.2");
    CHECK(extract_version("Docker version 24.0.5, build ced0996", nullptr) == "24.0.5");
    CHECK(extract_version("tool for x86_64, release v7", nullptr) == "7");
    CHECK(extract_version("tool 12 (built 2023)", nullptr) == "12");
    CHECK(extract_version("no version here, x86_64", nullptr) == std::nullopt);
    CHECK(extract_version("", nullptr) == std::nullopt);

    std::string error;
    auto group = Pattern::compile("libgcrypt ([0-9.]+)", preflight::Anchoring::each_line, error);
    REQUIRE(group);
    CHECK(extract_version("gpg (GnuPG) 2.2.40\nlibgcrypt 1.10.1\n", &*group) == "1.10.1");
    auto whole = Pattern::compile("[0-9]+\\.[0-9]+$", preflight::Anchoring::each_line, error);
    REQUIRE(whole);
    CHECK(extract_version("a 1.2.3 b\nc 4.5\n", &*whole) == "4.5");
    CHECK(extract_version("nothing", &*whole) == std::nullopt);
    auto re2 = Pattern::compile("(?i)^libgcrypt (\\d+(?:\\.\\d+)+?)$", preflight::Anchoring::each_line, error);
    REQUIRE(re2);
    CHECK(extract_version("gpg (GnuPG) 2.2.40\nLibgcrypt 1.10.1\nlibgcrypt d.dd\n", &*re2) == "1.10.1");
}

TEST_CASE("version bounds name the program, the version and the bound") {
    CHECK(version_bound_violation("gpg", "2.2.40", std::string("2.4"), std::nullopt) ==
          "gpg 2.2.40 is older than the minimum 2.4");
    CHECK(version_bound_violation("gpg", "2.5.0", std::nullopt, std::string("2.4")) ==
          "gpg 2.5.0 is newer than the maximum 2.4");
    CHECK(version_bound_violation("gpg", "2.4.0", std::string("2.4"), std::string("2.4")) == std::nullopt);
    CHECK(version_bound_violation("gpg", "2.4.10", std::string("2.4.9"), std::string("2.4")) == std::nullopt);
    CHECK(version_bound_violation("psql", "16", std::nullopt, std::string("16.0")) == std::nullopt);
    CHECK(version_bound_violation("psql", "16.1", std::nullopt, std::string("16.0")) ==
          "psql 16.1 is newer than the maximum 16.0");
    CHECK(version_bound_violation("node", "9.11", std::string("10"), std::nullopt) ==
          "node 9.11 is older than the minimum 10");
}

TEST_CASE("executable passes when found in PATH within bounds and reports path and version") {
    Setup host;
    std::string tool = host.dir.script("mytool", "echo 'mytool version 2.4.3'");
    auto outcome = host.run({{"name", "mytool"}, {"min_version", "2.4"}, {"max_version", "2.4"}});
    CHECK(outcome.message == "mytool 2.4.3 at " + tool);
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.observed == nlohmann::json{{"path", tool}, {"version", "2.4.3"}});
}

TEST_CASE("executable passes version_args and reads a version printed on stderr") {
    Setup host;
    host.dir.script("mytool", "if [ \"$1\" = -V ]; then echo 'mytool 3.1' >&2; fi; exit 1");
    auto outcome = host.run({{"name", "mytool"}, {"version_args", "-V"}, {"min_version", "3"}});
    CHECK(outcome.message == "mytool 3.1 at " + host.dir.file("mytool"));
    CHECK(outcome.status == Status::pass);
}

TEST_CASE("executable without bounds only checks presence and runs nothing") {
    Setup host;
    host.dir.script("mytool", "echo ran > " + host.dir.file("ran"));
    auto outcome = host.run({{"name", "mytool"}});
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == "mytool found at " + host.dir.file("mytool"));
    CHECK_FALSE(std::filesystem::exists(host.dir.file("ran")));
}

TEST_CASE("executable fails below the minimum and above the maximum") {
    Setup host;
    host.dir.script("gpg", "echo 'gpg (GnuPG) 2.2.40'; echo 'libgcrypt 1.10.1'");
    auto outcome = host.run({{"name", "gpg"}, {"min_version", "2.4"}});
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "gpg 2.2.40 is older than the minimum 2.4");
    CHECK(outcome.observed == nlohmann::json{{"path", host.dir.file("gpg")}, {"version", "2.2.40"}});
    CHECK(outcome.expected == nlohmann::json{{"min_version", "2.4"}});

    outcome = host.run({{"name", "gpg"}, {"max_version", "2.1"}});
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "gpg 2.2.40 is newer than the maximum 2.1");
}

TEST_CASE("executable fails with a remedy when the program is missing") {
    Setup host;
    auto outcome = host.run({{"name", "no-such-tool"}});
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "no-such-tool not found in PATH (" + host.dir.path() +
                                 "); install it or add its directory to PATH");

    host.dir.write("not-executable", "echo 1.0\n", 0644);
    outcome = host.run({{"name", host.dir.file("not-executable")}, {"min_version", "1"}});
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == host.dir.file("not-executable") +
                                 " does not exist or is not an executable file");
}

TEST_CASE("executable accepts an absolute path and a version_regex") {
    Setup host;
    host.context.child_env.erase("PATH");
    std::string tool = host.dir.script("gpg", "echo 'gpg (GnuPG) 2.2.40'; echo 'libgcrypt 1.10.1'");
    auto outcome = host.run({{"name", tool}, {"version_regex", "libgcrypt ([0-9.]+)"}, {"min_version", "1.10"}});
    CHECK(outcome.message == tool + " 1.10.1 at " + tool);
    CHECK(outcome.status == Status::pass);
}

TEST_CASE("executable resolves references in name and bounds") {
    Setup host;
    host.dir.script("pg_dump", "echo 'pg_dump (PostgreSQL) 15.3'");
    host.context.vars["tool"] = "pg_dump";
    host.context.vars["min"] = "16";
    auto outcome = host.run({{"name", "${var.tool}"}, {"min_version", "${var.min}"}});
    CHECK(outcome.message == "pg_dump 15.3 is older than the minimum 16");

    host.context.vars["min"] = "sixteen";
    outcome = host.run({{"name", "${var.tool}"}, {"min_version", "${var.min}"}});
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message ==
          "'min_version' resolved to 'sixteen', which is not a version (digits separated by dots, e.g. 2.4.1)");

    auto built = build({{"name", "${var.missing_tool}"}});
    REQUIRE(built->check);
    CHECK_THROWS_AS(built->check->run(host.context), UnresolvedReference);
}

TEST_CASE("executable is an error when no version can be read") {
    Setup host;
    std::string tool = host.dir.script("mytool", "echo 'usage: mytool FILE' >&2; exit 2");
    auto outcome = host.run({{"name", "mytool"}, {"min_version", "1"}});
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "no version found in the output of " + tool +
                                 " --version (it exited with status 2); set version_args or version_regex");

    outcome = host.run({{"name", "mytool"}, {"min_version", "1"}, {"version_regex", "mytool ([0-9.]+)"}});
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "version_regex 'mytool ([0-9.]+)' matched nothing in the output of " + tool +
                                 " --version (it exited with status 2)");

    outcome = host.run({{"name", "mytool"}, {"min_version", "1"}, {"version_regex", "usage: ([a-z]+)"}});
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "version_regex matched 'mytool' in the output of " + tool +
                                 " --version, which is not a version (digits separated by dots, e.g. 2.4.1)");
}

TEST_CASE("executable is an error when the version probe hangs, and leaves nothing behind") {
    Setup host;
    host.context.check_timeout = std::chrono::seconds(1);
    std::string tool = host.dir.script("hang", "echo $$ > " + host.dir.file("pid") + "; exec /bin/sleep 100");
    auto outcome = host.run({{"name", "hang"}, {"min_version", "1"}});
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == tool + " --version timed out after 1s; process group killed");
    int pgid = preflight::testing::read_pid(host.dir, "pid");
    REQUIRE(pgid > 0);
    CHECK(preflight::testing::group_is_gone(pgid));
}

TEST_CASE("executable is an error when it cannot run programs") {
    Setup host;
    host.dir.script("mytool", "echo 1.0");
    host.context.probes.processes = nullptr;
    auto outcome = host.run({{"name", "mytool"}, {"min_version", "1"}});
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message ==
          "cannot run mytool to read its version: running programs is not available in this run");
}

TEST_CASE("executable rejects bad fields at load, located") {
    auto built = build({{"name", "bin/gpg"}, {"min_version", "2.x"}, {"max_version", "${var.max}"},
                        {"version_regex", "([0-9]"}});
    CHECK_FALSE(built->check);
    std::vector<std::string> lines = built->diagnostics.lines();
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "pack.yaml:5:11: 'min_version' must be a version (digits separated by dots, e.g. 2.4.1), got '2.x'");
    CHECK(lines[1] == "pack.yaml:6:11: 'name' must be a program name looked up in PATH or an absolute path, got 'bin/gpg'");
    CHECK(lines[2] == "pack.yaml:7:11: 'version_regex' is not a valid regular expression: missing ): ([0-9]");

    built = build({{"name", "gpg"}, {"version_regex", "${var.re}"}});
    CHECK_FALSE(built->check);
    REQUIRE(built->diagnostics.lines().size() == 1);
    CHECK(built->diagnostics.lines()[0] ==
          "pack.yaml:5:11: 'version_regex' cannot contain ${...} references: a regular expression is fixed when the pack is loaded");
}

TEST_CASE("executable looks a program up in the run's secure PATH, never in an env file's PATH") {
    Setup host;
    host.dir.script("mytool", "echo 'mytool 1.0'");
    host.context.child_env["PATH"] = kSecurePath;
    host.context.env["PATH"] = host.dir.path();  // what an env file said
    auto outcome = host.run({{"name", "mytool"}});
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "mytool not found in PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin); "
                             "install it or add its directory to PATH");
}

TEST_CASE("executable refuses a program name taken from ${env.X}, located") {
    auto built = build({{"name", "${env.TOOL}"}});
    CHECK_FALSE(built->check);
    CHECK(built->diagnostics.lines() ==
          std::vector<std::string>{"pack.yaml:4:11: 'name' takes the program from an env file (${env.TOOL}); "
                                   "write the program in the pack or use ${var.NAME}"});
    CHECK(build({{"name", "${var.tool}"}})->check);
}

TEST_CASE("executable declares its fields once, with defaults") {
    auto spec = executable_kind();
    CHECK(spec.name == "executable");
    std::vector<std::string> names;
    for (const auto& field : spec.fields) names.push_back(field.name);
    CHECK(names == std::vector<std::string>{"name", "version_args", "version_regex", "min_version", "max_version"});
    CHECK(spec.fields[0].required);
    CHECK(spec.fields[1].default_value == "--version");
}
