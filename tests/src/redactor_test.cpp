#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "src/redactor.hpp"
#include "src/text_forms.hpp"

using namespace preflight;

namespace {
// Canary secrets: quotes, backslashes, %, $, spaces, newlines and non-ASCII.
const std::string kLongCanary = "c4n4ry-\"quoted\" back\\slash 100% $HOME caf\xC3\xA9-0123456789";
const std::string kShortCanary = "p@ss 'w\"d%$";
const std::string kMultiLine = "-----BEGIN KEY-----\nline-one-of-key\nline-two-of-key\n-----END KEY-----";
}  // namespace

TEST_CASE("a secret of 32 characters or more shows its last 8, shorter ones show [redacted]") {
    CHECK(Redactor::display("0123456789ABCDEF0123456789ABCDEF9F3A12BC") == "\u20269F3A12BC");
    CHECK(Redactor::display(std::string(31, 'x')) == "[redacted]");
    CHECK(Redactor::display(std::string(32, 'x')) == "\u2026xxxxxxxx");
    CHECK(Redactor::display(kMultiLine) == "[redacted]");
}

TEST_CASE("scrub replaces every occurrence of every secret, longest first") {
    Redactor r({{kLongCanary, "env LONG"}, {kShortCanary, "env SHORT"}});
    std::string text = "a=" + kLongCanary + " b=" + kShortCanary + " again " + kLongCanary;
    std::string scrubbed = r.scrub(text);
    CHECK(scrubbed == "a=\u202623456789 b=[redacted] again \u202623456789");
}

TEST_CASE("scrub removes each line of a multi-line secret, and its escaped forms") {
    Redactor r({{kMultiLine, "env PRIVATE_KEY"}});
    CHECK(r.scrub("parse error near 'line-two-of-key'") == "parse error near '[redacted]'");
    Redactor long_one({{kLongCanary, "env LONG"}});
    CHECK(long_one.scrub("json: \"" + json_escaped(kLongCanary) + "\"") == "json: \"\u202623456789\"");
    CHECK(long_one.scrub("url: " + url_encoded(kLongCanary)) == "url: \u202623456789");
}

TEST_CASE("scrub_json scrubs keys and values at any depth") {
    Redactor r({{kShortCanary, "env SHORT"}});
    nlohmann::json value = {{"k", {1, kShortCanary, {{kShortCanary, true}}}}};
    nlohmann::json expected = {{"k", {1, "[redacted]", {{"[redacted]", true}}}}};
    CHECK(r.scrub_json(value) == expected);
}

TEST_CASE("redact scrubs every string of the report and records names, never values") {
    Report report;
    report.command_line = "preflight run --var db=" + kShortCanary;
    CheckResult c;
    c.id = "x";
    c.message = "value " + kLongCanary;
    c.observed = {{"value", kLongCanary}};
    c.remedy = "export X=" + kShortCanary;
    report.checks.push_back(c);
    Redactor r({{kLongCanary, "env LONG"}, {kShortCanary, "var db"}});
    RedactedReport redacted = r.redact(report);
    const Report& out = redacted.report();
    CHECK(out.command_line == "preflight run --var db=[redacted]");
    CHECK(out.checks[0].message == "value \u202623456789");
    CHECK(out.checks[0].observed["value"] == "\u202623456789");
    CHECK(out.checks[0].remedy == "export X=[redacted]");
    CHECK(out.secret_names == std::vector<std::string>{"env LONG", "var db"});
    CHECK(out.values_redacted == 4);
}

TEST_CASE("find_leak finds a secret in raw, JSON, URL-encoded and base64 form, and in the output forms it is given") {
    Redactor r({{kLongCanary, "env LONG"}}, {[](std::string_view text) { return xml_escaped(text); }});
    CHECK_FALSE(r.find_leak("nothing here \u202623456789").has_value());
    CHECK(r.find_leak("x" + kLongCanary + "y") == "env LONG");
    CHECK(r.find_leak("{\"v\":\"" + json_escaped(kLongCanary) + "\"}") == "env LONG");
    CHECK(r.find_leak("{\"v\":\"" + json_escaped_ascii(kLongCanary) + "\"}") == "env LONG");
    CHECK(r.find_leak("<v>" + xml_escaped(kLongCanary) + "</v>") == "env LONG");
    CHECK(r.find_leak("?p=" + url_encoded(kLongCanary)) == "env LONG");
    CHECK(r.find_leak("?p=" + url_encoded_plus(kLongCanary)) == "env LONG");
    for (std::string prefix : {"", "a", "ab", "abc"})
        CHECK(r.find_leak("b64:" + base64(prefix + kLongCanary + "tail")) == "env LONG");
}

