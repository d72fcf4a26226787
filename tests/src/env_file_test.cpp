// The env-file rules case by case. The value cases restate, as our own table, what docker
// compose's dotenv parser tests cover (compose-go dotenv: parsing, quoting, export, comments,
// expansion, defaults), plus the error cases, which must never quote a value.
#include "src/env_file.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

using preflight::EnvLookup;
using preflight::parse_env_text;
using preflight::ParsedEnvFile;

namespace {

using namespace std::string_literals;
using Entries = std::vector<std::pair<std::string, std::string>>;

struct ValueCase {
    const char* what;
    std::string text;
    Entries expected;
};

EnvLookup lookup_in(std::map<std::string, std::string> values) {
    return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
        auto it = values.find(name);
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
}

Entries entries_of(const ParsedEnvFile& parsed) {
    Entries out;
    for (const auto& e : parsed.entries) out.emplace_back(e.name, e.value);
    return out;
}

std::vector<std::string> errors_of(const ParsedEnvFile& parsed) {
    std::vector<std::string> out;
    for (const auto& d : parsed.errors) out.push_back(d.to_string());
    return out;
}

void check_values(const std::vector<ValueCase>& cases, const EnvLookup& outer = nullptr) {
    for (const auto& c : cases) {
        CAPTURE(c.what);
        CAPTURE(c.text);
        ParsedEnvFile parsed = parse_env_text(c.text, "t.env", outer);
        CHECK(errors_of(parsed) == std::vector<std::string>{});
        CHECK(entries_of(parsed) == c.expected);
    }
}

}  // namespace

TEST_CASE("env file: unquoted values, separators and names") {
    check_values({
        {"plain", "FOO=bar", {{"FOO", "bar"}}},
        {"blank before =", "FOO =bar", {{"FOO", "bar"}}},
        {"blank after =", "FOO= bar", {{"FOO", "bar"}}},
        {"trailing blanks trimmed", "FOO=bar \t", {{"FOO", "bar"}}},
        {"inner blanks kept", "FOO=a  b", {{"FOO", "a  b"}}},
        {"several = in the value", "FOO=foobar=", {{"FOO", "foobar="}}},
        {"url with = and :", "OPTION_A=postgres://localhost:5432/database?sslmode=disable",
         {{"OPTION_A", "postgres://localhost:5432/database?sslmode=disable"}}},
        {"colon in value", "OPTION_A=1:B", {{"OPTION_A", "1:B"}}},
        {"yaml style", "OPTION_A: 1", {{"OPTION_A", "1"}}},
        {"yaml style with =", "OPTION_A: Foo=bar", {{"OPTION_A", "Foo=bar"}}},
        {"dot in name", "FOO.BAR=foobar", {{"FOO.BAR", "foobar"}}},
        {"brackets in name", "a[1]=c", {{"a[1]", "c"}}},
        {"mixed case name", "a.propertyKey=d", {{"a.propertyKey", "d"}}},
        {"non-ASCII name and value", "árvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ-tükörfúrógép",
         {{"árvíztűrő-TÜKÖRFÚRÓGÉP", "ÁRVÍZTŰRŐ-tükörfúrógép"}}},
        {"leading space", " KEY =value", {{"KEY", "value"}}},
        {"leading spaces", "   KEY=value", {{"KEY", "value"}}},
        {"leading tab", "\tKEY=value", {{"KEY", "value"}}},
        {"backslashes are literal", "P=C:\\dir\\n", {{"P", "C:\\dir\\n"}}},
        {"quotes inside are literal", "J={\"a\": 'b'}", {{"J", "{\"a\": 'b'}"}}},
        {"quote not at the start", "Q=it's", {{"Q", "it's"}}},
    });
}

