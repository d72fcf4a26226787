#pragma once
// The command line's declarations: commands, `run` options, exit statuses. `--help`, the man
// page preflight(1) and the bash completion are all generated from these, so they cannot drift.
#include <optional>
#include <string>
#include <vector>

namespace preflight {

/// One subcommand.
struct CommandDoc {
    std::string name;          ///< "run"
    std::string summary_args;  ///< arguments as the general usage shows them: "RULES... [options]"
    std::string usage_args;    ///< arguments as `preflight NAME --help` shows them
    std::string summary;       ///< one line for the general usage
    std::string description;   ///< what `NAME --help` says, one or more lines ending in '\n'
    bool takes_rules = false;  ///< takes RULES (kRulesArgumentMeaning follows the description)
    std::string exit_status;   ///< "exit status: ..." lines ending in '\n'
};

/// One option of `preflight run`.
struct OptionDoc {
    std::string short_name;             ///< "-o", or empty
    std::string long_name;              ///< "--output"
    std::string argument;               ///< "PATH", or empty for a switch
    std::string doc;                    ///< one line
    std::vector<std::string> values;    ///< the values it takes, when they are a fixed set
};

/// What RULES means, for the commands that take it.
inline constexpr const char* kRulesArgumentMeaning =
    "RULES: rule files and directories of *.yaml, loaded as one pack; with none, the directory\n"
    "/etc/preflight/rules.d.\n";

/// The directory read when `run`, `validate` or `list` are given no RULES.
inline constexpr const char* kDefaultRulesDirectory = "/etc/preflight/rules.d";

/// kDefaultRulesDirectory, or $PREFLIGHT_RULES_DIR when that is set and not empty.
std::string default_rules_directory();

/// Every subcommand, in the order `--help` lists them.
const std::vector<CommandDoc>& all_commands();

/// The subcommand of this name, or null.
const CommandDoc* find_command(const std::string& name);

/// Every option of `preflight run`, in the order `--help` lists them.
const std::vector<OptionDoc>& run_options();

/// `preflight --help`.
std::string general_usage();

/// `preflight COMMAND --help`, or nullopt for an unknown command.
std::optional<std::string> command_usage(const std::string& name);

}  // namespace preflight
