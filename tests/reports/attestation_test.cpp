// The Markdown record's final section: what the run read, redacted and wrote, derived from the
// report itself.
#include <doctest/doctest.h>

#include "reports/renderers.hpp"
#include "tests/reports/fixture.hpp"

namespace preflight {
namespace {

std::string attestation_of(const Report& report) {
    const std::string markdown = render_markdown(Redactor(testing::fixture_secrets()).redact(report));
    const size_t at = markdown.find("\n## Attestation\n");
    REQUIRE(at != std::string::npos);
    return markdown.substr(at);
}

Report minimal_report() {
    Report report = testing::fixture_report();
    report.checks.clear();
    report.env_files.clear();
    report.connections.clear();
    return report;
}

}  // namespace

TEST_CASE("the attestation is the last section and names what was read by kind") {
    Report report = minimal_report();
    report.checks = {
        testing::make_check("selftest", "", "command", Severity::critical, Status::pass, "ok", 1),
        testing::make_check("later", "", "command", Severity::critical, Status::skip, "skipped", 0),
        testing::make_check("rows", "", "pg_query", Severity::critical, Status::fail, "x", 1),
        testing::make_check("key", "", "gpg_key", Severity::critical, Status::pass, "x", 1),
        testing::make_check("artifact", "", "encrypted_file", Severity::critical, Status::pass, "x", 1),
    };
    report.env_files = {"/opt/incomex/docker/.env"};
    report.connections = {{"directus", "postgresql://cutter_exec:" + testing::kPassword + "@db/directus"}};
    const std::string text = attestation_of(report);
    CHECK(text.find("\n## ", 1) == std::string::npos);  // nothing after it
    CHECK(text.find("- **Env files:** `/opt/incomex/docker/.env`\n") != std::string::npos);
    CHECK(text.find("  - `directus`: `postgresql://cutter_exec:[redacted]@db/directus`\n") !=
          std::string::npos);
    CHECK(text.find("- **programs the pack names, run without a shell** (command): `selftest`\n") !=
          std::string::npos);
    CHECK(text.find("`later`") == std::string::npos);  // skipped: it read nothing
    CHECK(text.find("- **PostgreSQL, one statement per check in a READ ONLY transaction, rolled "
                    "back** (pg\\_query): `rows`\n") != std::string::npos);
    CHECK(text.find("- **OpenPGP messages (their recipients only, never decrypted) and GnuPG keyrings, "
                    "through GPGME** (encrypted\\_file): `artifact`\n") != std::string::npos);
    CHECK(text.find("; and, for GnuPG, private temporary homedirs (mode 0700, under $TMPDIR: a copy of "
                    "the public keyring, or an empty one to read a message's recipients), removed with "
                    "everything gpg left in them.\n") != std::string::npos);
    CHECK(text.find("- **In the database:** nothing. Every statement ran in a READ ONLY "
                    "transaction") != std::string::npos);
    CHECK(text.find("- **Programs the pack runs** (`selftest`): preflight starts them without a "
                    "shell and with a reduced environment, but cannot vouch for what they write; "
                    "that is the pack's responsibility.\n") != std::string::npos);
}

TEST_CASE("the attestation of a run without database, keyring or command checks says so") {
    Report report = minimal_report();
    report.checks = {testing::make_check("fpr", "", "env_var", Severity::critical, Status::pass, "x", 1)};
    const std::string text = attestation_of(report);
    CHECK(text.find("- **Env files:** none\n") != std::string::npos);
    CHECK(text.find("(opened only by a pg\\_\\* check that ran): none declared\n") != std::string::npos);
    CHECK(text.find("- **In the database:** nothing; no database was opened.\n") != std::string::npos);
    CHECK(text.find("keyring") == std::string::npos);
    CHECK(text.find("Programs the pack runs") == std::string::npos);
    CHECK(text.find("- **On this host:** only the report files its command line names (`-o`), "
                    "each written whole (temporary file, then rename) with mode 0600 (0644 for a `.prom` "
                    "metrics file).\n") !=
          std::string::npos);
}

}  // namespace preflight
