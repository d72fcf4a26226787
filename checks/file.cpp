#include "checks/file.hpp"

#include <cctype>

#include "src/host/files.hpp"

namespace preflight {

namespace {

enum class WantedType { any, file, directory, symlink };

struct NoReferences : ReferenceResolver {
    std::optional<std::string> lookup(const Reference&) const override { return std::nullopt; }
};

bool all_digits(const std::string& text) {
    if (text.empty()) return false;
    for (char c : text)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
    std::string text;
    for (const auto& part : parts) text += (text.empty() ? "" : separator) + part;
    return text;
}

std::string who(const std::string& name, unsigned long long id, const char* kind) {
    return name.empty() ? std::string(kind) + " " + std::to_string(id) : name;
}

// What the run found wrong (`problems`), could not check (`errors`), and how to fix it.
struct Findings {
    std::vector<std::string> problems;
    std::vector<std::string> errors;
    std::vector<std::string> remedies;
};

class FileCheck : public Check {
public:
    Template path;
    WantedType type = WantedType::any;
    bool exists = true;
    std::optional<unsigned> mode_max;
    std::optional<Template> owner;
    std::optional<Template> group;
    std::optional<bool> writable;
    std::vector<Pattern> contains;
    std::vector<Pattern> not_contains;

    Outcome run(const RunContext& context) const override {
        std::string file = context.resolve(path);
        if (file.empty()) return Outcome::error("'path' resolved to an empty string");
        std::optional<std::string> wanted_owner, wanted_group;
        if (owner) wanted_owner = context.resolve(*owner);
        if (group) wanted_group = context.resolve(*group);

        std::string error;
        auto link = host::stat_path(file, false, error);
        if (!link) return Outcome::error("cannot inspect " + file + ": " + error);
        nlohmann::json observed = {{"path", file}, {"exists", link->exists}};
        nlohmann::json expected = expectations(wanted_owner, wanted_group);
        if (!exists) {
            if (!link->exists) return Outcome::pass(file + " does not exist, as required", observed);
            observed["type"] = host::to_string(link->type);
            return Outcome::fail(file + " exists (" + std::string(host::describe(link->type)) +
                                     ") but must not",
                                 observed, expected);
        }
        if (!link->exists) return Outcome::fail(file + " does not exist", observed, expected);
        observed["type"] = host::to_string(link->type);

        host::FileFacts facts = *link;
        bool is_link = link->type == host::FileType::symlink;
        if (is_link) {
            auto target = host::stat_path(file, true, error);
            if (!target)
                return Outcome::error("cannot inspect the target of symlink " + file + ": " + error,
                                      observed);
            if (!target->exists) {
                if (type == WantedType::symlink && !inspects_target())
                    return Outcome::pass(file + " is a symlink (its target does not exist)", observed);
                return Outcome::fail(file + " is a symlink whose target does not exist", observed,
                                     expected);
            }
            facts = *target;
            observed["target_type"] = host::to_string(facts.type);
        }
        std::string what = std::string(is_link ? "a symlink to " : "") +
                           std::string(host::describe(facts.type));
        if (auto wrong = wrong_type(is_link, facts.type))
            return Outcome::fail(file + " is " + what + ", expected " + *wrong, observed, expected);

        observed["mode"] = format_mode(facts.mode);
        observed["owner"] = who(facts.owner, facts.uid, "uid");
        observed["group"] = who(facts.group, facts.gid, "gid");
        observed["size"] = facts.size;
        Findings findings;
        check_metadata(file, facts, wanted_owner, wanted_group, findings);
        check_writable(file, observed, findings);
        check_content(file, observed, findings);

        if (!findings.problems.empty()) {
            auto all = findings.problems;
            for (const auto& e : findings.errors) all.push_back(e);
            Outcome outcome = Outcome::fail(file + ": " + join(all, "; "), observed, expected);
            outcome.generated_remedy = join(findings.remedies, "\n");
            return outcome;
        }
        if (!findings.errors.empty())
            return Outcome::error(file + ": " + join(findings.errors, "; "), observed);
        return Outcome::pass(file + " is " + what + ", mode " + format_mode(facts.mode) +
                                 ", owner " + observed["owner"].get<std::string>() + ", group " +
                                 observed["group"].get<std::string>(),
                             observed);
    }

private:
    bool inspects_target() const {
        return mode_max || owner || group || writable || !contains.empty() || !not_contains.empty();
    }

    // What the path should have been, when it is not of the wanted type.
    std::optional<std::string> wrong_type(bool is_link, host::FileType actual) const {
        if (type == WantedType::symlink && !is_link) return "a symlink";
        if (type == WantedType::file && actual != host::FileType::regular) return "a regular file";
        if (type == WantedType::directory && actual != host::FileType::directory) return "a directory";
        return std::nullopt;
    }

