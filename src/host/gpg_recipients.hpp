#pragma once
// What an OpenPGP message in a file says about who can read it, learnt without decrypting it:
// the facts the `encrypted_file` kind judges. Read by GpgmeKeyring::read_message.
#include <string>
#include <vector>

namespace preflight::host {

/// The key id a hidden recipient (gpg --throw-keyids, -R) is listed with.
inline constexpr const char* kHiddenRecipientKeyId = "0000000000000000";

/// One public-key-encrypted session key of the message.
struct GpgRecipientFacts {
    std::string key_id;     ///< 16 hex, upper case; kHiddenRecipientKeyId for a hidden recipient
    std::string algorithm;  ///< the public-key algorithm as GPGME names it: "ECDH", "RSA", ...
};

/// What gpg saw in the file while trying to decrypt it in an empty homedir (no key at all).
struct GpgMessageFacts {
    std::string path;
    /// Why the file was not read ("no such file", "not a regular file (it is a FIFO)"); empty
    /// when it was. Nothing below is set then.
    std::string unreadable;
    long long size = 0;  ///< bytes; an empty file is not given to gpg
    /// "binary" (the first byte is an OpenPGP packet tag), "ASCII-armored" (an armor header
    /// "-----BEGIN PGP MESSAGE-----" starts a line in the first 4 KiB) or "text" (neither).
    std::string format;
    std::vector<GpgRecipientFacts> recipients;  ///< in the order gpg reported them
    int passphrase_session_keys = 0;  ///< symmetric session keys (gpg -c): anyone with the passphrase
    int encrypted_data_packets = 0;   ///< encrypted data gpg began to decrypt (one per message)
    bool literal_data = false;        ///< unencrypted content (gpg --store, a signed message)
    long long literal_bytes = 0;      ///< how many bytes of it gpg wrote (discarded, never kept)
    bool no_openpgp_data = false;     ///< gpg reported "no valid OpenPGP data" (NODATA 1 or 2)
    bool invalid_packet = false;      ///< gpg reported an invalid packet (NODATA 3)
    std::string gpg_result;           ///< the operation's result as GPGME words it, for the report
};

}  // namespace preflight::host
