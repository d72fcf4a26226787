#include <doctest/doctest.h>

#include "checks/config_drift.hpp"
#include "src/host/files.hpp"
#include "support/fake_context.hpp"
#include "support/file_fixtures.hpp"
#include "src/loader.hpp"
#include <fstream>

using namespace preflight;
using nlohmann::json;
using preflight::testing::FakeRunContext;
using preflight::testing::FieldsBuilder;
using preflight::testing::TempDir;

namespace {

using Tokens = std::vector<std::string>;

struct Fixture {
    TempDir dir;
    FakeRunContext context;

    Outcome run(const std::string& path, const json& expect, const std::string& format = "") {
        FieldsBuilder fields;
        fields.text("path", path);
        if (!format.empty()) fields.choice("format", format);
        fields.values("expect", expect);
        auto check = fields.make(config_drift_kind());
        REQUIRE(fields.errors.empty());
        REQUIRE(check);
        return check->run(context);
    }
};

// The runbook's orchestrator config, before the operator's fix.
const char* const kStaleConfig = R"({
  "deployed_source_commit": "cad989a7c7c37c1b042778f0b601a599a6d04ee3",
  "milestone_of_record": "O8B",
  "database": {"port": 5432, "name": "directus"},
  "features": ["backup", "audit"]
})";

const json kRunbookExpect = {
    {"/deployed_source_commit", "f111d4abd098bfd6653b157ea45a83e086c0a2fe"},
    {"/milestone_of_record", "O10"},
    {"/database/port", 5432},
};

}  // namespace

TEST_CASE("config_drift: JSON Pointers are parsed per RFC 6901") {
    CHECK(parse_json_pointer("") == Tokens{});
    CHECK(parse_json_pointer("/") == Tokens{""});
    CHECK(parse_json_pointer("/a/b") == Tokens{"a", "b"});
    CHECK(parse_json_pointer("/a~1b/0") == Tokens{"a/b", "0"});
    CHECK(parse_json_pointer("/~01") == Tokens{"~1"});
    CHECK(parse_json_pointer("/a//") == Tokens{"a", "", ""});
    for (const char* bad : {"a", "a/b", "/a~", "/a~2", "#/a"})
        CHECK_MESSAGE(!parse_json_pointer(bad), bad);

    json document = json::parse(R"({"list": [10, 20], "a/b": {"~": 1}, "": 2, "n": null})");
    auto find = [&](const std::string& pointer) { return find_by_pointer(document, *parse_json_pointer(pointer)); };
    CHECK(*find("") == document);
    CHECK(*find("/list/1") == 20);
    CHECK(*find("/a~1b/~0") == 1);
    CHECK(*find("/") == 2);
    CHECK(find("/n")->is_null());
    for (const char* missing : {"/list/2", "/list/01", "/list/-", "/list/x", "/list/0/deeper", "/nope", "/n/x"})
        CHECK_MESSAGE(find(missing) == nullptr, missing);
}

