#include "checks/config_drift.hpp"

#include <cctype>

#include "src/config_document.hpp"
#include "src/host/files.hpp"

namespace preflight {

std::optional<std::vector<std::string>> parse_json_pointer(const std::string& pointer) {
    std::vector<std::string> tokens;
    if (pointer.empty()) return tokens;
    if (pointer.front() != '/') return std::nullopt;
    for (std::size_t i = 1;; ++i) {
        std::string token;
        for (; i < pointer.size() && pointer[i] != '/'; ++i) {
            if (pointer[i] != '~') {
                token += pointer[i];
                continue;
            }
            if (i + 1 >= pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1'))
                return std::nullopt;
            token += pointer[++i] == '0' ? '~' : '/';
        }
        tokens.push_back(std::move(token));
        if (i >= pointer.size()) return tokens;
    }
}

const nlohmann::json* find_by_pointer(const nlohmann::json& document,
                                      const std::vector<std::string>& tokens) {
    const nlohmann::json* node = &document;
    for (const auto& token : tokens) {
        if (node->is_object()) {
            auto it = node->find(token);
            if (it == node->end()) return nullptr;
            node = &*it;
        } else if (node->is_array()) {
            // RFC 6901: decimal digits, no leading zero.
            if (token.empty() || token.size() > 18 || (token.size() > 1 && token[0] == '0'))
                return nullptr;
            for (char c : token)
                if (!std::isdigit(static_cast<unsigned char>(c))) return nullptr;
            auto index = std::stoull(token);
            if (index >= node->size()) return nullptr;
            node = &(*node)[index];
        } else {
            return nullptr;
        }
    }
    return node;
}

namespace {

const char* const kMissing = "<missing>";

std::string count_of(std::size_t n) {
    return std::to_string(n) + (n == 1 ? " field" : " fields");
}

std::string bad_pointer_message(const std::string& key) {
    return "expect key '" + key + "' is not a JSON Pointer: write '/' before each key or " +
           "index, e.g. '/database/port', and '~1' for a '/' and '~0' for a '~' inside a key";
}

}  // namespace

Outcome judge_drift(const nlohmann::json& document, const nlohmann::json& expect) {
    if (!expect.is_object()) return Outcome::error("expect must be a mapping of JSON Pointers to values");
    nlohmann::json observed = nlohmann::json::object();
    std::vector<std::string> drifted;
    for (const auto& [pointer, expected] : expect.items()) {
        auto tokens = parse_json_pointer(pointer);
        if (!tokens) return Outcome::error(bad_pointer_message(pointer));
        const nlohmann::json* actual = find_by_pointer(document, *tokens);
        observed[pointer] = actual ? *actual : nlohmann::json(kMissing);
        if (!actual || *actual != expected) drifted.push_back(pointer);
    }
    if (drifted.empty()) {
        std::size_t n = expect.size();
        return Outcome::pass(count_of(n) + (n == 1 ? " matches" : " match"), observed);
    }
    std::string list;
    for (const auto& pointer : drifted) list += (list.empty() ? "" : ", ") + pointer;
    return Outcome::fail(count_of(drifted.size()) + " drifted: " + list, observed, expect);
}

namespace {

struct NoReferences : ReferenceResolver {
    std::optional<std::string> lookup(const Reference&) const override { return std::nullopt; }
};

std::string upper(std::string text) {
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

// A config file may hold credentials the pack never named: a value under a key that reads as
// secret (password, token, ...) is registered before it can reach a report.
void register_secret_looking(const RunContext& context, const nlohmann::json& value,
                             const std::string& key, const std::string& where, int depth = 0) {
    if (depth > kMaxDocumentDepth) return;
    if (value.is_object()) {
        for (const auto& [name, item] : value.items())
            register_secret_looking(context, item, name, where + "/" + name, depth + 1);
    } else if (value.is_array()) {
        for (const auto& item : value) register_secret_looking(context, item, key, where, depth + 1);
    } else if (!key.empty() && !value.is_null() && context.is_secret_name(upper(key))) {
        context.add_secret(value.is_string() ? value.get<std::string>() : value.dump(), where);
    }
}

// Expected strings may name pack values: "${var.expected_commit}". Other types stay as written.
nlohmann::json resolve_expected(const nlohmann::json& value, const RunContext& context) {
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        if (text.find("${") == std::string::npos) return value;
        std::string error;
        auto parsed = Template::parse(text, error);
        return parsed ? nlohmann::json(context.resolve(*parsed)) : value;
    }
    if (value.is_structured()) {
        nlohmann::json out = value;
        for (auto& [key, item] : out.items()) item = resolve_expected(item, context);
        return out;
    }
    return value;
}

class ConfigDriftCheck : public Check {
public:
    Template path;
    std::optional<DocumentFormat> format;  // nullopt: from the extension
    nlohmann::json expect;

    Outcome run(const RunContext& context) const override {
        const nlohmann::json expect = resolve_expected(this->expect, context);
        std::string file = context.resolve(path);
        if (file.empty()) return Outcome::error("'path' resolved to an empty string");
        auto chosen = format ? format : format_from_extension(file);
        if (!chosen)
            return Outcome::error("cannot tell whether " + file + " is JSON or YAML from its "
                                  "name; set format: json or format: yaml");
        std::string error;
        auto facts = host::stat_path(file, true, error);
        if (!facts) return Outcome::error("cannot inspect " + file + ": " + error);
        if (!facts->exists)
            return Outcome::fail(file + " does not exist", {{"path", file}, {"exists", false}},
                                 expect);
        auto text = host::read_text_file(file, host::kMaxTextFileBytes, error);
        if (!text) return Outcome::error("cannot read " + file + ": " + error);
        auto document = parse_document(*text, *chosen, error);
        if (!document) return Outcome::error("cannot parse " + file + ": " + error);

        Outcome outcome = judge_drift(*document, expect);
        for (const auto& [pointer, value] : outcome.observed.items()) {
            auto tokens = parse_json_pointer(pointer).value_or(std::vector<std::string>{});
            register_secret_looking(context, value, tokens.empty() ? "" : tokens.back(),
                                    "config " + file + " " + pointer);
        }
        if (outcome.status == Status::fail) {
            std::string settings;
            for (const auto& [pointer, value] : expect.items())
                if (outcome.observed[pointer] != value)
                    settings += (settings.empty() ? "" : ", ") + pointer + " to " + value.dump();
            outcome.generated_remedy = "Edit " + file + " and set " + settings + ".";
        }
        return outcome;
    }
};

}  // namespace

KindSpec config_drift_kind() {
    KindSpec spec;
    spec.name = "config_drift";
    spec.summary = "fields of a JSON or YAML file (JSON Pointer) hold the expected values, "
                   "type-aware";
    spec.fields = {
        {"path", FieldType::text, true, "", "the JSON or YAML file to read (at most 1 MiB)", {}},
        {"format", FieldType::choice, false, "auto",
         "json, yaml, or auto: from the extension (.json, .yaml, .yml)", {"json", "yaml", "auto"}},
        {"expect", FieldType::value_map, true, "",
         "JSON Pointer -> expected value, e.g. {\"/database/port\": 5432}; \"5432\" is not 5432",
         {}},
    };
    spec.make = [](const KindInput& input) -> std::unique_ptr<Check> {
        const FieldValues& fields = input.fields;
        auto check = std::make_unique<ConfigDriftCheck>();
        bool ok = true;
        check->path = fields.text("path").value_or(Template{});
        std::string format = fields.choice("format").value_or("auto");
        if (format == "json") check->format = DocumentFormat::json;
        if (format == "yaml") check->format = DocumentFormat::yaml;
        if (!check->format && !check->path.has_references() &&
            !format_from_extension(check->path.resolve(NoReferences{}))) {
            input.diagnostics.error(fields.where("path"),
                                    "cannot tell whether '" + check->path.source() +
                                        "' is JSON or YAML from its name; set format: json or "
                                        "format: yaml");
            ok = false;
        }
        check->expect = fields.value_map("expect");
        if (!check->expect.is_object() || check->expect.empty()) {
            input.diagnostics.error(fields.where("expect"),
                                    "'expect' must map at least one JSON Pointer to its value, "
                                    "e.g. \"/database/port\": 5432");
            ok = false;
        } else {
            for (const auto& [pointer, value] : check->expect.items()) {
                std::string error;
                if (value.is_string() && !Template::parse(value.get<std::string>(), error)) {
                    input.diagnostics.error(fields.where("expect"), "expect " + pointer + ": " + error);
                    ok = false;
                }
                if (parse_json_pointer(pointer)) continue;
                input.diagnostics.error(fields.where("expect"), bad_pointer_message(pointer));
                ok = false;
            }
        }
        if (!ok) return nullptr;
        return check;
    };
    return spec;
}

}  // namespace preflight
