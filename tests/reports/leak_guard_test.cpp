// The redactor's final guard over every rendered format: nothing is found in a properly
// redacted report, and a secret that reached the output in any of its forms is found.
#include <doctest/doctest.h>

#include "reports/renderers.hpp"
#include "tests/reports/fixture.hpp"

namespace preflight {
namespace {

using testing::make_check;

// Canaries with quotes, backslashes, %, $, spaces, a newline, markup and non-ASCII.
const std::vector<Secret> kCanaries = {
    {"pa\"ss\\wo%rd $HOME 'q'", "env DB_PASSWORD"},
    {"Z\xC3\xBCrich \xE2\x82\xAC-token \"quoted\" \\back 100% ${var} <&> end", "env API_TOKEN"},
    {"first-line-secret\nsecond-line-secret", "env PRIVATE_KEY"},
    {"a<b>&c\"d'e", "connection directus password"},
};

const std::vector<ReportFormat> kFormats = {ReportFormat::text, ReportFormat::json, ReportFormat::markdown,
                                            ReportFormat::junit};

// Every string field of the report carries every canary.
Report report_full_of_canaries() {
    std::string all;
    for (const auto& canary : kCanaries) all += " [" + canary.value + "] ";
    Report report = testing::fixture_report();
    report.pack_title += all;
    report.host += all;
    report.user += all;
    report.command_line += all;
    report.sources[0].path += all;
    for (const Status status : {Status::pass, Status::fail, Status::error, Status::skip}) {
        auto check = make_check("canary-" + std::string(to_string(status)), "title" + all, "command",
                                Severity::critical, status, "message" + all + "\nline 2" + all, 1);
        check.observed = {{"stdout", "out" + all}, {"key" + all, {1, "x" + all}}};
        check.expected = "expected" + all;
        check.remedy = "remedy" + all;
        check.why = "why" + all;
        report.checks.push_back(check);
    }
    return report;
}

std::string rendered(ReportFormat format, const RedactedReport& report, bool color = false) {
    return render(format, report, RenderOptions{color, false});
}

TEST_CASE("no format of a redacted report holds a canary in any form") {
    const Redactor redactor(kCanaries);
    const RedactedReport report = redactor.redact(report_full_of_canaries());
    CHECK(report.report().values_redacted > 0);
    for (const ReportFormat format : kFormats) {
        for (const bool color : {false, true}) {
            const std::string output = rendered(format, report, color);
            CAPTURE(static_cast<int>(format));
            CHECK(redactor.find_leak(output) == std::nullopt);
            for (const auto& canary : kCanaries) CHECK(output.find(canary.value) == std::string::npos);
            CHECK(output.find("first-line-secret") == std::string::npos);
            CHECK(output.find("second-line-secret") == std::string::npos);
        }
    }
}

// Independent encoders, so that the guard is checked against forms it did not produce itself.
std::string json_form(const std::string& text) {
    const std::string quoted = nlohmann::json(text).dump();
    return quoted.substr(1, quoted.size() - 2);
}

std::string xml_form(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (c == '&') out += "&amp;";
        else if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '"') out += "&quot;";
        else if (c == '\'') out += "&apos;";
        else out += c;
    }
    return out;
}

std::string url_form(const std::string& text) {
    std::string out;
    char hex[4];
    for (const unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            std::snprintf(hex, sizeof hex, "%%%02X", c);
            out += hex;
        }
    }
    return out;
}

std::string base64_form(const std::string& bytes) {
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (size_t i = 0; i < bytes.size(); i += 3) {
        unsigned value = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) value |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        if (i + 2 < bytes.size()) value |= static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[(value >> 18) & 63];
        out += alphabet[(value >> 12) & 63];
        out += i + 1 < bytes.size() ? alphabet[(value >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? alphabet[value & 63] : '=';
    }
    return out;
}

TEST_CASE("the guard finds a canary planted raw, JSON-escaped, XML-escaped, URL-encoded or base64") {
    const Redactor redactor(kCanaries);
    const RedactedReport report = redactor.redact(report_full_of_canaries());
    for (const ReportFormat format : kFormats) {
        const std::string output = rendered(format, report);
        for (const auto& canary : kCanaries) {
            CAPTURE(canary.name);
            CHECK(redactor.find_leak(output + canary.value) == canary.name);
            CHECK(redactor.find_leak(output + json_form(canary.value)) == canary.name);
            CHECK(redactor.find_leak(output + xml_form(canary.value)) == canary.name);
            CHECK(redactor.find_leak(output + url_form(canary.value)) == canary.name);
            for (const char* padding : {"", "x", "xy"}) {
                CAPTURE(padding);
                CHECK(redactor.find_leak(output + base64_form(std::string(padding) + canary.value + "tail")) == canary.name);
            }
        }
    }
}

enum class Field { title, message, observed, remedy };
constexpr Field kFields[] = {Field::title, Field::message, Field::observed, Field::remedy};

// Renders a report in which one field of a failing check carries `secret` unredacted (a
// redactor that does not know it let it through), and returns what a guard that knows it finds.
std::optional<std::string> leak_found(ReportFormat format, Field field, const Secret& secret) {
    Report report = testing::fixture_report();
    CheckResult& check = report.checks[1];
    switch (field) {
        case Field::title: check.title = "leaked " + secret.value; break;
        case Field::message: check.message = "leaked " + secret.value; break;
        case Field::observed: check.observed = {{"value", secret.value}}; break;
        case Field::remedy: check.remedy = "leaked " + secret.value; break;
    }
    const RedactedReport unredacted = Redactor({}).redact(report);
    return Redactor(kCanaries).find_leak(rendered(format, unredacted));
}

TEST_CASE("the guard sees through the text, JSON and JUnit escaping of a secret that bypassed redaction") {
    for (const ReportFormat format : {ReportFormat::text, ReportFormat::json, ReportFormat::junit}) {
        for (const Field field : kFields) {
            for (const auto& canary : kCanaries) {
                CAPTURE(canary.name);
                CAPTURE(static_cast<int>(format));
                CAPTURE(static_cast<int>(field));
                CHECK(leak_found(format, field, canary) == canary.name);
            }
        }
    }
}

TEST_CASE("the guard sees a secret that bypassed redaction in Markdown code and fenced blocks") {
    for (const Field field : {Field::observed, Field::remedy}) {
        for (const auto& canary : kCanaries) {
            CAPTURE(canary.name);
            CHECK(leak_found(ReportFormat::markdown, field, canary) == canary.name);
        }
    }
}

// Markdown running text escapes \ ` * _ [ ] ~ $ | & < >; the scan looks for that form too.
TEST_CASE("the guard sees through the Markdown escaping of a secret that bypassed redaction") {
    for (const auto& canary : kCanaries) {
        CAPTURE(canary.name);
        CHECK(leak_found(ReportFormat::markdown, Field::title, canary) == canary.name);
    }
}

}  // namespace
}  // namespace preflight
