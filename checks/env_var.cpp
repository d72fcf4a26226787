#include "checks/env_var.hpp"

#include <algorithm>

#include "src/env_file.hpp"

namespace preflight {

namespace {

std::string join_lines(const std::vector<int>& lines) {
    std::string out;
    for (int line : lines) out += (out.empty() ? "" : ", ") + std::to_string(line);
    return out;
}

nlohmann::json expectation(const Pattern* matches) {
    if (matches) return {{"matches", matches->source()}};
    return "defined once, not empty";
}

}  // namespace

Outcome judge_env_var(const EnvVarFindings& findings, const Pattern* matches) {
    const std::string& name = findings.name;
    if (findings.values.empty())
        return Outcome::fail(name + " is not defined in " + findings.source, nullptr,
                             expectation(matches));
    if (findings.values.size() > 1) {
        std::string where = findings.lines.empty() ? "" : " (lines " + join_lines(findings.lines) + ")";
        return Outcome::fail(name + " is defined " + std::to_string(findings.values.size()) +
                                 " times in " + findings.source + where + "; keep one",
                             {{"lines", findings.lines}}, expectation(matches));
    }
    const std::string& value = findings.values.front();
    if (value.empty()) {
        std::string where = findings.lines.empty() ? "" : " (line " + join_lines(findings.lines) + ")";
        return Outcome::fail(name + " is empty in " + findings.source + where, value,
                             expectation(matches));
    }
    if (matches && !matches->search(value))
        return Outcome::fail(name + " does not match " + matches->source(), value,
                             expectation(matches));
    return Outcome::pass(name + " is set (" + value + ")", value);
}

namespace {

const char* const kEnvironmentSource = "the pack's env files or the process environment";

std::string describe_errors(const std::string& name, const std::vector<Diagnostic>& errors) {
    std::string message = "cannot check " + name + ": " + errors.front().to_string();
    if (errors.size() > 1)
        message += " (and " + std::to_string(errors.size() - 1) + " more error" +
                   (errors.size() > 2 ? "s" : "") + " in the file)";
    return message;
}

class EnvVarCheck : public Check {
public:
    std::string name;
    Template reference;  // ${env.NAME}
    std::optional<Template> file;
    std::optional<Pattern> matches;
    bool secret = false;

    Outcome run(const RunContext& context) const override {
        EnvVarFindings findings{name, kEnvironmentSource, {}, {}};
        std::vector<Diagnostic> errors;
        if (file) {
            findings.source = context.resolve(*file);
            const auto parsed = context.env_file(findings.source);
            for (const auto& entry : parsed->entries) {
                if (entry.name != name) continue;
                findings.values.push_back(entry.value);
                findings.lines.push_back(entry.line);
            }
            errors = parsed->errors;
        } else if (auto value = lookup_environment(context)) {
            findings.values.push_back(std::move(*value));
        }
        // Registered before anything is judged, so no message can carry it unredacted.
        if (secret || context.is_secret_name(name))
            for (const auto& value : findings.values) context.add_secret(value, "env " + name);
        if (!errors.empty()) {
            nlohmann::json all = nlohmann::json::array();
            for (const auto& error : errors) all.push_back(error.to_string());
            return Outcome::error(describe_errors(name, errors), {{"errors", all}});
        }
        return judge_env_var(findings, matches ? &*matches : nullptr);
    }

private:
    // Resolved as ${env.NAME} so that a name the run environment could not settle (defined twice
    // in an env file, env file unreadable) propagates as an error naming why, instead of reading
    // as "not defined".
    std::optional<std::string> lookup_environment(const RunContext& context) const {
        try {
            return context.resolve(reference);
        } catch (const UnresolvedReference& e) {
            Reference plain{Reference::Space::env, name};
            if (std::string(e.what()) != "unresolved reference " + plain.spelled()) throw;
            return std::nullopt;
        }
    }
};

bool is_variable_name(const std::string& name) {
    if (name.empty()) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    });
}

}  // namespace

KindSpec env_var_kind() {
    KindSpec spec;
    spec.name = "env_var";
    spec.summary = "a variable is defined once and not empty (optionally matching a regex), in an "
                   "env file or the run's environment";
    spec.fields = {
        {"name", FieldType::text, true, "", "the variable, e.g. BACKUP_GPG_FPR", {}},
        {"file", FieldType::text, false, "",
         "env file (docker compose .env rules) to look in; default: the pack's env files over "
         "the process environment",
         {}},
        {"matches", FieldType::text, false, "",
         "RE2 regex searched in the value; ^ and $ anchor the whole value, even a multi-line one",
         {}},
        {"secret", FieldType::boolean, false, "false",
         "treat the value as secret even if the name matches no secret glob", {}},
    };
    spec.make = [](const KindInput& input) -> std::unique_ptr<Check> {
        const FieldValues& fields = input.fields;
        auto check = std::make_unique<EnvVarCheck>();
        bool ok = true;
        auto name = fields.text("name");
        if (name && name->has_references()) {
            input.diagnostics.error(fields.where("name"),
                                    "'name' cannot contain ${...} references: write the variable "
                                    "name itself, e.g. BACKUP_GPG_FPR");
            ok = false;
        } else if (!name || !is_variable_name(name->source())) {
            input.diagnostics.error(fields.where("name"),
                                    "'name' must be a variable name (letters, digits, '_', '.', "
                                    "'-'), e.g. BACKUP_GPG_FPR");
            ok = false;
        } else {
            check->name = name->source();
            std::string unused;  // the name was checked above, so it parses
            check->reference = Template::parse("${env." + check->name + "}", unused).value_or(Template());
        }
        check->file = fields.text("file");
        check->matches =
            load_pattern_field(fields, "matches", Anchoring::whole_text, input.diagnostics);
        if (fields.has("matches") && !check->matches) ok = false;
        check->secret = fields.boolean("secret").value_or(false);
        if (!ok) return nullptr;
        return check;
    };
    return spec;
}

}  // namespace preflight
