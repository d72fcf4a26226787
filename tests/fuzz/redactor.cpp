// Fuzz target: the redactor. Input: byte 0 = number of secrets (1 + b % 3) and where their
// forms go; then the secrets and a text, separated by NUL bytes. Every form a secret can take
// in an output (raw, each line of a multi-line secret, shell single-quoted, JSON-, XML-,
// Markdown- and URL-encoded, base64 at every alignment) is embedded in the text, which is then scrubbed. Invariants:
// - scrubbing, redacting and the final scan never throw or crash;
// - after scrubbing, no secret and no line of one survives (unless the replacement text
//   itself spells it, e.g. a secret "acted]x": then the next invariant must hold);
// - whatever survives in any renderer's form is caught by the final scan (find_leak), which
//   aborts the write instead of leaking.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reports/markdown.hpp"
#include "reports/prometheus.hpp"
#include "reports/renderers.hpp"
#include "src/redactor.hpp"
#include "src/text_forms.hpp"

namespace {

using preflight::Redactor;

struct Input {
    std::vector<preflight::Secret> secrets;
    std::string text;
    unsigned seed = 0;
};

Input split(std::string_view bytes) {
    Input in;
    if (bytes.empty()) return in;
    in.seed = static_cast<unsigned char>(bytes[0]);
    const size_t wanted = 1 + in.seed % 3;
    bytes.remove_prefix(1);
    while (in.secrets.size() < wanted && !bytes.empty()) {
        const size_t end = bytes.find('\0');
        const std::string_view value = bytes.substr(0, end);
        if (!value.empty()) in.secrets.push_back({std::string(value), "fuzz " + std::to_string(in.secrets.size())});
        bytes.remove_prefix(end == std::string_view::npos ? bytes.size() : end + 1);
    }
    in.text = std::string(bytes);
    return in;
}

// The value and each of its lines (without a trailing CR): what scrubbing promises to remove.
std::vector<std::string> pieces_of(const std::string& value) {
    std::vector<std::string> out{value};
    if (value.find('\n') == std::string::npos) return out;
    size_t start = 0;
    while (start <= value.size()) {
        size_t end = value.find('\n', start);
        if (end == std::string::npos) end = value.size();
        std::string line = value.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out.push_back(line);
        start = end + 1;
    }
    return out;
}

// The renderers' encodings of a whole output (JSON report, JUnit XML, Markdown KB record).
std::vector<std::string> renderings(const std::string& text) {
    return {text, preflight::json_escaped(text), preflight::xml_escaped(text), preflight::markdown_escaped(text)};
}

// Forms of `piece` to embed, each on its own and inside a longer encoded stream.
std::vector<std::string> forms_of(const std::string& piece) {
    std::vector<std::string> forms{piece,
                                   preflight::json_escaped(piece),
                                   preflight::json_escaped_ascii(piece),
                                   preflight::xml_escaped(piece),
                                   preflight::markdown_escaped(piece),
                                   preflight::prometheus_label_escaped(piece),
                                   preflight::url_encoded(piece),
                                   preflight::url_encoded_plus(piece),
                                   preflight::shell_single_quote_body(piece),
                                   preflight::json_escaped(preflight::shell_single_quote_body(piece))};
    // A secret inside a base64 blob: every alignment, with neighbours on both sides.
    if (piece.size() >= 8)
        for (const char* before : {"", "x", "xy"}) forms.push_back(preflight::base64(before + piece + "zq"));
    return forms;
}

// True when `piece` could be spelled by replacement text and its neighbours, so scrubbing
// cannot promise its absence (the final scan still must catch it).
bool spelled_by_replacement(const std::string& piece, const std::vector<std::string>& shown) {
    for (const auto& d : shown) {
        if (piece.find(d) != std::string::npos || d.find(piece) != std::string::npos) return true;
        for (size_t k = 1; k < piece.size() && k <= d.size(); ++k) {
            if (piece.compare(0, k, d, d.size() - k, k) == 0) return true;
            if (piece.compare(piece.size() - k, k, d, 0, k) == 0) return true;
        }
    }
    return false;
}

void require_caught(const Redactor& redactor, const std::string& output) {
    if (!redactor.find_leak(output)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in = split(std::string_view(reinterpret_cast<const char*>(data), size));
    if (in.secrets.empty()) return 0;
    const Redactor redactor(in.secrets, preflight::report_text_forms());

    std::vector<std::string> shown;
    std::vector<std::string> scanned;  // pieces the final scan promises to catch
    std::string text = in.text;
    size_t where = in.seed;
    for (const auto& secret : in.secrets) {
        shown.push_back(Redactor::display(secret.value));
        const auto pieces = pieces_of(secret.value);
        for (size_t p = 0; p < pieces.size(); ++p) {
            const std::string& piece = pieces[p];
            if (piece.size() >= preflight::kMinScannedSecretLength) scanned.push_back(piece);
            if (p > 8) continue;  // the forms of the value and 8 lines are enough, and fast
            for (const auto& form : forms_of(piece)) {
                if (piece.size() >= preflight::kMinScannedSecretLength) require_caught(redactor, form);
                where = (where * 31 + 7) % (text.size() + 1);
                text.insert(where, form);
            }
        }
    }

    const std::string scrubbed = redactor.scrub(text);
    for (const auto& piece : scanned)
        if (scrubbed.find(piece) != std::string::npos && !spelled_by_replacement(piece, shown)) __builtin_trap();

    // Whatever form of a secret is in a rendered output, the final scan sees it.
    for (const auto& output : {text, scrubbed})
        for (const auto& rendered : renderings(output))
            for (const auto& piece : scanned)
                if (rendered.find(piece) != std::string::npos || output.find(piece) != std::string::npos) {
                    require_caught(redactor, rendered);
                    break;
                }

    // The structured paths scrub the same way and never throw.
    preflight::Report report;
    preflight::CheckResult check;
    check.message = text;
    const std::string& first = in.secrets.front().value;
    check.observed = nlohmann::json{{first, {first, 1, nullptr}}};
    report.checks.push_back(check);
    const auto redacted = redactor.redact(report);
    if (redacted.report().checks.at(0).message != scrubbed) __builtin_trap();
    const std::string shown_first = Redactor::display(first);
    if (redacted.report().checks.at(0).observed != nlohmann::json{{shown_first, {shown_first, 1, nullptr}}})
        __builtin_trap();
    return 0;
}
