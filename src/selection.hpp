#pragma once
// Which checks a run selects (--only, --skip, --tag), and what in a command line names
// something the pack does not have.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "src/pack.hpp"

namespace preflight {

struct Selection {
    std::vector<std::string> only;  ///< ids or globs; empty = all
    std::vector<std::string> skip;  ///< ids or globs
    std::vector<std::string> tags;  ///< empty = all
};

/// One message per --only or --skip value that matches no check id and per --tag no check
/// carries, with a did-you-mean, e.g. "--only 'a-chek' matches no check (did you mean 'a-check'?)".
/// Empty when every value matches something.
std::vector<std::string> selection_problems(const RulePack& pack, const Selection& selection);

/// One message per --var NAME no rule file declares under `vars:`, with a did-you-mean; never
/// the value. `overrides` are (NAME, VALUE) pairs. Empty when every NAME is declared.
std::vector<std::string> undeclared_var_problems(const RulePack& pack,
                                                 const std::vector<std::pair<std::string, std::string>>& overrides);

/// For each check of `pack`, why it is not selected ("not selected by --only", "... --skip",
/// "... --tag"), or "" when it runs. A selected check pulls in the checks it needs, except those
/// --skip names: --skip always wins. Returns nullopt (with `error` set) when nothing is selected.
std::optional<std::vector<std::string>> select_checks(const RulePack& pack, const Selection& selection,
                                                      std::string& error);

/// One note per selected check that needs a check left out (only --skip can do that), e.g.
/// "check 'b' needs 'a', which is not selected by --skip: 'b' will be skipped and cannot pass".
std::vector<std::string> unmet_need_notes(const RulePack& pack, const std::vector<std::string>& deselected);

}  // namespace preflight
