#include <doctest/doctest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "src/loader.hpp"
#include "src/pattern.hpp"

using preflight::Anchoring;
using preflight::Pattern;

namespace {

Pattern compiled(const std::string& source, Anchoring anchoring = Anchoring::each_line) {
    std::string error;
    auto pattern = Pattern::compile(source, anchoring, error);
    INFO(source << ": " << error);
    REQUIRE(pattern);
    return *pattern;
}

std::string compile_error(const std::string& source, Anchoring anchoring = Anchoring::each_line) {
    std::string error;
    auto pattern = Pattern::compile(source, anchoring, error);
    CHECK_FALSE(pattern);
    return error;
}

}  // namespace

TEST_CASE("pattern: RE2 syntax, \\d means a digit and (?i) folds case") {
    Pattern five_digits = compiled("^\\d{5}$");
    CHECK(five_digits.search("12345"));
    CHECK_FALSE(five_digits.search("ddddd"));  // POSIX ERE read \d as a literal d
    CHECK_FALSE(five_digits.search("1234"));

    Pattern passphrase = compiled("(?i)passphrase");
    CHECK(passphrase.search("BACKUP_GPG_PASSPHRASE=x"));
    CHECK(passphrase.search("my PassPhrase"));
    CHECK_FALSE(passphrase.search("password"));

    CHECK(compiled("^\\s*export\\s+\\w+=").search("  export\tA_1=x"));
    CHECK(compiled("\\bkey\\b").search("a key here"));
    CHECK_FALSE(compiled("\\bkey\\b").search("keys"));
    CHECK(compiled("^[[:xdigit:]]{4}$").search("00fF"));
    CHECK(compiled("(?i:abc)D").search("ABCD"));
    CHECK_FALSE(compiled("(?i:abc)D").search("ABCd"));
}

TEST_CASE("pattern: non-greedy quantifiers and the first capture group") {
    CHECK(compiled("<(.+?)>").first_match("<a><b>") == "a");
    CHECK(compiled("<(.+)>").first_match("<a><b>") == "a><b");
    CHECK(compiled("v(\\d+)\\.(\\d+)").first_match("tool v12.3") == "12");
    CHECK(compiled("\\d+\\.\\d+").first_match("tool v12.3") == "12.3");
    CHECK(compiled("x|(y)").first_match("x") == "x");  // the group took no part: whole match
    CHECK(compiled("(?P<version>\\d+)").first_match("v7") == "7");
    CHECK(compiled("z").first_match("abc") == std::nullopt);
}

TEST_CASE("pattern: whole_text anchors the whole value, each_line every line") {
    Pattern two_lines = compiled("^line1\nline2$", Anchoring::whole_text);
    CHECK(two_lines.search("line1\nline2"));
    CHECK_FALSE(two_lines.search("line1\nline2\n"));
    CHECK(compiled("^line1\\nline2$", Anchoring::whole_text).search("line1\nline2"));

    Pattern fpr = compiled("^[0-9A-F]{4}$", Anchoring::whole_text);
    CHECK(fpr.search("9F3A"));
    CHECK_FALSE(fpr.search("9F3A\nstray"));
    CHECK_FALSE(fpr.search("stray\n9F3A"));
    CHECK_FALSE(compiled("^9F3A.*$", Anchoring::whole_text).search("9F3A\nstray"));

    Pattern ready = compiled("^ready$", Anchoring::each_line);
    CHECK(ready.search("starting\nready\ndone"));
    CHECK_FALSE(compiled("^ready$", Anchoring::whole_text).search("starting\nready\ndone"));
    CHECK_FALSE(ready.search("starting ready"));
    CHECK_FALSE(compiled("a.b").search("a\nb"));   // . never matches a line break
    CHECK(compiled("a\\sb").search("a\nb"));       // \s does, as in Go
    CHECK(compiled("(?s)a.b").search("a\nb"));     // and (?s) lets . do so
    CHECK(compiled("(?-m)^first").search("first\nsecond"));
    CHECK_FALSE(compiled("(?-m)^second").search("first\nsecond"));
}

TEST_CASE("pattern: NUL bytes and bytes that are not UTF-8 are text like any other") {
    CHECK(compiled("a.b").search(std::string("a\0b", 3)));
    CHECK(compiled("b$").search(std::string("a\0b", 3)));
    // A Latin-1 byte reads as one U+FFFD character: ".*" and "[^x]" go past it.
    CHECK(compiled("secret.+end").search("secret=\xe9t\xe9 end"));
    CHECK(compiled("secret[^x]+end").search("secret\xff\xfe end"));
    CHECK(compiled("^.{3}$").search("a\xc3z"));             // truncated sequence: one character
    CHECK(compiled("^.{2}$").search("\xc0\x80"));           // overlong NUL: two
    CHECK(compiled("^.{3}$").search("\xed\xa0\x80"));       // surrogate: three
    CHECK(compiled("^.$").search("\xc3\xa9"));              // valid UTF-8: é is one
    CHECK(compiled("^(?i)é$").search("\xc3\x89"));          // É
    CHECK(compiled("x(.)y").first_match("x\xffy") == "\xEF\xBF\xBD");
}

