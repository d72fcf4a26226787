#include "src/host/gpg.hpp"

#include <algorithm>
#include <cctype>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <optional>
#include <tuple>

#include "src/host/gpg_agent.hpp"
#include "src/host/gpg_homedir.hpp"
#include "src/host/gpgme_session.hpp"

namespace preflight::host {

void initialise_gpgme() {
    static std::once_flag once;
    static std::string failure;
    std::call_once(once, [] {
        // Must run before any other GPGME call; it also initialises GPGME's thread support.
        if (!gpgme_check_version(GPGME_VERSION)) {
            const char* found = gpgme_check_version(nullptr);
            failure.append("the GPGME library is older than ").append(GPGME_VERSION);
            failure.append(", the version preflight was built with (found ").append(found ? found : "none").append(")");
            return;
        }
        gpgme_set_locale(nullptr, LC_CTYPE, std::setlocale(LC_CTYPE, nullptr));
        gpgme_set_locale(nullptr, LC_MESSAGES, std::setlocale(LC_MESSAGES, nullptr));
    });
    if (!failure.empty()) throw GpgError(failure);
}

void warm_up_gpgme() noexcept {
    try {
        initialise_gpgme();
        gpgme_engine_info_t engines = nullptr;
        (void)gpgme_get_engine_info(&engines);
    } catch (...) {
    }
}

namespace {

std::string upper(const char* text) {
    std::string out = text ? text : "";
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

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
    facts.fingerprint = upper(subkey->fpr);
    facts.key_id = upper(subkey->keyid);
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

// The keys gpg lists for `fingerprint`: the key with that primary fingerprint and any key
// holding a subkey with it.
std::vector<GpgmeKey> list_keys(GpgmeSession& session, const std::string& homedir,
                                const std::string& fingerprint,
                                std::chrono::steady_clock::time_point deadline) {
    if (gpgme_error_t error = gpgme_op_keylist_start(session.context(), fingerprint.c_str(), 0))
        throw GpgError("could not start gpg to list keys in homedir " + homedir + ": " +
                       gpgme_error_text(error));
    gpgme_error_t error = session.finish(deadline);
    auto keys = session.take_keys();
    if (error && gpg_err_code(error) != GPG_ERR_EOF)
        throw GpgError("gpg could not list keys in homedir " + homedir + ": " + gpgme_error_text(error));
    return keys;
}

gpgme_key_t find_primary(const std::vector<GpgmeKey>& keys, const std::string& fingerprint) {
    for (const auto& key : keys)
        if (key->subkeys && upper(key->subkeys->fpr) == fingerprint) return key.get();
    return nullptr;
}

GpgmeData memory_data(const std::string* content) {
    gpgme_data_t raw = nullptr;
    gpgme_error_t error = content ? gpgme_data_new_from_mem(&raw, content->data(), content->size(), 1)
                                  : gpgme_data_new(&raw);
    if (error) throw GpgError("could not create a GPGME data buffer: " + gpgme_error_text(error));
    return GpgmeData(raw);
}

std::string random_bytes(std::size_t count) {
    std::random_device device;
    std::string bytes(count, '\0');
    for (char& byte : bytes) byte = static_cast<char>(device() & 0xFF);
    return bytes;
}

// The keys gpg lists for `fingerprint` in `homedir`. Public keys are listed in a private copy of
// the keyring: even to read, gpg takes a dotlock in the homedir and may rewrite trustdb.gpg
// (automatic trustdb check), and GPGME cannot pass --lock-never or --no-auto-check-trustdb.
// Whether a secret key is present only the homedir's own gpg-agent can tell.
std::vector<GpgmeKey> list_in_homedir(const std::string& gpg_binary, const std::string& homedir,
                                      const std::string& fingerprint, bool with_secret,
                                      std::chrono::steady_clock::time_point deadline) {
    std::optional<PrivateGpgHome> copy;
    if (!with_secret) copy.emplace(homedir);
    GpgmeSession session(gpg_binary, copy ? copy->path() : homedir, homedir);
    gpgme_keylist_mode_t mode = GPGME_KEYLIST_MODE_LOCAL;
    if (with_secret) mode |= GPGME_KEYLIST_MODE_WITH_SECRET;
    if (gpgme_error_t error = gpgme_set_keylist_mode(session.context(), mode))
        throw GpgError("GPGME refused the key listing mode: " + gpgme_error_text(error));
    auto keys = list_keys(session, homedir, fingerprint, deadline);
    if (with_secret) require_agent_listening(homedir);
    return keys;
}

}  // namespace

struct GpgmeKeyring::Cache {
    using ListingKey = std::tuple<std::string, std::string, bool>;  // homedir, fingerprint, secret
    using Listing = std::shared_ptr<const std::vector<GpgmeKey>>;

