// Kind env_var: the pure judgement with literals, then the kind end to end on env files the
// tests create, through FakeRunContext.
#include "checks/env_var.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/fake_context.hpp"
#include "support/file_fixtures.hpp"

using preflight::Diagnostics;
using preflight::EnvVarFindings;
using preflight::FieldValues;
using preflight::judge_env_var;
using preflight::KindInput;
using preflight::Outcome;
using preflight::Pattern;
using preflight::Status;
using preflight::Template;
using preflight::testing::FakeRunContext;

namespace {

const std::string kFpr = "0123456789ABCDEF0123456789ABCDEF9F3A12BC";
const char* const kEnv = "the pack's env files or the process environment";

Pattern pattern(const std::string& source) {
    std::string error;
    auto compiled = Pattern::compile(source, preflight::Anchoring::whole_text, error);
    REQUIRE(compiled);
    return *compiled;
}

Template text(const std::string& source) {
    std::string error;
    auto parsed = Template::parse(source, error);
    REQUIRE(parsed);
    return *parsed;
}

struct Loaded {
    std::unique_ptr<preflight::Check> check;
    std::vector<std::string> errors;
};

// Builds an env_var check from fields as the loader would hand them over.
Loaded load(const std::map<std::string, std::string>& texts, std::optional<bool> secret = std::nullopt) {
    FieldValues fields;
    fields.check_location = {"pack.yaml", 5, 5};
    int line = 6;
    for (const auto& [name, value] : texts) fields.set(name, text(value), {"pack.yaml", line++, 11});
    if (secret) fields.set("secret", *secret, {"pack.yaml", line, 13});
    preflight::RulePack pack;
    Diagnostics diagnostics;
    auto check = preflight::env_var_kind().make(KindInput{fields, pack, diagnostics});
    return {std::move(check), diagnostics.lines()};
}

std::vector<std::string> secret_names(const FakeRunContext& context) {
    std::vector<std::string> names;
    for (const auto& s : context.secrets.snapshot()) names.push_back(s.name);
    return names;
}

std::vector<std::string> secret_values(const FakeRunContext& context) {
    std::vector<std::string> values;
    for (const auto& s : context.secrets.snapshot()) values.push_back(s.value);
    return values;
}

}  // namespace

TEST_CASE("env_var judge: pass shows the value as found") {
    Pattern hex = pattern("^[0-9A-F]{40}$");
    Outcome outcome = judge_env_var({"BACKUP_GPG_FPR", "/opt/x/.env", {kFpr}, {3}}, &hex);
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == "BACKUP_GPG_FPR is set (" + kFpr + ")");
    CHECK(outcome.observed == kFpr);

    Outcome plain = judge_env_var({"MODE", kEnv, {"prod"}, {}}, nullptr);
    CHECK(plain.status == Status::pass);
    CHECK(plain.message == "MODE is set (prod)");
}

TEST_CASE("env_var judge: fails") {
    Pattern hex = pattern("^[0-9A-F]{40}$");
    Outcome undefined = judge_env_var({"BACKUP_GPG_FPR", "/opt/x/.env", {}, {}}, &hex);
    CHECK(undefined.status == Status::fail);
    CHECK(undefined.message == "BACKUP_GPG_FPR is not defined in /opt/x/.env");
    CHECK(undefined.expected == nlohmann::json{{"matches", "^[0-9A-F]{40}$"}});

    Outcome undefined_env = judge_env_var({"MODE", kEnv, {}, {}}, nullptr);
    CHECK(undefined_env.message ==
          "MODE is not defined in the pack's env files or the process environment");

    Outcome twice = judge_env_var({"BACKUP_GPG_FPR", "/opt/x/.env", {kFpr, kFpr}, {3, 9}}, &hex);
    CHECK(twice.status == Status::fail);
    CHECK(twice.message == "BACKUP_GPG_FPR is defined 2 times in /opt/x/.env (lines 3, 9); keep one");
    CHECK(twice.observed == nlohmann::json{{"lines", {3, 9}}});

    Outcome empty = judge_env_var({"BACKUP_GPG_FPR", "/opt/x/.env", {""}, {4}}, &hex);
    CHECK(empty.status == Status::fail);
    CHECK(empty.message == "BACKUP_GPG_FPR is empty in /opt/x/.env (line 4)");

    Outcome empty_env = judge_env_var({"MODE", kEnv, {""}, {}}, nullptr);
    CHECK(empty_env.message == "MODE is empty in the pack's env files or the process environment");

    Outcome lower = judge_env_var({"BACKUP_GPG_FPR", "/opt/x/.env", {"0123456789abcdef0123456789abcdef9f3a12bc"}, {2}}, &hex);
    CHECK(lower.status == Status::fail);
    CHECK(lower.message == "BACKUP_GPG_FPR does not match ^[0-9A-F]{40}$");
    CHECK(lower.observed == "0123456789abcdef0123456789abcdef9f3a12bc");
    CHECK(lower.expected == nlohmann::json{{"matches", "^[0-9A-F]{40}$"}});
}

