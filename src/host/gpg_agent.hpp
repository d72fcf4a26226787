#pragma once
// Whether gpg-agent can serve a GnuPG homedir: only it can tell whether a secret key is there,
// and gpg reports every secret key as absent when it cannot reach it.
// Internal to src/host/gpg.cpp.
#include <chrono>
#include <cstddef>
#include <string>

namespace preflight::host {

/// The longest path gpg-agent creates a socket at, sizeof(sockaddr_un::sun_path) - 2 (106 on
/// Linux): gpg-agent refuses longer ones and exits.
std::size_t max_agent_socket_path();

/// The gpgconf that belongs to `gpg_binary`: the `gpgconf` beside it when there is one, else the
/// one on $PATH (the system default path when PATH is unset); empty when there is none.
std::string gpgconf_for(const std::string& gpg_binary);

/// The directory gpg-agent's sockets for `homedir` are in, as `GPGCONF --homedir HOMEDIR
/// --list-dirs socketdir` says (in the homedir, or under /run/user/UID when that exists). Runs
/// gpgconf as a child process with this process's environment, killed at `deadline`. Throws
/// GpgTimeout at the deadline and GpgError when gpgconf is missing, fails or says nothing.
std::string agent_socket_directory(const std::string& gpgconf, const std::string& homedir,
                                   std::chrono::steady_clock::time_point deadline);

/// Throws GpgError when gpg-agent could not create its sockets in `socket_dir` (see
/// agent_socket_directory) for `homedir`: gpg would then report every secret key as absent.
void require_agent_socket_fits(const std::string& homedir, const std::string& socket_dir);

/// Throws GpgError when no gpg-agent listens in `socket_dir` for `homedir`. Called after gpg
/// listed secret keys there: gpg starts the agent when none runs, and when it could not (no
/// gpg-agent installed, a failing agent-program, no-autostart) it reports no secret key at all
/// and still succeeds. Never waits for the agent: a listening socket is enough.
void require_agent_listening(const std::string& homedir, const std::string& socket_dir);

}  // namespace preflight::host
