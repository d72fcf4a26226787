// judge_gpg_key and describe_gpg_key over literal facts, with an injected "now".
#include <doctest/doctest.h>

#include "checks/gpg_key.hpp"

using namespace preflight;
using host::GpgKeyFacts;
using host::GpgProbeFacts;
using host::GpgSubkeyFacts;

namespace {

const std::string kFpr = "9B2D33975874E4EE4C0D80A8DA3E15CDD8C786DA";
constexpr long long kDay = 86400;
constexpr long long kNow = 1800000000;  // 2027-01-15T08:00:00Z
const auto kNowPoint = std::chrono::system_clock::time_point(std::chrono::seconds(kNow));

GpgSubkeyFacts key(std::string key_id, std::string algorithm, bool encrypt, bool sign) {
    GpgSubkeyFacts k;
    k.key_id = std::move(key_id);
    k.fingerprint = "0000000000000000000000000000000000000000";
    k.algorithm = std::move(algorithm);
    k.bits = 255;
    k.created = 1700000000;  // 2023-11-14T22:13:20Z
    k.can_encrypt = encrypt;
    k.can_sign = sign;
    k.can_certify = sign;
    return k;
}

// An ed25519 primary key that signs, with a cv25519 encryption subkey; nothing expires.
GpgKeyFacts ed_key() {
    GpgKeyFacts facts;
    facts.homedir = "/h";
    facts.fingerprint = kFpr;
    facts.found = true;
    facts.primary = key("DA3E15CDD8C786DA", "ed25519", false, true);
    facts.primary.fingerprint = kFpr;
    facts.subkeys.push_back(key("1111222233334444", "cv25519", true, false));
    facts.user_ids.push_back({"Backup <backup@example.org>", "ultimate", false});
    facts.owner_trust = "ultimate";
    facts.validity = "ultimate";
    return facts;
}

Outcome judge(const GpgKeyFacts& facts, GpgKeyRequirements want = {}, const GpgProbeFacts* probe = nullptr) {
    return judge_gpg_key(facts, want, probe, kNowPoint);
}

GpgKeyRequirements encrypt() {
    GpgKeyRequirements want;
    want.usable_for = GpgUsage::encrypt;
    return want;
}

const std::string kExtend = "Extend the expiry where the secret key is kept: gpg --quick-set-expire " + kFpr +
                            " 1y (add '*' after 1y for its subkeys), then export the public key and import it here again.";

}  // namespace

TEST_CASE("gpg_key judge: a valid key passes, saying what it can do and until when") {
    auto any = judge(ed_key());
    CHECK(any.status == Status::pass);
    CHECK(any.message == "key " + kFpr + " is valid in GnuPG homedir /h; no expiry");

    auto enc = judge(ed_key(), encrypt());
    CHECK(enc.status == Status::pass);
    CHECK(enc.message == "key " + kFpr + " is valid in GnuPG homedir /h; encrypts with subkey 1111222233334444 (cv25519); no expiry");

    GpgKeyRequirements sign;
    sign.usable_for = GpgUsage::sign;
    auto signs = judge(ed_key(), sign);
    CHECK(signs.status == Status::pass);
    CHECK(signs.message == "key " + kFpr + " is valid in GnuPG homedir /h; signs with the primary key (ed25519); no expiry");
}

TEST_CASE("gpg_key judge: a missing key fails with the import command") {
    GpgKeyFacts facts;
    facts.homedir = "/h";
    facts.fingerprint = kFpr;
    auto outcome = judge(facts, encrypt());
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "no key with fingerprint " + kFpr + " in GnuPG homedir /h");
    CHECK(outcome.generated_remedy == "Import the public key: gpg --homedir /h --import KEYFILE, then compare: "
                                      "gpg --homedir /h --fingerprint " + kFpr);
    CHECK(outcome.observed == nlohmann::json{{"homedir", "/h"}, {"fingerprint", kFpr}, {"found", false}});

    facts.subkey_of = "AAAABBBBCCCCDDDDEEEEFFFF0000111122223333";
    auto subkey = judge(facts);
    CHECK(subkey.status == Status::fail);
    CHECK(subkey.message == "fingerprint " + kFpr + " belongs to a subkey of key AAAABBBBCCCCDDDDEEEEFFFF0000111122223333 "
                            "in GnuPG homedir /h, not to a primary key; give the primary key's fingerprint");
}

