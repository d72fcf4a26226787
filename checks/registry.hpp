#pragma once
#include <string>
#include <vector>

#include "src/check.hpp"

namespace preflight {

/// Every check kind, in the order `preflight kinds` lists them.
const std::vector<KindSpec>& all_kinds();

/// The kind of this name, or null.
const KindSpec* find_kind(const std::string& name);

/// The fields every check has (id, kind, title, severity, needs, timeout, remedy, tags, why).
const std::vector<FieldSpec>& common_fields();

}  // namespace preflight