    nlohmann::json expectations(const std::optional<std::string>& wanted_owner,
                                const std::optional<std::string>& wanted_group) const {
        static const char* const names[] = {"any", "file", "directory", "symlink"};
        nlohmann::json expected = {{"exists", exists}};
        if (type != WantedType::any) expected["type"] = names[static_cast<int>(type)];
        if (mode_max) expected["mode_max"] = format_mode(*mode_max);
        if (wanted_owner) expected["owner"] = *wanted_owner;
        if (wanted_group) expected["group"] = *wanted_group;
        if (writable) expected["writable"] = *writable;
        auto sources = [](const std::vector<Pattern>& patterns) {
            nlohmann::json list = nlohmann::json::array();
            for (const auto& p : patterns) list.push_back(p.source());
            return list;
        };
        if (!contains.empty()) expected["contains"] = sources(contains);
        if (!not_contains.empty()) expected["not_contains"] = sources(not_contains);
        return expected;
    }

    void check_metadata(const std::string& file, const host::FileFacts& facts,
                        const std::optional<std::string>& wanted_owner,
                        const std::optional<std::string>& wanted_group, Findings& findings) const {
        if (mode_max) {
            if (auto violation = mode_violation(facts.mode, *mode_max)) {
                findings.problems.push_back(*violation);
                std::string extra = describe_permission_bits(facts.mode & ~*mode_max & 07777u);
                for (char& c : extra)
                    if (c == '+') c = '-';
                findings.remedies.push_back("chmod " + extra + " " + shell_quote(file));
            }
        }
        check_identity("owner", wanted_owner, facts.uid, who(facts.owner, facts.uid, "uid"), "user",
                       host::user_id, "chown", file, findings);
        check_identity("group", wanted_group, facts.gid, who(facts.group, facts.gid, "gid"), "group",
                       host::group_id, "chgrp", file, findings);
    }

    static void check_identity(const std::string& field, const std::optional<std::string>& wanted,
                               unsigned long long actual_id, const std::string& actual,
                               const std::string& noun, host::IdLookup (*lookup)(const std::string&),
                               const std::string& command, const std::string& file,
                               Findings& findings) {
        if (!wanted) return;
        std::optional<unsigned long long> wanted_id;
        if (all_digits(*wanted) && wanted->size() < 19) {
            wanted_id = std::stoull(*wanted);
        } else {
            auto found = lookup(*wanted);
            if (!found.error.empty()) {
                findings.errors.push_back("cannot look up " + noun + " " + *wanted + ": " + found.error);
                return;
            }
            if (!found.id) {
                findings.problems.push_back(field + " should be " + *wanted + ", but no " + noun +
                                            " of that name exists on this host");
                return;
            }
            wanted_id = found.id;
        }
        if (*wanted_id == actual_id) return;
        findings.problems.push_back(field + " is " + actual + ", expected " + *wanted);
        findings.remedies.push_back(command + " " + *wanted + " " + shell_quote(file));
    }

    void check_writable(const std::string& file, nlohmann::json& observed, Findings& findings) const {
        if (!writable) return;
        std::string error;
        auto is_writable = host::writable_by_runner(file, error);
        if (!is_writable) {
            findings.errors.push_back("cannot tell whether it is writable: " + error);
            return;
        }
        observed["writable"] = *is_writable;
        if (*is_writable == *writable) return;
        findings.problems.push_back(*writable ? "not writable by " + host::runner_description()
                                              : "writable by " + host::runner_description() +
                                                    ", which must not be able to write it");
    }

