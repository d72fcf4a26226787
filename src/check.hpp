#pragma once
// The contract between the engine and the check kinds.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "src/diagnostics.hpp"
#include "src/env_file_cache.hpp"
#include "src/fields.hpp"
#include "src/host/host.hpp"
#include "src/model.hpp"
#include "src/pack.hpp"
#include "src/template.hpp"

namespace preflight {

/// What a check sees while it runs: reference resolution, the secret registry, its deadline,
/// the merged environment, the pack and the host probes.
class RunContext {
public:
    virtual ~RunContext() = default;
    /// Resolves ${var.X}/${env.X}. Throws UnresolvedReference (the engine turns it into `error`).
    virtual std::string resolve(const Template& text) const = 0;
    /// Registers a value as secret, from now on scrubbed from every output. `name` says what it
    /// is ("env DB_PASSWORD", "connection directus password") for the attestation.
    virtual void add_secret(const std::string& value, const std::string& name) const = 0;
    /// True when an env variable of this name holds a secret (default globs + pack `secrets:`).
    virtual bool is_secret_name(const std::string& env_name) const = 0;
    /// The base environment of a program a check starts (src/child_environment.hpp): PATH is
    /// the secure path, nothing comes from an env file. Checks add only what their `env:` names.
    virtual std::map<std::string, std::string> child_environment() const = 0;
    /// When this check must have finished.
    virtual std::chrono::steady_clock::time_point deadline() const = 0;
    /// The check's own timeout (the `timeout:` field).
    virtual std::chrono::milliseconds timeout() const = 0;
    virtual const RulePack& pack() const = 0;
    virtual const host::Host& host() const = 0;
    /// The env file at `path` (an `env_var` check's `file:`) as read_env_file reads it, with the
    /// process environment for ${VAR}. The engine reads and parses each path once per run and
    /// gives every check that snapshot; this default reads it again on every call.
    virtual std::shared_ptr<const ParsedEnvFile> env_file(const std::string& path) const {
        return std::make_shared<const ParsedEnvFile>(read_env_file(path, process_environment_value));
    }
};

/// A configured check. Parameters were validated into typed members at load; `run` probes the
/// host through the context and judges with pure functions. It returns an Outcome and should not
/// throw; the engine still maps anything thrown to `error`.
class Check {
public:
    virtual ~Check() = default;
    virtual Outcome run(const RunContext& context) const = 0;
};

/// What a kind's factory receives at load time.
struct KindInput {
    const FieldValues& fields;
    const RulePack& pack;  ///< pack-level declarations (connections, ...) already loaded
    Diagnostics& diagnostics;
};

/// A check kind: its name, one-line summary, its fields (declared once) and its factory.
/// The factory reports semantic errors (bad regex, bad fingerprint spelling) to
/// `input.diagnostics`, located with `fields.where(name)`, and may then return null.
struct KindSpec {
    std::string name;
    std::string summary;
    std::vector<FieldSpec> fields;
    std::function<std::unique_ptr<Check>(const KindInput& input)> make;
};

}  // namespace preflight
