#pragma once
// The man pages, in roff, generated from the declarations that drive `--help` (src/cli_usage)
// and `preflight kinds` (the kinds' field declarations), so they cannot drift. The build runs
// the hidden `preflight __man 1|5` to write them.
#include <string>

namespace preflight {

/// preflight(1): commands, options, exit status, environment, files, examples.
std::string man_page_preflight();

/// preflight-rules(5): the rule language and every kind's fields.
std::string man_page_rules();

}  // namespace preflight