    void check_content(const std::string& file, nlohmann::json& observed, Findings& findings) const {
        if (contains.empty() && not_contains.empty()) return;
        std::string error;
        auto text = host::read_text_file(file, host::kMaxTextFileBytes, error);
        if (!text) {
            findings.errors.push_back("cannot read its content: " + error);
            return;
        }
        for (std::size_t i = 0; i < contains.size(); ++i)
            if (matching_lines(*text, contains[i]).empty())
                findings.problems.push_back("contains pattern " + std::to_string(i + 1) + " '" +
                                            contains[i].source() + "' matches no line");
        for (std::size_t i = 0; i < not_contains.size(); ++i) {
            auto lines = matching_lines(*text, not_contains[i]);
            if (lines.empty()) continue;
            findings.problems.push_back("not_contains pattern " + std::to_string(i + 1) +
                                        " matches at " + describe_lines(lines));
            observed["not_contains_lines"][std::to_string(i + 1)] = lines;
        }
    }
};

std::vector<Pattern> load_patterns(const FieldValues& fields, const std::string& name,
                                   Diagnostics& diagnostics, bool& ok) {
    std::vector<Pattern> patterns;
    auto list = fields.text_list(name);
    for (std::size_t i = 0; i < list.size(); ++i) {
        std::string which = "'" + name + "' pattern " + std::to_string(i + 1);
        if (list[i].has_references()) {
            diagnostics.error(fields.where(name), which + " cannot contain ${...} references: a "
                                                          "regular expression is fixed when the "
                                                          "pack is loaded");
            ok = false;
            continue;
        }
        std::string error;
        auto pattern = Pattern::compile(list[i].resolve(NoReferences{}), Anchoring::one_line, error);
        if (!pattern) {
            diagnostics.error(fields.where(name),
                              which + " is not a valid regular expression: " + error);
            ok = false;
            continue;
        }
        patterns.push_back(std::move(*pattern));
    }
    return patterns;
}

}  // namespace

KindSpec file_kind() {
    KindSpec spec;
    spec.name = "file";
    spec.summary = "a file or directory exists (or must not) with the right type, mode, owner, "
                   "group, writability and content";
    spec.fields = {
        {"path", FieldType::text, true, "", "the file or directory to inspect", {}},
        {"type", FieldType::choice, false, "any",
         "file or directory (a symlink to one counts, like test -f/-d), symlink (the path itself "
         "is a link), or any",
         {"file", "directory", "symlink", "any"}},
        {"exists", FieldType::boolean, false, "true",
         "false: passes only when nothing exists at path (no other field may be set)", {}},
        {"mode_max", FieldType::text, false, "",
         "most permissive mode allowed, octal such as 0640: no permission bit outside it", {}},
        {"owner", FieldType::text, false, "", "owning user, by name or numeric uid", {}},
        {"group", FieldType::text, false, "", "owning group, by name or numeric gid", {}},
        {"writable", FieldType::boolean, false, "",
         "true: the user running preflight must be able to write it; false: must not", {}},
        {"contains", FieldType::text_list, false, "",
         "RE2 regexes, matched one line at a time (^ and $ anchor the line); each must match a line "
         "(file at most 1 MiB)", {}},
        {"not_contains", FieldType::text_list, false, "",
         "RE2 regexes, matched one line at a time (^ and $ anchor the line); none may match any line "
         "(only line numbers are reported)", {}},
    };
    spec.make = [](const KindInput& input) -> std::unique_ptr<Check> {
        const FieldValues& fields = input.fields;
        Diagnostics& diagnostics = input.diagnostics;
        bool ok = true;
        auto check = std::make_unique<FileCheck>();
        check->path = fields.text("path").value_or(Template{});
        std::string type = fields.choice("type").value_or("any");
        check->type = type == "file"        ? WantedType::file
                      : type == "directory" ? WantedType::directory
                      : type == "symlink"   ? WantedType::symlink
                                            : WantedType::any;
        check->exists = fields.boolean("exists").value_or(true);
        if (auto mode = fields.text("mode_max")) {
            if (mode->has_references()) {
                diagnostics.error(fields.where("mode_max"),
                                  "'mode_max' cannot contain ${...} references: it is checked "
                                  "when the pack is loaded");
                ok = false;
            } else if (!(check->mode_max = parse_mode(mode->resolve(NoReferences{})))) {
                diagnostics.error(fields.where("mode_max"),
                                  "'mode_max' must be an octal mode such as 0750, got '" +
                                      mode->source() + "'");
                ok = false;
            }
        }
        check->owner = fields.text("owner");
        check->group = fields.text("group");
        for (const auto* name : {"owner", "group"}) {
            auto value = fields.text(name);
            if (value && value->source().empty()) {
                diagnostics.error(fields.where(name), "'" + std::string(name) +
                                                          "' must be a name or a numeric id");
                ok = false;
            }
        }
        check->writable = fields.boolean("writable");
        check->contains = load_patterns(fields, "contains", diagnostics, ok);
        check->not_contains = load_patterns(fields, "not_contains", diagnostics, ok);

        if (check->type == WantedType::directory)
            for (const auto* name : {"contains", "not_contains"})
                if (fields.has(name)) {
                    diagnostics.error(fields.where(name), "'" + std::string(name) +
                                                              "' reads a file's lines, but type is "
                                                              "directory");
                    ok = false;
                }
        if (!check->exists)
            for (const auto* name : {"type", "mode_max", "owner", "group", "writable", "contains",
                                     "not_contains"}) {
                if (!fields.has(name) || (std::string(name) == "type" && type == "any")) continue;
                diagnostics.error(fields.where(name), "'" + std::string(name) +
                                                          "' cannot be combined with exists: false "
                                                          "(there is nothing to inspect)");
                ok = false;
            }
        if (!ok) return nullptr;
        return check;
    };
    return spec;
}

}  // namespace preflight
