// Maps format names and report file extensions to renderers.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "reports/markdown.hpp"
#include "reports/prometheus.hpp"
#include "reports/renderers.hpp"
#include "reports/wording.hpp"
#include "src/text_forms.hpp"

namespace preflight {

std::optional<ReportFormat> format_from_name(const std::string& name) {
    if (name == "text") return ReportFormat::text;
    if (name == "json") return ReportFormat::json;
    if (name == "markdown") return ReportFormat::markdown;
    if (name == "junit") return ReportFormat::junit;
    if (name == "prometheus") return ReportFormat::prometheus;
    return std::nullopt;
}

std::optional<ReportFormat> format_from_path(const std::string& path) {
    std::string extension = std::filesystem::path(path).extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (extension == ".txt") return ReportFormat::text;
    if (extension == ".json") return ReportFormat::json;
    if (extension == ".md") return ReportFormat::markdown;
    if (extension == ".xml") return ReportFormat::junit;
    if (extension == ".prom") return ReportFormat::prometheus;
    return std::nullopt;
}

std::vector<TextForm> report_text_forms() {
    return {
        [](std::string_view text) { return wording::printable(text); },
        [](std::string_view text) { return json_escaped(text); },
        [](std::string_view text) { return xml_escaped(text); },
        [](std::string_view text) { return xml_escaped(wording::printable(text)); },
        [](std::string_view text) { return markdown_escaped(text); },
        [](std::string_view text) { return markdown_escaped(text, "<br>"); },
        [](std::string_view text) { return prometheus_label_escaped(text); },
        [](std::string_view text) { return prometheus_label_escaped(wording::printable(text)); },
    };
}

std::string render(ReportFormat format, const RedactedReport& report, const RenderOptions& options) {
    switch (format) {
        case ReportFormat::text: return render_text(report, options);
        case ReportFormat::json: return render_json(report);
        case ReportFormat::markdown: return render_markdown(report);
        case ReportFormat::junit: return render_junit(report);
        case ReportFormat::prometheus: return render_prometheus(report);
    }
    return render_text(report, options);
}

}  // namespace preflight