TEST_CASE("config_drift: judge_drift compares type-aware, field by field") {
    json document = json::parse(kStaleConfig);

    Outcome drift = judge_drift(document, kRunbookExpect);
    CHECK(drift.status == Status::fail);
    CHECK(drift.message == "2 fields drifted: /deployed_source_commit, /milestone_of_record");
    CHECK(drift.observed == json{{"/deployed_source_commit", "cad989a7c7c37c1b042778f0b601a599a6d04ee3"},
                                 {"/milestone_of_record", "O8B"},
                                 {"/database/port", 5432}});
    CHECK(drift.expected == kRunbookExpect);

    Outcome same = judge_drift(document, {{"/database/port", 5432}, {"/features/0", "backup"}});
    CHECK(same.status == Status::pass);
    CHECK(same.message == "2 fields match");
    CHECK(same.expected.is_null());
    CHECK(judge_drift(document, {{"/database", {{"name", "directus"}, {"port", 5432}}}}).message ==
          "1 field matches");
    CHECK(judge_drift(document, {{"/features", {"backup", "audit"}}}).status == Status::pass);
    CHECK(judge_drift(document, {{"/features", {"audit", "backup"}}}).status == Status::fail);

    // "5432" is not 5432, true is not 1; 5432 and 5432.0 are the same JSON number.
    Outcome as_string = judge_drift(document, {{"/database/port", "5432"}});
    CHECK(as_string.status == Status::fail);
    CHECK(as_string.message == "1 field drifted: /database/port");
    CHECK(as_string.observed == json{{"/database/port", 5432}});
    CHECK(judge_drift(json{{"on", true}}, {{"/on", 1}}).status == Status::fail);
    CHECK(judge_drift(json{{"n", nullptr}}, {{"/n", false}}).status == Status::fail);
    CHECK(judge_drift(json{{"n", nullptr}}, {{"/n", nullptr}}).status == Status::pass);
    CHECK(judge_drift(document, {{"/database/port", 5432.0}}).status == Status::pass);

    Outcome missing = judge_drift(document, {{"/database/host", "localhost"}, {"/database/port", 5432}});
    CHECK(missing.status == Status::fail);
    CHECK(missing.message == "1 field drifted: /database/host");
    CHECK(missing.observed == json{{"/database/host", "<missing>"}, {"/database/port", 5432}});

    Outcome bad = judge_drift(document, {{"database/port", 5432}});
    CHECK(bad.status == Status::error);
    CHECK(bad.message == "expect key 'database/port' is not a JSON Pointer: write '/' before each "
                         "key or index, e.g. '/database/port', and '~1' for a '/' and '~0' for a "
                         "'~' inside a key");
}

TEST_CASE("config_drift: load errors are located") {
    auto errors_for = [](const std::string& path, const json& expect, const std::string& format = "") {
        FieldsBuilder fields;
        fields.text("path", path);
        if (!format.empty()) fields.choice("format", format);
        fields.values("expect", expect);
        CHECK(fields.make(config_drift_kind()) == nullptr);
        return fields.errors;
    };
    CHECK(errors_for("/etc/app.json", {{"/a", 1}, {"b", 2}, {"/c~", 3}}) ==
          std::vector<std::string>{
              "pack.yaml:11:3: expect key '/c~' is not a JSON Pointer: write '/' before each key "
              "or index, e.g. '/database/port', and '~1' for a '/' and '~0' for a '~' inside a key",
              "pack.yaml:11:3: expect key 'b' is not a JSON Pointer: write '/' before each key or "
              "index, e.g. '/database/port', and '~1' for a '/' and '~0' for a '~' inside a key"});
    CHECK(errors_for("/etc/app.json", json::object()) ==
          std::vector<std::string>{"pack.yaml:11:3: 'expect' must map at least one JSON Pointer to "
                                   "its value, e.g. \"/database/port\": 5432"});
    CHECK(errors_for("/etc/app.conf", {{"/a", 1}}) ==
          std::vector<std::string>{"pack.yaml:10:3: cannot tell whether '/etc/app.conf' is JSON or "
                                   "YAML from its name; set format: json or format: yaml"});

    for (const auto& [path, format] : std::vector<std::pair<std::string, std::string>>{
             {"/etc/app.conf", "json"}, {"${var.config}", ""}, {"/etc/APP.YML", ""}, {"/a.json", "auto"}}) {
        FieldsBuilder fields;
        fields.text("path", path);
        if (!format.empty()) fields.choice("format", format);
        fields.values("expect", {{"/a", 1}});
        const std::string shown = path;  // clang 14 cannot capture a structured binding
        CHECK_MESSAGE(fields.make(config_drift_kind()) != nullptr, shown);
    }
}

