#pragma once
// Kind `executable`: a program is installed (in PATH or at an absolute path) and its version,
// parsed from its own output, lies within bounds.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/check.hpp"
#include "src/pattern.hpp"

namespace preflight {

/// The components of a version written as digits separated by dots ("2.4.10" -> "2","4","10"),
/// leading zeros dropped; nullopt for anything else ("2.x", "2..4", "", "v2").
std::optional<std::vector<std::string>> parse_version(std::string_view text);

/// Compares versions numerically component by component, a missing component counting as 0:
/// negative when `a` < `b`, 0 when equal (16 == 16.0), positive when `a` > `b` (10 > 9,
/// 2.4.10 > 2.4.9). Components of any length are compared exactly.
int compare_versions(const std::vector<std::string>& a, const std::vector<std::string>& b);

/// The version text in a program's `output`: with `pattern`, its first capture group (or whole
/// match); without, the first run of digits separated by dots ("gpg (GnuPG) 2.2.40" -> "2.2.40"),
/// else the first whole word that is a number, optionally after a 'v'. Nullopt when none.
std::optional<std::string> extract_version(std::string_view output, const Pattern* pattern);

/// Nullopt when `version` lies within the bounds, else the failure message: "gpg 2.2.40 is
/// older than the minimum 2.4" or "gpg 2.5.0 is newer than the maximum 2.4". The maximum is
/// inclusive at its own precision: a maximum of 2.4 accepts every 2.4.x. All three versions
/// must be parseable (see parse_version).
std::optional<std::string> version_bound_violation(const std::string& program,
                                                   const std::string& version,
                                                   const std::optional<std::string>& min_version,
                                                   const std::optional<std::string>& max_version);

/// The `executable` kind.
KindSpec executable_kind();

}  // namespace preflight
