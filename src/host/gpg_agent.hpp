#pragma once
// Whether gpg-agent can serve a GnuPG homedir: only it can tell whether a secret key is there,
// and gpg reports every secret key as absent when it cannot reach it.
// Internal to src/host/gpg.cpp.
#include <cstddef>
#include <string>

namespace preflight::host {

/// The longest path gpg-agent creates a socket at, sizeof(sockaddr_un::sun_path) - 2 (106 on
/// Linux): gpg-agent refuses longer ones and exits.
std::size_t max_agent_socket_path();

/// Throws GpgError when gpg-agent could not create its sockets for `homedir`, as gpgconf
/// places them (in the homedir, or under /run/user/UID when that exists): gpg would then
/// report every secret key as absent.
void require_agent_socket_fits(const std::string& homedir);

/// Throws GpgError when no gpg-agent listens on the socket of `homedir`. Called after gpg
/// listed secret keys there: gpg starts the agent when none runs, and when it could not (no
/// gpg-agent installed, a failing agent-program, no-autostart) it reports no secret key at all
/// and still succeeds. Never waits for the agent: a listening socket is enough.
void require_agent_listening(const std::string& homedir);

}  // namespace preflight::host
