#pragma once
// The command line: `preflight run|validate|list|kinds|schema|diff|summary|completion`.
#include <iosfwd>
#include <string>
#include <vector>

namespace preflight {

/// Exit statuses of SPEC §1.
enum ExitCode : int {
    kExitPass = 0,
    kExitFail = 1,
    kExitUnknown = 2,
    kExitUsage = 64,
    kExitInvalidPack = 65,
    kExitNoInput = 66,  ///< an input file (rule file or directory, a report for diff or summary) cannot be read
    kExitInternal = 70,
};

/// Runs the command line; returns the exit status. Never throws.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

struct LoadResult;

/// With no RULES (`paths` empty), the default rule directory (default_rules_directory()) when it
/// holds *.yaml files: returns 0 and adds it to `paths`. When it is missing or holds none,
/// says so naming it and returns kExitInvalidPack: an empty gate never passes.
int use_default_rules_when_none(std::vector<std::string>& paths, std::ostream& err);

/// Prints every load error of `loaded` and a closing line to `err`; returns kExitNoInput when a
/// rule path could not be read, else kExitInvalidPack.
int report_load_errors(const LoadResult& loaded, std::ostream& err);

/// `preflight run ...` (args after "run").
int run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace preflight