TEST_CASE("config_drift: JSON files pass and fail, with a remedy naming the fields") {
    Fixture f;
    std::string path = f.dir.write("orchestrator.config.json", kStaleConfig);

    Outcome drift = f.run(path, kRunbookExpect);
    CHECK(drift.status == Status::fail);
    CHECK(drift.message == "2 fields drifted: /deployed_source_commit, /milestone_of_record");
    CHECK(drift.generated_remedy ==
          "Edit " + path + " and set /deployed_source_commit to "
          "\"f111d4abd098bfd6653b157ea45a83e086c0a2fe\", /milestone_of_record to \"O10\".");

    std::string fixed = f.dir.write("fixed.json", R"({"deployed_source_commit": "f111d4abd098bfd6653b157ea45a83e086c0a2fe",
        "milestone_of_record": "O10", "database": {"port": 5432}})");
    Outcome pass = f.run(fixed, kRunbookExpect);
    CHECK(pass.status == Status::pass);
    CHECK(pass.message == "3 fields match");
    CHECK(pass.generated_remedy.empty());

    Outcome missing = f.run(f.dir.file("absent.json"), kRunbookExpect);
    CHECK(missing.status == Status::fail);
    CHECK(missing.message == f.dir.file("absent.json") + " does not exist");

    f.context.vars["config"] = fixed;
    CHECK(f.run("${var.config}", kRunbookExpect).status == Status::pass);
    std::string unnamed = f.dir.write("config", "{}");
    f.context.vars["config"] = unnamed;
    Outcome unknown_format = f.run("${var.config}", kRunbookExpect);
    CHECK(unknown_format.status == Status::error);
    CHECK(unknown_format.message == "cannot tell whether " + unnamed +
                                        " is JSON or YAML from its name; set format: json or "
                                        "format: yaml");
    CHECK(f.run(unnamed, {{"/x", nullptr}}, "json").message == "1 field drifted: /x");
    f.context.vars["config"] = "";
    CHECK(f.run("${var.config}", kRunbookExpect).message == "'path' resolved to an empty string");
}

TEST_CASE("config_drift: YAML files compare type-aware") {
    Fixture f;
    std::string path = f.dir.write("app.yaml",
                                   "database:\n  port: 5432\n  quoted_port: \"5432\"\n"
                                   "  tls: true\n  ratio: 0.5\n  name: directus\n  empty:\n");
    json expect = {{"/database/port", 5432},      {"/database/quoted_port", "5432"},
                   {"/database/tls", true},       {"/database/ratio", 0.5},
                   {"/database/name", "directus"}, {"/database/empty", nullptr}};
    Outcome pass = f.run(path, expect);
    CHECK(pass.status == Status::pass);
    CHECK(pass.message == "6 fields match");

    Outcome drift = f.run(path, {{"/database/port", "5432"}, {"/database/quoted_port", 5432},
                                 {"/database/tls", "true"}});
    CHECK(drift.status == Status::fail);
    CHECK(drift.message == "3 fields drifted: /database/port, /database/quoted_port, /database/tls");
    CHECK(drift.observed == json{{"/database/port", 5432}, {"/database/quoted_port", "5432"},
                                 {"/database/tls", true}});

    std::string yml = f.dir.write("settings.yml", "- a\n- b\n");
    CHECK(f.run(yml, {{"/1", "b"}}).status == Status::pass);
    std::string text = f.dir.write("settings.txt", "port: 1\n");
    CHECK(f.run(text, {{"/port", 1}}, "yaml").status == Status::pass);
}

