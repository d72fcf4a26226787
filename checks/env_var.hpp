#pragma once
// Kind `env_var`: a variable is defined once, not empty and (optionally) matches a pattern, in a
// given env file or in the run's environment (the pack's env files over the process environment).
#include <string>
#include <vector>

#include "src/check.hpp"
#include "src/pattern.hpp"

namespace preflight {

/// What a lookup of one variable found.
struct EnvVarFindings {
    std::string name;
    /// Where it was looked up, for messages: the env file's path or a phrase such as
    /// "the pack's env files or the process environment".
    std::string source;
    std::vector<std::string> values;  ///< one per definition, in file order; empty = undefined
    std::vector<int> lines;           ///< the line of each definition (env files only)
};

/// Judges the findings. `matches` (may be null) is searched in the whole value, which is one
/// subject even when it spans lines: `^` and `$` anchor its start and end. Undefined, defined
/// more than once, empty or not matching is `fail`; otherwise `pass` "NAME is set (VALUE)". The
/// value goes into the message and `observed` as it is: the redactor shortens it later if it is
/// a registered secret.
Outcome judge_env_var(const EnvVarFindings& findings, const Pattern* matches);

/// The `env_var` kind.
KindSpec env_var_kind();

}  // namespace preflight