TEST_CASE("env file: comments and blank lines") {
    check_values({
        {"only a line break", "\n", {}},
        {"only a windows line break", "\r\n", {}},
        {"only blanks", "\t\t ", {}},
        {"comment", "# Comment", {}},
        {"indented comment", "\t # comment", {}},
        {"inline comment", "FOO=bar # this is foo", {{"FOO", "bar"}}},
        {"# without a blank before is value", "FOO=bar#baz", {{"FOO", "bar#baz"}}},
        {"# right after = is value", "FOO=#bar", {{"FOO", "#bar"}}},
        {"# after the leading blanks is value, as compose does", "FOO= #bar", {{"FOO", "#bar"}}},
        {"tab then # is value, as compose does", "FOO=a\t#b", {{"FOO", "a\t#b"}}},
        {"# in double quotes", "FOO=\"ba#r\"", {{"FOO", "ba#r"}}},
        {"# in single quotes", "FOO='ba#r'", {{"FOO", "ba#r"}}},
        {"comment after double quotes", "FOO=\"bar#baz\" # comment", {{"FOO", "bar#baz"}}},
        {"comment after single quotes", "FOO='bar#baz' # comment", {{"FOO", "bar#baz"}}},
        {"several # in quotes", "FOO=\"bar#baz#bang\" # comment", {{"FOO", "bar#baz#bang"}}},
        {"comment right after the quote", "FOO=\"bar\"#c", {{"FOO", "bar"}}},
        {"comments between definitions", "# a\nA=1\n\n  # b\nB=2\n", {{"A", "1"}, {"B", "2"}}},
    });
}

TEST_CASE("env file: export prefix") {
    check_values({
        {"export", "export OPTION_A=2", {{"OPTION_A", "2"}}},
        {"export with single quotes", "export OPTION_B='\\n'", {{"OPTION_B", "\\n"}}},
        {"name starting with export", "export exportFoo=2", {{"exportFoo", "2"}}},
        {"exportFOO is a name", "exportFOO=2", {{"exportFOO", "2"}}},
        {"export_FOO is a name", "export_FOO =2", {{"export_FOO", "2"}}},
        {"export.FOO is a name", "export.FOO= 2", {{"export.FOO", "2"}}},
        {"export and a tab", "export\tOPTION_A=2", {{"OPTION_A", "2"}}},
        {"indented export", "  export OPTION_A=2", {{"OPTION_A", "2"}}},
        {"tab-indented export", "\texport OPTION_A=2", {{"OPTION_A", "2"}}},
        {"export itself as a name", "export=1", {{"export", "1"}}},
    });
}

TEST_CASE("env file: quoted values") {
    check_values({
        {"double", "FOO=\"bar\"", {{"FOO", "bar"}}},
        {"single", "FOO='bar'", {{"FOO", "bar"}}},
        {"blanks kept inside quotes", "FOO=\"  bar  \"  ", {{"FOO", "  bar  "}}},
        {"escaped double quote", "FOO=\"escaped\\\"bar\"", {{"FOO", "escaped\"bar"}}},
        {"single quotes inside double", "FOO=\"'d'\"", {{"FOO", "'d'"}}},
        {"double quotes inside single", "FOO='say \"hi\"'", {{"FOO", "say \"hi\""}}},
        {"\\n in double quotes", "FOO=\"bar\\nbaz\"", {{"FOO", "bar\nbaz"}}},
        {"\\r \\t in double quotes", "FOO=\"a\\rb\\tc\"", {{"FOO", "a\rb\tc"}}},
        {"escaped backslash then \\n", "FOO=\"bar\\\\\\n baz\"", {{"FOO", "bar\\\n baz"}}},
        {"escaped backslash then r", "FOO=\"bar\\\\r baz\"", {{"FOO", "bar\\r baz"}}},
        {"unknown escape kept", "FOO=\"a\\qb\"", {{"FOO", "a\\qb"}}},
        {"single quotes are literal", "FOO='a\\nb $X ${Y}'", {{"FOO", "a\\nb $X ${Y}"}}},
        {"escaped quote does not close single quotes, as compose does", "FOO='it\\'s'",
         {{"FOO", "it\\'s"}}},
        {"multi-line double", "TEST_URLS=\"stratum+tcp://a:3333\nstratum+tcp://b:443\"",
         {{"TEST_URLS", "stratum+tcp://a:3333\nstratum+tcp://b:443"}}},
        {"multi-line single", "OPTION_J = 'first line\nsecond line\nthird line\nand so on'",
         {{"OPTION_J", "first line\nsecond line\nthird line\nand so on"}}},
        {"mixed quoting", "ONE=1\nTWO='2'\nTHREE = \"3\"", {{"ONE", "1"}, {"TWO", "2"}, {"THREE", "3"}}},
        {"empty values", "K=\nL=\"\"\nM=''\nN=   \nO= # comment",
         {{"K", ""}, {"L", ""}, {"M", ""}, {"N", ""}, {"O", "# comment"}}},
        {"quoted fixture", "OPTION_A='1'\nOPTION_B='2'\nOPTION_C=''\nOPTION_D='\\n'\n"
                           "OPTION_E=\"1\"\nOPTION_F=\"2\"\nOPTION_G=\"\"\nOPTION_H=\"\\n\"\n"
                           "OPTION_I = \"echo 'asd'\"\nOPTION_Z = \"last value\"\n",
         {{"OPTION_A", "1"}, {"OPTION_B", "2"}, {"OPTION_C", ""}, {"OPTION_D", "\\n"},
          {"OPTION_E", "1"}, {"OPTION_F", "2"}, {"OPTION_G", ""}, {"OPTION_H", "\n"},
          {"OPTION_I", "echo 'asd'"}, {"OPTION_Z", "last value"}}},
    });
}

