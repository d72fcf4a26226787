#pragma once
// The redactor is the only door between results and renderers: it scrubs every known secret
// value (and each of its lines) from every string, and guards every rendered output.
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/model.hpp"

namespace preflight {

struct Secret {
    std::string value;
    std::string name;  ///< what it is, never its value: "env BACKUP_GPG_FPR"
};

/// Secrets discovered before and during a run; safe to add to from several threads.
class SecretRegistry {
public:
    /// Registers `value` (ignored when empty) under `name`.
    void add(const std::string& value, const std::string& name);
    std::vector<Secret> snapshot() const;

private:
    mutable std::mutex mutex_;
    std::vector<Secret> secrets_;
};

/// A report whose every string went through the redactor; the only type renderers accept.
class RedactedReport {
public:
    const Report& report() const { return report_; }

private:
    friend class Redactor;
    explicit RedactedReport(Report report) : report_(std::move(report)) {}
    Report report_;
};

/// Secrets (and lines of multi-line secrets) shorter than this are still scrubbed wherever
/// they appear, but the final scan does not look for them: a value such as "secret" or
/// "preflight" is also a word of the report's own fixed text, and a scan that aborted on it
/// would block every report (README "Redaction").
inline constexpr size_t kMinScannedSecretLength = 12;

/// An encoding in which text may reach an output: a renderer's escaping (XML, Markdown, ...).
using TextForm = std::function<std::string(std::string_view)>;

class Redactor {
public:
    /// `output_forms` are the escapings the renderers give text (reports/renderers.hpp
    /// report_text_forms()); the redactor scrubs and scans each secret in those forms on top of
    /// the ones it always knows: raw, shell single-quoted ('\'' for each quote), JSON-escaped,
    /// URL-encoded and base64.
    explicit Redactor(std::vector<Secret> secrets, std::vector<TextForm> output_forms = {});

    /// How a secret is shown: "…" + its last 8 characters when it has at least 32 and is a
    /// single line, else "[redacted]".
    static std::string display(std::string_view secret);

    /// `text` with every secret value, and every line of a multi-line secret, replaced by its
    /// display form. Longest secrets are replaced first.
    std::string scrub(std::string_view text) const;
    /// Every string (keys included) of `value` scrubbed.
    nlohmann::json scrub_json(const nlohmann::json& value) const;
    /// Every string of the report scrubbed; records the secrets' names and how many values
    /// were replaced.
    RedactedReport redact(Report report) const;

    /// The name of the first secret of at least kMinScannedSecretLength characters (or line of
    /// one) that appears in `rendered` in any form: raw or shell single-quoted, each as is,
    /// JSON-escaped, URL-encoded or in an output form; or base64; nullopt when none does.
    std::optional<std::string> find_leak(std::string_view rendered) const;

    const std::vector<Secret>& secrets() const { return secrets_; }

private:
    struct Needle {
        std::string text;
        std::string replacement;
    };
    std::vector<Secret> secrets_;
    std::vector<Needle> needles_;                            // scrubbing, longest first
    std::vector<std::pair<std::string, std::string>> forms_;  // (form, secret name) for the scan
    mutable int replaced_ = 0;
};

}  // namespace preflight
