#pragma once
// The files preflight takes instructions from (rule files, env files) and the directories it
// writes reports to, examined for who could change or replace them (src/path_trust.hpp).
#include <optional>
#include <string>

#include "src/path_trust.hpp"

namespace preflight::host {

/// When preflight runs as root (effective uid 0): why a user other than root could change or
/// replace the regular file `path` (relative paths are taken from the working directory), e.g.
/// "directory /srv/rules is owned by nobody (uid 65534), not by root". Nullopt when no other
/// user could, and always when preflight does not run as root.
std::optional<std::string> untrusted_as_root(const std::string& path);

}  // namespace preflight::host