TEST_CASE("env file: interpolation") {
    check_values({
        {"$VAR from an earlier entry", "FOO=test\nBAR=$FOO", {{"FOO", "test"}, {"BAR", "test"}}},
        {"${VAR} then text", "FOO=test\nBAR=${FOO}bar", {{"FOO", "test"}, {"BAR", "testbar"}}},
        {"$VAR ends at a non-name character", "FOO=test\nBAR=$FOO-x", {{"FOO", "test"}, {"BAR", "test-x"}}},
        {"undefined is empty", "BAR=$FOO", {{"BAR", ""}}},
        {"in double quotes", "FOO=test\nBAR=\"quote $FOO\"", {{"FOO", "test"}, {"BAR", "quote test"}}},
        {"not in single quotes", "BAR='quote $FOO'", {{"BAR", "quote $FOO"}}},
        {"escaped $ in double quotes", "FOO=\"foo\\$BAR\"", {{"FOO", "foo$BAR"}}},
        {"escaped ${ in double quotes", "FOO=\"foo\\${BAR}\"", {{"FOO", "foo${BAR}"}}},
        {"escaped and expanded", "FOO=test\nBAR=\"foo\\${FOO} ${FOO}\"",
         {{"FOO", "test"}, {"BAR", "foo${FOO} test"}}},
        {"$$ is a literal $", "P=pa$$word\nQ=\"a$${B}\"", {{"P", "pa$word"}, {"Q", "a${B}"}}},
        {"substitutions with defaults",
         "OPTION_A=${OPTION_A:-1}\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\n"
         "OPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n",
         {{"OPTION_A", "1"}, {"OPTION_B", "1"}, {"OPTION_C", "1"}, {"OPTION_D", "1_1"}, {"OPTION_E", ""}}},
        {":- when unset", "R=${UNSET_VAR:-Default Value}", {{"R", "Default Value"}}},
        {":- when empty", "EMPTY_VAR=\nR=${EMPTY_VAR:-Default Value}", {{"EMPTY_VAR", ""}, {"R", "Default Value"}}},
        {":- when set", "TEST_VAR=Test Value\nR=${TEST_VAR:-Default Value}",
         {{"TEST_VAR", "Test Value"}, {"R", "Test Value"}}},
        {"- when unset", "R=${UNSET_VAR-Default Value}", {{"R", "Default Value"}}},
        {"- when empty", "EMPTY_VAR=\nR=${EMPTY_VAR-Default Value}", {{"EMPTY_VAR", ""}, {"R", ""}}},
        {"- when set", "TEST_VAR=Test Value\nR=${TEST_VAR-Default Value}",
         {{"TEST_VAR", "Test Value"}, {"R", "Test Value"}}},
        {"? when empty", "EMPTY_VAR=\nR=${EMPTY_VAR?Test error}", {{"EMPTY_VAR", ""}, {"R", ""}}},
        {":? when set", "TEST_VAR=v\nR=${TEST_VAR:?Test error}", {{"TEST_VAR", "v"}, {"R", "v"}}},
        {":+ when set", "A=x\nR=${A:+alt}", {{"A", "x"}, {"R", "alt"}}},
        {":+ when unset", "R=${A:+alt}", {{"R", ""}}},
        {"nested default", "R=${UNSET:-${OTHER:-deep}}", {{"R", "deep"}}},
        {"default with a reference", "A=x\nR=${UNSET:-$A/y}", {{"A", "x"}, {"R", "x/y"}}},
        {"later entries do not apply backwards", "A=$B\nB=x", {{"A", ""}, {"B", "x"}}},
        {"the latest earlier definition is used", "A=1\nA=2\nB=$A", {{"A", "1"}, {"A", "2"}, {"B", "2"}}},
        {"inline comment after a reference", "A=x\nB=$A # c", {{"A", "x"}, {"B", "x"}}},
    });
}

