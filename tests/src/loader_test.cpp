#include <doctest/doctest.h>

#include "src/loader.hpp"

using namespace preflight;

namespace {
std::vector<std::string> errors_of(const std::string& yaml) {
    return load_rule_text(yaml, "p.yaml").diagnostics.lines();
}
const std::string kHeader = "preflight: 1\npack: demo\n";
}  // namespace

TEST_CASE("a valid pack loads with its common fields") {
    auto result = load_rule_text(kHeader +
                                     "title: Demo\n"
                                     "vars: {dir: /opt}\n"
                                     "env_files: [\"${var.dir}/.env\"]\n"
                                     "secrets: [\"*_FPR\"]\n"
                                     "checks:\n"
                                     "  - id: a\n    kind: file\n    path: /etc\n"
                                     "  - id: b\n    kind: file\n    path: /etc\n    needs: [a]\n"
                                     "    severity: warning\n    timeout: 500ms\n    tags: [x]\n    why: because\n",
                                 "p.yaml");
    REQUIRE(result.diagnostics.lines() == std::vector<std::string>{});
    const RulePack& pack = result.pack;
    CHECK(pack.name == "demo");
    CHECK(pack.title == "Demo");
    CHECK(pack.secret_globs == std::vector<std::string>{"*_FPR"});
    REQUIRE(pack.checks.size() == 2);
    CHECK(pack.checks[1].needs == std::vector<std::string>{"a"});
    CHECK(pack.checks[1].severity == Severity::warning);
    CHECK(pack.checks[1].timeout_seconds == doctest::Approx(0.5));
    CHECK(pack.checks[1].why == "because");
    CHECK(pack.checks[0].title == "");  // no title: reports show the id once, not twice
    CHECK(pack.sources.size() == 1);
    CHECK(pack.sources[0].sha256.size() == 64);
}

TEST_CASE("every loader error of a file is reported in one pass, located and word for word") {
    auto errors = errors_of(kHeader +
                            "titel: x\n"
                            "checks:\n"
                            "  - id: a\n    kind: file\n    paht: /etc\n"
                            "  - id: b\n    kind: file\n    path: /etc\n    exists: yes\n    needs: [c]\n"
                            "  - id: c\n    kind: file\n    path: /etc\n    needs: [b]\n"
                            "    severity: fatal\n    timeout: soon\n"
                            "  - id: d\n    kind: file\n    path: ~\n    path: /x\n    needs: [zz]\n"
                            "  - id: E\n    kind: env_var\n");
    CHECK(errors == std::vector<std::string>{
                        "p.yaml:3:1: unknown key 'titel' (did you mean 'title'?)",
                        "p.yaml:5:5: kind file needs 'path' (the file or directory to inspect)",
                        "p.yaml:7:5: unknown key 'paht' for kind file (did you mean 'path'?)",
                        "p.yaml:8:5: needs cycle: b -> c -> b",
                        "p.yaml:11:13: 'exists' must be true or false, got 'yes'",
                        "p.yaml:17:15: 'severity' must be one of critical, warning, info, got 'fatal'",
                        "p.yaml:18:14: 'timeout' must be a duration from 1ms to 24h such as 10, 2.5s, 500ms or 2m, got 'soon'",
                        "p.yaml:19:5: check 'd' needs unknown check 'zz'",
                        "p.yaml:21:11: 'path' must be a string, got null",
                        "p.yaml:22:5: duplicate key 'path' (first defined at line 21)",
                        "p.yaml:24:5: kind env_var needs 'name' (the variable, e.g. BACKUP_GPG_FPR)",
                        "p.yaml:24:9: check id 'E' must match [a-z0-9][a-z0-9._-]*",
                    });
}

TEST_CASE("structural limits: one document, not empty, not too deep, version 1, valid names") {
    CHECK(errors_of(kHeader + "checks: []\n---\nx: 1\n") ==
          std::vector<std::string>{"p.yaml:4:1: a rule file holds one YAML document; found a second one"});
    CHECK(errors_of("") == std::vector<std::string>{"p.yaml:1:1: the file is empty; a rule pack starts with 'preflight: 1'"});
    CHECK(errors_of(std::string(10000, '[')) == std::vector<std::string>{"p.yaml:1:33: nesting deeper than 64 levels"});
    CHECK(errors_of("preflight: 2\npack: Bad Name\nchecks:\n  - id: a\n    kind: file\n    path: \"${env.X\"\n") ==
          std::vector<std::string>{
              "p.yaml:1:12: unsupported rule language version '2'; this preflight reads version 1",
              "p.yaml:2:7: pack name 'Bad Name' must match [a-z0-9][a-z0-9._-]*",
              "p.yaml:6:11: 'path': unterminated reference at character 1: '${' without its closing '}'",
          });
    CHECK(errors_of("preflight: 1\n") == std::vector<std::string>{
                                            "p.yaml:1:1: missing 'pack' (the pack name)",
                                            "p.yaml:1:1: missing 'checks' (the list of checks)",
                                        });
}

