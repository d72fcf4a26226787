// The redactor's final guard over every rendered format: nothing is found in a properly
// redacted report, and a secret that reached the output in any of its forms is found.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reports/renderers.hpp"
#include "src/text_forms.hpp"
#include "tests/reports/fixture.hpp"
#include "tests/support/file_fixtures.hpp"

namespace preflight {
namespace {

using testing::make_check;

// Canaries with quotes, backslashes, %, $, spaces, a newline, markup and non-ASCII.
const std::vector<Secret> kCanaries = {
    {"pa\"ss\\wo%rd $HOME 'q'", "env DB_PASSWORD"},
    {"Z\xC3\xBCrich \xE2\x82\xAC-token \"quoted\" \\back 100% ${var} <&> end", "env API_TOKEN"},
    {"first-line-secret\nsecond-line-secret", "env PRIVATE_KEY"},
    {"a<b>&c\"d'e|f_g", "connection directus password"},
};

const std::vector<ReportFormat> kFormats = {ReportFormat::text, ReportFormat::json, ReportFormat::markdown,
                                            ReportFormat::junit, ReportFormat::prometheus};

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
    const Redactor redactor(kCanaries, report_text_forms());
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
    const Redactor redactor(kCanaries, report_text_forms());
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
    return Redactor(kCanaries, report_text_forms()).find_leak(rendered(format, unredacted));
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

// ---- Issue 13: secrets known from their sources, whatever runs, through the real binary ----

struct Ran {
    int status = -1;
    std::string all;  // stdout, stderr and every report written
};

// Runs the preflight binary with exactly `args` (no shell) in `dir`, with a fixed environment;
// reports named r.json, r.md and r.xml in `dir` are read back into `all`.
Ran run_binary(const std::vector<std::string>& args, const testing::TempDir& dir) {
    const std::string out = dir.file("stdout"), err = dir.file("stderr");
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (::chdir(dir.path().c_str()) != 0) ::_exit(127);
        const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0) ::_exit(127);
        std::vector<char*> argv{const_cast<char*>(PREFLIGHT_BINARY)};
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        char path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
        char color[] = "NO_COLOR=1";
        char* env[] = {path, color, nullptr};
        ::execve(PREFLIGHT_BINARY, argv.data(), env);
        ::_exit(127);
    }
    int raw = 0;
    ::waitpid(pid, &raw, 0);
    Ran ran;
    ran.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    for (const char* name : {"stdout", "stderr", "r.json", "r.md", "r.xml"}) {
        if (!std::filesystem::exists(dir.file(name))) continue;
        ran.all += testing::read_file(dir.file(name));
        std::filesystem::remove(dir.file(name));
    }
    return ran;
}

// True when `text` holds `secret` raw, shell-quoted or in a renderer's escaping.
bool holds(const std::string& text, const std::string& secret) {
    for (const std::string& form : {secret, shell_single_quote_body(secret), json_escaped(secret),
                                    json_escaped(shell_single_quote_body(secret)), xml_escaped(secret),
                                    xml_escaped(shell_single_quote_body(secret))})
        if (text.find(form) != std::string::npos) return true;
    return false;
}

// A gate check that fails (its remedy repeats the connection string, as a runbook would) and
// a pg_connect check that is skipped because it needs the gate: no connection is ever opened.
const std::string kProbePack =
    "preflight: 1\n"
    "pack: leak-probe\n"
    "vars:\n"
    "  db: \"\"\n"
    "  db_password: 'Pack-Default ''q'' \"d\" \\ 100% $x pw'\n"
    "connections:\n"
    "  main:\n"
    "    postgres: \"${var.db}\"\n"
    "checks:\n"
    "  - id: gate\n"
    "    kind: file\n"
    "    path: /nonexistent/preflight-leak-probe\n"
    "    type: file\n"
    "    remedy: 'psql \"${var.db}\" ${var.db_password}'\n"
    "  - id: db\n"
    "    kind: pg_connect\n"
    "    needs: [gate]\n"
    "    connection: main\n";

const std::vector<std::string> kReports = {"-o", "r.json", "-o", "r.md", "-o", "r.xml"};

std::vector<std::string> run_args(const std::string& pack, std::vector<std::string> extra) {
    std::vector<std::string> args{"run", pack};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), kReports.begin(), kReports.end());
    return args;
}

TEST_CASE("a conninfo password in a --var is never shown when its check is skipped, in any spelling") {
    testing::TempDir dir;
    const std::string pack = dir.write("probe.yaml", kProbePack);
    struct Case {
        std::string conninfo;
        std::vector<std::string> secrets;  // the decoded password and its spelling in the text
    };
    const std::vector<Case> cases = {
        {"host=/nonexistent password=Kw-Canary-one $HOME 100%", {"Kw-Canary-one"}},
        {"host=/nonexistent password=Kv\\Secret-canary-two", {"KvSecret-canary-two", "Kv\\Secret-canary-two"}},
        {"host=/nonexistent password='quoted \\'canary\\' three 100% $x'", {"quoted 'canary' three 100% $x", "quoted \\'canary\\' three 100% $x"}},
        {"postgresql://u:Secret%2aPass-canary4@localhost/db", {"Secret*Pass-canary4", "Secret%2aPass-canary4"}},
        {"postgresql://u:P%61ss-canary-five@localhost/db", {"Pass-canary-five", "P%61ss-canary-five"}},
        {"postgresql://u@localhost/db?sslmode=disable&password=Query-canary%21six", {"Query-canary!six", "Query-canary%21six"}},
        {"postgresql://u:Leak%zzPass3-canary7@localhost/db", {"Leak%zzPass3-canary7"}},
        {"host=/nonexistent sslpassword=Ssl-canary-eight-pw", {"Ssl-canary-eight-pw"}},
        {"host=/nonexistent password='never closed canary nine", {"never closed canary nine"}},
        {"postgresql://u:broken p@ss canary ten@localhost/db", {"broken p@ss canary ten"}},
    };
    for (const auto& c : cases) {
        CAPTURE(c.conninfo);
        const Ran ran = run_binary(run_args(pack, {"--var", "db=" + c.conninfo}), dir);
        CHECK(ran.status == 1);
        CHECK(ran.all.find("refusing to output") == std::string::npos);
        for (const auto& secret : c.secrets) {
            CAPTURE(secret);
            CHECK_FALSE(holds(ran.all, secret));
        }
        // --only: the pg check is not even selected.
        const Ran only = run_binary(run_args(pack, {"--var", "db=" + c.conninfo, "--only", "gate"}), dir);
        for (const auto& secret : c.secrets) CHECK_FALSE(holds(only.all, secret));
    }
}

