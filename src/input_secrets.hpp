#pragma once
// Secrets known from the run's inputs alone, registered before anything runs or is printed:
// a check that never runs (a failed need, --only) must not leave its connection's password
// in the command line or a remedy of the report.
#include <string>
#include <utility>
#include <vector>

#include "src/pack.hpp"
#include "src/redactor.hpp"
#include "src/run_environment.hpp"

namespace preflight {

/// Registers in `secrets` what `value` (of var or env NAME, named `source` like "var db")
/// carries: the whole value when `secret_name` (its name matches a secret glob), and every
/// password it holds as a connection string, decoded and as spelled
/// (host::conninfo_passwords).
void register_value_secrets(const std::string& source, const std::string& value, bool secret_name,
                            SecretRegistry& secrets);

/// Registers what the pack alone carries, nothing resolved (for `validate` and `list`, which
/// read no env file): each var default by name and by the connection strings in its value,
/// the passwords written literally in each connection's `postgres:`, and each `password:`
/// without references.
void register_pack_secrets(const RulePack& pack, SecretRegistry& secrets);

/// A redactor for what is printed about `pack` before or without a run (load diagnostics,
/// `validate`, `list`): it knows the secrets of register_pack_secrets.
Redactor pack_redactor(const RulePack& pack);

/// Registers every secret the inputs carry: what register_pack_secrets registers, and each var (the pack's defaults and --var) by name
/// (default secret globs and the pack's `secrets:`) and by the connection strings in its
/// value; the connection-string passwords of every env value (env files over the process
/// environment); each connection's `password:` and the passwords in its `postgres:` string,
/// resolved through `environment` (when a reference cannot be resolved, the literal text of
/// the string is scanned instead).
void register_input_secrets(const RulePack& pack, const RunInputs& inputs, const RunEnvironment& environment,
                            SecretRegistry& secrets);

}  // namespace preflight
