#include "reports/json.hpp"

#include <set>

#include "reports/renderers.hpp"
#include "reports/wording.hpp"

namespace preflight {

namespace {

using ordered = nlohmann::ordered_json;

ordered check_json(const CheckResult& check) {
    return ordered{{"id", check.id},
                   {"title", check.title},
                   {"kind", check.kind},
                   {"severity", to_string(check.severity)},
                   {"status", to_string(check.status)},
                   {"message", check.message},
                   {"observed", ordered(check.observed)},
                   {"expected", ordered(check.expected)},
                   {"remedy", check.remedy},
                   {"why", check.why},
                   {"duration_ms", check.duration_ms}};
}

ordered report_json(const Report& report) {
    ordered sources = ordered::array();
    for (const auto& source : report.sources) {
        sources.push_back(ordered{{"path", source.path}, {"sha256", source.sha256}});
    }
    ordered checks = ordered::array();
    for (const auto& check : report.checks) checks.push_back(check_json(check));
    ordered connections = ordered::array();
    for (const auto& connection : report.connections)
        connections.push_back(ordered{{"name", connection.name}, {"target", connection.target}});
    return ordered{
        {"schema", kReportSchema},
        {"tool", ordered{{"name", report.tool}, {"version", report.tool_version}}},
        {"pack", ordered{{"name", report.pack_name}, {"title", report.pack_title}, {"sources", sources}}},
        {"inputs", ordered{{"env_files", report.env_files}, {"connections", connections}}},
        {"host", report.host},
        {"user", report.user},
        {"command_line", report.command_line},
        {"started_utc", report.started_utc},
        {"duration_ms", report.duration_ms},
        {"verdict", report.verdict},
        {"exit_code", report.exit_code},
        {"incomplete", report.incomplete},
        {"summary", ordered{{"pass", report.summary.pass},
                            {"fail", report.summary.fail},
                            {"error", report.summary.error},
                            {"skip", report.summary.skip}}},
        {"checks", checks},
        {"redaction", ordered{{"policy", wording::kRedactionPolicy},
                              {"values_redacted", report.values_redacted}}}};
}

// Reads members of one object, remembering the first problem with its path.
class Reader {
public:
    Reader(const nlohmann::json& object, std::string path, std::string& error)
        : object_(object), path_(std::move(path)), error_(error) {
        if (!object_.is_object()) fail(path_.empty() ? "not a JSON object" : path_ + ": expected an object");
    }

    const nlohmann::json* member(const char* name, bool required) {
        if (!error_.empty()) return nullptr;
        const auto found = object_.find(name);
        if (found == object_.end() || found->is_null()) {
            if (required) fail("missing \"" + where(name) + "\"");
            return nullptr;
        }
        return &*found;
    }

    void text(const char* name, std::string& into, bool required = false) {
        if (const auto* value = member(name, required)) {
            if (value->is_string()) into = value->get<std::string>();
            else fail(where(name) + ": expected a string");
        }
    }

    template <typename Integer>
    void integer(const char* name, Integer& into) {
        if (const auto* value = member(name, false)) {
            if (value->is_number_integer()) into = value->get<Integer>();
            else fail(where(name) + ": expected an integer");
        }
    }

    void boolean(const char* name, bool& into) {
        if (const auto* value = member(name, false)) {
            if (value->is_boolean()) into = value->get<bool>();
            else fail(where(name) + ": expected true or false");
        }
    }

    /// The raw JSON value of `name` (null when absent).
    nlohmann::json any(const char* name) {
        const auto* value = member(name, false);
        return value ? *value : nlohmann::json();
    }

