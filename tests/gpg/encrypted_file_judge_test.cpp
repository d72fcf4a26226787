// The encrypted_file judge with literal facts: no file, no gpg.
#include <doctest/doctest.h>

#include "checks/encrypted_file.hpp"

using namespace preflight;
using host::GpgKeyFacts;
using host::GpgMessageFacts;

namespace {

const std::string kFpr = "9B2D33975874E4EE4C0D80A8DA3E15CDD8C786DA";
const std::string kSubkey = "61AFB25D3E835425";  // the key's encryption subkey
const std::string kOther = "3A0A90C5194783C8";
const std::string kPath = "/var/lib/cutter/backups/r1.sql.gpg";

GpgKeyFacts key() {
    GpgKeyFacts facts;
    facts.homedir = "/root/.gnupg";
    facts.fingerprint = kFpr;
    facts.found = true;
    facts.primary.key_id = "DA3E15CDD8C786DA";
    facts.primary.can_sign = true;
    facts.subkeys.push_back({});
    facts.subkeys[0].key_id = kSubkey;
    facts.subkeys[0].can_encrypt = true;
    facts.subkeys.push_back({});
    facts.subkeys[1].key_id = "1111222233334444";  // a signing subkey never matches
    facts.subkeys[1].can_sign = true;
    return facts;
}

GpgMessageFacts message(std::vector<std::string> key_ids, int passphrases = 0) {
    GpgMessageFacts facts;
    facts.path = kPath;
    facts.size = 600;
    facts.format = "binary";
    for (const auto& id : key_ids) facts.recipients.push_back({id, id == kSubkey ? "ECDH" : "RSA"});
    facts.passphrase_session_keys = passphrases;
    facts.encrypted_data_packets = 1;
    facts.gpg_result = "Decryption failed (GPGME)";
    return facts;
}

Outcome judge(const GpgMessageFacts& facts, OtherRecipients others = OtherRecipients::forbidden,
              const GpgKeyFacts& expected = key()) {
    return judge_encrypted_file(facts, expected, others);
}

}  // namespace

TEST_CASE("encrypted_file judge: a message to the key's encryption subkey passes") {
    auto outcome = judge(message({kSubkey}));
    CHECK(outcome.status == Status::pass);
    CHECK(outcome.message == kPath + " is a binary OpenPGP message encrypted to key " + kFpr +
                                 " through subkey 3E835425 (ECDH); no other recipient");
    CHECK(outcome.observed["recipients"] ==
          nlohmann::json::parse(R"([{"key_id":"3E835425","algorithm":"ECDH","key":"expected"}])"));
    CHECK(outcome.observed["encryption_subkeys"] == nlohmann::json::parse(R"(["3E835425"])"));
    CHECK(outcome.observed["decrypted"] == false);

    auto armored = message({"61afb25d3e835425"});  // key ids compare case-insensitively
    armored.format = "ASCII-armored";
    armored.recipients[0].algorithm = "ECDH";
    CHECK(judge(armored).message == kPath + " is an ASCII-armored OpenPGP message encrypted to key " + kFpr +
                                        " through subkey 3E835425 (ECDH); no other recipient");
}

TEST_CASE("encrypted_file judge: the primary key matches only when it can encrypt") {
    auto to_primary = message({"DA3E15CDD8C786DA"});
    auto outcome = judge(to_primary);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == "/var/lib/cutter/backups/r1.sql.gpg is not encrypted to key " + kFpr +
                                 ": it is encrypted to other key(s) only: D8C786DA");
    auto expected = key();
    expected.primary.can_encrypt = true;
    CHECK(judge(to_primary, OtherRecipients::forbidden, expected).status == Status::pass);
    CHECK(judge(message({"1111222233334444"})).status == Status::fail);
}