TEST_CASE("a billion-laughs document is refused at its first anchor, without expanding anything") {
    std::string yaml = kHeader + "a: &a [x, x, x, x, x, x, x, x, x]\n";
    for (char c = 'b'; c <= 'j'; ++c)
        yaml += std::string(1, c) + ": &" + c + " [*" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + "]\n";
    auto errors = errors_of(yaml);
    // Each anchor and alias is reported where it stands; nothing is expanded.
    REQUIRE(errors.size() == 1 + 10 + 10 + 27);
    CHECK(std::vector<std::string>(errors.begin(), errors.begin() + 6) ==
          std::vector<std::string>{
              "p.yaml:1:1: missing 'checks' (the list of checks)",
              "p.yaml:3:1: unknown key 'a'",
              "p.yaml:3:4: anchors (&name) are not allowed in rule packs; write the value out",
              "p.yaml:4:1: unknown key 'b'",
              "p.yaml:4:4: anchors (&name) are not allowed in rule packs; write the value out",
              "p.yaml:4:8: aliases (*name) are not allowed in rule packs; write the value out",
          });
}

TEST_CASE("a value map accepts any YAML scalar, typed or quoted") {
    auto result = load_rule_text(kHeader + "checks:\n  - id: a\n    kind: config_drift\n    path: c.json\n"
                                           "    expect: {\"/a\": 5432, \"/b\": \"5432\", \"/c\": yes, \"/d\": ~, \"/e\": true, \"/f\": 0777}\n",
                                 "p.yaml");
    CHECK(result.diagnostics.lines() == std::vector<std::string>{});
}

TEST_CASE("hostile scalars where a string is expected: yes/on/0777 stay text, ~ is refused") {
    auto result = load_rule_text(kHeader + "checks:\n  - id: a\n    kind: file\n    path: yes\n    title: on\n"
                                           "    mode_max: 0777\n    remedy: true\n    why: 0x1F\n",
                                 "p.yaml");
    REQUIRE(result.diagnostics.lines() == std::vector<std::string>{});
    const CheckDecl& check = result.pack.checks.at(0);
    CHECK(check.title == "on");
    REQUIRE(check.remedy);
    CHECK(check.remedy->source() == "true");
    CHECK(check.why == "0x1F");
    CHECK(errors_of(kHeader + "checks:\n  - id: a\n    kind: file\n    path: ~\n    title: ~\n    mode_max: ~\n") ==
          std::vector<std::string>{
              "p.yaml:6:11: 'path' must be a string, got null",
              "p.yaml:7:12: 'title' must be a string, got null",
              "p.yaml:8:15: 'mode_max' must be a string, got null",
          });
    CHECK(errors_of(kHeader + "checks:\n  - id: a\n    kind: file\n    path: /etc\n    exists: on\n") ==
          std::vector<std::string>{"p.yaml:7:13: 'exists' must be true or false, got 'on'"});
}

TEST_CASE("a self-referencing alias (&a [*a]) is refused where it stands, never expanded") {
    CHECK(errors_of(kHeader + "x: &a [*a]\nchecks: []\n") ==
          std::vector<std::string>{
              "p.yaml:3:1: unknown key 'x'",
              "p.yaml:3:4: anchors (&name) are not allowed in rule packs; write the value out",
              "p.yaml:3:8: aliases (*name) are not allowed in rule packs; write the value out",
          });
}

TEST_CASE("10,000 checks in one pack load, in order, each needing the one before") {
    std::string yaml = kHeader + "checks:\n";
    for (int i = 0; i < 10000; ++i) {
        yaml += "- {id: c" + std::to_string(i) + ", kind: file, path: /";
        if (i > 0) yaml += ", needs: [c" + std::to_string(i - 1) + "]";
        yaml += "}\n";
    }
    auto result = load_rule_text(yaml, "p.yaml");
    REQUIRE(result.diagnostics.lines() == std::vector<std::string>{});
    REQUIRE(result.pack.checks.size() == 10000);
    CHECK(result.pack.checks[9999].id == "c9999");
    CHECK(result.pack.checks[9999].needs == std::vector<std::string>{"c9998"});
}

TEST_CASE("a string where a list is expected is a located error that shows the list form") {
    CHECK(errors_of(kHeader + "checks:\n  - id: a\n    kind: command\n    run: \"uname -a\"\n") ==
          std::vector<std::string>{"p.yaml:6:10: 'run' must be a list of strings, got 'uname -a': write "
                                   "run: [\"uname\", \"-a\"] (or run: [\"uname -a\"] for one item)"});
    CHECK(errors_of(kHeader + "env_files: .env\nchecks:\n  - id: a\n    kind: file\n    path: /etc\n"
                              "    needs: b\n  - id: b\n    kind: file\n    path: /etc\n"
                              "    not_contains: 'say \"hi\"'\n") ==
          std::vector<std::string>{
              "p.yaml:3:12: 'env_files' must be a list of strings, got '.env': write env_files: [\".env\"]",
              "p.yaml:8:12: 'needs' must be a list of strings, got 'b': write needs: [\"b\"]",
              "p.yaml:12:19: 'not_contains' must be a list of strings, got 'say \"hi\"': write not_contains: "
              "[\"say\", \"\\\"hi\\\"\"] (or not_contains: [\"say \\\"hi\\\"\"] for one item)",
          });
}