TEST_CASE("env_var judge: ^ and $ anchor the whole value, even a multi-line one") {
    Pattern hex = pattern("^[0-9A-F]{40}$");
    CHECK(judge_env_var({"F", "f", {kFpr + "\nstray"}, {1}}, &hex).status == Status::fail);
    CHECK(judge_env_var({"F", "f", {"stray\n" + kFpr}, {1}}, &hex).status == Status::fail);
    Pattern begin = pattern("BEGIN PGP");
    CHECK(judge_env_var({"K", "f", {"-----BEGIN PGP KEY-----\nabc\n-----END"}, {1}}, &begin).status ==
          Status::pass);
}

TEST_CASE("env_var judge: ^ and $ around a line break match a two-line value") {
    Pattern two_lines = pattern("^line1\nline2$");
    CHECK(judge_env_var({"M", "f", {"line1\nline2"}, {1}}, &two_lines).status == Status::pass);
    CHECK(judge_env_var({"M", "f", {"line1\nline2\nline3"}, {1}}, &two_lines).status == Status::fail);
    CHECK(judge_env_var({"M", "f", {"line0\nline1\nline2"}, {1}}, &two_lines).status == Status::fail);
}

TEST_CASE("env_var kind: matches is RE2: \\d is a digit, (?i) folds case") {
    FakeRunContext context;
    context.env = {{"ZIP", "12345"}, {"LETTERS", "ddddd"}, {"MODE", "Production"}};
    auto status = [&](const std::string& name, const std::string& matches) {
        Loaded loaded = load({{"name", name}, {"matches", matches}});
        REQUIRE(loaded.errors.empty());
        return loaded.check->run(context).status;
    };
    CHECK(status("ZIP", "^\\d{5}$") == Status::pass);
    CHECK(status("LETTERS", "^\\d{5}$") == Status::fail);
    CHECK(status("MODE", "(?i)^production$") == Status::pass);
    CHECK(status("MODE", "^production$") == Status::fail);
}

TEST_CASE("env_var kind: load-time validation is located") {
    CHECK(load({{"name", "BACKUP_GPG_FPR"}, {"matches", "^[0-9A-F]{40}$"}}).errors.empty());
    CHECK(load({{"name", "FOO"}, {"matches", "^[0-9A-F"}}).errors ==
          std::vector<std::string>{"pack.yaml:6:11: 'matches' is not a valid regular expression: "
                                   "missing ]: [0-9A-F"});
    CHECK(load({{"name", "FOO"}, {"matches", "^(?!test)"}}).errors ==
          std::vector<std::string>{"pack.yaml:6:11: 'matches' is not a valid regular expression: "
                                   "invalid perl operator: (?! (RE2 has no lookahead)"});
    CHECK(load({{"name", "FOO BAR"}}).errors ==
          std::vector<std::string>{"pack.yaml:6:11: 'name' must be a variable name (letters, digits, "
                                   "'_', '.', '-'), e.g. BACKUP_GPG_FPR"});
    CHECK(load({{"name", "${var.x}"}}).errors ==
          std::vector<std::string>{"pack.yaml:6:11: 'name' cannot contain ${...} references: write "
                                   "the variable name itself, e.g. BACKUP_GPG_FPR"});
    CHECK(load({{"name", "A"}}).check != nullptr);
    CHECK(load({{"name", "A"}, {"matches", "("}}).check == nullptr);
}

