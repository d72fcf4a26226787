#include "src/host/gpg_key_facts.hpp"

#include <cctype>

namespace preflight::host {

std::string upper_hex(const char* text) {
    std::string out = text ? text : "";
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

namespace {

std::string validity_name(gpgme_validity_t validity) {
    switch (validity) {
        case GPGME_VALIDITY_UNKNOWN: return "unknown";
        case GPGME_VALIDITY_UNDEFINED: return "undefined";
        case GPGME_VALIDITY_NEVER: return "never";
        case GPGME_VALIDITY_MARGINAL: return "marginal";
        case GPGME_VALIDITY_FULL: return "full";
        case GPGME_VALIDITY_ULTIMATE: return "ultimate";
    }
    return "unknown";
}

GpgSubkeyFacts subkey_facts(gpgme_subkey_t subkey) {
    GpgSubkeyFacts facts;
    facts.fingerprint = upper_hex(subkey->fpr);
    facts.key_id = upper_hex(subkey->keyid);
    if (char* algorithm = gpgme_pubkey_algo_string(subkey)) {
        facts.algorithm = algorithm;
        gpgme_free(algorithm);
    } else {
        const char* name = gpgme_pubkey_algo_name(subkey->pubkey_algo);
        facts.algorithm = name ? name : "unknown";
    }
    facts.bits = subkey->length;
    facts.created = subkey->timestamp > 0 ? subkey->timestamp : 0;
    facts.expires = subkey->expires > 0 ? subkey->expires : 0;
    facts.can_encrypt = subkey->can_encrypt;
    facts.can_sign = subkey->can_sign;
    facts.can_certify = subkey->can_certify;
    facts.can_authenticate = subkey->can_authenticate;
    facts.revoked = subkey->revoked;
    facts.expired = subkey->expired;
    facts.disabled = subkey->disabled;
    facts.invalid = subkey->invalid;
    return facts;
}

}  // namespace

void fill_key_facts(gpgme_key_t key, bool check_secret, GpgKeyFacts& facts) {
    facts.found = true;
    facts.primary = subkey_facts(key->subkeys);
    facts.primary.revoked = facts.primary.revoked || key->revoked;
    facts.primary.expired = facts.primary.expired || key->expired;
    facts.primary.disabled = facts.primary.disabled || key->disabled;
    facts.primary.invalid = facts.primary.invalid || key->invalid;
    for (gpgme_subkey_t subkey = key->subkeys->next; subkey; subkey = subkey->next)
        facts.subkeys.push_back(subkey_facts(subkey));
    gpgme_validity_t best = GPGME_VALIDITY_UNKNOWN;
    for (gpgme_user_id_t uid = key->uids; uid; uid = uid->next) {
        facts.user_ids.push_back({uid->uid ? uid->uid : "", validity_name(uid->validity),
                                  uid->revoked != 0});
        if (!uid->revoked && uid->validity > best) best = uid->validity;
    }
    facts.validity = validity_name(best);
    facts.owner_trust = validity_name(key->owner_trust);
    if (check_secret) facts.secret_key = key->secret != 0;
}

}  // namespace preflight::host
