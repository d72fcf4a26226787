#include "src/kind_reference.hpp"

#include <cctype>
#include <sstream>

#include "checks/registry.hpp"

namespace preflight {

namespace {

std::string type_text(const FieldSpec& field) {
    if (field.type != FieldType::choice) return type_name(field.type);
    std::string out;
    for (const auto& c : field.choices) out += (out.empty() ? "" : "|") + c;
    return out;
}

void describe_fields(std::ostringstream& out, const std::vector<FieldSpec>& fields) {
    size_t name_width = 0, type_width = 0;
    for (const auto& f : fields) {
        name_width = std::max(name_width, f.name.size());
        type_width = std::max(type_width, type_text(f).size());
    }
    for (const auto& f : fields) {
        std::string name = f.name, type = type_text(f);
        out << "    " << name << std::string(name_width - name.size() + 2, ' ') << type
            << std::string(type_width - type.size() + 2, ' ')
            << (f.required ? "required" : "optional") << "  " << f.doc;
        if (!f.default_value.empty()) out << " (default: " << f.default_value << ")";
        out << "\n";
    }
}

std::string markdown_cell(std::string text) {
    std::string out;
    for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out;
}

// The item of a list field whose items are names from a fixed set (`choices`), which the loader
// matches case-insensitively: the enum for editors, and a pattern that also accepts other cases.
nlohmann::json list_item_choices(const FieldSpec& f) {
    std::string alternatives;
    for (const auto& choice : f.choices) {
        alternatives += alternatives.empty() ? "" : "|";
        for (char c : choice) {
            const char upper = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            alternatives += upper == lower ? std::string(1, c) : std::string{'[', upper, lower, ']'};
        }
    }
    return {{"type", "string"},
            {"anyOf", nlohmann::json::array({{{"enum", f.choices}}, {{"pattern", "^(" + alternatives + ")$"}}})}};
}

nlohmann::json field_schema(const FieldSpec& f) {
    nlohmann::json s;
    switch (f.type) {
        case FieldType::text: s = {{"type", "string"}}; break;
        case FieldType::integer: {
            nlohmann::json reference = {{"type", "string"}, {"pattern", "\\$\\{(var|env)\\."}};
            s = {{"oneOf", nlohmann::json::array({{{"type", "integer"}}, reference})}};
            break;
        }
        case FieldType::boolean: s = {{"type", "boolean"}}; break;
        case FieldType::text_list:
            s = {{"type", "array"}, {"items", f.choices.empty() ? nlohmann::json{{"type", "string"}} : list_item_choices(f)}};
            break;
        case FieldType::duration:
            s = {{"oneOf", {{{"type", "number"}, {"exclusiveMinimum", 0}},
                            {{"type", "string"}, {"pattern", "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)?$"}}}}};
            break;
        case FieldType::choice: s = {{"type", "string"}, {"enum", f.choices}}; break;
        case FieldType::text_map:
            s = {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}};
            break;
        case FieldType::value_map: s = {{"type", "object"}}; break;
    }
    s["description"] = f.doc;
    return s;
}

}  // namespace

std::optional<std::string> kinds_reference(const std::string& kind) {
    std::ostringstream out;
    if (kind.empty()) {
        out << "Fields every check has:\n";
        describe_fields(out, common_fields());
        out << "\n";
    }
    bool found = false;
    for (const auto& k : all_kinds()) {
        if (!kind.empty() && k.name != kind) continue;
        found = true;
        out << k.name << " — " << k.summary << "\n";
        describe_fields(out, k.fields);
        out << "\n";
    }
    if (!found && !kind.empty()) return std::nullopt;
    return out.str();
}

std::string kinds_reference_markdown() {
    std::ostringstream out;
    auto table = [&](const std::vector<FieldSpec>& fields) {
        out << "| field | type | required | default | meaning |\n|---|---|---|---|---|\n";
        for (const auto& f : fields)
            out << "| `" << f.name << "` | " << markdown_cell(type_text(f)) << " | " << (f.required ? "yes" : "no")
                << " | " << markdown_cell(f.default_value) << " | " << markdown_cell(f.doc) << " |\n";
    };
    out << "#### Fields every check has\n\n";
    table(common_fields());
    for (const auto& k : all_kinds()) {
        out << "\n#### `" << k.name << "`\n\n" << k.summary << "\n\n";
        table(k.fields);
    }
    return out.str();
}

nlohmann::json rule_language_schema() {
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& k : all_kinds()) {
        nlohmann::json properties = nlohmann::json::object();
        nlohmann::json required = {"id", "kind"};
        for (const auto& f : common_fields()) properties[f.name] = field_schema(f);
        properties["kind"] = {{"const", k.name}, {"description", k.summary}};
        for (const auto& f : k.fields) {
            properties[f.name] = field_schema(f);
            if (f.required) required.push_back(f.name);
        }
        checks.push_back({{"type", "object"},
                          {"properties", properties},
                          {"required", required},
                          {"additionalProperties", false}});
    }
    nlohmann::json name_pattern = {{"type", "string"}, {"pattern", "^[a-z0-9][a-z0-9._-]*$"}};
    return {
        {"$schema", "http://json-schema.org/draft-07/schema#"},
        {"$id", "https://preflight.invalid/schema/rules-v1.json"},
        {"title", "preflight rule pack (language version 1)"},
        {"type", "object"},
        {"additionalProperties", false},
        {"required", {"preflight", "pack", "checks"}},
        {"properties",
         {{"preflight", {{"const", 1}, {"description", "rule language version"}}},
          {"pack", name_pattern},
          {"title", {{"type", "string"}}},
          {"vars", {{"type", "object"}, {"additionalProperties", {{"type", {"string", "number", "boolean", "null"}}}}}},
          {"env_files", {{"type", "array"}, {"items", {{"type", "string"}}}}},
          {"secrets", {{"type", "array"}, {"items", {{"type", "string"}}}}},
          {"connections",
           {{"type", "object"},
            {"additionalProperties",
             {{"type", "object"},
              {"additionalProperties", false},
              {"required", {"postgres"}},
              {"properties", {{"postgres", {{"type", "string"}}}, {"password", {{"type", "string"}}}}}}}}},
          {"checks", {{"type", "array"}, {"minItems", 1}, {"items", {{"oneOf", checks}}}}}}},
    };
}

}  // namespace preflight