TEST_CASE("a var named like a secret is never shown, a quote inside or not, nor a pack var named db_password") {
    testing::TempDir dir;
    const std::string pack = dir.write("probe.yaml", kProbePack);
    const Ran defaults = run_binary(run_args(pack, {}), dir);
    CHECK(defaults.status == 1);
    CHECK_FALSE(holds(defaults.all, "Pack-Default 'q' \"d\" \\ 100% $x pw"));
    const std::string canary = "it's a \"canary\" \\ 100% $HOME pw";
    const Ran given = run_binary(run_args(pack, {"--var", "db_password=" + canary}), dir);
    CHECK(given.status == 1);
    CHECK(given.all.find("refusing to output") == std::string::npos);
    CHECK_FALSE(holds(given.all, canary));
    CHECK(given.all.find("db_password=") != std::string::npos);  // the command line is still there
}

TEST_CASE("validate and list know the pack's secrets before they print anything") {
    testing::TempDir dir;
    const std::string canary = "List 'q' \"d\" 100% $x canary";
    const std::string pack = dir.write("p.yaml", "preflight: 1\npack: p\nvars:\n  api_token: 'List ''q'' \"d\" 100% $x canary'\n"
                                                 "checks:\n  - id: a\n    kind: file\n    path: /etc\n"
                                                 "    title: 'token List ''q'' \"d\" 100% $x canary'\n"
                                                 "    timeout: 'List ''q'' \"d\" 100% $x canary'\n");
    for (const char* command : {"validate", "list", "run"}) {
        CAPTURE(command);
        const Ran ran = run_binary({command, pack}, dir);
        CHECK(ran.status == 65);
        CHECK(ran.all.find("'timeout' must be") != std::string::npos);
        CHECK_FALSE(holds(ran.all, canary));
    }
    const std::string valid = dir.write("v.yaml", "preflight: 1\npack: v\nvars:\n  api_token: 'List ''q'' \"d\" 100% $x canary'\n"
                                                  "checks:\n  - id: a\n    kind: file\n    path: /etc\n"
                                                  "    title: 'token List ''q'' \"d\" 100% $x canary'\n");
    const Ran listed = run_binary({"list", valid}, dir);
    CHECK(listed.status == 0);
    CHECK(listed.all.find("token [redacted]") != std::string::npos);
    CHECK_FALSE(holds(listed.all, canary));
}

TEST_CASE("short secret values (JWT_SECRET=secret, POSTGRES_PASSWORD=preflight) never block a report") {
    testing::TempDir dir;
    const std::string pack = dir.write("probe.yaml", kProbePack);
    const std::string env = dir.write("short.env", "JWT_SECRET=secret\nPOSTGRES_PASSWORD=preflight\n");
    for (const char* format : {"text", "json", "markdown", "junit", "prometheus"}) {
        CAPTURE(format);
        const Ran ran = run_binary(run_args(pack, {"--env-file", env, "-f", format}), dir);
        CHECK(ran.status == 1);
        CHECK(ran.all.find("refusing to output") == std::string::npos);
    }
}

TEST_CASE("a parse error never quotes a value: a pack password literal, an unquoted private key") {
    testing::TempDir dir;
    const std::string bad = dir.write("bad.yaml",
                                      "preflight: 1\npack: bad\nconnections:\n  main:\n    postgres: \"host=x\"\n"
                                      "    password: \"Bad-${Secret canary 'q' 100%\"\n"
                                      "checks:\n  - id: a\n    kind: file\n    path: /etc\n");
    for (const char* command : {"validate", "list", "run"}) {
        CAPTURE(command);
        const Ran ran = run_binary({command, bad}, dir);
        CHECK(ran.status == 65);
        CHECK(ran.all.find("Secret canary") == std::string::npos);
        CHECK(ran.all.find("bad.yaml:6:15: 'password': unterminated reference at character 5") != std::string::npos);
    }
    // The env file's failure reaches the report through the reference that needs it.
    const std::string pack = dir.write("key.yaml", "preflight: 1\npack: key-probe\nchecks:\n  - id: env\n"
                                                   "    kind: file\n    path: \"${env.KEY_DIR}\"\n");
    const std::string key = dir.write("key.env",
                                      "BACKUP_PRIVATE_KEY=-----BEGIN PRIVATE KEY-----\n"
                                      "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
                                      "Kx9+Qs3/Zm1Lq8Tcanary\n"
                                      "-----END PRIVATE KEY-----\n");
    const Ran ran = run_binary(run_args(pack, {"--env-file", key}), dir);
    CHECK(ran.status == 2);
    CHECK(ran.all.find("key.env:2:1: a line with no '='") != std::string::npos);
    CHECK(ran.all.find("MIIEvQ") == std::string::npos);
    CHECK(ran.all.find("Kx9") == std::string::npos);
}

}  // namespace
}  // namespace preflight
