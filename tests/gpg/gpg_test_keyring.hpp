#pragma once
// A throwaway GnuPG keyring with one key per case, generated once per test binary (keys without
// passphrase, %no-protection) and removed at exit together with the gpg-agents it started.
#include <string>
#include <vector>

namespace preflight::testing {

struct TestKeyring {
    std::string base;         ///< /tmp/pfg-XXXXXX, mode 0700
    std::string home;         ///< every key below, with its secret key
    std::string public_home;  ///< only the public part of `ed`, imported (validity unknown)
    std::string long_home;    ///< a copy of `home` at a path too long for gpg-agent's socket
    std::string hanging_gpg;  ///< a "gpg" that answers --version and then hangs

    std::string rsa;             ///< RSA 2048 primary (sign) + RSA 2048 encryption subkey, 2y
    std::string ed;              ///< ed25519 primary + cv25519 encryption subkey, no expiry
    std::string sign_only;       ///< ed25519 primary, no subkey
    std::string revoked_subkey;  ///< ed25519 + cv25519 subkey that is revoked
    std::string revoked;         ///< ed25519 + cv25519, primary revoked
    std::string expired;         ///< ed25519 + cv25519 created 2020-01-01, expired 2021
    std::string expiring;        ///< ed25519 + cv25519 both expiring in 5.5 days
    std::string disabled;        ///< ed25519 + cv25519, disabled in the trust database
    long long expiring_at = 0;   ///< when `expiring` expires (seconds since the epoch)

    TestKeyring();
    ~TestKeyring();
    TestKeyring(const TestKeyring&) = delete;
    TestKeyring& operator=(const TestKeyring&) = delete;
};

/// The keyring of this test binary, generated on first use.
const TestKeyring& test_keyring();

/// A copy of the test keyring's home at `path` (mode 0700: keys, secret keys and trust
/// database, no agent sockets); returns `path`.
std::string copy_of_test_home(const std::string& path);

/// Runs a shell command; returns its stdout. Throws std::runtime_error when it fails.
std::string shell(const std::string& command);

/// `text` quoted for /bin/sh.
std::string shell_quote(const std::string& text);

}  // namespace preflight::testing