TEST_CASE("gpg_key judge: revoked, expired, disabled and invalid primary keys fail, saying which") {
    auto revoked = ed_key();
    revoked.primary.revoked = true;
    auto outcome = judge(revoked);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "key " + kFpr + " in GnuPG homedir /h is revoked");
    CHECK(outcome.generated_remedy == "A revoked key cannot be used again: import the key that replaces it and use its fingerprint.");

    // Expiry is judged against the injected time even when gpg did not flag it.
    auto expired = ed_key();
    expired.primary.expires = kNow - 3 * kDay;
    outcome = judge(expired);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "key " + kFpr + " in GnuPG homedir /h is expired since 2027-01-12");
    CHECK(outcome.generated_remedy == kExtend);

    auto several = ed_key();
    several.primary.revoked = true;
    several.primary.disabled = true;
    several.primary.invalid = true;
    CHECK(judge(several).message == "key " + kFpr + " in GnuPG homedir /h is revoked, disabled and invalid");

    auto disabled = ed_key();
    disabled.primary.disabled = true;
    outcome = judge(disabled);
    CHECK(outcome.message == "key " + kFpr + " in GnuPG homedir /h is disabled");
    CHECK(outcome.generated_remedy == "Enable it if it is the right key: gpg --homedir /h --edit-key " + kFpr + " enable quit");
}

TEST_CASE("gpg_key judge: usable_for needs a subkey with the capability that is itself usable") {
    auto revoked_subkey = ed_key();
    revoked_subkey.subkeys[0].revoked = true;
    auto outcome = judge(revoked_subkey, encrypt());
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "key " + kFpr + " in GnuPG homedir /h has no usable encryption subkey: "
                             "subkey 1111222233334444 (cv25519) is revoked");
    CHECK(outcome.expected == nlohmann::json{{"usable_for", "encrypt"}});
    CHECK(judge(revoked_subkey).status == Status::pass);  // usable_for: any does not look at subkeys

    auto sign_only = ed_key();
    sign_only.subkeys.clear();
    outcome = judge(sign_only, encrypt());
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "key " + kFpr + " in GnuPG homedir /h has no subkey that can encrypt");

    auto two = ed_key();
    two.subkeys[0].expires = kNow - kDay;
    two.subkeys.push_back(key("5555666677778888", "cv25519", true, false));
    two.subkeys[1].disabled = true;
    outcome = judge(two, encrypt());
    CHECK(outcome.message == "key " + kFpr + " in GnuPG homedir /h has no usable encryption subkey: "
                             "subkey 1111222233334444 (cv25519) is expired since 2027-01-14; "
                             "subkey 5555666677778888 (cv25519) is disabled");

    // With several usable subkeys, the one valid longest is the one judged.
    auto rotated = ed_key();
    rotated.subkeys[0].expires = kNow + 10 * kDay;
    rotated.subkeys.push_back(key("5555666677778888", "cv25519", true, false));
    rotated.subkeys[1].expires = kNow + 400 * kDay + 3600;
    auto want = encrypt();
    want.min_valid_days = 30;
    outcome = judge(rotated, want);
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == "key " + kFpr + " is valid in GnuPG homedir /h; encrypts with subkey 5555666677778888 "
                             "(cv25519); expires on 2028-02-19 (in 400 days)");
}

TEST_CASE("gpg_key judge: min_valid_days against the expiry that binds") {
    auto soon = ed_key();
    soon.subkeys[0].expires = kNow + 5 * kDay + 3600;
    auto want = encrypt();
    want.min_valid_days = 30;
    auto outcome = judge(soon, want);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "the encryption subkey 1111222233334444 of key " + kFpr +
                             " expires on 2027-01-20 (in 5 days); at least 30 days are required (min_valid_days)");
    CHECK(outcome.generated_remedy == kExtend);
    CHECK(outcome.expected == nlohmann::json{{"min_valid_days", 30}});

    want.min_valid_days = 5;
    outcome = judge(soon, want);
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == "key " + kFpr + " is valid in GnuPG homedir /h; encrypts with subkey 1111222233334444 "
                             "(cv25519); expires on 2027-01-20 (in 5 days)");

    // The primary key expiring first bounds its subkeys.
    auto primary_first = ed_key();
    primary_first.primary.expires = kNow + 2 * kDay;
    primary_first.subkeys[0].expires = kNow + 300 * kDay;
    want.min_valid_days = 30;
    CHECK(judge(primary_first, want).message ==
          "key " + kFpr + " expires on 2027-01-17 (in 2 days); at least 30 days are required (min_valid_days)");

    GpgKeyRequirements any;
    any.min_valid_days = 1;
    auto hours = ed_key();
    hours.primary.expires = kNow + 3600;
    CHECK(judge(hours, any).message ==
          "key " + kFpr + " expires on 2027-01-15 (in less than a day); at least 1 day is required (min_valid_days)");
    any.min_valid_days = 0;
    CHECK(judge(hours, any).status == Status::pass);
    CHECK(judge(ed_key(), want).status == Status::pass);  // never expires
}