TEST_CASE("pattern: a 10 MB line is matched in linear time, without recursion") {
    const std::string line(10'000'000, 'a');
    const auto start = std::chrono::steady_clock::now();
    // Each would take exponential time (or overflow the stack) in a backtracking matcher.
    for (const char* source : {"(a+)+b", "(a|aa)*c", "(.*)*b", "^(a|a?)+$x", ".*.*.*=.*"}) {
        INFO(source);
        CHECK_FALSE(compiled(source).search(line));
        CHECK(compiled(source).first_match(line) == std::nullopt);
    }
    CHECK(compiled("^(a+)$").first_match(line)->size() == line.size());
    CHECK(compiled("(a|aa)+$").search(line));
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(took < std::chrono::seconds(20));  // a few hundred ms in practice
}

TEST_CASE("pattern: invalid patterns are described as written, with a hint for Perl-only syntax") {
    CHECK(compile_error("(unclosed") == "missing ): (unclosed");
    CHECK(compile_error("^[0-9A-F", Anchoring::whole_text) == "missing ]: [0-9A-F");
    // The (?m) that each_line adds never shows in the fragment RE2 quotes.
    CHECK(compile_error("a)") == "unexpected ): a)");
    CHECK(compile_error("a**") == "bad repetition operator: **");
    CHECK(compile_error("x{1001}") == "invalid repetition size: {1001}");
    CHECK(compile_error("foo(?=bar)") == "invalid perl operator: (?= (RE2 has no lookahead)");
    CHECK(compile_error("foo(?!bar)") == "invalid perl operator: (?! (RE2 has no lookahead)");
    CHECK(compile_error("(?<!x)y") == "invalid perl operator: (?< (RE2 has no lookbehind; a "
                                      "named group is written (?P<name>...))");
    CHECK(compile_error("(?<year>\\d{4})") == "invalid perl operator: (?< (RE2 has no "
                                               "lookbehind; a named group is written "
                                               "(?P<name>...))");
    CHECK(compile_error("(a)\\1") == "invalid escape sequence: \\1 (RE2 has no backreferences)");
    CHECK(compile_error("\\pQ") == "invalid character class range: \\pQ");
    CHECK(compile_error("x\xff") == "invalid UTF-8");
    CHECK(compile_error("((((\\pL{1000}){1000}))){1000}") == "invalid repetition size: {1000}");
    CHECK(compile_error("[\\pL\\pN]{1000}.{1000}") ==
          "pattern too large - compile failed (a pattern may use at most 1 MiB)");
}

TEST_CASE("pattern: one_line refuses a pattern that only matches across a line break") {
    const std::string refused =
        "it only matches across a line break, and the text is matched one line at a time";
    for (const char* source : {"^ZIP=1\nexport", "a\\nb", "a\\x0Ab", "[\\n]", "(a\\n|b\\n)", "x\\n+"}) {
        INFO(source);
        CHECK(compile_error(source, Anchoring::one_line) == refused);
        compiled(source, Anchoring::each_line);
    }
    // A line break that is one choice among others leaves the rest to match.
    for (const char* source : {"", "^$", "(a|\\n)", "x\\n*", "[^\\n]", "\\s", "(?s).", "\\C", "(a\\n)?"}) {
        INFO(source);
        compiled(source, Anchoring::one_line);
    }
    CHECK(compiled("^$", Anchoring::one_line).search(""));
    CHECK(compiled("x\\n*y", Anchoring::one_line).search("xy"));
    CHECK(compiled("a\\sb", Anchoring::one_line).search("a b"));
}

TEST_CASE("pattern: one compiled pattern is searched from many threads at once") {
    Pattern fpr = compiled("^[0-9A-F]{40}$", Anchoring::whole_text);
    const std::string good(40, 'A');
    std::vector<std::thread> threads;
    std::vector<int> matched(4, 0);
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) matched[t] += fpr.search(i % 2 ? good : good + "x");
        });
    for (auto& thread : threads) thread.join();
    CHECK(matched == std::vector<int>(4, 1000));
}

TEST_CASE("pattern: a pack's RE2 patterns load, and a bad one is a located load error") {
    auto loaded = preflight::load_rule_text("preflight: 1\npack: demo\nchecks:\n"
                                            "  - id: zip\n    kind: env_var\n    name: ZIP\n"
                                            "    matches: '^\\d{5}$'\n"
                                            "  - id: env\n    kind: file\n    path: /x/.env\n"
                                            "    not_contains: ['(?i)passphrase', 'a(?=b)', \"x\\ny\"]\n"
                                            "  - id: out\n    kind: command\n    run: [\"true\"]\n"
                                            "    stdout_matches: \"^ok(unclosed\"\n",
                                            "p.yaml");
    CHECK(loaded.diagnostics.lines() ==
          std::vector<std::string>{
              "p.yaml:11:19: 'not_contains' pattern 2 is not a valid regular expression: invalid "
              "perl operator: (?= (RE2 has no lookahead)",
              "p.yaml:11:19: 'not_contains' pattern 3 is not a valid regular expression: it only "
              "matches across a line break, and the text is matched one line at a time",
              "p.yaml:15:21: 'stdout_matches' is not a valid regular expression: missing ): "
              "^ok(unclosed"});
}