TEST_CASE("env file: interpolation falls back to the outer lookup") {
    check_values({{"outer", "TEST=$ME", {{"TEST", "YES"}}},
                  {"file entry wins over outer", "ME=file\nTEST=${ME}", {{"ME", "file"}, {"TEST", "file"}}},
                  {"outer empty with :-", "TEST=${EMPTY:-d}", {{"TEST", "d"}}}},
                 lookup_in({{"ME", "YES"}, {"EMPTY", ""}}));
}

TEST_CASE("env file: BOM, CRLF and line numbers") {
    ParsedEnvFile parsed =
        parse_env_text("\xEF\xBB\xBF" "A=1\r\nB=\"x\r\ny\"\r\n\r\n# c\r\nC='p\r\nq'\r\nD=4\r\n", "t.env", nullptr);
    CHECK(errors_of(parsed).empty());
    CHECK(entries_of(parsed) == Entries{{"A", "1"}, {"B", "x\ny"}, {"C", "p\nq"}, {"D", "4"}});
    REQUIRE(parsed.entries.size() == 4);
    CHECK(parsed.entries[0].line == 1);
    CHECK(parsed.entries[1].line == 2);
    CHECK(parsed.entries[2].line == 6);
    CHECK(parsed.entries[3].line == 8);
}

TEST_CASE("env file: a name defined twice is kept twice and never resolved") {
    ParsedEnvFile parsed = parse_env_text("A=1\nB=2\n\nA=3\n", "t.env", nullptr);
    CHECK(entries_of(parsed) == Entries{{"A", "1"}, {"B", "2"}, {"A", "3"}});
    CHECK(parsed.value("A") == std::nullopt);
    CHECK(parsed.definition_lines("A") == std::vector<int>{1, 4});
    CHECK(parsed.value("B") == std::optional<std::string>("2"));
    CHECK(parsed.definition_lines("B") == std::vector<int>{2});
    CHECK(parsed.value("C") == std::nullopt);
    CHECK(parsed.definition_lines("C").empty());
}

TEST_CASE("env file: many definitions") {
    std::string text;
    for (int i = 0; i < 1000; ++i) text += "KEY" + std::to_string(i) + "=VALUE" + std::to_string(i) + "\n";
    ParsedEnvFile parsed = parse_env_text(text, "t.env", nullptr);
    CHECK(parsed.errors.empty());
    REQUIRE(parsed.entries.size() == 1000);
    CHECK(parsed.value("KEY999") == std::optional<std::string>("VALUE999"));
    CHECK(parsed.entries[999].line == 1000);
}

