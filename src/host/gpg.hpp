#pragma once
// GnuPG keyring access: the facts the `gpg_key` kind judges, the interface it asks them
// through, and the GPGME implementation of that interface.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/host/gpg_recipients.hpp"

namespace preflight::host {

/// GnuPG could not be asked (missing homedir, engine failure, unusable agent socket path ...).
/// what() is a complete message for the report, naming the homedir.
class GpgError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// gpg (or gpg-agent) did not finish before the deadline; the operation was cancelled.
class GpgTimeout : public GpgError {
public:
    explicit GpgTimeout(std::string homedir)
        : GpgError("gpg did not answer in time (homedir " + homedir + ")"),
          homedir_(std::move(homedir)) {}
    /// The homedir that was being read.
    const std::string& homedir() const { return homedir_; }

private:
    std::string homedir_;
};

/// The primary key or one subkey, as gpg lists it. Times are seconds since the epoch (UTC).
struct GpgSubkeyFacts {
    std::string fingerprint;  ///< 40 hex, upper case
    std::string key_id;       ///< the last 16 hex of the fingerprint
    std::string algorithm;    ///< as gpg names it: "rsa2048", "ed25519", "cv25519"
    unsigned bits = 0;
    long long created = 0;
    long long expires = 0;    ///< 0 = never
    bool can_encrypt = false, can_sign = false, can_certify = false, can_authenticate = false;
    bool revoked = false, expired = false, disabled = false, invalid = false;
};

struct GpgUserIdFacts {
    std::string text;      ///< "Backup <backup@example.org>"
    std::string validity;  ///< "unknown", "undefined", "never", "marginal", "full", "ultimate"
    bool revoked = false;
};

/// What the keyring says about one fingerprint.
struct GpgKeyFacts {
    std::string homedir;      ///< the homedir read (the resolved default when none was given)
    std::string fingerprint;  ///< the fingerprint looked up
    bool found = false;       ///< a key with this primary fingerprint is in the keyring
    /// When not found as a primary key but as a subkey: the primary fingerprint of that key.
    std::string subkey_of;
    GpgSubkeyFacts primary;               ///< valid when found
    std::vector<GpgSubkeyFacts> subkeys;  ///< without the primary key
    std::vector<GpgUserIdFacts> user_ids;
    std::string owner_trust;  ///< same words as GpgUserIdFacts::validity
    std::string validity;     ///< the best validity of its user ids
    /// Whether the secret key is in the keyring; nullopt when it was not asked.
    std::optional<bool> secret_key;
};

/// The result of encrypting a small random buffer in memory to a key.
struct GpgProbeFacts {
    bool encrypted = false;
    std::size_t ciphertext_bytes = 0;
    std::string problem;  ///< why it failed, e.g. "Unusable public key"; empty on success
};

/// The keyring as the `gpg_key` kind sees it. Implementations are thread-safe.
class GpgKeyring {
public:
    virtual ~GpgKeyring() = default;

    /// Facts about the key whose primary fingerprint is `fingerprint` (40 upper-case hex) in
    /// `homedir` (empty = the default homedir of the user running preflight). The secret key is
    /// looked for only when `check_secret`, since that needs gpg-agent. A key that is not in the
    /// keyring is `found == false`, not an error. Throws GpgTimeout at `deadline` and GpgError
    /// when the keyring could not be read (e.g. the homedir does not exist; it is never created).
    virtual GpgKeyFacts lookup(const std::string& homedir, const std::string& fingerprint,
                               std::chrono::steady_clock::time_point deadline,
                               bool check_secret) const = 0;

    /// Encrypts a small random buffer in memory to the key (trusting it: validity is reported
    /// by lookup), writing nothing to disk. A key gpg refuses is `encrypted == false` with the
    /// reason; throws GpgTimeout at `deadline` and GpgError when gpg could not be run.
    virtual GpgProbeFacts encrypt_probe(const std::string& homedir, const std::string& fingerprint,
                                        std::chrono::steady_clock::time_point deadline) const = 0;