TEST_CASE("encrypted_file judge: other recipients are listed, and fail only when forbidden") {
    auto both = message({kSubkey, kOther});
    auto allowed = judge(both, OtherRecipients::allowed);
    CHECK(allowed.status == Status::pass);
    CHECK(allowed.message == kPath + " is a binary OpenPGP message encrypted to key " + kFpr +
                                 " through subkey 3E835425 (ECDH); also readable by: 194783C8 (other_recipients: allowed)");
    auto forbidden = judge(both);
    CHECK(forbidden.status == Status::fail);
    CHECK(forbidden.message == kPath + " is encrypted to key " + kFpr +
                                   " through subkey 3E835425 (ECDH) but can also be read by: 194783C8 (other_recipients: forbidden)");
    CHECK(forbidden.observed["recipients"][1] ==
          nlohmann::json::parse(R"({"key_id":"194783C8","algorithm":"RSA","key":"other"})"));

    auto with_passphrase = judge(message({kSubkey}, 1));
    CHECK(with_passphrase.status == Status::fail);
    CHECK(with_passphrase.message == kPath + " is encrypted to key " + kFpr +
                                         " through subkey 3E835425 (ECDH) but can also be read by: a passphrase (other_recipients: forbidden)");
    CHECK(judge(message({kSubkey}, 1), OtherRecipients::allowed).message ==
          kPath + " is a binary OpenPGP message encrypted to key " + kFpr +
              " through subkey 3E835425 (ECDH); also readable by: a passphrase (other_recipients: allowed)");
}

TEST_CASE("encrypted_file judge: a message to other keys only fails, naming them by their last 8") {
    auto outcome = judge(message({kOther, "AAAABBBBCCCCDDDD"}), OtherRecipients::allowed);
    CHECK(outcome.status == Status::fail);
    CHECK(outcome.message == kPath + " is not encrypted to key " + kFpr +
                                 ": it is encrypted to other key(s) only: 194783C8, CCCCDDDD");
    CHECK(judge(message({kOther}, 1)).message == kPath + " is not encrypted to key " + kFpr +
                                                     ": it is encrypted to other key(s) only: 194783C8 and a passphrase");
}

TEST_CASE("encrypted_file judge: a hidden recipient cannot be told apart") {
    const std::string hidden = host::kHiddenRecipientKeyId;
    auto only_hidden = judge(message({hidden}), OtherRecipients::allowed);
    CHECK(only_hidden.status == Status::error);
    CHECK(only_hidden.message == "cannot tell whether " + kPath + " is encrypted to key " + kFpr +
                                     ": it has a hidden recipient (gpg --throw-keyids or -R)");
    CHECK(only_hidden.generated_remedy ==
          "Encrypt with -r KEY, without --throw-keyids or -R, so that the recipients can be checked.");
    CHECK(only_hidden.observed["recipients"][0]["key_id"] == "hidden");
    auto hidden_and_other = judge(message({hidden, hidden, kOther}));
    CHECK(hidden_and_other.status == Status::error);
    CHECK(hidden_and_other.message == "cannot tell whether " + kPath + " is encrypted to key " + kFpr +
                                          ": it has 2 hidden recipients (gpg --throw-keyids or -R); the others are other keys: 194783C8");

    auto key_and_hidden = message({kSubkey, hidden});
    CHECK(judge(key_and_hidden, OtherRecipients::allowed).status == Status::pass);
    CHECK(judge(key_and_hidden, OtherRecipients::allowed).message ==
          kPath + " is a binary OpenPGP message encrypted to key " + kFpr +
              " through subkey 3E835425 (ECDH); also readable by: a hidden recipient (other_recipients: allowed)");
    auto forbidden = judge(key_and_hidden);
    CHECK(forbidden.status == Status::error);
    CHECK(forbidden.message == kPath + " is encrypted to key " + kFpr +
                                   " through subkey 3E835425 (ECDH) and to a hidden recipient: cannot tell whether that is "
                                   "another key (other_recipients: forbidden)");
    CHECK(judge(message({kSubkey, hidden, kOther})).status == Status::fail);
}

