#pragma once
// Kind `gpg_key`: a key with this full fingerprint is in a GnuPG keyring, is not revoked,
// expired, disabled or invalid, has a usable subkey for the job, stays valid long enough,
// follows the secret-key policy, and optionally really encrypts.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "src/check.hpp"
#include "src/host/gpg.hpp"

namespace preflight {

enum class GpgUsage { any, encrypt, sign };
enum class SecretKeyPolicy { any, present, absent };

/// What the pack asks of the key (besides existing in a usable state).
struct GpgKeyRequirements {
    GpgUsage usable_for = GpgUsage::any;
    std::optional<long long> min_valid_days;
    SecretKeyPolicy secret_key = SecretKeyPolicy::any;
    bool encrypt_probe = false;
};

/// The fingerprint in the form gpg prints it: spaces (and tabs) removed, upper case. Nullopt
/// when `text` is not a full 40-hex v4 fingerprint, with `problem` set to the rest of a sentence
/// that starts "fingerprint ...", e.g. "is a 16-hex-digit key id; ..."; the value itself is
/// never quoted in it, since it may be secret.
std::optional<std::string> normalise_fingerprint(std::string_view text, std::string& problem);

/// A `fingerprint` field as gpg-based kinds declare it: checked at load when it is literal,
/// else at run time after interpolation.
struct FingerprintField {
    Template text;
    std::optional<std::string> literal;  ///< normalised, when the field has no references

    /// Reads the field; reports a missing or misspelt literal fingerprint to `diagnostics`
    /// ("KIND needs 'fingerprint'", "fingerprint is a 16-hex-digit key id; ...") and returns false.
    bool load(const FieldValues& fields, const std::string& kind, Diagnostics& diagnostics);

    /// The normalised fingerprint. When it comes from a secret env value in another spelling,
    /// that spelling is registered as secret too. Nullopt with `problem` set to a complete
    /// message ("fingerprint from ${env.X} is empty; ...") when it is not a full fingerprint.
    std::optional<std::string> resolve(const RunContext& context, std::string& problem) const;
};

/// The verdict on `facts` for `want` at time `now`. `probe` is the encrypt probe's result, null
/// when it was not run. Pure: expiry is computed from `now`, not from gpg's own flags alone.
/// Returns error (never pass) when a fact the requirements need is missing.
Outcome judge_gpg_key(const host::GpgKeyFacts& facts, const GpgKeyRequirements& want,
                      const host::GpgProbeFacts* probe, std::chrono::system_clock::time_point now);

/// The observed part of a result: homedir, fingerprint, algorithm and size, dates, user ids,
/// owner trust and validity, subkeys with usage and state, secret key and probe.
nlohmann::json describe_gpg_key(const host::GpgKeyFacts& facts, const host::GpgProbeFacts* probe);

/// "2026-11-28T15:21:40Z" for seconds since the epoch.
std::string utc_timestamp(long long seconds);

/// The `gpg_key` kind.
KindSpec gpg_key_kind();

}  // namespace preflight
