#pragma once
// Kind `encrypted_file`: a file is an OpenPGP message encrypted to the key with a given
// fingerprint (through one of its encryption subkeys), judged from the message's list of
// recipient key ids without decrypting it and without any secret key.
#include <string>

#include "src/check.hpp"
#include "src/host/gpg.hpp"

namespace preflight {

/// Whether recipients besides the expected key fail the check (they are reported either way).
enum class OtherRecipients { allowed, forbidden };

/// The last 8 characters of a key id or fingerprint: the form recipients are reported in.
std::string short_key_id(const std::string& key_id);

/// The verdict on the message facts for the expected key's keyring facts. Pure. Pass only when
/// the file is one OpenPGP public-key-encrypted message and at least one recipient key id is
/// one of `key`'s subkeys that can encrypt (the primary key counts when it can); a hidden
/// recipient (key id 0000000000000000) never matches: when it could be the only way the key
/// is a recipient, or the only extra recipient under `forbidden`, the result is error
/// ("cannot tell"). A file that could not be read, or a key that is not in the keyring, is
/// error; every other shortfall is fail, with a message saying which.
Outcome judge_encrypted_file(const host::GpgMessageFacts& message, const host::GpgKeyFacts& key,
                             OtherRecipients others);

/// The observed part of a result: the file (path, size, format), the expected key's
/// encryption subkeys and every recipient, key ids in their last 8 characters.
nlohmann::json describe_encrypted_file(const host::GpgMessageFacts& message, const host::GpgKeyFacts& key);

/// The `encrypted_file` kind.
KindSpec encrypted_file_kind();

}  // namespace preflight