namespace {
struct ErrorCase {
    const char* what;
    std::string text;
    std::vector<std::string> errors;
    Entries entries;
};
}  // namespace

TEST_CASE("env file: errors are located and worded exactly") {
    const std::string only = "; a name may contain only letters, digits, '_', '.', '-', '[' and ']'";
    const std::vector<ErrorCase> cases = {
        {"name without =", "KEY", {"t.env:1:1: a line with no '='; a definition is NAME=VALUE (NAME= for an empty value), and a value of several lines must be quoted"}, {}},
        {"exported name without =", "A=1\nexport KEY\n",
         {"t.env:2:8: a line with no '='; a definition is NAME=VALUE (NAME= for an empty value), and a value of several lines must be quoted"}, {{"A", "1"}}},
        {"name then comment", "  KEY # comment",
         {"t.env:1:3: a line with no '='; a definition is NAME=VALUE (NAME= for an empty value), and a value of several lines must be quoted"}, {}},
        {"export alone", "export", {"t.env:1:1: a line with no '='; a definition is NAME=VALUE (NAME= for an empty value), and a value of several lines must be quoted"}, {}},
        {"export and blanks", "export  \nA=1", {"t.env:1:1: missing variable name after 'export'"}, {{"A", "1"}}},
        {"bad first character", "%!(EXTRA string)=foo", {"t.env:1:1: expected a variable name" + only}, {}},
        {"bad character in name", "lol$wut", {"t.env:1:4: expected '=' after a variable name" + only}, {}},
        {"control character in name", "A\x01" "B=1", {"t.env:1:2: expected '=' after a variable name" + only}, {}},
        {"empty name", "=\"value\"", {"t.env:1:1: missing variable name before '='"}, {}},
        {"empty name, yaml style", " : v", {"t.env:1:2: missing variable name before ':'"}, {}},
        {"space in name", "KEY VALUE=x",
         {"t.env:1:5: text after a variable name instead of '='; a name cannot contain spaces"}, {}},
        {"column counts characters", "ÄÖ x=1",
         {"t.env:1:4: text after a variable name instead of '='; a name cannot contain spaces"}, {}},
        {"unterminated double quote", "KEY=\"value",
         {"t.env:1:5: unterminated double-quoted value of variable 'KEY'; add the closing quote"}, {}},
        {"lone double quote", "KEY=\"", {"t.env:1:5: unterminated double-quoted value of variable 'KEY'; add the closing quote"}, {}},
        {"unterminated single quote swallows the rest", "A=1\n\n  B = 'x\nC=2\n",
         {"t.env:3:7: unterminated single-quoted value of variable 'B'; add the closing quote"}, {{"A", "1"}}},
        {"escaped closing quote", "KEY=\"abc\\\"", {"t.env:1:5: unterminated double-quoted value of variable 'KEY'; add the closing quote"}, {}},
        {"text after closing quote", "KEY=\"a\"b\nN=1",
         {"t.env:1:8: variable 'KEY': unexpected text after the closing quote; start a comment with '#'"}, {{"N", "1"}}},
        {"NUL byte", "A=1\nB=x\0y"s, {"t.env:2:4: NUL byte in the file; an env file must be text"}, {}},
        {"$ at the end", "A=abc$", {"t.env:1:6: variable 'A': '$' must be followed by a name or '{'; write '$$' for a literal '$'"}, {}},
        {"$ before a digit", "A=\"x$1\"", {"t.env:1:5: variable 'A': '$' must be followed by a name or '{'; write '$$' for a literal '$'"}, {}},
        {"unterminated ${", "A=${B", {"t.env:1:3: variable 'A': unterminated '${'; add the closing '}'"}, {}},
        {"invalid reference name", "A=x${B.C}", {"t.env:1:4: variable 'A': invalid reference; use ${NAME}, ${NAME:-default} or ${NAME-default}"}, {}},
        {"empty reference", "A=${}", {"t.env:1:3: variable 'A': invalid reference; use ${NAME}, ${NAME:-default} or ${NAME-default}"}, {}},
        {"reference starting with a digit", "A=${1}", {"t.env:1:3: variable 'A': invalid reference; use ${NAME}, ${NAME:-default} or ${NAME-default}"}, {}},
        {":? when unset", "R=${UNSET_VAR:?Test error}", {"t.env:1:3: variable 'R' requires 'UNSET_VAR' to be set and not empty"}, {}},
        {":? when empty", "E=\nR=${E:?Test error}", {"t.env:2:3: variable 'R' requires 'E' to be set and not empty"}, {{"E", ""}}},
        {"? when unset", "R=${UNSET_VAR?Test error}", {"t.env:1:3: variable 'R' requires 'UNSET_VAR' to be set"}, {}},
        {"error in a multi-line value", "A=\"line one\nline ${two\"",
         {"t.env:2:6: variable 'A': unterminated '${'; add the closing '}'"}, {}},
        {"CRLF does not move columns", "A=1\r\nKEY\r\n", {"t.env:2:1: a line with no '='; a definition is NAME=VALUE (NAME= for an empty value), and a value of several lines must be quoted"}, {{"A", "1"}}},
        {"BOM does not move columns", "\xEF\xBB\xBF" "KEY", {"t.env:1:1: a line with no '='; a definition is NAME=VALUE (NAME= for an empty value), and a value of several lines must be quoted"}, {}},
        {"all errors in one pass", "A\nB=1\nC D=2\nE=ok\n",
         {"t.env:1:1: a line with no '='; a definition is NAME=VALUE (NAME= for an empty value), and a value of several lines must be quoted",
          "t.env:3:3: text after a variable name instead of '='; a name cannot contain spaces"},
         {{"B", "1"}, {"E", "ok"}}},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        ParsedEnvFile parsed = parse_env_text(c.text, "t.env", nullptr);
        CHECK(errors_of(parsed) == c.errors);
        CHECK(entries_of(parsed) == c.entries);
    }
}

