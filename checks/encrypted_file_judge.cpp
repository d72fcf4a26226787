// The pure half of the `encrypted_file` kind: judging what gpg saw in a message against the
// expected key's subkeys, and describing both.
#include <algorithm>
#include <vector>

#include "checks/encrypted_file.hpp"

namespace preflight {

using host::GpgKeyFacts;
using host::GpgMessageFacts;
using host::GpgRecipientFacts;

std::string short_key_id(const std::string& key_id) {
    return key_id.size() > 8 ? key_id.substr(key_id.size() - 8) : key_id;
}

namespace {

std::string upper(std::string text) {
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

// The key ids (16 hex, upper case) of the key's subkeys that can encrypt, the primary included.
std::vector<std::string> encryption_key_ids(const GpgKeyFacts& key) {
    std::vector<std::string> ids;
    if (!key.found) return ids;
    if (key.primary.can_encrypt) ids.push_back(upper(key.primary.key_id));
    for (const auto& subkey : key.subkeys)
        if (subkey.can_encrypt) ids.push_back(upper(subkey.key_id));
    return ids;
}

bool is_hidden(const GpgRecipientFacts& recipient) { return recipient.key_id == host::kHiddenRecipientKeyId; }

// The recipients sorted into the expected key's, hidden ones and other keys'.
struct Recipients {
    std::vector<std::string> expected;  // "3E835425 (ECDH)"
    std::vector<std::string> others;    // "194783C8"
    int hidden = 0;
};

Recipients sort_recipients(const GpgMessageFacts& message, const std::vector<std::string>& wanted) {
    Recipients sorted;
    for (const auto& recipient : message.recipients) {
        std::string id = upper(recipient.key_id);
        if (is_hidden(recipient)) ++sorted.hidden;
        else if (std::find(wanted.begin(), wanted.end(), id) != wanted.end())
            sorted.expected.push_back(short_key_id(id) + " (" + recipient.algorithm + ")");
        else sorted.others.push_back(short_key_id(id));
    }
    return sorted;
}

std::string hidden_text(int count) {
    return count == 1 ? "a hidden recipient" : std::to_string(count) + " hidden recipients";
}

// Everyone besides the expected key who may read the message, for messages.
std::vector<std::string> extras_of(const Recipients& sorted, const GpgMessageFacts& message) {
    std::vector<std::string> extras = sorted.others;
    if (sorted.hidden > 0) extras.push_back(hidden_text(sorted.hidden));
    if (message.passphrase_session_keys > 0) extras.push_back("a passphrase");
    return extras;
}

// Why the file is not a single encrypted OpenPGP message; empty when it is one.
std::string not_one_encrypted_message(const GpgMessageFacts& message) {
    const std::string& path = message.path;
    bool packets = !message.recipients.empty() || message.passphrase_session_keys > 0 ||
                   message.encrypted_data_packets > 0 || message.literal_data;
    if (!packets)
        return message.invalid_packet && !message.no_openpgp_data
                   ? path + " is not an OpenPGP message: gpg found an invalid packet where it should start"
                   : path + " is not an OpenPGP message: gpg found no OpenPGP data in its " +
                         std::to_string(message.size) + " bytes (plaintext or another format, not encrypted)";
    if (message.literal_data)
        return message.encrypted_data_packets == 0
                   ? path + " is an OpenPGP message that is not encrypted (signed or stored only): anyone can read it"
                   : path + " holds unencrypted OpenPGP content besides encrypted data: anyone can read that part";
    if (message.encrypted_data_packets == 0)
        return path + " holds session keys but no encrypted data: it is truncated or not a whole message";
    if (message.encrypted_data_packets > 1)
        return path + " holds " + std::to_string(message.encrypted_data_packets) +
               " encrypted messages, not one: gpg --decrypt does not read it as one message";
    if (message.invalid_packet)
        return path + " has data after the encrypted message that is not OpenPGP: gpg --decrypt reports an invalid packet";
    if (message.recipients.empty())
        return message.passphrase_session_keys > 0
                   ? path + " is encrypted with a passphrase only (symmetric, gpg -c), not to a public key"
                   : path + " holds encrypted data but no session key for any recipient";
    return "";
}

}  // namespace

nlohmann::json describe_encrypted_file(const GpgMessageFacts& message, const GpgKeyFacts& key) {
    nlohmann::json observed = {{"path", message.path}};
    if (!message.unreadable.empty()) {
        observed["unreadable"] = message.unreadable;
        return observed;
    }
    observed["size_bytes"] = message.size;
    if (message.size == 0) return observed;
    observed["format"] = message.format;
    auto wanted = encryption_key_ids(key);
    nlohmann::json recipients = nlohmann::json::array();
    for (const auto& recipient : message.recipients) {
        std::string id = upper(recipient.key_id);
        bool expected = std::find(wanted.begin(), wanted.end(), id) != wanted.end();
        recipients.push_back({{"key_id", is_hidden(recipient) ? "hidden" : short_key_id(id)},
                              {"algorithm", recipient.algorithm},
                              {"key", is_hidden(recipient) ? "unknown" : expected ? "expected" : "other"}});
    }
    observed["recipients"] = recipients;
    observed["passphrase"] = message.passphrase_session_keys > 0;
    observed["encrypted_data_packets"] = message.encrypted_data_packets;
    if (message.literal_data) observed["unencrypted_bytes_discarded"] = message.literal_bytes;
    observed["gpg"] = message.gpg_result;
    observed["homedir"] = key.homedir;
    observed["fingerprint"] = key.fingerprint;
    if (key.found) {
        nlohmann::json ids = nlohmann::json::array();
        for (const auto& id : wanted) ids.push_back(short_key_id(id));
        observed["encryption_subkeys"] = ids;
    } else {
        observed["key_found"] = false;
    }
    observed["decrypted"] = false;
    return observed;
}

Outcome judge_encrypted_file(const GpgMessageFacts& message, const GpgKeyFacts& key, OtherRecipients others) {
    const std::string& path = message.path;
    const std::string& fpr = key.fingerprint;
    const std::string where = " in GnuPG homedir " + key.homedir;
    nlohmann::json observed = describe_encrypted_file(message, key);
    auto fail = [&](std::string text, std::string remedy = {}) {
        Outcome outcome = Outcome::fail(std::move(text), observed);
        outcome.generated_remedy = std::move(remedy);
        return outcome;
    };
    auto error = [&](std::string text, std::string remedy = {}) {
        Outcome outcome = Outcome::error(std::move(text), observed);
        outcome.generated_remedy = std::move(remedy);
        return outcome;
    };

    if (!message.unreadable.empty()) return error("cannot read " + path + ": " + message.unreadable);
    if (message.size == 0) return fail(path + " is empty (0 bytes), not an encrypted message");
    if (std::string why = not_one_encrypted_message(message); !why.empty()) return fail(why);

    if (!key.found) {
        if (!key.subkey_of.empty())
            return error("fingerprint " + fpr + " belongs to a subkey of key " + key.subkey_of + where +
                         ", not to a primary key; give the primary key's fingerprint");
        return error("key " + fpr + " is not" + where + ": cannot tell which key ids are its encryption subkeys",
                     "Import the public key: gpg --homedir " + key.homedir + " --import KEYFILE");
    }
    auto wanted = encryption_key_ids(key);
    if (wanted.empty())
        return error("key " + fpr + where + " has no subkey that can encrypt: cannot tell which key ids a message to it names",
                     "Import the key's current public key (with its encryption subkey): gpg --homedir " + key.homedir +
                         " --import KEYFILE");

    Recipients sorted = sort_recipients(message, wanted);
    const std::string to_key = path + " is encrypted to key " + fpr;
    if (sorted.expected.empty()) {
        std::string known = sorted.others.empty() ? "" : "; the others are other keys: " + join(sorted.others);
        if (sorted.hidden > 0)
            return error("cannot tell whether " + path + " is encrypted to key " + fpr + ": it has " +
                             hidden_text(sorted.hidden) + " (gpg --throw-keyids or -R)" + known,
                         "Encrypt with -r KEY, without --throw-keyids or -R, so that the recipients can be checked.");
        std::string also = message.passphrase_session_keys > 0 ? " and a passphrase" : "";
        return fail(path + " is not encrypted to key " + fpr + ": it is encrypted to other key(s) only: " +
                    join(sorted.others) + also);
    }

    std::string via = (sorted.expected.size() == 1 ? " through subkey " : " through subkeys ") + join(sorted.expected);
    auto extras = extras_of(sorted, message);
    if (others == OtherRecipients::forbidden && !extras.empty()) {
        if (sorted.others.empty() && message.passphrase_session_keys == 0)
            return error(to_key + via + " and to " + hidden_text(sorted.hidden) +
                         ": cannot tell whether that is another key (other_recipients: forbidden)");
        return fail(to_key + via + " but can also be read by: " + join(extras) + " (other_recipients: forbidden)");
    }
    std::string kind = message.format == "binary"          ? "a binary OpenPGP message"
                       : message.format == "ASCII-armored" ? "an ASCII-armored OpenPGP message"
                                                           : "an OpenPGP message";
    std::string text = path + " is " + kind + " encrypted to key " + fpr + via;
    text += extras.empty() ? "; no other recipient" : "; also readable by: " + join(extras) + " (other_recipients: allowed)";
    return Outcome::pass(text, observed);
}

}  // namespace preflight
