// Text and JSON forms of a ReportDiff.
#include <sstream>

#include "reports/diff.hpp"
#include "reports/wording.hpp"

namespace preflight {

namespace {

using ordered = nlohmann::ordered_json;

std::string line_text(std::string_view text) {
    std::string line = wording::printable(wording::first_line(text));
    for (char& c : line) {
        if (c == '\t') c = ' ';
    }
    return line;
}

// Observed values as one unambiguous line: JSON, strings quoted.
std::string observed_text(const nlohmann::json& value) {
    if (value.is_null()) return "(nothing)";
    return wording::printable(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string name(const std::string& id, const std::string& title) {
    return line_text(id) + (title.empty() ? "" : " \xE2\x80\x94 " + line_text(title));
}

template <typename Item, typename Describe>
void section(std::ostringstream& out, const char* heading, const std::vector<Item>& items, Describe describe) {
    if (items.empty()) return;
    out << '\n' << heading << " (" << items.size() << "):\n";
    for (const auto& item : items) out << "  " << describe(item) << '\n';
}

std::string change_line(const StatusChange& change) {
    std::string line = std::string(wording::status_label(change.new_status)) + " " +
                       name(change.id, change.title) + " (was " +
                       std::string(wording::status_label(change.old_status)) + ")";
    if (!change.message.empty()) line += ": " + line_text(change.message);
    return line;
}

std::string presence_line(const CheckPresence& check) {
    std::string line = std::string(wording::status_label(check.status)) + " " + name(check.id, check.title);
    if (!check.message.empty()) line += ": " + line_text(check.message);
    return line;
}

ordered change_json(const StatusChange& change) {
    return ordered{{"id", change.id},
                   {"title", change.title},
                   {"old_status", to_string(change.old_status)},
                   {"new_status", to_string(change.new_status)},
                   {"message", change.message}};
}

ordered presence_json(const CheckPresence& check) {
    return ordered{{"id", check.id}, {"title", check.title}, {"status", to_string(check.status)},
                   {"message", check.message}};
}

template <typename Item, typename ToJson>
ordered list_json(const std::vector<Item>& items, ToJson to_json) {
    ordered list = ordered::array();
    for (const auto& item : items) list.push_back(to_json(item));
    return list;
}

size_t regressions(const ReportDiff& diff) {
    size_t count = diff.newly_failing.size();
    for (const auto& check : diff.added) count += check.status == Status::fail ? 1 : 0;
    return count;
}

}  // namespace

std::string render_diff_text(const ReportDiff& diff) {
    std::ostringstream out;
    out << "preflight diff \xC2\xB7 pack " << line_text(diff.pack) << '\n'
        << "old: " << line_text(diff.old_started_utc) << ' ' << line_text(diff.old_verdict) << '\n'
        << "new: " << line_text(diff.new_started_utc) << ' ' << line_text(diff.new_verdict) << '\n';
    section(out, "Newly failing", diff.newly_failing, change_line);
    section(out, "Newly passing", diff.newly_passing, change_line);
    section(out, "Status changed", diff.status_changed, change_line);
    section(out, "Drift of observed values", diff.drift, [](const ObservedDrift& drift) {
        return name(drift.id, drift.title) + ": " + observed_text(drift.old_observed) + " \xE2\x86\x92 " +
               observed_text(drift.new_observed);
    });
    section(out, "Added checks", diff.added, presence_line);
    section(out, "Removed checks", diff.removed, presence_line);
    if (diff.unchanged()) out << "\nNo changes: the same checks, with the same statuses and observed values.\n";
    const size_t count = regressions(diff);
    if (count > 0) {
        out << "\nRegression: " << count << (count == 1 ? " check fails that did not" : " checks fail that did not")
            << " fail before (exit 1)\n";
    } else {
        out << "\nNo regression: no check fails that did not fail before (exit 0)\n";
    }
    return out.str();
}

std::string render_diff_json(const ReportDiff& diff) {
    const ordered document{
        {"schema", "preflight.diff/v1"},
        {"pack", diff.pack},
        {"old", ordered{{"started_utc", diff.old_started_utc}, {"verdict", diff.old_verdict}}},
        {"new", ordered{{"started_utc", diff.new_started_utc}, {"verdict", diff.new_verdict}}},
        {"regression", diff.regression},
        {"newly_failing", list_json(diff.newly_failing, change_json)},
        {"newly_passing", list_json(diff.newly_passing, change_json)},
        {"status_changed", list_json(diff.status_changed, change_json)},
        {"drift", list_json(diff.drift, [](const ObservedDrift& drift) {
             return ordered{{"id", drift.id}, {"title", drift.title},
                            {"old_observed", ordered(drift.old_observed)},
                            {"new_observed", ordered(drift.new_observed)}};
         })},
        {"added", list_json(diff.added, presence_json)},
        {"removed", list_json(diff.removed, presence_json)}};
    return document.dump(2, ' ', false, ordered::error_handler_t::replace) + "\n";
}

}  // namespace preflight
