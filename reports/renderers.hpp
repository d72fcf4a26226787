#pragma once
// One report model, several renderers. Every renderer takes only a RedactedReport.
#include <optional>
#include <string>
#include <vector>

#include "src/redactor.hpp"

namespace preflight {

enum class ReportFormat { text, json, markdown, junit, prometheus };

struct RenderOptions {
    bool color = false;  ///< ANSI colour (text only)
    bool quiet = false;  ///< text: only the verdict and what did not pass
};

/// The format named on the command line ("text", "json", "markdown", "junit", "prometheus"), or nullopt.
std::optional<ReportFormat> format_from_name(const std::string& name);
/// The format of a report path by extension (.txt .json .md .xml .prom), or nullopt.
std::optional<ReportFormat> format_from_path(const std::string& path);

std::string render_text(const RedactedReport& report, const RenderOptions& options);
std::string render_json(const RedactedReport& report);
std::string render_markdown(const RedactedReport& report);
std::string render_junit(const RedactedReport& report);
/// Prometheus text exposition format 0.0.4 (gauges, for node_exporter's textfile collector):
/// identities and statuses only, never a message or a value (docs/prometheus.md).
std::string render_prometheus(const RedactedReport& report);

/// Every escaping a renderer gives a piece of text (control characters as \xNN, XML entities,
/// Markdown escapes, JSON string escapes, Prometheus label values): the forms the redactor must
/// scrub and scan for.
std::vector<TextForm> report_text_forms();

/// Dispatches on `format`.
std::string render(ReportFormat format, const RedactedReport& report, const RenderOptions& options);

}  // namespace preflight
