// The three forms of `preflight summary`: an aligned table per pack for a terminal, a Markdown
// record, a JSON document. Reports carry only redacted text; the summary shows none of their
// messages, observed values or remedies, only host, pack, verdict, check ids and time.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "reports/markdown.hpp"
#include "reports/summary.hpp"
#include "reports/wording.hpp"

namespace preflight {

namespace {

using ordered = nlohmann::ordered_json;

constexpr size_t kMaxIdsInTextCell = 5;

std::string plural(int n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

std::string counts_text(const ReadinessCounts& counts) {
    return std::to_string(counts.ready) + " ready, " + std::to_string(counts.not_ready) + " not ready, " +
           std::to_string(counts.unknown) + " unknown";
}

std::string fleet_line(const FleetSummary& summary) {
    return plural(summary.counts.total(), "report", "reports") + ", " +
           plural(static_cast<int>(summary.packs.size()), "pack", "packs") + ": " + counts_text(summary.counts) +
           " (exit " + std::to_string(summary.exit_code) + ")";
}

std::string verdict_cell(const SummaryRow& row) {
    return row.doubt.empty() ? row.verdict : row.verdict + " (unknown: " + row.doubt + ")";
}

std::string joined(const std::vector<std::string>& ids, size_t limit) {
    std::string out;
    for (size_t i = 0; i < ids.size() && i < limit; ++i) out += (i ? ", " : "") + ids[i];
    if (ids.size() > limit) out += " +" + std::to_string(ids.size() - limit) + " more";
    return out;
}

// One line of a terminal table: nothing that could drive the terminal or break the line.
std::string cell(std::string_view text) {
    std::string line = wording::printable(text);
    std::replace_if(line.begin(), line.end(), [](char c) { return c == '\n' || c == '\t' || c == '\r'; }, ' ');
    return line.empty() ? "-" : line;
}

std::string text_summary(const FleetSummary& summary) {
    std::string out;
    for (const auto& pack : summary.packs) {
        out += cell(pack.pack) + ": " + plural(pack.counts.total(), "report", "reports") + ": " +
               counts_text(pack.counts) + "\n";
        std::vector<std::vector<std::string>> table = {{"HOST", "VERDICT", "FAILING", "ERRORING", "STARTED_UTC"}};
        for (const auto& row : pack.rows) {
            table.push_back({cell(row.host), cell(verdict_cell(row)), cell(joined(row.failing, kMaxIdsInTextCell)),
                             cell(joined(row.erroring, kMaxIdsInTextCell)), cell(row.started_utc)});
        }
        std::vector<size_t> widths(table[0].size(), 0);
        for (const auto& line : table)
            for (size_t c = 0; c < line.size(); ++c) widths[c] = std::max(widths[c], line[c].size());
        for (const auto& line : table) {
            std::string text = " ";
            for (size_t c = 0; c < line.size(); ++c) {
                text += " " + line[c];
                if (c + 1 < line.size()) text += std::string(widths[c] - line[c].size() + 1, ' ');
            }
            out += text + "\n";
        }
        out += "\n";
    }
    return out + fleet_line(summary) + "\n";
}

std::string markdown_summary(const FleetSummary& summary) {
    std::string out = "# preflight fleet summary\n\n" + markdown_escaped(fleet_line(summary)) + "\n";
    for (const auto& pack : summary.packs) {
        out += "\n## Pack " + markdown_escaped(pack.pack) + "\n\n" +
               markdown_escaped(plural(pack.counts.total(), "report", "reports") + ": " + counts_text(pack.counts)) +
               "\n\n| Host | Verdict | Failing checks | Erroring checks | Started (UTC) |\n|---|---|---|---|---|\n";
        for (const auto& row : pack.rows) {
            out += "| " + markdown_escaped(row.host) + " | " + markdown_escaped(verdict_cell(row)) + " | " +
                   markdown_escaped(joined(row.failing, row.failing.size())) + " | " +
                   markdown_escaped(joined(row.erroring, row.erroring.size())) + " | " +
                   markdown_escaped(row.started_utc) + " |\n";
        }
    }
    return out;
}

ordered counts_json(const ReadinessCounts& counts) {
    return ordered{{"reports", counts.total()},
                   {"ready", counts.ready},
                   {"not_ready", counts.not_ready},
                   {"unknown", counts.unknown}};
}

std::string json_summary(const FleetSummary& summary) {
    ordered packs = ordered::array();
    for (const auto& pack : summary.packs) {
        ordered rows = ordered::array();
        for (const auto& row : pack.rows) {
            rows.push_back(ordered{{"file", row.source},
                                   {"host", row.host},
                                   {"verdict", row.verdict},
                                   {"readiness", to_string(row.readiness)},
                                   {"doubt", row.doubt.empty() ? ordered() : ordered(row.doubt)},
                                   {"incomplete", row.incomplete},
                                   {"started_utc", row.started_utc},
                                   {"failing", row.failing},
                                   {"erroring", row.erroring}});
        }
        packs.push_back(ordered{{"pack", pack.pack}, {"counts", counts_json(pack.counts)}, {"reports", rows}});
    }
    const ordered document{{"schema", kSummarySchema},
                           {"exit_code", summary.exit_code},
                           {"counts", counts_json(summary.counts)},
                           {"packs", packs}};
    return document.dump(2, ' ', false, ordered::error_handler_t::replace) + "\n";
}

}  // namespace

std::optional<SummaryFormat> summary_format_from_name(const std::string& name) {
    if (name == "text") return SummaryFormat::text;
    if (name == "markdown") return SummaryFormat::markdown;
    if (name == "json") return SummaryFormat::json;
    return std::nullopt;
}

std::optional<SummaryFormat> summary_format_from_path(const std::string& path) {
    std::string extension = std::filesystem::path(path).extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (extension == ".txt") return SummaryFormat::text;
    if (extension == ".md") return SummaryFormat::markdown;
    if (extension == ".json") return SummaryFormat::json;
    return std::nullopt;
}

std::string render_summary(SummaryFormat format, const FleetSummary& summary) {
    switch (format) {
        case SummaryFormat::text: return text_summary(summary);
        case SummaryFormat::markdown: return markdown_summary(summary);
        case SummaryFormat::json: return json_summary(summary);
    }
    return text_summary(summary);
}

}  // namespace preflight
