#pragma once
// Which GnuPG homedir a lookup reads, whether it can be trusted, and private copies of it.
// Internal to src/host/gpg*.cpp.
#include <string>

namespace preflight::host {

/// The absolute homedir to use for `requested` (empty = default_gpg_homedir(), "~/x" = under
/// $HOME). Throws GpgError when it does not exist (it is never created), is not a directory or
/// cannot be read; the message says whether it was the default and for which user. Also when
/// it, or anything in it (gpg.conf, gpg-agent.conf, keyrings ...), belongs to a user other than
/// root or the one running preflight, or is writable by other users: gpg would run what their
/// options name (agent-program ...) as the user running preflight.
std::string usable_gpg_homedir(const std::string& requested);

/// A private temporary homedir (mode 0700, under $TMPDIR or /tmp) holding copies of the public
/// keyring, trust database and gpg.conf of `homedir`, removed with everything gpg left in it
/// when this object goes. For operations after which gpg writes into its homedir (encrypting
/// rewrites random_seed), so that the operator's homedir is only read. Its name ties it to
/// the process's owner lock (src/host/abandoned_dirs.hpp): the first copy a process makes first
/// removes the copies of processes that died without removing theirs (SIGKILL).
class PrivateGpgHome {
public:
    /// Selects the constructor that copies nothing.
    struct Empty {};

    /// Throws GpgError when the directory cannot be made or a file cannot be copied.
    explicit PrivateGpgHome(const std::string& homedir);
    /// A private homedir holding no key at all and a gpg.conf with `gpg_conf` as its content:
    /// for reading a message that nothing there can decrypt. Throws GpgError when the
    /// directory or the file cannot be made.
    PrivateGpgHome(Empty, const std::string& gpg_conf);
    ~PrivateGpgHome();
    PrivateGpgHome(const PrivateGpgHome&) = delete;
    PrivateGpgHome& operator=(const PrivateGpgHome&) = delete;

    const std::string& path() const { return path_; }

private:
    void make_directory(const std::string& what);
    void forget_and_remove() noexcept;
    std::string path_;
};

}  // namespace preflight::host
