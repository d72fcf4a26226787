// Issue 14: the default rule directory, the man pages, the completion script and the schema's
// list enums, all generated from the declarations that drive --help and `preflight kinds`.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "checks/pg_privileges.hpp"
#include "checks/registry.hpp"
#include "src/cli_usage.hpp"
#include "src/kind_reference.hpp"
#include "tests/support/cli_fixtures.hpp"
#include "tests/support/file_fixtures.hpp"

using preflight::testing::Ran;
using preflight::testing::run_preflight;
using preflight::testing::TempDir;

namespace {

const char* kPack =
    "preflight: 1\n"
    "pack: site\n"
    "checks:\n"
    "  - id: etc-exists\n"
    "    kind: file\n"
    "    path: /etc\n";

std::string rules_dir_env(const std::string& dir) { return "PREFLIGHT_RULES_DIR=" + dir; }

}  // namespace

TEST_CASE("run, validate and list with no RULES and a missing default directory: exit 65 naming it") {
    TempDir dir;
    const std::string missing = dir.path() + "/rules.d";
    for (const std::string command : {"run", "validate", "list"}) {
        CAPTURE(command);
        Ran ran = run_preflight(command, dir.path(), rules_dir_env(missing));
        CHECK(ran.status == 65);
        CHECK(ran.out == "");
        CHECK(ran.err == "preflight: no RULES given, and the default rule directory " + missing +
                             " does not exist; nothing was run\n");
    }
}

TEST_CASE("run with no RULES and an empty default directory is exit 65, never a PASS") {
    TempDir dir;
    const std::string empty = dir.mkdir("rules.d");
    dir.write("rules.d/README", "not a rule file\n");
    for (const std::string command : {"run", "run --strict", "validate", "list"}) {
        CAPTURE(command);
        Ran ran = run_preflight(command, dir.path(), rules_dir_env(empty));
        CHECK(ran.status == 65);
        CHECK(ran.out == "");
        CHECK(ran.err == "preflight: no RULES given, and the default rule directory " + empty +
                             " holds no *.yaml rule files; nothing was run\n");
    }
}

TEST_CASE("with no RULES, run, validate and list read the default directory") {
    TempDir dir;
    const std::string rules = dir.mkdir("rules.d");
    dir.write("rules.d/site.yaml", kPack);
    Ran ran = run_preflight("validate", dir.path(), rules_dir_env(rules));
    CHECK(ran.status == 0);
    CHECK(ran.out == "ok: " + rules + "/site.yaml: pack site, 1 check\n");
    ran = run_preflight("list", dir.path(), rules_dir_env(rules));
    CHECK(ran.status == 0);
    CHECK(ran.out.rfind("etc-exists", 0) == 0);
    ran = run_preflight("run -q", dir.path(), rules_dir_env(rules));
    CHECK(ran.status == 0);
    // RULES on the command line win over the default directory.
    ran = run_preflight("validate missing.yaml", dir.path(), rules_dir_env(rules));
    CHECK(ran.status == 66);
}

TEST_CASE("without PREFLIGHT_RULES_DIR the default rule directory is /etc/preflight/rules.d") {
    CHECK(std::string(preflight::kDefaultRulesDirectory) == "/etc/preflight/rules.d");
    TempDir dir;
    Ran ran = run_preflight("run --help", dir.path());
    CHECK(ran.out.find("with none, the directory\n/etc/preflight/rules.d.") != std::string::npos);
}