    std::mutex mutex;
    std::map<ListingKey, Listing> listings;

    Listing find(const ListingKey& key) {
        std::lock_guard lock(mutex);
        auto it = listings.find(key);
        return it == listings.end() ? nullptr : it->second;
    }

    Listing keep(const ListingKey& key, std::vector<GpgmeKey> keys) {
        std::lock_guard lock(mutex);
        // Two threads may have listed at once; the first answer stays, so every caller sees one.
        return listings.emplace(key, std::make_shared<const std::vector<GpgmeKey>>(std::move(keys)))
            .first->second;
    }

    Listing listing(const std::string& gpg_binary, const std::string& homedir, const std::string& fingerprint,
                    bool with_secret, std::chrono::steady_clock::time_point deadline) {
        ListingKey key{homedir, fingerprint, with_secret};
        if (Listing known = find(key)) return known;
        return keep(key, list_in_homedir(gpg_binary, homedir, fingerprint, with_secret, deadline));
    }
};

GpgmeKeyring::GpgmeKeyring() : cache_(std::make_unique<Cache>()) {
    if (const char* binary = std::getenv("PREFLIGHT_GPG_BINARY"); binary && *binary) gpg_binary_ = binary;
    initialise_gpgme();
}

GpgmeKeyring::GpgmeKeyring(std::string gpg_binary)
    : gpg_binary_(std::move(gpg_binary)), cache_(std::make_unique<Cache>()) {
    initialise_gpgme();
}

GpgmeKeyring::~GpgmeKeyring() = default;

GpgKeyFacts GpgmeKeyring::lookup(const std::string& homedir, const std::string& fingerprint,
                                 std::chrono::steady_clock::time_point deadline,
                                 bool check_secret) const {
    GpgKeyFacts facts;
    facts.fingerprint = fingerprint;
    facts.homedir = usable_gpg_homedir(homedir);
    if (check_secret) require_agent_socket_fits(facts.homedir);

    auto keys = cache_->listing(gpg_binary_, facts.homedir, fingerprint, check_secret, deadline);
    if (gpgme_key_t key = find_primary(*keys, fingerprint)) {
        fill_key_facts(key, check_secret, facts);
        return facts;
    }
    for (const auto& key : *keys)
        for (gpgme_subkey_t subkey = key->subkeys; subkey; subkey = subkey->next)
            if (upper(subkey->fpr) == fingerprint) facts.subkey_of = upper(key->subkeys->fpr);
    return facts;
}

GpgProbeFacts GpgmeKeyring::encrypt_probe(const std::string& homedir, const std::string& fingerprint,
                                          std::chrono::steady_clock::time_point deadline) const {
    std::string used = usable_gpg_homedir(homedir);
    // The buffers outlive the session: a context may still refer to them until it is released.
    std::string plaintext = random_bytes(64);
    GpgmeData plain = memory_data(&plaintext);
    GpgmeData cipher = memory_data(nullptr);
    auto keys = cache_->listing(gpg_binary_, used, fingerprint, false, deadline);
    gpgme_key_t key = find_primary(*keys, fingerprint);
    if (!key) return {false, 0, "the key is not in the keyring"};

    // gpg rewrites random_seed in its homedir after encrypting, and GPGME cannot pass
    // --no-random-seed-file: the probe encrypts in a private copy of the public keyring.
    PrivateGpgHome private_home(used);
    auto session = std::make_unique<GpgmeSession>(gpg_binary_, private_home.path(), used);
    gpgme_key_t recipients[] = {key, nullptr};
    auto flags = static_cast<gpgme_encrypt_flags_t>(GPGME_ENCRYPT_ALWAYS_TRUST | GPGME_ENCRYPT_NO_ENCRYPT_TO);
    if (gpgme_error_t error = gpgme_op_encrypt_start(session->context(), recipients, flags,
                                                     plain.get(), cipher.get()))
        throw GpgError("could not start gpg to encrypt in homedir " + used + ": " + gpgme_error_text(error));
    gpgme_error_t error = session->finish(deadline);
    gpgme_encrypt_result_t result = gpgme_op_encrypt_result(session->context());
    if (result && result->invalid_recipients)
        return {false, 0, std::string("gpg refused the key: ") +
                              gpgme_strerror(result->invalid_recipients->reason)};
    if (error)
        throw GpgError("gpg could not encrypt to the key in homedir " + used + ": " + gpgme_error_text(error));
    off_t size = gpgme_data_seek(cipher.get(), 0, SEEK_END);
    if (size <= 0) return {false, 0, "gpg produced no ciphertext"};
    return {true, static_cast<std::size_t>(size), ""};
}

}  // namespace preflight::host