    /// Who the OpenPGP message in the file `path` is encrypted to, without decrypting it: gpg
    /// tries to decrypt it in an empty temporary homedir (no key, no gpg-agent, passphrases
    /// refused), any output is discarded. Only regular files are read (symlinks followed),
    /// never blocking on a FIFO or device: anything else is `unreadable`. Throws GpgTimeout at
    /// `deadline` (a huge file is streamed, never held in memory) and GpgError when gpg could
    /// not be run. This default implementation throws GpgError (not available).
    virtual GpgMessageFacts read_message(const std::string& path,
                                         std::chrono::steady_clock::time_point deadline) const;
};

/// Initialises GPGME for this process (version check, locale). Idempotent and cheap after the
/// first call; safe from several threads. Throws GpgError when the library is unusable.
void initialise_gpgme();

/// Initialises GPGME and runs its engine probe (`gpg --version` of the gpg on PATH; GPGME's
/// gpgconf probes are disabled) that the first context would otherwise run on the critical path. Never throws: a failure is reported by the
/// first operation that needs GPGME.
void warm_up_gpgme() noexcept;

/// Removes every private copy of a homedir (see GpgmeKeyring) that still exists: at the end of a
/// run (its keyring lives until the process exits, keeping its copies), and for a process about
/// to leave while a check thread that made one is abandoned. Call after the gpg processes that
/// may still use them are stopped.
void remove_private_gpg_homes() noexcept;

/// The homedir gpg uses when none is given: $GNUPGHOME, else $HOME/.gnupg (the home directory of
/// the user from the password database when HOME is unset).
std::string default_gpg_homedir();

/// The GnuPG keyring through the GPGME C API. Contexts have the homedir set explicitly, never
/// prompt (loopback pinentry) and every operation is cancelled at its deadline.
/// One object is one snapshot of the keyrings it reads: a key listing is made once per
/// (homedir, fingerprint, secret or not) and served from memory afterwards. Public keys are
/// listed and encrypted to in a private temporary copy of the public keyring (see
/// PrivateGpgHome), made once per homedir on first use and kept, with one GPGME context working
/// in it, until this object goes (or remove_private_gpg_homes() runs): operations on one homedir
/// take turns, each waiting at most until its own deadline. Asking for the secret key uses the
/// homedir itself, since only its gpg-agent can answer; gpg-agent's socket directory is asked
/// of gpgconf (a child process) only then, once per homedir.
class GpgmeKeyring : public GpgKeyring {
public:
    /// Uses $PREFLIGHT_GPG_BINARY as the gpg program when set and not empty, else the `gpg` on
    /// $PATH (the system default path when PATH is unset; never the current directory).
    GpgmeKeyring();
    /// Uses `gpg_binary` as the gpg program (empty = the `gpg` on $PATH, as above).
    explicit GpgmeKeyring(std::string gpg_binary);
    ~GpgmeKeyring() override;
    GpgmeKeyring(const GpgmeKeyring&) = delete;
    GpgmeKeyring& operator=(const GpgmeKeyring&) = delete;

    GpgKeyFacts lookup(const std::string& homedir, const std::string& fingerprint,
                       std::chrono::steady_clock::time_point deadline,
                       bool check_secret) const override;
    GpgProbeFacts encrypt_probe(const std::string& homedir, const std::string& fingerprint,
                                std::chrono::steady_clock::time_point deadline) const override;
    /// See GpgKeyring::read_message; implemented in src/host/gpg_recipients.cpp.
    GpgMessageFacts read_message(const std::string& path,
                                 std::chrono::steady_clock::time_point deadline) const override;

private:
    struct Homedir;
    struct Cache;
    std::string gpg_binary_;
    std::unique_ptr<Cache> cache_;
};

}  // namespace preflight::host
