#include <doctest/doctest.h>

#include "src/config_document.hpp"
#include "src/field_reader.hpp"
#include "src/yaml_tree.hpp"

using namespace preflight;
using nlohmann::json;

namespace {

std::string failure(std::string_view text, DocumentFormat format) {
    std::string error;
    auto document = parse_document(text, format, error);
    CHECK_MESSAGE(!document, text);
    return error;
}

json parsed(std::string_view text, DocumentFormat format) {
    std::string error;
    auto document = parse_document(text, format, error);
    INFO(error);
    REQUIRE(document);
    return *document;
}

constexpr auto kJson = DocumentFormat::json;
constexpr auto kYaml = DocumentFormat::yaml;

}  // namespace

TEST_CASE("config documents: the format follows the extension") {
    CHECK(format_from_extension("/etc/app.json") == kJson);
    CHECK(format_from_extension("/etc/app.JSON") == kJson);
    CHECK(format_from_extension("app.yaml") == kYaml);
    CHECK(format_from_extension("/x/app.Yml") == kYaml);
    for (const char* none : {"/etc/app.conf", "/etc/json", "/etc.json/app", "app.json.bak", ""})
        CHECK_MESSAGE(!format_from_extension(none), none);
}

TEST_CASE("config documents: JSON errors are located without quoting the input") {
    CHECK(parsed(" {\"a\": [1, 2.5, \"x\", null, true]} ", kJson) ==
          json{{"a", {1, 2.5, "x", nullptr, true}}});
    CHECK(parsed("\xEF\xBB\xBF{\"a\": 1}", kJson) == json{{"a", 1}});
    CHECK(parsed("{\"a\": 1, \"a\": 2}", kJson) == json{{"a", 2}});  // last wins, as most readers do

    CHECK(failure("{\"a\": 1,}", kJson) ==
          "invalid JSON at line 1, column 9: unexpected '}'; expected string literal");
    CHECK(failure("{\"pw\":\n  hunter2}", kJson) == "invalid JSON at line 2, column 3: invalid literal");
    CHECK(failure("{\"pw\": \"hunter2", kJson) ==
          "invalid JSON at line 1, column 16: invalid string: missing closing quote");
    CHECK(failure("{\"a\": 1", kJson) ==
          "invalid JSON at line 1, column 8: unexpected end of input; expected '}'");
    CHECK(failure("[\"\xFF\"]", kJson) ==
          "invalid JSON at line 1, column 3: invalid string: ill-formed UTF-8 byte");
    CHECK(failure("[1e999]", kJson) == "invalid JSON: a number is too large to represent");
    CHECK(failure(" \n", kJson) == "the file is empty, not a JSON document");
    for (const char* leaky : {"{\"pw\":\n  hunter2}", "{\"pw\": \"hunter2"})
        CHECK(failure(leaky, kJson).find("hunter2") == std::string::npos);
}

TEST_CASE("config documents: nesting is bounded before parsing") {
    std::string ok = std::string(512, '[') + std::string(512, ']');
    CHECK(parsed(ok, kJson).is_array());
    CHECK(failure(std::string(513, '[') + std::string(513, ']'), kJson) ==
          "nesting deeper than 512 levels at line 1, column 513");
    // Brackets inside strings do not count.
    CHECK(parsed("[\"" + std::string(1000, '[') + "\\\"\"]", kJson).size() == 1);
    CHECK(failure(std::string(100000, '['), kJson) == "nesting deeper than 512 levels at line 1, column 513");
    CHECK(failure(std::string(100000, '[') + std::string(100000, ']'), kYaml).rfind("nesting", 0) == 0);
    std::string block;
    for (int i = 0; i < 3000; ++i) block += std::string(static_cast<size_t>(i) * 2, ' ') + "- \n";
    CHECK_FALSE(failure(block, kYaml).empty());
}

TEST_CASE("config documents: YAML is typed like the rule language's own values") {
    const char* text =
        "plain: [1, -2, +3, 1.5, .5, 1e3, 0x1F, 0755, 99999999999999999999, true, False, yes,\n"
        "        ~, null, NULL, Null, nUll, on, '', abc]\n"
        "quoted: ['1', \"true\", \"~\", !!str 5]\n"
        "block: |\n  line\n"
        "empty:\n";
    json document = parsed(text, kYaml);

    YamlNode tree;
    Diagnostics diagnostics;
    REQUIRE(read_yaml_strict(text, "t.yaml", tree, diagnostics));
    REQUIRE(diagnostics.empty());
    json as_pack = yaml_to_json(tree);
    CHECK(document["plain"] == as_pack["plain"]);
    CHECK(document["quoted"] == json{"1", "true", "~", "5"});
    CHECK(document["plain"][0] == 1);
    CHECK(document["plain"][7] == 755);
    CHECK(document["plain"][9] == true);
    CHECK(document["plain"][11] == "yes");
    CHECK(document["plain"][12].is_null());
    CHECK(document["plain"][16] == "nUll");
    CHECK(document["block"] == "line\n");
    CHECK(document["empty"].is_null());
    CHECK(parsed("", kYaml).is_null());
    CHECK(parsed("# only a comment\n", kYaml).is_null());
    CHECK(parsed("{1: a, true: b}", kYaml) == json{{"1", "a"}, {"true", "b"}});
}

TEST_CASE("config documents: YAML the checker cannot trust is refused, located") {
    CHECK(failure("a: &x 1\n", kYaml) ==
          "YAML anchor at line 1, column 4 (anchors and aliases are not supported; write the value out)");
    CHECK(failure("a: 1\nb: *x\n", kYaml).rfind("invalid YAML", 0) == 0);
    CHECK(failure("a: 1\nb: 2\na: 3\n", kYaml) == "duplicate mapping key at line 3, column 1 (first at line 1)");
    CHECK(failure("a: 1\n---\nb: 2\n", kYaml) ==
          "second YAML document at line 2, column 1 (only one document per file is supported)");
    CHECK(failure("a: !custom 1\n", kYaml) == "YAML tag at line 1, column 4 (only !!str is supported)");
    CHECK(failure("? [a]\n: 1\n", kYaml) == "mapping key that is not a string at line 1, column 3");
    CHECK(failure("a: 1\nb: \"hunter2\n", kYaml) == "unterminated double-quoted string at line 2, column 4");
    CHECK(failure("a: 1\nb: 'hunter2\n", kYaml) == "unterminated single-quoted string at line 2, column 4");
    CHECK(failure("a: 1\nb: \"hunter2", kYaml) == "invalid YAML at line 2, column 12: illegal EOF in scalar");
    CHECK(failure("a: \"\\q\"\n", kYaml) == "invalid YAML at line 1, column 7: unknown escape character");
    CHECK(failure("a: [1, 2\n", kYaml) == "invalid YAML at line 2, column 1: end of sequence flow not found");
    CHECK(failure("a: 1\nb: \xC3\x28\n", kYaml) == "invalid UTF-8 at line 2, column 4");
    CHECK(parsed("a: 'it''s'\nb: \"q\\\"\"\n", kYaml) == json{{"a", "it's"}, {"b", "q\""}});
}
