#include "src/redactor.hpp"

#include <algorithm>
#include <set>

#include "src/text_forms.hpp"

namespace preflight {

void SecretRegistry::add(const std::string& value, const std::string& name) {
    if (value.empty()) return;
    std::lock_guard lock(mutex_);
    for (const auto& s : secrets_)
        if (s.value == value && s.name == name) return;
    secrets_.push_back({value, name});
}

std::vector<Secret> SecretRegistry::snapshot() const {
    std::lock_guard lock(mutex_);
    return secrets_;
}

std::string Redactor::display(std::string_view secret) {
    // A multi-line secret never shows a tail: its last line could be shorter than 8 characters.
    if (secret.size() >= 32 && secret.find('\n') == std::string_view::npos) return "\u2026" + std::string(secret.substr(secret.size() - 8));
    return "[redacted]";
}

namespace {

// The pieces of a multi-line secret that are worth scrubbing on their own.
std::vector<std::string> lines_of(const std::string& value) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= value.size()) {
        size_t end = value.find('\n', start);
        if (end == std::string::npos) end = value.size();
        std::string line = value.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.size() >= 4 && line.size() < value.size()) out.push_back(line);
        start = end + 1;
    }
    return out;
}

}  // namespace

Redactor::Redactor(std::vector<Secret> secrets, std::vector<TextForm> output_forms)
    : secrets_(std::move(secrets)) {
    std::set<std::string> seen;
    auto add_needle = [&](const std::string& text, const std::string& replacement) {
        if (text.empty() || !seen.insert(text).second) return;
        needles_.push_back({text, replacement});
    };
    std::set<std::pair<std::string, std::string>> seen_forms;
    auto add_form = [&](const std::string& form, const std::string& name) {
        if (form.size() < kMinScannedSecretLength) return;
        if (seen_forms.insert({form, name}).second) forms_.push_back({form, name});
    };
    for (const auto& secret : secrets_) {
        const std::string shown = display(secret.value);
        std::vector<std::string> pieces{secret.value};
        for (auto& line : lines_of(secret.value)) pieces.push_back(line);
        for (const auto& piece : pieces) {
            const bool scanned = piece.size() >= kMinScannedSecretLength;
            // The command line shows arguments shell-quoted: a quote inside becomes '\''.
            for (const std::string& spelling : {piece, shell_single_quote_body(piece)}) {
                // Library messages may carry a secret escaped the way they print strings.
                std::vector<std::string> forms{spelling, json_escaped(spelling), url_encoded(spelling)};
                for (const auto& form : output_forms) forms.push_back(form(spelling));
                for (const auto& form : forms) add_needle(form, shown);
                if (!scanned) continue;
                forms.push_back(json_escaped_ascii(spelling));
                forms.push_back(url_encoded_plus(spelling));
                for (const auto& form : forms) add_form(form, secret.name);
            }
            if (scanned)
                for (auto& b64 : base64_cores(piece)) add_form(b64, secret.name);
        }
    }
    std::stable_sort(needles_.begin(), needles_.end(),
                     [](const Needle& a, const Needle& b) { return a.text.size() > b.text.size(); });
}

std::string Redactor::scrub(std::string_view text) const {
    std::string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size()) {
        bool replaced = false;
        for (const auto& needle : needles_) {
            if (text.compare(i, needle.text.size(), needle.text) == 0) {
                out += needle.replacement;
                i += needle.text.size();
                ++replaced_;
                replaced = true;
                break;
            }
        }
        if (!replaced) out += text[i++];
    }
    return out;
}

nlohmann::json Redactor::scrub_json(const nlohmann::json& value) const {
    if (value.is_string()) return scrub(std::string_view(value.get_ref<const std::string&>()));
    if (value.is_array()) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& item : value) out.push_back(scrub_json(item));
        return out;
    }
    if (value.is_object()) {
        nlohmann::json out = nlohmann::json::object();
        for (auto it = value.begin(); it != value.end(); ++it) out[scrub(it.key())] = scrub_json(it.value());
        return out;
    }
    return value;
}

RedactedReport Redactor::redact(Report report) const {
    replaced_ = 0;
    auto s = [this](std::string& text) { text = scrub(std::string_view(text)); };
    s(report.pack_name);
    s(report.pack_title);
    for (auto& source : report.sources) s(source.path);
    for (auto& file : report.env_files) s(file);
    for (auto& connection : report.connections) {
        s(connection.name);
        s(connection.target);
    }
    s(report.host);
    s(report.user);
    s(report.command_line);
    for (auto& check : report.checks) {
        s(check.id);
        s(check.title);
        s(check.kind);
        s(check.message);
        s(check.remedy);
        s(check.why);
        check.observed = scrub_json(check.observed);
        check.expected = scrub_json(check.expected);
    }
    std::set<std::string> names(report.secret_names.begin(), report.secret_names.end());
    for (const auto& secret : secrets_) names.insert(secret.name);
    report.secret_names.assign(names.begin(), names.end());
    for (auto& name : report.secret_names) s(name);
    report.values_redacted = replaced_;
    return RedactedReport(std::move(report));
}

std::optional<std::string> Redactor::find_leak(std::string_view rendered) const {
    for (const auto& [form, name] : forms_)
        if (rendered.find(form) != std::string_view::npos) return name;
    return std::nullopt;
}

}  // namespace preflight