TEST_CASE("env_var kind: reads the given env file") {
    preflight::testing::TempDir dir;
    std::string env = dir.write(".env", "# compose\nexport BACKUP_GPG_FPR=\"" + kFpr + "\" # backup key\n"
                                       "EMPTY=\nTWICE=1\nTWICE=2\nLOWER=abc\n");
    FakeRunContext context;
    context.vars["env_file"] = env;
    auto run = [&](const std::string& name, const std::string& matches = "") {
        std::map<std::string, std::string> fields{{"name", name}, {"file", "${var.env_file}"}};
        if (!matches.empty()) fields["matches"] = matches;
        Loaded loaded = load(fields);
        REQUIRE(loaded.check);
        return loaded.check->run(context);
    };
    Outcome pass = run("BACKUP_GPG_FPR", "^[0-9A-F]{40}$");
    CHECK(pass.status == Status::pass);
    CHECK(pass.message == "BACKUP_GPG_FPR is set (" + kFpr + ")");

    CHECK(run("MISSING").message == "MISSING is not defined in " + env);
    CHECK(run("EMPTY").message == "EMPTY is empty in " + env + " (line 3)");
    CHECK(run("TWICE").message == "TWICE is defined 2 times in " + env + " (lines 4, 5); keep one");
    Outcome lower = run("LOWER", "^[0-9A-F]+$");
    CHECK(lower.status == Status::fail);
    CHECK(lower.message == "LOWER does not match ^[0-9A-F]+$");
    // The names are not secret and secret: is not set: nothing registered.
    CHECK(context.secrets.snapshot().empty());
}

TEST_CASE("env_var kind: looks in the run environment when no file is given") {
    FakeRunContext context;
    context.env = {{"MODE", "prod"}, {"BLANK", ""}};
    Outcome pass = load({{"name", "MODE"}}).check->run(context);
    CHECK(pass.status == Status::pass);
    CHECK(pass.message == "MODE is set (prod)");
    CHECK(load({{"name", "BLANK"}}).check->run(context).message ==
          "BLANK is empty in the pack's env files or the process environment");
    CHECK(load({{"name", "NOPE"}}).check->run(context).message ==
          "NOPE is not defined in the pack's env files or the process environment");
}

namespace {
// A run environment in which AMBIGUOUS is defined twice in an env file, as the real one reports.
struct AmbiguousContext : FakeRunContext {
    std::optional<std::string> lookup(const preflight::Reference& reference) const override {
        if (reference.name == "AMBIGUOUS")
            throw preflight::UnresolvedReference("unresolved reference ${env.AMBIGUOUS}: AMBIGUOUS is "
                                                 "defined 2 times in /x/.env (lines 1, 2)");
        return FakeRunContext::lookup(reference);
    }
};
}  // namespace

TEST_CASE("env_var kind: a name the run environment could not settle is not 'not defined'") {
    AmbiguousContext context;
    context.env = {{"AMBIGUOUS", "from the process"}};
    auto check = load({{"name", "AMBIGUOUS"}}).check;
    REQUIRE(check);
    CHECK_THROWS_WITH_AS(check->run(context),
                         "unresolved reference ${env.AMBIGUOUS}: AMBIGUOUS is defined 2 times in /x/.env "
                         "(lines 1, 2)",
                         preflight::UnresolvedReference);
    CHECK(load({{"name", "OTHER"}}).check->run(context).message ==
          "OTHER is not defined in the pack's env files or the process environment");
}