TEST_CASE("env file: parse errors never quote a value") {
    // Canary secrets with quotes, backslashes, %, $, spaces, newlines and non-ASCII.
    const std::string canary = "hunter2 \\\"q\\\" 100% $$ wörd";
    const std::vector<std::string> texts = {
        "PASSWORD=\"" + canary + "\nsecond hunter2 line",
        "PASSWORD='" + std::string("hunter2 \"q\" 100% $ wörd\\") + "\nmore hunter2",
        "PASSWORD=\"" + canary + "\"trailing-hunter2",
        "PASSWORD=hunter2${",
        "PASSWORD=hunter2$",
        "PASSWORD=\"hunter2 ${X.hunter2}\"",
        "PASSWORD=${MISSING:?hunter2 is required}",
        "PASSWORD hunter2 100%",
        "PASSWORD=hunter2\0wörd"s,
        "OK=1\nTOKEN=\"multi\nhunter2 line\nno end",
    };
    for (const auto& text : texts) {
        CAPTURE(text);
        ParsedEnvFile parsed = parse_env_text(text, "t.env", nullptr);
        REQUIRE(parsed.errors.size() == 1);
        for (const auto& message : errors_of(parsed)) {
            CHECK(message.find("hunter2") == std::string::npos);
            CHECK(message.find("wörd") == std::string::npos);
            CHECK(message.find("100%") == std::string::npos);
        }
    }
}

TEST_CASE("env file: an unquoted multi-line private key is never quoted as a variable name (issue 13)") {
    // Every line after the first is taken for a definition; its text must not reach a message.
    const std::string key_lines[] = {"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", "Kx9+Qs3/hunter2Lq",
                                     "abc def hunter2", "hunter2Tail"};
    std::string text = "BACKUP_PRIVATE_KEY=-----BEGIN PRIVATE KEY-----\n";
    for (const auto& line : key_lines) text += line + "\n";
    text += "-----END PRIVATE KEY-----\n";
    ParsedEnvFile parsed = parse_env_text(text, "t.env", nullptr);
    REQUIRE(parsed.errors.size() == 5);
    for (const auto& message : errors_of(parsed)) {
        CAPTURE(message);
        for (const auto& line : key_lines)
            for (size_t i = 0; i + 6 <= line.size(); ++i) CHECK(message.find(line.substr(i, 6)) == std::string::npos);
        CHECK(message.find("END") == std::string::npos);
    }
}