TEST_CASE("config_drift: unreadable or invalid files are errors that never quote the file") {
    Fixture f;
    const std::string secret = "s3cr3t-Value-never-shown";
    json expect = {{"/a", 1}};

    std::string bad_json = f.dir.write("bad.json", "{\"a\": 1,\n \"token\": " + secret + "}");
    Outcome json_error = f.run(bad_json, expect);
    CHECK(json_error.status == Status::error);
    CHECK(json_error.message == "cannot parse " + bad_json + ": invalid JSON at line 2, column 11: invalid literal");
    CHECK(json_error.message.find("s3cr3t") == std::string::npos);

    std::string bad_yaml = f.dir.write("bad.yaml", "a: 1\ntoken: \"" + secret + "\n");
    Outcome yaml_error = f.run(bad_yaml, expect);
    CHECK(yaml_error.status == Status::error);
    CHECK(yaml_error.message == "cannot parse " + bad_yaml + ": unterminated double-quoted string at line 2, column 8");

    std::string alias = f.dir.write("alias.yaml", "base: &b 1\na: *b\n");
    CHECK(f.run(alias, expect).message ==
          "cannot parse " + alias + ": YAML anchor at line 1, column 7 (anchors and aliases are "
                                    "not supported; write the value out)");

    std::string deep = f.dir.write("deep.json", std::string(100000, '[') + std::string(100000, ']'));
    CHECK(f.run(deep, expect).message == "cannot parse " + deep + ": nesting deeper than 512 levels at line 1, column 513");
    std::string deep_yaml = f.dir.write("deep.yaml", std::string(100000, '[') + std::string(100000, ']'));
    CHECK(f.run(deep_yaml, expect).status == Status::error);

    std::string big = f.dir.write("big.json", "[" + std::string(host::kMaxTextFileBytes, ' ') + "]");
    CHECK(f.run(big, expect).message == "cannot read " + big + ": larger than 1 MiB (1048578 bytes)");

    std::string dir = f.dir.mkdir("dir.json");
    CHECK(f.run(dir, expect).message == "cannot read " + dir + ": not a regular file (it is a directory)");

    std::string closed = f.dir.write("closed.json", "{\"a\": 1}", 0);
    auto check = FieldsBuilder().text("path", closed).values("expect", expect).make(config_drift_kind());
    REQUIRE(check);
    auto denied = testing::run_unprivileged([&] { return check->run(f.context); });
    CHECK(denied.first == Status::error);
    CHECK(denied.second == "cannot read " + closed + ": permission denied");
}

TEST_CASE("config_drift: values under secret-looking keys are registered as secrets") {
    Fixture f;
    std::string path = f.dir.write("db.yaml",
                                   "db:\n  host: localhost\n  password: \"pw-from-config-1234\"\n"
                                   "  replicas:\n    - secret: 98765\n");
    Outcome outcome = f.run(path, {{"/db", {{"host", "localhost"}}}});
    CHECK(outcome.status == Status::fail);
    std::vector<std::string> names, values;
    for (const auto& secret : f.context.secrets.snapshot()) {
        names.push_back(secret.name);
        values.push_back(secret.value);
    }
    CHECK(values == std::vector<std::string>{"pw-from-config-1234", "98765"});
    CHECK(names == std::vector<std::string>{"config " + path + " /db/password",
                                            "config " + path + " /db/replicas/secret"});
}

TEST_CASE("config_drift: expected strings may reference pack values, resolved at run time") {
    preflight::testing::TempDir dir;
    dir.write("c.json", "{\"commit\": \"f111d4a\", \"port\": 5432}");
    auto loaded = preflight::load_rule_text(
        "preflight: 1\npack: p\nchecks:\n  - id: c\n    kind: config_drift\n    path: " + dir.path() +
            "/c.json\n    expect: {\"/commit\": \"${var.commit}\", \"/port\": 5432}\n",
        "p.yaml");
    REQUIRE(loaded.ok());
    preflight::testing::FakeRunContext context;
    context.vars["commit"] = "f111d4a";
    CHECK(loaded.pack.checks[0].check->run(context).status == preflight::Status::pass);
    context.vars["commit"] = "cad989a";
    auto outcome = loaded.pack.checks[0].check->run(context);
    CHECK(outcome.status == preflight::Status::fail);
    CHECK(outcome.message == "1 field drifted: /commit");
    context.vars.clear();
    CHECK_THROWS_WITH(loaded.pack.checks[0].check->run(context), "unresolved reference ${var.commit}");
}
