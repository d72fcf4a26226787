#include "src/run_environment.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <set>

#include "src/child_environment.hpp"
#include "src/env_file.hpp"
#include "src/host/file_trust.hpp"

namespace preflight {

const std::vector<std::string>& default_secret_globs() {
    static const std::vector<std::string> globs = {"*PASSWORD*", "*PASSPHRASE*", "*SECRET*", "*TOKEN*",
                                                   "*PRIVATE_KEY*"};
    return globs;
}

bool matches_any_glob(const std::string& name, const std::vector<std::string>& globs) {
    for (const auto& glob : globs)
        if (fnmatch(glob.c_str(), name.c_str(), FNM_CASEFOLD) == 0) return true;
    return false;
}

namespace {

// Resolves only ${var.X} (and ${env.X} from the process), for env file paths.
class PathResolver : public ReferenceResolver {
public:
    PathResolver(const std::map<std::string, std::string>& vars, const std::map<std::string, std::string>& env)
        : vars_(vars), env_(env) {}
    std::optional<std::string> lookup(const Reference& r) const override {
        const auto& source = r.space == Reference::Space::var ? vars_ : env_;
        auto it = source.find(r.name);
        if (it == source.end()) return std::nullopt;
        return it->second;
    }

private:
    const std::map<std::string, std::string>& vars_;
    const std::map<std::string, std::string>& env_;
};

// Resolves a pack default that names other vars ("${var.backups_dir}/${var.run_id}.json"),
// through the defaults they name in turn; --var values are taken as written.
class VarDefaultResolver : public ReferenceResolver {
public:
    VarDefaultResolver(const std::map<std::string, std::string>& vars, const std::set<std::string>& templated)
        : vars_(vars), templated_(templated) {}
    std::optional<std::string> lookup(const Reference& r) const override {
        if (r.space == Reference::Space::env)
            throw UnresolvedReference("a var's default can name only vars, not " + r.spelled());
        auto it = vars_.find(r.name);
        if (it == vars_.end()) return std::nullopt;
        if (!templated_.count(r.name)) return it->second;
        if (std::find(active_.begin(), active_.end(), r.name) != active_.end())
            throw UnresolvedReference("the default of var " + r.name + " refers to itself");
        std::string error;
        auto parsed = Template::parse(it->second, error);
        if (!parsed) return it->second;
        active_.push_back(r.name);
        std::string value = parsed->resolve(*this);
        active_.pop_back();
        return value;
    }

private:
    const std::map<std::string, std::string>& vars_;
    const std::set<std::string>& templated_;
    mutable std::vector<std::string> active_;
};

}  // namespace

void RunEnvironment::resolve_var_defaults(const RulePack& pack, const RunInputs& inputs) {
    std::set<std::string> templated;
    for (const auto& [name, value] : pack.vars) {
        bool overridden = std::any_of(inputs.var_overrides.begin(), inputs.var_overrides.end(),
                                      [&name = name](const auto& o) { return o.first == name; });
        std::string error;
        auto parsed = Template::parse(value, error);
        if (!overridden && parsed && parsed->has_references()) templated.insert(name);
    }
    if (templated.empty()) return;
    const std::map<std::string, std::string> raw = vars_;
    for (const auto& name : templated) {
        VarDefaultResolver resolver(raw, templated);
        try {
            vars_[name] = *resolver.lookup(Reference{Reference::Space::var, name});
        } catch (const UnresolvedReference& e) {
            unresolvable_vars_[name] = e.what();
        }
    }
}

std::shared_ptr<RunEnvironment> RunEnvironment::build(const RulePack& pack, const RunInputs& inputs,
                                                      SecretRegistry& secrets) {
    auto env = std::make_shared<RunEnvironment>();
    for (const auto& [name, value] : pack.vars) env->vars_[name] = value;
    for (const auto& [name, value] : inputs.var_overrides) env->vars_[name] = value;
    env->resolve_var_defaults(pack, inputs);
    env->secret_globs_ = default_secret_globs();
    env->secret_globs_.insert(env->secret_globs_.end(), pack.secret_globs.begin(), pack.secret_globs.end());

    env->env_ = inputs.process_env;
    env->child_base_ = child_base_environment(inputs.process_env);
    std::vector<std::string> paths;
    PathResolver path_resolver(env->vars_, inputs.process_env);
    for (const auto& file : pack.env_files) {
        try {
            paths.push_back(file.resolve(path_resolver));
        } catch (const UnresolvedReference& e) {
            env->env_failure_ = "env file '" + file.source() + "': " + e.what();
        }
    }
    paths.insert(paths.end(), inputs.extra_env_files.begin(), inputs.extra_env_files.end());
    env->env_files_ = paths;
    EnvLookup outer = [&inputs](const std::string& name) -> std::optional<std::string> {
        auto it = inputs.process_env.find(name);
        if (it == inputs.process_env.end()) return std::nullopt;
        return it->second;
    };
    for (const auto& path : paths) {
        if (auto problem = host::untrusted_as_root(path)) {
            std::string refusal = path + ": not trusted: " + *problem +
                                  "; as root, preflight reads an env file only when no other user can "
                                  "change or replace it";
            env->untrusted_env_files_.push_back(refusal);
            if (env->env_failure_.empty()) env->env_failure_ = refusal;
            continue;
        }
        ParsedEnvFile parsed = read_env_file(path, outer);
        for (const auto& entry : parsed.entries)
            if (env->is_secret_name(entry.name)) secrets.add(entry.value, "env " + entry.name);
        if (!parsed.errors.empty()) {
            for (const auto& e : parsed.errors) env->env_problems_.push_back(e.to_string());
            if (env->env_failure_.empty())
                env->env_failure_ = "env file " + path + " could not be read: " + parsed.errors.front().to_string();
            continue;
        }
        for (const auto& entry : parsed.entries) {
            auto lines = parsed.definition_lines(entry.name);
            if (lines.size() > 1) {
                std::string where;
                for (int line : lines) where += (where.empty() ? "" : ", ") + std::to_string(line);
                env->ambiguous_[entry.name] = entry.name + " is defined " + std::to_string(lines.size()) +
                                              " times in " + path + " (lines " + where + ")";
                continue;
            }
            env->ambiguous_.erase(entry.name);  // a later file's single definition wins
            env->env_[entry.name] = entry.value;
        }
    }
    for (const auto& [name, value] : inputs.process_env)
        if (env->is_secret_name(name)) secrets.add(value, "env " + name);
    return env;
}

std::optional<std::string> RunEnvironment::lookup(const Reference& reference) const {
    if (reference.space == Reference::Space::var) {
        if (auto bad = unresolvable_vars_.find(reference.name); bad != unresolvable_vars_.end())
            throw UnresolvedReference("unresolved reference " + reference.spelled() + ": " + bad->second);
        auto it = vars_.find(reference.name);
        if (it == vars_.end()) return std::nullopt;
        return it->second;
    }
    if (!env_failure_.empty())
        throw UnresolvedReference("unresolved reference " + reference.spelled() + ": " + env_failure_);
    if (auto it = ambiguous_.find(reference.name); it != ambiguous_.end())
        throw UnresolvedReference("unresolved reference " + reference.spelled() + ": " + it->second);
    auto it = env_.find(reference.name);
    if (it == env_.end()) return std::nullopt;
    return it->second;
}

const std::map<std::string, std::string>& RunEnvironment::resolvable_env() const {
    if (!env_failure_.empty()) throw UnresolvedReference(env_failure_);
    return env_;
}

bool RunEnvironment::is_secret_name(const std::string& name) const {
    return matches_any_glob(name, secret_globs_);
}

}  // namespace preflight
