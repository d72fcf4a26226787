#include "src/field_reader.hpp"

#include <regex>
#include <sstream>

namespace preflight {

namespace {

bool is_plain_bool(const YamlNode& node, bool& value) {
    if (!node.is_scalar() || !node.plain) return false;
    const std::string& v = node.value;
    if (v == "true" || v == "True" || v == "TRUE") return value = true, true;
    if (v == "false" || v == "False" || v == "FALSE") return value = false, true;
    return false;
}

bool is_plain_integer(const YamlNode& node, long long& value) {
    static const std::regex integer("[-+]?[0-9]+");
    if (!node.is_scalar() || !node.plain || !std::regex_match(node.value, integer)) return false;
    try {
        value = std::stoll(node.value);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

bool is_plain_float(const YamlNode& node, double& value) {
    static const std::regex number("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    if (!node.is_scalar() || !node.plain || !std::regex_match(node.value, number)) return false;
    try {
        value = std::stod(node.value);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

std::string expected(const std::string& field, const std::string& what, const YamlNode& node) {
    std::string got = node.describe();
    if (node.is_scalar() && !node.is_null()) got = "'" + node.value + "'";
    return "'" + field + "' must be " + what + ", got " + got;
}

// `text` as a YAML double-quoted string.
std::string double_quoted(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') out += "\\n";
        else out += c;
    }
    return out + "\"";
}

// A string where a list is expected: the list form to write instead, both readings when the
// text has spaces (`run: "uname -a"` is most likely argv, `contains: "a b"` one pattern).
std::string list_given_a_string(const std::string& field, const std::string& text) {
    std::vector<std::string> words;
    std::istringstream split(text);
    for (std::string word; split >> word;) words.push_back(word);
    const std::string start = "'" + field + "' must be a list of strings, got '" + text + "': write ";
    const std::string whole = field + ": [" + double_quoted(text) + "]";
    if (words.size() < 2) return start + whole;
    std::string each = field + ": [";
    for (size_t i = 0; i < words.size(); ++i) each += (i ? ", " : "") + double_quoted(words[i]);
    return start + each + "] (or " + whole + " for one item)";
}

}  // namespace

std::optional<double> parse_duration(const std::string& text) {
    static const std::regex form("([0-9]+(\\.[0-9]+)?)(ms|s|m|h)?");
    std::smatch m;
    if (!std::regex_match(text, m, form)) return std::nullopt;
    double value = 0;
    try {
        value = std::stod(m[1].str());
    } catch (const std::exception&) {  // out of range: hundreds of digits
        return std::nullopt;
    }
    std::string unit = m[3].str();
    if (unit == "ms") value /= 1000.0;
    if (unit == "m") value *= 60.0;
    if (unit == "h") value *= 3600.0;
    // Bounded so that deadlines computed from it neither overflow nor round to zero.
    if (!(value >= kMinDurationSeconds && value <= kMaxDurationSeconds)) return std::nullopt;
    return value;
}

std::optional<std::string> read_string(const std::string& field, const YamlNode& node, Diagnostics& diagnostics) {
    if (!node.is_scalar() || node.is_null()) {
        diagnostics.error(node.where, expected(field, "a string", node));
        return std::nullopt;
    }
    return node.value;
}

std::optional<Template> read_template(const std::string& field, const YamlNode& node, Diagnostics& diagnostics) {
    auto text = read_string(field, node, diagnostics);
    if (!text) return std::nullopt;
    std::string error;
    auto parsed = Template::parse(*text, error);
    if (!parsed) diagnostics.error(node.where, "'" + field + "': " + error);
    return parsed;
}

nlohmann::json yaml_to_json(const YamlNode& node) {
    switch (node.type) {
        case YamlNode::Type::null: return nullptr;
        case YamlNode::Type::scalar: {
            if (!node.plain) return node.value;
            if (node.is_null()) return nullptr;
            bool b;
            long long i;
            double d;
            if (is_plain_bool(node, b)) return b;
            if (is_plain_integer(node, i)) return i;
            if (is_plain_float(node, d)) return d;
            return node.value;
        }
        case YamlNode::Type::sequence: {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& item : node.items) out.push_back(yaml_to_json(item));
            return out;
        }
        case YamlNode::Type::mapping: {
            nlohmann::json out = nlohmann::json::object();
            for (const auto& [key, value] : node.entries) out[key.value] = yaml_to_json(value);
            return out;
        }
    }
    return nullptr;
}

std::optional<FieldValue> read_field(const FieldSpec& spec, const YamlNode& node, Diagnostics& diagnostics) {
    const std::string& field = spec.name;
    switch (spec.type) {
        case FieldType::text: {
            auto t = read_template(field, node, diagnostics);
            if (!t) return std::nullopt;
            return FieldValue{*t};
        }
        case FieldType::integer: {
            long long value;
            if (is_plain_integer(node, value)) return FieldValue{value};
            if (node.is_scalar() && node.value.find("${") != std::string::npos) {
                // Resolved at run time; the kind parses the result.
                auto t = read_template(field, node, diagnostics);
                if (!t) return std::nullopt;
                return FieldValue{*t};
            }
            diagnostics.error(node.where, expected(field, "an integer", node));
            return std::nullopt;
        }
        case FieldType::boolean: {
            bool value;
            if (is_plain_bool(node, value)) return FieldValue{value};
            diagnostics.error(node.where, expected(field, "true or false", node));
            return std::nullopt;
        }
        case FieldType::text_list: {
            std::vector<Template> list;
            if (node.is_scalar() && !node.is_null()) {
                diagnostics.error(node.where, list_given_a_string(field, node.value));
                return std::nullopt;
            }
            if (node.type != YamlNode::Type::sequence) {
                diagnostics.error(node.where, expected(field, "a list of strings", node));
                return std::nullopt;
            }
            bool ok = true;
            for (const auto& item : node.items) {
                auto t = read_template(field, item, diagnostics);
                if (t) list.push_back(*t);
                ok = ok && t.has_value();
            }
            if (!ok) return std::nullopt;
            return FieldValue{list};
        }
        case FieldType::duration: {
            std::optional<double> seconds;
            if (node.is_scalar() && !node.is_null()) seconds = parse_duration(node.value);
            if (seconds) return FieldValue{*seconds};
            diagnostics.error(node.where, expected(field, "a duration from 1ms to 24h such as 10, 2.5s, 500ms or 2m", node));
            return std::nullopt;
        }
        case FieldType::choice: {
            auto text = read_string(field, node, diagnostics);
            if (!text) return std::nullopt;
            for (const auto& choice : spec.choices)
                if (choice == *text) return FieldValue{Template::literal(*text)};
            std::string list;
            for (const auto& choice : spec.choices) list += (list.empty() ? "" : ", ") + choice;
            diagnostics.error(node.where, "'" + field + "' must be one of " + list + ", got '" + *text + "'" +
                                              did_you_mean(*text, spec.choices));
            return std::nullopt;
        }
        case FieldType::text_map: {
            if (node.type != YamlNode::Type::mapping) {
                diagnostics.error(node.where, expected(field, "a mapping of names to strings", node));
                return std::nullopt;
            }
            std::map<std::string, Template> map;
            bool ok = true;
            for (const auto& [key, value] : node.entries) {
                auto t = read_template(field + "." + key.value, value, diagnostics);
                if (t) map[key.value] = *t;
                ok = ok && t.has_value();
            }
            if (!ok) return std::nullopt;
            return FieldValue{map};
        }
        case FieldType::value_map: {
            if (node.type != YamlNode::Type::mapping) {
                diagnostics.error(node.where, expected(field, "a mapping", node));
                return std::nullopt;
            }
            return FieldValue{yaml_to_json(node)};
        }
    }
    return std::nullopt;
}

}  // namespace preflight