TEST_CASE("encrypted_file judge: files that are not one encrypted message fail, saying what they are") {
    GpgMessageFacts empty;
    empty.path = kPath;
    CHECK(judge(empty).status == Status::fail);
    CHECK(judge(empty).message == kPath + " is empty (0 bytes), not an encrypted message");

    GpgMessageFacts text;
    text.path = kPath;
    text.size = 12;
    text.format = "text";
    text.no_openpgp_data = true;
    CHECK(judge(text).status == Status::fail);
    CHECK(judge(text).message == kPath + " is not an OpenPGP message: gpg found no OpenPGP data in its 12 bytes "
                                         "(plaintext or another format, not encrypted)");
    text.no_openpgp_data = false;
    text.invalid_packet = true;
    CHECK(judge(text).message == kPath + " is not an OpenPGP message: gpg found an invalid packet where it should start");

    auto symmetric = message({}, 1);
    CHECK(judge(symmetric, OtherRecipients::allowed).status == Status::fail);
    CHECK(judge(symmetric).message == kPath + " is encrypted with a passphrase only (symmetric, gpg -c), not to a public key");

    auto stored = message({});
    stored.encrypted_data_packets = 0;
    stored.literal_data = true;
    stored.literal_bytes = 12;
    CHECK(judge(stored).status == Status::fail);
    CHECK(judge(stored).message == kPath + " is an OpenPGP message that is not encrypted (signed or stored only): anyone can read it");
    CHECK(judge(stored).observed["unencrypted_bytes_discarded"] == 12);

    auto mixed = message({kSubkey});
    mixed.literal_data = true;
    CHECK(judge(mixed).message == kPath + " holds unencrypted OpenPGP content besides encrypted data: anyone can read that part");

    auto two = message({kSubkey, kSubkey});
    two.encrypted_data_packets = 2;
    CHECK(judge(two, OtherRecipients::allowed).status == Status::fail);
    CHECK(judge(two).message == kPath + " holds 2 encrypted messages, not one: gpg --decrypt does not read it as one message");

    auto trailing = message({kSubkey});
    trailing.invalid_packet = true;
    CHECK(judge(trailing).message == kPath + " has data after the encrypted message that is not OpenPGP: "
                                             "gpg --decrypt reports an invalid packet");

    auto keys_only = message({kSubkey});
    keys_only.encrypted_data_packets = 0;
    CHECK(judge(keys_only).message == kPath + " holds session keys but no encrypted data: it is truncated or not a whole message");

    auto no_session_key = message({});
    CHECK(judge(no_session_key).message == kPath + " holds encrypted data but no session key for any recipient");
}

TEST_CASE("encrypted_file judge: an unreadable file, a missing key or a key that cannot encrypt are errors") {
    GpgMessageFacts fifo;
    fifo.path = "/tmp/pipe";
    fifo.unreadable = "not a regular file (it is a FIFO)";
    CHECK(judge(fifo).status == Status::error);
    CHECK(judge(fifo).message == "cannot read /tmp/pipe: not a regular file (it is a FIFO)");
    CHECK(judge(fifo).observed == nlohmann::json::parse(R"J({"path":"/tmp/pipe","unreadable":"not a regular file (it is a FIFO)"})J"));

    GpgKeyFacts missing;
    missing.homedir = "/root/.gnupg";
    missing.fingerprint = kFpr;
    auto outcome = judge(message({kSubkey}), OtherRecipients::forbidden, missing);
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "key " + kFpr + " is not in GnuPG homedir /root/.gnupg: cannot tell which key ids are its encryption subkeys");
    CHECK(outcome.generated_remedy == "Import the public key: gpg --homedir /root/.gnupg --import KEYFILE");
    CHECK(outcome.observed["key_found"] == false);

    missing.subkey_of = "0123456789ABCDEF0123456789ABCDEF01234567";
    CHECK(judge(message({kSubkey}), OtherRecipients::forbidden, missing).message ==
          "fingerprint " + kFpr + " belongs to a subkey of key 0123456789ABCDEF0123456789ABCDEF01234567 in GnuPG homedir "
          "/root/.gnupg, not to a primary key; give the primary key's fingerprint");

    auto sign_only = key();
    sign_only.subkeys[0].can_encrypt = false;
    auto cannot = judge(message({kSubkey}), OtherRecipients::forbidden, sign_only);
    CHECK(cannot.status == Status::error);
    CHECK(cannot.message == "key " + kFpr + " in GnuPG homedir /root/.gnupg has no subkey that can encrypt: "
                                            "cannot tell which key ids a message to it names");

    // The file's own failures come first: they do not depend on the key.
    CHECK(judge(message({}, 1), OtherRecipients::forbidden, missing).status == Status::fail);
}