TEST_CASE("env file: hostile values (issue 8): '#', empty forms, invalid UTF-8, a 10 MB line") {
    check_values({
        {"# glued to the value is value", "K=a#b#c", {{"K", "a#b#c"}}},
        {"K=", "K=", {{"K", ""}}},
        {"K=\"\"", "K=\"\"", {{"K", ""}}},
        {"K=''", "K=''", {{"K", ""}}},
        {"invalid UTF-8 in a value is kept byte for byte", "K=\xFF\xFE\xC3(", {{"K", "\xFF\xFE\xC3("}}},
        {"invalid UTF-8 in quotes is kept byte for byte", "K=\"a\xC0\xAF" "b\"", {{"K", "a\xC0\xAF" "b"}}},
    });
    // '#' glued to a name is not a comment: the name is refused, located.
    ParsedEnvFile glued = parse_env_text("K#=1\nB=2\n", "t.env", nullptr);
    CHECK(errors_of(glued) ==
          std::vector<std::string>{"t.env:1:2: expected '=' after a variable name; a name may contain only "
                                   "letters, digits, '_', '.', '-', '[' and ']'"});
    CHECK(entries_of(glued) == Entries{{"B", "2"}});
    // Bytes above 0x7F belong to names (non-ASCII names are allowed), valid UTF-8 or not: such a
    // name is kept byte for byte; no ${env.X} can name it, since rule packs must be UTF-8.
    ParsedEnvFile odd_name = parse_env_text("A\xFF=1\nB=2\n", "t.env", nullptr);
    CHECK(odd_name.errors.empty());
    CHECK(entries_of(odd_name) == Entries{{"A\xFF", "1"}, {"B", "2"}});

    std::string ten_mb(10 * 1024 * 1024, 'x');
    ParsedEnvFile big = parse_env_text("BIG=" + ten_mb + "\nAFTER=1\n", "t.env", nullptr);
    CHECK(big.errors.empty());
    REQUIRE(big.entries.size() == 2);
    CHECK(big.entries[0].value.size() == ten_mb.size());
    CHECK(big.entries[1].line == 2);
    ParsedEnvFile big_quoted = parse_env_text("BIG=\"" + ten_mb + "\n", "t.env", nullptr);
    CHECK(errors_of(big_quoted) ==
          std::vector<std::string>{"t.env:1:5: unterminated double-quoted value of variable 'BIG'; add the closing quote"});
}

TEST_CASE("env file: references to references cannot expand without bound") {
    // 16 lines of `An=${An-1}` x 8 would expand to 64 * 8^15 bytes (found by fuzzing).
    std::string text = "A0=" + std::string(64, 'x') + "\n";
    for (int i = 1; i < 16; ++i) {
        text += "A" + std::to_string(i) + "=";
        for (int k = 0; k < 8; ++k) text += "${A" + std::to_string(i - 1) + "}";
        text += "\n";
    }
    text += "AFTER=ok\n";
    ParsedEnvFile parsed = parse_env_text(text, "t.env", nullptr);
    // A0..A5 add 2.3 MiB; the first copy of A5 (2 MiB) into A6 runs past 4 MiB. Every later
    // reference is refused too: the budget is the file's.
    REQUIRE(parsed.errors.size() == 10);
    CHECK(parsed.errors[0].to_string() ==
          "t.env:7:4: variable 'A6': the file's values expand to more than 4 MiB; references to "
          "references multiply, write the value out");
    CHECK(parsed.entries.size() == 7);  // A0..A5 and AFTER
    CHECK(parsed.value("A5")->size() == 64u * 32768u);
    CHECK(parsed.value("AFTER") == "ok");
}
