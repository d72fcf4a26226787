#pragma once
// GpgKeyFacts from the key GPGME listed. Internal to src/host/gpg.cpp.
#include <gpgme.h>

#include <string>

#include "src/host/gpg.hpp"

namespace preflight::host {

/// `text` (a fingerprint or key id as GPGME gives it) in upper case; "" for null.
std::string upper_hex(const char* text);

/// Fills `facts` from `key`: found, primary key and subkeys, user ids and their best validity,
/// owner trust, and whether the secret key is there when `check_secret` (the listing asked).
void fill_key_facts(gpgme_key_t key, bool check_secret, GpgKeyFacts& facts);

}  // namespace preflight::host
