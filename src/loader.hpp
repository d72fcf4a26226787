#pragma once
// Loads and validates rule packs. Strict: every problem is a located error; nothing is run.
#include <string>
#include <string_view>
#include <vector>

#include "src/diagnostics.hpp"
#include "src/pack.hpp"

namespace preflight {

inline constexpr size_t kMaxRuleFileBytes = 1024 * 1024;

struct LoadResult {
    RulePack pack;
    Diagnostics diagnostics;
    /// How many of `diagnostics` say a rule path could not be read (missing, not a regular file,
    /// permission denied, over 1 MiB, a directory without rule files): exit 66, not 65.
    size_t unreadable_inputs = 0;
    bool ok() const { return diagnostics.empty(); }
};

/// Loads rule files and directories (their *.yaml and *.yml files, sorted) as one pack: the
/// pack-level declarations are merged and check ids must be unique across all files. `run`,
/// `validate` and `list` all load this way, so they agree on every error.
/// Every error of every file is collected; `ok()` is false when there is any.
LoadResult load_rule_packs(const std::vector<std::string>& paths);

/// The rule files named by `paths`: files as given, directories as their *.yaml and *.yml
/// files, sorted. A path that is neither is reported to `diagnostics`.
std::vector<std::string> expand_rule_paths(const std::vector<std::string>& paths, Diagnostics& diagnostics);

/// Loads rule text as if read from `file_name` (tests, fuzzing).
LoadResult load_rule_text(std::string_view text, const std::string& file_name);

/// Lowercase hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace preflight