    std::string where(const char* name) const { return path_.empty() ? name : path_ + "." + name; }
    void fail(const std::string& message) {
        if (error_.empty()) error_ = message;
    }

private:
    const nlohmann::json& object_;
    std::string path_;
    std::string& error_;
};

template <typename Enum, size_t N>
void read_enum(Reader& reader, const char* name, Enum& into, const Enum (&values)[N],
               const char* choices) {
    std::string text;
    reader.text(name, text, true);
    if (text.empty()) return;
    for (const Enum value : values) {
        if (to_string(value) == text) {
            into = value;
            return;
        }
    }
    reader.fail(reader.where(name) + ": expected one of " + choices);
}

CheckResult read_check(const nlohmann::json& object, const std::string& path, std::string& error) {
    static constexpr Status kStatuses[] = {Status::pass, Status::fail, Status::error, Status::skip};
    static constexpr Severity kSeverities[] = {Severity::critical, Severity::warning, Severity::info};
    CheckResult check;
    Reader reader(object, path, error);
    reader.text("id", check.id, true);
    reader.text("title", check.title);
    reader.text("kind", check.kind);
    read_enum(reader, "status", check.status, kStatuses, "pass, fail, error, skip");
    if (reader.member("severity", false)) {
        read_enum(reader, "severity", check.severity, kSeverities, "critical, warning, info");
    }
    reader.text("message", check.message);
    check.observed = reader.any("observed");
    check.expected = reader.any("expected");
    reader.text("remedy", check.remedy);
    reader.text("why", check.why);
    reader.integer("duration_ms", check.duration_ms);
    return check;
}

}  // namespace

std::string render_json(const RedactedReport& redacted) {
    return report_json(redacted.report()).dump(2, ' ', false, ordered::error_handler_t::replace) + "\n";
}

Report report_from_json(const nlohmann::json& document, std::string& error) {
    error.clear();
    Report report;
    Reader top(document, "", error);
    std::string schema;
    top.text("schema", schema, true);
    if (error.empty() && schema != kReportSchema) {
        error = "unsupported report schema \"" + schema + "\" (this preflight reads " +
                std::string(kReportSchema) + ")";
    }
    if (const auto* tool = top.member("tool", false)) {
        Reader reader(*tool, "tool", error);
        reader.text("name", report.tool);
        reader.text("version", report.tool_version);
    }
    if (const auto* pack = top.member("pack", true)) {
        Reader reader(*pack, "pack", error);
        reader.text("name", report.pack_name, true);
        reader.text("title", report.pack_title);
        if (const auto* sources = reader.member("sources", false)) {
            if (!sources->is_array()) reader.fail("pack.sources: expected an array");
            for (size_t i = 0; error.empty() && sources->is_array() && i < sources->size(); ++i) {
                Reader source_reader((*sources)[i], "pack.sources[" + std::to_string(i) + "]", error);
                RuleSource source;
                source_reader.text("path", source.path);
                source_reader.text("sha256", source.sha256);
                report.sources.push_back(std::move(source));
            }
        }
    }
    // Optional: reports written before it was added have no "inputs".
    if (const auto* inputs = top.member("inputs", false)) {
        Reader reader(*inputs, "inputs", error);
        if (const auto* files = reader.member("env_files", false)) {
            if (!files->is_array()) reader.fail("inputs.env_files: expected an array");
            for (size_t i = 0; error.empty() && files->is_array() && i < files->size(); ++i) {
                if ((*files)[i].is_string()) report.env_files.push_back((*files)[i].get<std::string>());
                else reader.fail("inputs.env_files[" + std::to_string(i) + "]: expected a string");
            }
        }
        if (const auto* connections = reader.member("connections", false)) {
            if (!connections->is_array()) reader.fail("inputs.connections: expected an array");
            for (size_t i = 0; error.empty() && connections->is_array() && i < connections->size(); ++i) {
                Reader item((*connections)[i], "inputs.connections[" + std::to_string(i) + "]", error);
                ConnectionTarget connection;
                item.text("name", connection.name);
                item.text("target", connection.target);
                report.connections.push_back(std::move(connection));
            }
        }
    }
    top.text("host", report.host);
    top.text("user", report.user);
    top.text("command_line", report.command_line);
    top.text("started_utc", report.started_utc);
    top.integer("duration_ms", report.duration_ms);
    top.text("verdict", report.verdict);
    top.integer("exit_code", report.exit_code);
    top.boolean("incomplete", report.incomplete);
    if (const auto* summary = top.member("summary", false)) {
        Reader reader(*summary, "summary", error);
        reader.integer("pass", report.summary.pass);
        reader.integer("fail", report.summary.fail);
        reader.integer("error", report.summary.error);
        reader.integer("skip", report.summary.skip);
    }
    if (const auto* checks = top.member("checks", true)) {
        if (!checks->is_array()) top.fail("checks: expected an array");
        std::set<std::string> ids;
        for (size_t i = 0; error.empty() && checks->is_array() && i < checks->size(); ++i) {
            const std::string path = "checks[" + std::to_string(i) + "]";
            report.checks.push_back(read_check((*checks)[i], path, error));
            if (error.empty() && !ids.insert(report.checks.back().id).second) {
                error = path + ".id: duplicate id \"" + report.checks.back().id + "\"";
            }
        }
    }
    if (const auto* redaction = top.member("redaction", false)) {
        Reader reader(*redaction, "redaction", error);
        reader.integer("values_redacted", report.values_redacted);
    }
    if (!error.empty()) return Report{};
    return report;
}

}  // namespace preflight
