#pragma once
// The values a run resolves references from: vars (--var over the pack's defaults) and env
// (the env files, later file winning, over the process environment).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "src/pack.hpp"
#include "src/redactor.hpp"
#include "src/template.hpp"

namespace preflight {

/// Env names whose values are secret unless the pack says more: SPEC §2.
const std::vector<std::string>& default_secret_globs();

/// True when `name` matches one of the shell globs (case-insensitive).
bool matches_any_glob(const std::string& name, const std::vector<std::string>& globs);

struct RunInputs {
    std::vector<std::pair<std::string, std::string>> var_overrides;  ///< --var NAME=VALUE
    std::vector<std::string> extra_env_files;                        ///< --env-file, after the pack's
    std::map<std::string, std::string> process_env;
};

class RunEnvironment : public ReferenceResolver {
public:
    /// Resolves vars, reads the env files and registers every secret env value in `secrets`.
    /// Never throws: an env file that cannot be read makes every ${env.X} lookup fail with its
    /// reason (fail-closed), and a name defined twice in one file fails its own lookups.
    static std::shared_ptr<RunEnvironment> build(const RulePack& pack, const RunInputs& inputs,
                                                 SecretRegistry& secrets);

    /// The value, nullopt when undefined; throws UnresolvedReference when the env could not be
    /// read or the name is ambiguous.
    std::optional<std::string> lookup(const Reference& reference) const override;
    /// Every value a ${env.X} can resolve to (env files over the process environment), for
    /// registering secrets, never for a child; throws UnresolvedReference when an env file
    /// could not be read.
    const std::map<std::string, std::string>& resolvable_env() const;
    /// The base environment of a child process (src/child_environment.hpp): never anything
    /// from an env file.
    const std::map<std::string, std::string>& child_environment() const { return child_base_; }
    /// Env files refused because another user could change them (when running as root), one
    /// "FILE: not trusted: REASON; ..." line each. A run with any refuses to start.
    const std::vector<std::string>& untrusted_env_files() const { return untrusted_env_files_; }
    bool is_secret_name(const std::string& name) const;
    /// The env files this run read or tried to read, as resolved, in reading order.
    const std::vector<std::string>& env_files() const { return env_files_; }
    /// Problems met while reading env files ("FILE:LINE:COL: ..."), never holding a value.
    const std::vector<std::string>& env_problems() const { return env_problems_; }

private:
    // A pack default that names other vars ("${var.backups_dir}/${var.run_id}.json") gets its
    // value from theirs, after every --var is applied; one that cannot be resolved (an undeclared
    // var, an ${env.X}, a cycle) fails each lookup of it with the reason.
    void resolve_var_defaults(const RulePack& pack, const RunInputs& inputs);

    std::map<std::string, std::string> vars_;
    std::map<std::string, std::string> unresolvable_vars_;  // name -> reason
    std::map<std::string, std::string> env_;  // merged
    std::map<std::string, std::string> child_base_;
    std::vector<std::string> untrusted_env_files_;
    std::vector<std::string> env_files_;
    std::map<std::string, std::string> ambiguous_;  // name -> reason
    std::string env_failure_;
    std::vector<std::string> env_problems_;
    std::vector<std::string> secret_globs_;
};

}  // namespace preflight
