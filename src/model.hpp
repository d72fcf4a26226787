#pragma once
// The result model shared by checks, the engine, the redactor and the renderers.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace preflight {

enum class Severity { critical, warning, info };
enum class Status { pass, fail, error, skip };

/// Why a check ended `skip`. Typed, so the verdict never reads message text.
enum class SkipCause {
    none,                ///< not skipped by the engine (a skip without a cause closes the gate as unknown)
    not_selected,        ///< --only, --skip or --tag left it out: it never decides the exit status
    need_failed,         ///< a check it needs failed (directly or down the chain): closes as a failure
    need_not_evaluated,  ///< a check it needs could not be evaluated: closes as unknown
    need_not_selected,   ///< a check it needs was left out by --skip: it cannot be verified, closes as unknown
};

/// "critical", "warning" or "info".
std::string_view to_string(Severity severity);
/// "pass", "fail", "error" or "skip".
std::string_view to_string(Status status);

/// What one check reports about the host. `observed` and `expected` are free-form JSON
/// (a string, a number, an object per field, ...); null when there is nothing to show.
struct Outcome {
    Status status = Status::error;
    std::string message;
    nlohmann::json observed;
    nlohmann::json expected;
    /// Remedy text computed by the check itself (e.g. exact GRANT statements); the engine
    /// appends it to the pack's `remedy:` text.
    std::string generated_remedy;

    static Outcome pass(std::string message, nlohmann::json observed = nullptr);
    static Outcome fail(std::string message, nlohmann::json observed = nullptr,
                        nlohmann::json expected = nullptr);
    static Outcome error(std::string message, nlohmann::json observed = nullptr);
};

/// One row of the report: the outcome plus the check's identity and timing.
struct CheckResult {
    std::string id;
    std::string title;
    std::string kind;
    Severity severity = Severity::critical;
    Status status = Status::error;
    SkipCause skip_cause = SkipCause::none;  ///< set by the engine when `status` is skip
    std::string message;
    nlohmann::json observed;
    nlohmann::json expected;
    std::string remedy;   ///< empty when the check passed
    std::string why;
    long long duration_ms = 0;
};

struct RuleSource {
    std::string path;
    std::string sha256;
};

/// A database connection of the pack as the run resolved it, for the attestation. Its target
/// is the conninfo text; the passwords in it are registered secrets, masked by the redactor.
struct ConnectionTarget {
    std::string name;
    std::string target;
};

struct Summary {
    int pass = 0, fail = 0, error = 0, skip = 0;
};

/// The whole run, before redaction. Only `Redactor::redact` turns it into a `RedactedReport`,
/// the one type renderers accept.
struct Report {
    std::string tool = "preflight";
    std::string tool_version;
    std::string pack_name;
    std::string pack_title;
    std::vector<RuleSource> sources;
    /// Env files the run read (the pack's env_files:, then --env-file), as resolved.
    std::vector<std::string> env_files;
    /// The pack's connections; a pg_* check that ran opened the one it names.
    std::vector<ConnectionTarget> connections;
    std::string host;
    std::string user;
    std::string command_line;
    std::string started_utc;
    long long duration_ms = 0;
    std::string verdict;  ///< "PASS", "FAIL" or "ERROR"
    int exit_code = 0;
    bool incomplete = false;  ///< interrupted or deadline reached
    Summary summary;
    std::vector<CheckResult> checks;
    /// Names (never values) of what was treated as secret, e.g. "env BACKUP_GPG_FPR".
    std::vector<std::string> secret_names;
    int values_redacted = 0;
};

}  // namespace preflight
