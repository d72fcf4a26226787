#pragma once
// Bash completion, generated from the command-line declarations (src/cli_usage) and the kinds.
#include <string>

namespace preflight {

/// The bash completion script (`preflight completion bash`): subcommands, `run` options,
/// --format values, kind names; check ids for --only/--skip from `preflight list` of the RULES
/// already on the command line (the default rule directory when there are none).
std::string bash_completion_script();

}  // namespace preflight
