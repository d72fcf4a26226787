#include <doctest/doctest.h>

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

TEST_CASE("find_leak finds a secret in raw, JSON, XML, URL-encoded and base64 form") {
    Redactor r({{kLongCanary, "env LONG"}});
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

TEST_CASE("the registry ignores empty values and duplicates") {
    SecretRegistry registry;
    registry.add("", "env EMPTY");
    registry.add("v", "env A");
    registry.add("v", "env A");
    CHECK(registry.snapshot().size() == 1);
}