TEST_CASE("gpg_key judge: secret_key policy") {
    GpgKeyRequirements present;
    present.secret_key = SecretKeyPolicy::present;
    GpgKeyRequirements absent;
    absent.secret_key = SecretKeyPolicy::absent;
    auto without = ed_key();
    without.secret_key = false;
    auto with = ed_key();
    with.secret_key = true;

    CHECK(judge(without, present).message == "key " + kFpr + " has no secret key in GnuPG homedir /h (secret_key: present)");
    CHECK(judge(without, present).status == Status::fail);
    auto held = judge(with, absent);
    CHECK(held.status == Status::fail);
    CHECK(held.message == "the secret key of " + kFpr + " is in GnuPG homedir /h, but this host must hold only the "
                          "public key (secret_key: absent)");
    CHECK(held.expected == nlohmann::json{{"secret_key", "absent"}});
    CHECK(judge(without, present).expected == nlohmann::json{{"secret_key", "present"}});
    CHECK(held.generated_remedy == "Make sure the secret key is kept elsewhere, then remove it here: gpg --homedir /h "
                                   "--delete-secret-keys " + kFpr);
    CHECK(judge(with, present).message == "key " + kFpr + " is valid in GnuPG homedir /h; no expiry; secret key present");
    CHECK(judge(without, absent).message == "key " + kFpr + " is valid in GnuPG homedir /h; no expiry; public key only");

    // Not asked is never taken as an answer.
    auto unknown = judge(ed_key(), absent);
    CHECK(unknown.status == Status::error);
    CHECK(unknown.message == "whether the secret key of " + kFpr + " is present was not checked");
}

TEST_CASE("gpg_key judge: encrypt probe") {
    GpgKeyRequirements want;
    want.encrypt_probe = true;
    GpgProbeFacts ok{true, 224, ""};
    auto passed = judge(ed_key(), want, &ok);
    CHECK(passed.status == Status::pass);
    CHECK(passed.message == "key " + kFpr + " is valid in GnuPG homedir /h; no expiry; encrypt probe succeeded");
    CHECK(passed.observed["encrypt_probe"] == "encrypted 64 random bytes into 224 bytes");

    GpgProbeFacts refused{false, 0, "gpg refused the key: Unusable public key"};
    auto failed = judge(ed_key(), want, &refused);
    CHECK(failed.status == Status::fail);
    CHECK(failed.message == "encrypting a test message to key " + kFpr + " failed: gpg refused the key: Unusable public key");

    auto sign_only = ed_key();
    sign_only.subkeys.clear();
    CHECK(judge(sign_only, want, &refused).message ==
          "encrypting a test message to key " + kFpr + " failed: it has no subkey that can encrypt "
          "(gpg refused the key: Unusable public key)");

    auto missing = judge(ed_key(), want, nullptr);
    CHECK(missing.status == Status::error);
    CHECK(missing.message == "the encrypt probe to " + kFpr + " did not run");
}

TEST_CASE("gpg_key: the observed facts") {
    auto facts = ed_key();
    facts.subkeys[0].expires = 1900000000;
    facts.subkeys[0].revoked = true;
    facts.user_ids.push_back({"Old <old@example.org>", "unknown", true});
    facts.secret_key = false;
    auto expected = nlohmann::json::parse(R"j({
        "homedir": "/h", "fingerprint": "9B2D33975874E4EE4C0D80A8DA3E15CDD8C786DA",
        "algorithm": "ed25519", "bits": 255, "usage": "sign, certify",
        "created": "2023-11-14T22:13:20Z", "expires": "never", "state": "valid",
        "user_ids": ["Backup <backup@example.org>", "Old <old@example.org> (revoked)"],
        "owner_trust": "ultimate", "validity": "ultimate",
        "subkeys": [{"key_id": "1111222233334444", "algorithm": "cv25519", "bits": 255, "usage": "encrypt",
                     "created": "2023-11-14T22:13:20Z", "expires": "2030-03-17T17:46:40Z",
                     "state": "revoked"}],
        "secret_key": "absent"})j");
    CHECK(describe_gpg_key(facts, nullptr) == expected);
    CHECK(describe_gpg_key(ed_key(), nullptr)["secret_key"] == "not checked");
    CHECK(utc_timestamp(0) == "1970-01-01T00:00:00Z");
}
