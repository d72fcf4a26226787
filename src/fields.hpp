#pragma once
// Field declarations: each kind declares its fields once; the declaration drives validation,
// `preflight kinds`, `preflight schema` and the README's kind reference.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "src/diagnostics.hpp"
#include "src/template.hpp"

namespace preflight {

enum class FieldType {
    text,       ///< a string; may hold ${var.X}/${env.X} references
    integer,    ///< a whole number, or a string with ${var.X} references resolved at run time
    boolean,    ///< true or false (not yes/no/on/off)
    text_list,  ///< a sequence of strings (a single string is an error that shows the list form)
    duration,   ///< seconds: 5, 2.5, "5s", "500ms", "2m"
    choice,     ///< one of `choices`
    text_map,   ///< a mapping of names to strings
    value_map,  ///< a mapping of keys to any YAML value (kept type-aware as JSON)
};

/// "string", "integer", ... as shown by `preflight kinds`.
std::string type_name(FieldType type);

struct FieldSpec {
    std::string name;
    FieldType type = FieldType::text;
    bool required = false;
    std::string default_value;  ///< shown in docs; empty = none
    std::string doc;            ///< one line
    std::vector<std::string> choices;  ///< for FieldType::choice; for a text_list, the names its items may be (the schema shows them)
};

using FieldValue = std::variant<Template, long long, bool, std::vector<Template>, double,
                                std::map<std::string, Template>, nlohmann::json>;

/// The validated fields of one check, typed according to its kind's FieldSpecs.
class FieldValues {
public:
    void set(const std::string& name, FieldValue value, SourceLocation where);
    bool has(const std::string& name) const { return values_.count(name) != 0; }
    /// Where the field was written (the check's location when absent).
    SourceLocation where(const std::string& name) const;

    std::optional<Template> text(const std::string& name) const;
    /// A literal integer (nullopt when absent or written with references).
    std::optional<long long> integer(const std::string& name) const;
    /// An integer field as text to resolve at run time: the literal digits or the template.
    std::optional<Template> integer_text(const std::string& name) const;
    std::optional<bool> boolean(const std::string& name) const;
    std::vector<Template> text_list(const std::string& name) const;  ///< empty when absent
    std::optional<double> seconds(const std::string& name) const;
    /// The chosen value of a `choice` field (nullopt when absent).
    std::optional<std::string> choice(const std::string& name) const;
    std::map<std::string, Template> text_map(const std::string& name) const;
    /// A `value_map` as a JSON object (null when absent).
    nlohmann::json value_map(const std::string& name) const;

    SourceLocation check_location;

private:
    std::map<std::string, std::pair<FieldValue, SourceLocation>> values_;
};

}  // namespace preflight