TEST_CASE("env_var kind: registers secret values before judging") {
    preflight::testing::TempDir dir;
    const std::string canary = "p@ss \"quoted\" back\\slash 100% $dollar wörd";
    std::string env = dir.write("s.env", "DB_PASSWORD='" + canary + "'\nPLAIN=visible\nTWICE_SECRET=a1\nTWICE_SECRET=b2\n");
    FakeRunContext context;
    context.vars["f"] = env;

    Outcome by_name = load({{"name", "DB_PASSWORD"}, {"file", "${var.f}"}}).check->run(context);
    CHECK(by_name.status == Status::pass);
    CHECK(secret_names(context) == std::vector<std::string>{"env DB_PASSWORD"});
    CHECK(secret_values(context) == std::vector<std::string>{canary});

    Outcome flagged = load({{"name", "PLAIN"}, {"file", "${var.f}"}}, true).check->run(context);
    CHECK(flagged.status == Status::pass);
    CHECK(secret_names(context) == std::vector<std::string>{"env DB_PASSWORD", "env PLAIN"});

    Outcome not_flagged = load({{"name", "PLAIN"}, {"file", "${var.f}"}}, false).check->run(context);
    CHECK(not_flagged.status == Status::pass);
    CHECK(context.secrets.snapshot().size() == 2);

    // Both definitions are registered, though the check fails on the duplicate.
    Outcome twice = load({{"name", "TWICE_SECRET"}, {"file", "${var.f}"}}).check->run(context);
    CHECK(twice.status == Status::fail);
    CHECK(secret_values(context) == std::vector<std::string>{canary, "visible", "a1", "b2"});

    FakeRunContext env_context;
    env_context.env = {{"API_SECRET", "s3cr3t value"}};
    CHECK(load({{"name", "API_SECRET"}}).check->run(env_context).status == Status::pass);
    CHECK(secret_values(env_context) == std::vector<std::string>{"s3cr3t value"});
}

TEST_CASE("env_var kind: an unreadable or broken file is an error that never shows a value") {
    preflight::testing::TempDir dir;
    const std::string canary = "hunter2 \\\"q\\\" 100% $$ wörd";
    std::string broken = dir.write("broken.env", "OK=1\nGOOD_PASSWORD=\"x\"\nNOEQUALS\nDB_PASSWORD=\"" + canary +
                                                     "\nsecond hunter2 line\n");
    FakeRunContext context;
    context.vars["f"] = broken;
    Outcome outcome = load({{"name", "GOOD_PASSWORD"}, {"file", "${var.f}"}}).check->run(context);
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "cannot check GOOD_PASSWORD: " + broken +
                                 ":3:1: a line with no '='; a definition is NAME=VALUE (NAME= for an empty "
                                 "value), and a value of several lines must be quoted (and 1 more error in the file)");
    CHECK(outcome.observed ==
          nlohmann::json{{"errors",
                          {broken + ":3:1: a line with no '='; a definition is NAME=VALUE (NAME= for an empty value), "
                                    "and a value of several lines must be quoted",
                           broken + ":4:13: unterminated double-quoted value of variable 'DB_PASSWORD'; "
                                    "add the closing quote"}}});
    std::string shown = outcome.message + outcome.observed.dump();
    CHECK(shown.find("hunter2") == std::string::npos);
    CHECK(shown.find("100%") == std::string::npos);
    // The value it did parse is secret by name: registered even though the check errs.
    CHECK(secret_names(context) == std::vector<std::string>{"env GOOD_PASSWORD"});

    context.vars["f"] = dir.path();  // the directory itself
    Outcome directory = load({{"name", "X"}, {"file", "${var.f}"}}).check->run(context);
    CHECK(directory.status == Status::error);
    CHECK(directory.message == "cannot check X: " + context.vars["f"] + ": cannot read env file: not a regular file (it is a directory)");
}

TEST_CASE("env_var kind: an unresolved file reference propagates to the engine") {
    FakeRunContext context;
    auto loaded = load({{"name", "X"}, {"file", "${var.missing}"}});
    REQUIRE(loaded.check);
    CHECK_THROWS_AS(loaded.check->run(context), preflight::UnresolvedReference);
}
