// The pure half of the `gpg_key` kind: judging keyring facts and describing them.
#include <ctime>
#include <vector>

#include "checks/gpg_key.hpp"

namespace preflight {

using host::GpgKeyFacts;
using host::GpgProbeFacts;
using host::GpgSubkeyFacts;

std::string utc_timestamp(long long seconds) {
    std::time_t time = static_cast<std::time_t>(seconds);
    std::tm parts{};
    gmtime_r(&time, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

namespace {

constexpr long long kDay = 86400;

std::string date(long long seconds) { return utc_timestamp(seconds).substr(0, 10); }

std::string join(const std::vector<std::string>& items, const std::string& separator,
                 const std::string& last_separator) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += i + 1 == items.size() ? last_separator : separator;
        out += items[i];
    }
    return out;
}

std::string usage_of(const GpgSubkeyFacts& key) {
    std::vector<std::string> usage;
    if (key.can_encrypt) usage.push_back("encrypt");
    if (key.can_sign) usage.push_back("sign");
    if (key.can_certify) usage.push_back("certify");
    if (key.can_authenticate) usage.push_back("authenticate");
    return usage.empty() ? "none" : join(usage, ", ", ", ");
}

// Why a (sub)key cannot be used at `now`; empty when it can.
std::vector<std::string> problems_of(const GpgSubkeyFacts& key, long long now) {
    std::vector<std::string> problems;
    if (key.revoked) problems.push_back("revoked");
    if (key.expired || (key.expires != 0 && key.expires <= now))
        problems.push_back(key.expires != 0 ? "expired since " + date(key.expires) : "expired");
    if (key.disabled) problems.push_back("disabled");
    if (key.invalid) problems.push_back("invalid");
    return problems;
}

std::string in_days(long long seconds_left) {
    long long days = seconds_left / kDay;
    if (days < 1) return "in less than a day";
    return "in " + std::to_string(days) + (days == 1 ? " day" : " days");
}

// The expiry that binds a subkey: its own or its primary key's, whichever comes first (0 = never).
long long binding_expiry(const GpgSubkeyFacts& primary, const GpgSubkeyFacts& key) {
    if (primary.expires == 0) return key.expires;
    if (key.expires == 0) return primary.expires;
    return std::min(primary.expires, key.expires);
}

struct UsableKey {
    const GpgSubkeyFacts* key = nullptr;   // null: nothing usable
    std::string why_not;                   // when null: the reason, for the message
};

// The usable (sub)key for `usage` that stays valid longest; the primary counts when capable.
UsableKey find_usable(const GpgKeyFacts& facts, GpgUsage usage, long long now) {
    if (usage == GpgUsage::any) return {&facts.primary, ""};
    std::vector<const GpgSubkeyFacts*> capable;
    capable.push_back(&facts.primary);
    for (const auto& key : facts.subkeys) capable.push_back(&key);
    std::erase_if(capable, [&](const GpgSubkeyFacts* key) {
        return usage == GpgUsage::encrypt ? !key->can_encrypt : !key->can_sign;
    });
    const char* verb = usage == GpgUsage::encrypt ? "encrypt" : "sign";
    if (capable.empty()) return {nullptr, "has no subkey that can " + std::string(verb)};
    UsableKey best;
    std::vector<std::string> refusals;
    for (const auto* key : capable) {
        auto problems = problems_of(*key, now);
        if (!problems.empty()) {
            std::string name = key == &facts.primary ? "the primary key" : "subkey " + key->key_id;
            refusals.push_back(name + " (" + key->algorithm + ") is " + join(problems, ", ", " and "));
            continue;
        }
        long long expiry = binding_expiry(facts.primary, *key);
        long long best_expiry = best.key ? binding_expiry(facts.primary, *best.key) : -1;
        if (!best.key || expiry == 0 || (best_expiry != 0 && expiry > best_expiry)) best.key = key;
    }
    if (!best.key)
        best.why_not = std::string("has no usable ") + (usage == GpgUsage::encrypt ? "encryption" : "signing") +
                       " subkey: " + join(refusals, "; ", "; ");
    return best;
}

std::string expiry_text(long long expires, long long now) {
    return expires == 0 ? "no expiry" : "expires on " + date(expires) + " (" + in_days(expires - now) + ")";
}

}  // namespace

nlohmann::json describe_gpg_key(const GpgKeyFacts& facts, const GpgProbeFacts* probe) {
    nlohmann::json observed = {{"homedir", facts.homedir}, {"fingerprint", facts.fingerprint}};
    if (!facts.found) {
        observed["found"] = false;
        if (!facts.subkey_of.empty()) observed["subkey_of"] = facts.subkey_of;
        return observed;
    }
    auto describe = [](const GpgSubkeyFacts& key) {
        auto problems = problems_of(key, 0);
        return nlohmann::json{{"algorithm", key.algorithm},
                              {"bits", key.bits},
                              {"usage", usage_of(key)},
                              {"created", utc_timestamp(key.created)},
                              {"expires", key.expires == 0 ? "never" : utc_timestamp(key.expires)},
                              {"state", problems.empty() ? "valid" : join(problems, ", ", ", ")}};
    };
    observed.update(describe(facts.primary));
    nlohmann::json user_ids = nlohmann::json::array();
    for (const auto& uid : facts.user_ids) user_ids.push_back(uid.text + (uid.revoked ? " (revoked)" : ""));
    observed["user_ids"] = user_ids;
    observed["owner_trust"] = facts.owner_trust;
    observed["validity"] = facts.validity;
    nlohmann::json subkeys = nlohmann::json::array();
    for (const auto& key : facts.subkeys) {
        auto entry = describe(key);
        entry["key_id"] = key.key_id;
        subkeys.push_back(entry);
    }
    observed["subkeys"] = subkeys;
    observed["secret_key"] = !facts.secret_key ? "not checked" : *facts.secret_key ? "present" : "absent";
    if (probe)
        observed["encrypt_probe"] = probe->encrypted ? "encrypted 64 random bytes into " +
                                                           std::to_string(probe->ciphertext_bytes) + " bytes"
                                                     : "failed: " + probe->problem;
    return observed;
}

Outcome judge_gpg_key(const GpgKeyFacts& facts, const GpgKeyRequirements& want,
                      const GpgProbeFacts* probe, std::chrono::system_clock::time_point now_point) {
    const long long now = std::chrono::duration_cast<std::chrono::seconds>(now_point.time_since_epoch()).count();
    const std::string& fpr = facts.fingerprint;
    const std::string where = " in GnuPG homedir " + facts.homedir;
    nlohmann::json observed = describe_gpg_key(facts, probe);
    auto fail = [&](std::string message, std::string remedy = {}, nlohmann::json expected = nullptr) {
        Outcome outcome = Outcome::fail(std::move(message), observed, std::move(expected));
        outcome.generated_remedy = std::move(remedy);
        return outcome;
    };
    const std::string extend = "Extend the expiry where the secret key is kept: gpg --quick-set-expire " + fpr +
                               " 1y (add '*' after 1y for its subkeys), then export the public key and import it here again.";

    if (!facts.found) {
        if (!facts.subkey_of.empty())
            return fail("fingerprint " + fpr + " belongs to a subkey of key " + facts.subkey_of + where +
                        ", not to a primary key; give the primary key's fingerprint");
        return fail("no key with fingerprint " + fpr + where,
                    "Import the public key: gpg --homedir " + facts.homedir +
                        " --import KEYFILE, then compare: gpg --homedir " + facts.homedir + " --fingerprint " + fpr);
    }
    if (auto problems = problems_of(facts.primary, now); !problems.empty()) {
        std::string remedy = facts.primary.revoked ? "A revoked key cannot be used again: import the key that replaces it and use its fingerprint."
                             : facts.primary.disabled ? "Enable it if it is the right key: gpg --homedir " + facts.homedir + " --edit-key " + fpr + " enable quit"
                             : facts.primary.invalid ? "" : extend;
        return fail("key " + fpr + where + " is " + join(problems, ", ", " and "), remedy);
    }
    UsableKey usable = find_usable(facts, want.usable_for, now);
    if (!usable.key)
        return fail("key " + fpr + where + " " + usable.why_not, "",
                    {{"usable_for", want.usable_for == GpgUsage::encrypt ? "encrypt" : "sign"}});

    long long expiry = binding_expiry(facts.primary, *usable.key);
    if (want.min_valid_days && expiry != 0 && expiry - now < *want.min_valid_days * kDay) {
        bool subkey_binds = usable.key != &facts.primary && expiry == usable.key->expires;
        std::string role = want.usable_for == GpgUsage::sign ? "signing" : "encryption";
        std::string who = subkey_binds ? "the " + role + " subkey " + usable.key->key_id + " of key " + fpr : "key " + fpr;
        long long days = *want.min_valid_days;
        std::string required = days == 1 ? "1 day is" : std::to_string(days) + " days are";
        return fail(who + " expires on " + date(expiry) + " (" + in_days(expiry - now) + "); at least " + required +
                        " required (min_valid_days)",
                    extend, {{"min_valid_days", days}});
    }
    if (want.secret_key != SecretKeyPolicy::any) {
        if (!facts.secret_key)
            return Outcome::error("whether the secret key of " + fpr + " is present was not checked", observed);
        if (want.secret_key == SecretKeyPolicy::present && !*facts.secret_key)
            return fail("key " + fpr + " has no secret key" + where + " (secret_key: present)", "",
                        {{"secret_key", "present"}});
        if (want.secret_key == SecretKeyPolicy::absent && *facts.secret_key)
            return fail("the secret key of " + fpr + " is" + where + ", but this host must hold only the public key (secret_key: absent)",
                        "Make sure the secret key is kept elsewhere, then remove it here: gpg --homedir " +
                            facts.homedir + " --delete-secret-keys " + fpr,
                        {{"secret_key", "absent"}});
    }
    if (want.encrypt_probe) {
        if (!probe) return Outcome::error("the encrypt probe to " + fpr + " did not run", observed);
        if (!probe->encrypted) {
            UsableKey encryption = find_usable(facts, GpgUsage::encrypt, now);
            std::string why = encryption.key ? probe->problem : "it " + encryption.why_not + " (" + probe->problem + ")";
            return fail("encrypting a test message to key " + fpr + " failed: " + why);
        }
    }

    std::string message = "key " + fpr + " is valid" + where;
    if (want.usable_for != GpgUsage::any)
        message += std::string("; ") + (want.usable_for == GpgUsage::encrypt ? "encrypts" : "signs") +
                   (usable.key == &facts.primary ? " with the primary key (" : " with subkey " + usable.key->key_id + " (") +
                   usable.key->algorithm + ")";
    message += "; " + expiry_text(expiry, now);
    if (want.secret_key == SecretKeyPolicy::present) message += "; secret key present";
    if (want.secret_key == SecretKeyPolicy::absent) message += "; public key only";
    if (want.encrypt_probe) message += "; encrypt probe succeeded";
    return Outcome::pass(message, observed);
}

}  // namespace preflight
