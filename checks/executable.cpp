#include "checks/executable.hpp"

#include <cctype>
#include <cstdlib>

#include "checks/process_report.hpp"
#include "src/child_environment.hpp"
#include "src/host/process.hpp"

namespace preflight {

std::optional<std::vector<std::string>> parse_version(std::string_view text) {
    std::vector<std::string> components;
    std::size_t start = 0;
    for (;;) {
        std::size_t end = text.find('.', start);
        std::string_view digits = text.substr(start, end == std::string_view::npos ? end : end - start);
        if (digits.empty()) return std::nullopt;
        for (char c : digits)
            if (c < '0' || c > '9') return std::nullopt;
        std::size_t first = digits.find_first_not_of('0');
        components.emplace_back(first == std::string_view::npos ? "0" : digits.substr(first));
        if (end == std::string_view::npos) return components;
        start = end + 1;
    }
}

int compare_versions(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    static const std::string zero = "0";
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
        const std::string& x = i < a.size() ? a[i] : zero;
        const std::string& y = i < b.size() ? b[i] : zero;
        // Without leading zeros, a longer number is the larger one.
        if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
        if (int c = x.compare(y)) return c < 0 ? -1 : 1;
    }
    return 0;
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The first "digits(.digits)+" in `output`, else the first word that is a number ("v7" counts).
std::optional<std::string> default_version(std::string_view output) {
    for (std::size_t i = 0; i < output.size(); ++i) {
        if (!is_digit(output[i]) || (i > 0 && is_digit(output[i - 1]))) continue;
        std::size_t end = i, good_end = i;
        int dots = 0;
        for (;;) {
            while (end < output.size() && is_digit(output[end])) ++end;
            good_end = end;
            if (end + 1 < output.size() && output[end] == '.' && is_digit(output[end + 1])) {
                ++end;
                ++dots;
                continue;
            }
            break;
        }
        if (dots > 0) return std::string(output.substr(i, good_end - i));
        i = end;
    }
    for (std::size_t i = 0; i < output.size(); ++i) {
        if (!is_digit(output[i])) continue;
        std::size_t start = i;
        if (start > 0 && (output[start - 1] == 'v' || output[start - 1] == 'V')) --start;
        std::size_t end = i;
        while (end < output.size() && is_digit(output[end])) ++end;
        bool whole_word = (start == 0 || !is_word_char(output[start - 1])) &&
                          (end == output.size() || !is_word_char(output[end]));
        if (whole_word) return std::string(output.substr(i, end - i));
        i = end;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> extract_version(std::string_view output, const Pattern* pattern) {
    if (pattern) return pattern->first_match(output);
    return default_version(output);
}

std::optional<std::string> version_bound_violation(const std::string& program,
                                                   const std::string& version,
                                                   const std::optional<std::string>& min_version,
                                                   const std::optional<std::string>& max_version) {
    auto actual = parse_version(version).value_or(std::vector<std::string>{});
    if (min_version && compare_versions(actual, parse_version(*min_version).value_or(
                                                    std::vector<std::string>{})) < 0)
        return program + " " + version + " is older than the minimum " + *min_version;
    if (max_version) {
        auto bound = parse_version(*max_version).value_or(std::vector<std::string>{});
        // Compare at the maximum's own precision: "2.4" admits 2.4.10.
        auto prefix = actual;
        if (prefix.size() > bound.size()) prefix.resize(bound.size());
        if (compare_versions(prefix, bound) > 0)
            return program + " " + version + " is newer than the maximum " + *max_version;
    }
    return std::nullopt;
}

namespace {

const char* const kVersionHint = "digits separated by dots, e.g. 2.4.1";

class ExecutableCheck : public Check {
public:
    Template name;
    std::vector<Template> version_args;
    std::optional<Pattern> version_regex;
    std::optional<Template> min_version;
    std::optional<Template> max_version;

    Outcome run(const RunContext& context) const override {
        std::string program = context.resolve(name);
        if (program.empty() || (program.find('/') != std::string::npos && program.front() != '/'))
            return Outcome::error("'name' must be a program name looked up in PATH or an "
                                  "absolute path, got '" + program + "'");
        auto min = resolve_bound(context, "min_version", min_version);
        auto max = resolve_bound(context, "max_version", max_version);
        for (const auto* bound : {&min, &max})
            if (bound->error) return Outcome::error(*bound->error);

        auto environment = context.child_environment();
        std::string search_path = search_path_of(environment);
        auto path = host::find_in_path(program, search_path);
        if (!path) {
            if (program.front() == '/')
                return Outcome::fail(program + " does not exist or is not an executable file");
            return Outcome::fail(program + " not found in PATH (" + search_path +
                                 "); install it or add its directory to PATH");
        }
        nlohmann::json observed = {{"path", *path}};
        if (!min.text && !max.text && !version_regex)
            return Outcome::pass(program + " found at " + *path, observed);

        if (!context.host().processes)
            return Outcome::error("cannot run " + program + " to read its version: running "
                                  "programs is not available in this run", observed);
        host::ProcessRequest request;
        request.argv.push_back(*path);
        for (const auto& argument : version_args) request.argv.push_back(context.resolve(argument));
        request.environment = std::move(environment);
        request.deadline = context.deadline();
        std::string command = command_line_text(request.argv);
        auto result = context.host().processes->run(request);
        if (!result.started)
            return Outcome::error("could not run " + command + ": " + result.spawn_error, observed);
        if (result.timed_out)
            return Outcome::error(command + " timed out after " + format_timeout(context.timeout()) +
                                      "; process group killed", observed);

        auto version = extract_version(result.stdout_text + "\n" + result.stderr_text,
                                       version_regex ? &*version_regex : nullptr);
        if (!version) {
            std::string exit = result.exit_code == 0 ? "" : " (it " + describe_exit(result) + ")";
            if (version_regex)
                return Outcome::error("version_regex '" + version_regex->source() +
                                          "' matched nothing in the output of " + command + exit,
                                      observed);
            return Outcome::error("no version found in the output of " + command + exit +
                                      "; set version_args or version_regex",
                                  observed);
        }
        if (!parse_version(*version))
            return Outcome::error("version_regex matched '" + *version + "' in the output of " +
                                      command + ", which is not a version (" + kVersionHint + ")",
                                  observed);
        observed["version"] = *version;
        if (auto violation = version_bound_violation(program, *version, min.text, max.text)) {
            nlohmann::json expected = nlohmann::json::object();
            if (min.text) expected["min_version"] = *min.text;
            if (max.text) expected["max_version"] = *max.text;
            return Outcome::fail(*violation, observed, expected);
        }
        return Outcome::pass(program + " " + *version + " at " + *path, observed);
    }

private:
    struct Bound {
        std::optional<std::string> text;
        std::optional<std::string> error;
    };

    static Bound resolve_bound(const RunContext& context, const std::string& field,
                               const std::optional<Template>& bound) {
        if (!bound) return {};
        std::string text = context.resolve(*bound);
        if (!parse_version(text))
            return {std::nullopt, "'" + field + "' resolved to '" + text +
                                      "', which is not a version (" + kVersionHint + ")"};
        return {text, std::nullopt};
    }

    static std::string search_path_of(const std::map<std::string, std::string>& env) {
        // The secure path of the run, never an env file's or preflight's own PATH.
        if (auto it = env.find("PATH"); it != env.end()) return it->second;
        return kSecurePath;
    }
};

struct NoReferences : ReferenceResolver {
    std::optional<std::string> lookup(const Reference&) const override { return std::nullopt; }
};

// A bound written without references is checked at load; returns false after reporting.
bool check_literal_bound(const FieldValues& fields, const std::string& field,
                         Diagnostics& diagnostics) {
    auto bound = fields.text(field);
    if (!bound || bound->has_references()) return true;
    std::string text = bound->resolve(NoReferences{});
    if (parse_version(text)) return true;
    diagnostics.error(fields.where(field), "'" + field + "' must be a version (" + kVersionHint +
                                               "), got '" + text + "'");
    return false;
}

}  // namespace

KindSpec executable_kind() {
    KindSpec spec;
    spec.name = "executable";
    spec.summary = "a program is installed (in PATH or at an absolute path), optionally within "
                   "version bounds";
    spec.fields = {
        {"name", FieldType::text, true, "",
         "program name looked up in the run's secure PATH (never an env file's), or an absolute path",
         {}},
        {"version_args", FieldType::text_list, false, "--version",
         "arguments that make it print its version", {}},
        {"version_regex", FieldType::text, false, "",
         "RE2 regex locating the version in its output, ^ and $ match at each line (first group "
         "if any); default: the first digits separated by dots", {}},
        {"min_version", FieldType::text, false, "",
         "lowest accepted version, compared numerically per component (10 > 9)", {}},
        {"max_version", FieldType::text, false, "",
         "highest accepted version, at its own precision (2.4 accepts every 2.4.x)", {}},
    };
    spec.make = [](const KindInput& input) -> std::unique_ptr<Check> {
        const FieldValues& fields = input.fields;
        bool ok = true;
        auto check = std::make_unique<ExecutableCheck>();
        check->name = fields.text("name").value_or(Template{});
        const std::string& written = check->name.source();
        if (!check->name.has_references() && !written.empty() && written.front() != '/' &&
            written.find('/') != std::string::npos) {
            input.diagnostics.error(fields.where("name"),
                                    "'name' must be a program name looked up in PATH or an "
                                    "absolute path, got '" + written + "'");
            ok = false;
        }
        for (const auto& reference : check->name.references())
            if (reference.space == Reference::Space::env) {
                input.diagnostics.error(fields.where("name"),
                                        "'name' takes the program from an env file (" + written +
                                            "); write the program in the pack or use ${var.NAME}");
                ok = false;
                break;
            }
        check->version_args = fields.has("version_args")
                                  ? fields.text_list("version_args")
                                  : std::vector<Template>{Template::literal("--version")};
        check->version_regex = load_pattern_field(fields, "version_regex", Anchoring::each_line,
                                                 input.diagnostics);
        if (fields.has("version_regex") && !check->version_regex) ok = false;
        ok = check_literal_bound(fields, "min_version", input.diagnostics) && ok;
        ok = check_literal_bound(fields, "max_version", input.diagnostics) && ok;
        check->min_version = fields.text("min_version");
        check->max_version = fields.text("max_version");
        if (!ok) return nullptr;
        return check;
    };
    return spec;
}

}  // namespace preflight