TEST_CASE("preflight(1) names every subcommand and every run option, and man renders it") {
    TempDir dir;
    Ran ran = run_preflight("__man 1", dir.path());
    REQUIRE(ran.status == 0);
    for (const auto& command : preflight::all_commands()) {
        CAPTURE(command.name);
        CHECK(ran.out.find(".B preflight " + command.name + "\n") != std::string::npos);
        CHECK(ran.out.find(".TP\n.B " + command.name) != std::string::npos);
    }
    for (const auto& option : preflight::run_options()) {
        std::string escaped;
        for (char c : option.long_name) escaped += c == '-' ? std::string("\\-") : std::string(1, c);
        CAPTURE(option.long_name);
        CHECK(ran.out.find("\\fB" + escaped + "\\fR") != std::string::npos);
    }
    for (const std::string section : {"NAME", "SYNOPSIS", "OPTIONS", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"})
        CHECK(ran.out.find(".SH " + section + "\n") != std::string::npos);
    dir.write("preflight.1", ran.out);
    int status = std::system(("MANWIDTH=200 man --warnings -l " + dir.file("preflight.1") + " >" + dir.file("out.txt") +
                              " 2>" + dir.file("warnings.txt")).c_str());
    CHECK(status == 0);
    std::ifstream out(dir.file("out.txt")), warnings(dir.file("warnings.txt"));
    std::stringstream text, warned;
    text << out.rdbuf();
    warned << warnings.rdbuf();
    CHECK(warned.str() == "");
    CHECK(text.str().find("preflight run [RULES...] [options]") != std::string::npos);
    CHECK(text.str().find("/etc/preflight/rules.d") != std::string::npos);
    CHECK(text.str().find("-o, --output PATH") != std::string::npos);
}

TEST_CASE("preflight-rules(5) names every kind and every field, and man renders it") {
    TempDir dir;
    Ran ran = run_preflight("__man 5", dir.path());
    REQUIRE(ran.status == 0);
    dir.write("preflight-rules.5", ran.out);
    int status = std::system(("MANWIDTH=200 man --warnings -l " + dir.file("preflight-rules.5") + " >" +
                              dir.file("out.txt") + " 2>" + dir.file("warnings.txt")).c_str());
    CHECK(status == 0);
    std::ifstream out(dir.file("out.txt")), warnings(dir.file("warnings.txt"));
    std::stringstream text, warned;
    text << out.rdbuf();
    warned << warnings.rdbuf();
    CHECK(warned.str() == "");
    auto roff_name = [](const std::string& name) {
        std::string escaped;
        for (char c : name) escaped += c == '-' ? std::string("\\-") : std::string(1, c);
        return escaped;
    };
    for (const auto& field : preflight::common_fields()) {
        CAPTURE(field.name);
        CHECK(ran.out.find(".TP\n.B " + roff_name(field.name) + "\n(") != std::string::npos);
        CHECK(text.str().find("\n       " + field.name) != std::string::npos);
    }
    for (const auto& kind : preflight::all_kinds()) {
        CAPTURE(kind.name);
        CHECK(ran.out.find(".SS " + roff_name(kind.name) + "\n") != std::string::npos);
        CHECK(text.str().find("\n   " + kind.name + "\n") != std::string::npos);
        for (const auto& field : kind.fields) {
            CAPTURE(field.name);
            CHECK(ran.out.find(".TP\n.B " + roff_name(field.name) + "\n(") != std::string::npos);
        }
    }
    CHECK(text.str().find("privileges") != std::string::npos);
}

TEST_CASE("the schema carries the names a list field takes: privileges: [SELEKT] no longer passes it") {
    const nlohmann::json schema = preflight::rule_language_schema();
    nlohmann::json items;
    for (const auto& check : schema["properties"]["checks"]["items"]["oneOf"])
        if (check["properties"]["kind"]["const"] == "pg_privileges") items = check["properties"]["privileges"]["items"];
    REQUIRE(items.is_object());
    CHECK(items["anyOf"][0]["enum"] == nlohmann::json(preflight::table_privilege_names()));
    const std::regex pattern(items["anyOf"][1]["pattern"].get<std::string>(), std::regex::ECMAScript);
    for (const std::string accepted : {"SELECT", "select", "Truncate", "REFERENCES"}) {
        CAPTURE(accepted);
        CHECK(std::regex_search(accepted, pattern));
    }
    for (const std::string refused : {"SELEKT", "SELECTX", "ALL", ""}) {
        CAPTURE(refused);
        CHECK_FALSE(std::regex_search(refused, pattern));
    }
}
