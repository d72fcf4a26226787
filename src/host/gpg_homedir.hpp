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

/// A private temporary homedir (mode 0700, under $TMPDIR or /tmp) holding copies of the public
/// keyring, trust database and gpg.conf of `homedir`, removed with everything gpg left in it
/// when this object goes. For operations after which gpg writes into its homedir (encrypting
/// rewrites random_seed), so that the operator's homedir is only read.
class PrivateGpgHome {
public:
    /// Throws GpgError when the directory cannot be made or a file cannot be copied.
    explicit PrivateGpgHome(const std::string& homedir);
    ~PrivateGpgHome();
    PrivateGpgHome(const PrivateGpgHome&) = delete;
    PrivateGpgHome& operator=(const PrivateGpgHome&) = delete;

    const std::string& path() const { return path_; }

private:
    std::string path_;
};

/// The longest path gpg-agent creates a socket at, sizeof(sockaddr_un::sun_path) - 2 (106 on
/// Linux): gpg-agent refuses longer ones and exits.
std::size_t max_agent_socket_path();

/// Throws GpgError when gpg-agent could not create its sockets for `homedir`, as gpgconf
/// places them (in the homedir, or under /run/user/UID when that exists): gpg would then
/// report every secret key as absent.
void require_agent_socket_fits(const std::string& homedir);

}  // namespace preflight::host