TEST_CASE("secrets too short to tell apart from text are scrubbed but not scanned") {
    Redactor r(std::vector<Secret>{{"abc", "env TOKEN"}});
    CHECK(r.scrub("xabcx") == "x[redacted]x");
    CHECK_FALSE(r.find_leak("abc").has_value());
}

TEST_CASE("the redactor scans the output forms it is told, and knows no renderer itself (issue 12)") {
    const std::string canary = "rev<&>'\"secret 100%";
    auto reversed = [](std::string_view text) { return std::string(text.rbegin(), text.rend()); };
    const std::string hidden = reversed(canary);
    CHECK_FALSE(Redactor({{canary, "env X"}}).find_leak(hidden).has_value());
    CHECK(Redactor({{canary, "env X"}}, {reversed}).find_leak(hidden) == "env X");
    CHECK(Redactor({{canary, "env X"}}, {reversed}).scrub("a " + hidden + " b") == "a [redacted] b");
}

TEST_CASE("the redactor and the text forms include no renderer (issue 12: layering)") {
    for (const char* file : {"src/redactor.hpp", "src/redactor.cpp", "src/text_forms.hpp", "src/text_forms.cpp"}) {
        CAPTURE(file);
        std::ifstream in(std::string(PREFLIGHT_SOURCE_DIR) + "/" + file);
        REQUIRE(in);
        std::stringstream text;
        text << in.rdbuf();
        CHECK(text.str().find("#include \"reports/") == std::string::npos);
    }
}

TEST_CASE("a secret with a single quote is scrubbed and found in its shell-quoted form (issue 13)") {
    const std::string canary = "it's-a \"canary\" 100% $HOME \\x";
    const std::string command_line = "preflight run --var " + shell_quoted("db_password=" + canary);
    REQUIRE(command_line.find(canary) == std::string::npos);  // the quoting splits it
    Redactor r({{canary, "var db_password"}});
    CHECK(r.scrub(command_line) == "preflight run --var 'db_password=[redacted]'");
    CHECK(r.find_leak(command_line) == "var db_password");
    CHECK(r.find_leak(json_escaped(command_line)) == "var db_password");
    CHECK(r.find_leak(url_encoded(command_line)) == "var db_password");
}

TEST_CASE("the command line in a report quotes every argument a shell would read otherwise") {
    CHECK(shell_quoted("--var") == "--var");
    CHECK(shell_quoted("env_file=/srv/app/.env") == "env_file=/srv/app/.env");
    CHECK(shell_quoted("") == "''");
    CHECK(shell_quoted("a;b") == "'a;b'");
    CHECK(shell_quoted("config-*") == "'config-*'");
    CHECK(shell_quoted("x>y|z&") == "'x>y|z&'");
    CHECK(shell_quoted("#tag") == "'#tag'");
    CHECK(shell_quoted("~root") == "'~root'");
    CHECK(shell_quoted("it's") == "'it'\\''s'");
}

TEST_CASE("secrets shorter than 12 characters are masked where they appear but never block a report (issue 13)") {
    Redactor r({{"secret", "env JWT_SECRET"}, {"preflight", "env POSTGRES_PASSWORD"}, {"Eleven-char", "env E"}});
    CHECK(r.scrub("JWT_SECRET is secret") == "JWT_SECRET is [redacted]");
    CHECK_FALSE(r.find_leak("# Preflight report: how secrets were handled, preflight run").has_value());
    CHECK_FALSE(r.find_leak("Eleven-char").has_value());
    Redactor twelve(std::vector<Secret>{{"Twelve-chars", "env T"}});
    CHECK(twelve.find_leak("x Twelve-chars y") == "env T");
    CHECK(kMinScannedSecretLength == 12);
}

TEST_CASE("the registry ignores empty values and duplicates") {
    SecretRegistry registry;
    registry.add("", "env EMPTY");
    registry.add("v", "env A");
    registry.add("v", "env A");
    CHECK(registry.snapshot().size() == 1);
}
