#pragma once
// Shared fixtures for the renderer tests: a fixed report (timestamp, host, durations pinned),
// golden-file comparison and a scratch directory.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "src/model.hpp"
#include "src/redactor.hpp"

namespace preflight::testing {

inline const std::string kFingerprint = "0123456789ABCDEF0123456789ABCDEF9F3A12BC";
inline const std::string kPassword = "s3cr3t-pw!";

inline std::vector<Secret> fixture_secrets() {
    return {{kFingerprint, "env BACKUP_GPG_FPR"}, {kPassword, "connection directus password"}};
}

inline CheckResult make_check(std::string id, std::string title, std::string kind, Severity severity,
                              Status status, std::string message, long long duration_ms) {
    CheckResult check;
    check.id = std::move(id);
    check.title = std::move(title);
    check.kind = std::move(kind);
    check.severity = severity;
    check.status = status;
    check.message = std::move(message);
    check.duration_ms = duration_ms;
    return check;
}

/// The runbook's gate after a first, failing run; secrets appear raw and must be redacted.
inline Report fixture_report() {
    Report report;
    report.tool_version = "0.1.0";
    report.pack_name = "f4-backup";
    report.pack_title = "F4 \xE2\x80\x94 BACKUP_GPG_FPR provisioning gate";
    report.sources = {{"rules/f4-backup.yaml",
                       "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}};
    report.env_files = {"/opt/incomex/docker/.env"};
    report.connections = {
        {"directus", "host=/var/run/postgresql dbname=directus user=cutter_exec"}};
    report.host = "backup-01";
    report.user = "operator";
    report.command_line = "preflight run rules/f4-backup.yaml -o report.md -o report.xml";
    report.started_utc = "2024-05-01T12:00:00Z";
    report.duration_ms = 1534;
    report.verdict = "FAIL";
    report.exit_code = 1;
    report.summary = {2, 2, 1, 1};

    auto fpr = make_check("backup-fpr-set", "BACKUP_GPG_FPR is set in the compose env file", "env_var",
                          Severity::critical, Status::pass, "BACKUP_GPG_FPR=" + kFingerprint, 3);
    fpr.observed = kFingerprint;
    fpr.why = "backups are encrypted to the operator's key";

    auto key = make_check("backup-key-imported", "The backup public key is in the keyring", "gpg_key",
                          Severity::critical, Status::fail,
                          "no key with fingerprint " + kFingerprint + " in /root/.gnupg", 41);
    key.expected = "a valid key usable for encrypt";
    key.remedy = "gpg --import /opt/incomex/keys/backup.pub.asc\ngpg --list-keys " + kFingerprint;

    auto grants = make_check("directus-grants", "cutter_exec can read the 9 backup tables", "pg_privileges",
                             Severity::critical, Status::fail,
                             "role cutter_exec lacks SELECT on 2 of 9 tables", 120);
    grants.observed = {{"missing", {"public.directus_files", "public.directus_users"}}};
    grants.expected = {{"privilege", "SELECT"}, {"tables", 9}};
    grants.remedy =
        "GRANT SELECT ON TABLE \"public\".\"directus_files\" TO \"cutter_exec\";\n"
        "GRANT SELECT ON TABLE \"public\".\"directus_users\" TO \"cutter_exec\";";

    auto db = make_check("db-connect", "The directus database accepts the connection", "pg_connect",
                         Severity::warning, Status::error,
                         "connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: "
                         "password authentication failed for password " + kPassword +
                             "\nDETAIL: role \"cutter_exec\"",
                         1002);
    db.remedy = "Check CUTTER_EXEC_PASSWORD in /opt/incomex/docker/.env";

    auto config = make_check("orchestrator-config", "Orchestrator config has no drift", "config_drift",
                             Severity::warning, Status::pass, "2 fields as expected", 2);
    config.observed = {{"/backup/enabled", true}, {"/backup/retention_days", 14}};

    auto dir = make_check("backups-dir", "Backups directory is writable", "file", Severity::info,
                          Status::skip, "skipped: needs backup-key-imported, which did not pass", 0);

    report.checks = {fpr, key, grants, db, config, dir};
    return report;
}

inline RedactedReport fixture_redacted() { return Redactor(fixture_secrets()).redact(fixture_report()); }

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

/// Compares `actual` with tests/reports/golden/NAME; with PREFLIGHT_UPDATE_GOLDEN=1 rewrites it.
inline void check_golden(const std::string& name, const std::string& actual) {
    const std::filesystem::path path =
        std::filesystem::path(PREFLIGHT_SOURCE_DIR) / "tests" / "reports" / "golden" / name;
    if (const char* update = std::getenv("PREFLIGHT_UPDATE_GOLDEN"); update && std::string(update) == "1") {
        std::ofstream(path, std::ios::binary) << actual;
        MESSAGE("rewrote " << path.string());
    }
    REQUIRE_MESSAGE(std::filesystem::exists(path), "missing golden file " << path.string());
    const std::string expected = read_file(path);
    if (expected == actual) return;
    std::istringstream want(expected), got(actual);
    std::string want_line, got_line;
    for (int line = 1;; ++line) {
        const bool more_want = static_cast<bool>(std::getline(want, want_line));
        const bool more_got = static_cast<bool>(std::getline(got, got_line));
        if (!more_want && !more_got) break;
        if (want_line != got_line || more_want != more_got) {
            FAIL_CHECK(name << ":" << line << " differs\n  golden: " << (more_want ? want_line : "<end>")
                            << "\n  actual: " << (more_got ? got_line : "<end>"));
            break;
        }
    }
    CHECK(expected == actual);
}

/// A scratch directory under /tmp, removed with everything in it.
class ScratchDir {
public:
    ScratchDir() {
        std::string name = (std::filesystem::temp_directory_path() / "preflight-reports-XXXXXX").string();
        REQUIRE(::mkdtemp(name.data()) != nullptr);
        path_ = name;
    }
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ignored);
        std::filesystem::remove_all(path_, ignored);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::string operator/(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

}  // namespace preflight::testing
