#include "src/fields.hpp"

namespace preflight {

std::string type_name(FieldType type) {
    switch (type) {
        case FieldType::text: return "string";
        case FieldType::integer: return "integer";
        case FieldType::boolean: return "boolean";
        case FieldType::text_list: return "list of strings";
        case FieldType::duration: return "duration";
        case FieldType::choice: return "choice";
        case FieldType::text_map: return "map of strings";
        case FieldType::value_map: return "map of values";
    }
    return "string";
}

void FieldValues::set(const std::string& name, FieldValue value, SourceLocation where) {
    values_[name] = {std::move(value), std::move(where)};
}

SourceLocation FieldValues::where(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? check_location : it->second.second;
}

namespace {
template <typename T, typename Map>
const T* get(const Map& values, const std::string& name) {
    auto it = values.find(name);
    if (it == values.end()) return nullptr;
    return std::get_if<T>(&it->second.first);
}
}  // namespace

std::optional<Template> FieldValues::text(const std::string& name) const {
    if (auto* v = get<Template>(values_, name)) return *v;
    return std::nullopt;
}

std::optional<long long> FieldValues::integer(const std::string& name) const {
    if (auto* v = get<long long>(values_, name)) return *v;
    return std::nullopt;
}

std::optional<Template> FieldValues::integer_text(const std::string& name) const {
    if (auto* v = get<long long>(values_, name)) return Template::literal(std::to_string(*v));
    if (auto* v = get<Template>(values_, name)) return *v;
    return std::nullopt;
}

std::optional<bool> FieldValues::boolean(const std::string& name) const {
    if (auto* v = get<bool>(values_, name)) return *v;
    return std::nullopt;
}

std::vector<Template> FieldValues::text_list(const std::string& name) const {
    if (auto* v = get<std::vector<Template>>(values_, name)) return *v;
    return {};
}

std::optional<double> FieldValues::seconds(const std::string& name) const {
    if (auto* v = get<double>(values_, name)) return *v;
    return std::nullopt;
}

std::optional<std::string> FieldValues::choice(const std::string& name) const {
    if (auto* v = get<Template>(values_, name)) return v->source();
    return std::nullopt;
}

std::map<std::string, Template> FieldValues::text_map(const std::string& name) const {
    if (auto* v = get<std::map<std::string, Template>>(values_, name)) return *v;
    return {};
}

nlohmann::json FieldValues::value_map(const std::string& name) const {
    if (auto* v = get<nlohmann::json>(values_, name)) return *v;
    return nullptr;
}

}  // namespace preflight
