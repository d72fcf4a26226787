#pragma once
// Which GnuPG homedir a lookup reads, and whether gpg-agent can serve it.
// Internal to src/host/gpg.cpp.
#include <cstddef>
#include <string>

namespace preflight::host {

/// The absolute homedir to use for `requested` (empty = default_gpg_homedir(), "~/x" = under
/// $HOME). Throws GpgError when it does not exist (it is never created), is not a directory or
/// cannot be read; the message says whether it was the default and for which user.
std::string usable_gpg_homedir(const std::string& requested);

/// The longest path gpg-agent creates a socket at, sizeof(sockaddr_un::sun_path) - 2 (106 on
/// Linux): gpg-agent refuses longer ones and exits.
std::size_t max_agent_socket_path();

/// Throws GpgError when gpg-agent could not create its sockets for `homedir`, as gpgconf
/// places them (in the homedir, or under /run/user/UID when that exists): gpg would then
/// report every secret key as absent.
void require_agent_socket_fits(const std::string& homedir);

}  // namespace preflight::host
