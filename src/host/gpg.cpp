#include "src/host/gpg.hpp"

#include <algorithm>
#include <clocale>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <optional>
#include <tuple>
#include <vector>

#include "src/host/gpg_agent.hpp"
#include "src/host/gpg_homedir.hpp"
#include "src/host/gpg_key_facts.hpp"
#include "src/host/gpgme_session.hpp"
#include "src/host/process.hpp"

namespace preflight::host {

void initialise_gpgme() {
    static std::once_flag once;
    static std::string failure;
    std::call_once(once, [] {
        // GPGME's start-up would otherwise run gpgconf three times and gpgsm once to find
        // engines preflight never uses; it then runs only `gpg --version` (the gpg on PATH).
        // Where gpgconf is needed (gpg-agent's socket directory) preflight asks it itself.
        gpgme_set_global_flag("disable-gpgconf", "1");
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
        if (key->subkeys && upper_hex(key->subkeys->fpr) == fingerprint) return key.get();
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

// The keys gpg lists for `fingerprint` in `homedir` itself, with their secret-key flag: only the
// homedir's own gpg-agent can tell whether a secret key is there. A context of its own, since
// the run's shared context works in a private copy of the public keyring.
std::vector<GpgmeKey> list_with_secret(const std::string& gpg_binary, const std::string& homedir,
                                       const std::string& fingerprint,
                                       std::chrono::steady_clock::time_point deadline) {
    GpgmeSession session(gpg_binary, homedir, homedir);
    if (gpgme_error_t error = gpgme_set_keylist_mode(session.context(),
                                                     GPGME_KEYLIST_MODE_LOCAL | GPGME_KEYLIST_MODE_WITH_SECRET))
        throw GpgError("GPGME refused the key listing mode: " + gpgme_error_text(error));
    return list_keys(session, homedir, fingerprint, deadline);
}

// One operation at a time; a thread waiting for its turn gives up at its own deadline. A
// condition variable rather than std::timed_mutex, whose try_lock_until (pthread_mutex_clocklock)
// ThreadSanitizer does not follow: it reports every unlock as one of an unlocked mutex.
class Turn {
public:
    bool take_until(std::chrono::steady_clock::time_point deadline) {
        std::unique_lock lock(mutex_);
        if (!free_.wait_until(lock, deadline, [this] { return !taken_; })) return false;
        taken_ = true;
        return true;
    }
    void give_back() {
        {
            std::lock_guard lock(mutex_);
            taken_ = false;
        }
        free_.notify_one();
    }

private:
    std::mutex mutex_;
    std::condition_variable free_;
    bool taken_ = false;
};

// The turn on `turn` until the end of the scope; GpgTimeout when it does not come by `deadline`.
class TurnHeld {
public:
    TurnHeld(Turn& turn, std::chrono::steady_clock::time_point deadline, const std::string& homedir)
        : turn_(turn) {
        if (!turn_.take_until(deadline)) throw GpgTimeout(homedir);
    }
    ~TurnHeld() { turn_.give_back(); }
    TurnHeld(const TurnHeld&) = delete;
    TurnHeld& operator=(const TurnHeld&) = delete;

private:
    Turn& turn_;
};

}  // namespace

// What a run knows about one homedir: its private copy of the public keyring and the one GPGME
// context working in it, shared by every listing and encrypt probe of the run on that homedir.
// Public keys are listed and encrypted to in the copy: even to read, gpg takes a dotlock in its
// homedir and may rewrite trustdb.gpg (automatic trustdb check), and rewrites random_seed after
// encrypting, and GPGME cannot pass --lock-never, --no-auto-check-trustdb or
// --no-random-seed-file. Made on first use, so one copy and one `gpg --version` per homedir.
struct GpgmeKeyring::Homedir {
    // A GPGME context is not for two threads at once: one operation at a time, each waiting no
    // longer than its own check's deadline.
    Turn busy;
    std::unique_ptr<PrivateGpgHome> copy;
    // Data buffers of the last encrypt probe: the context may refer to them until its next
    // operation or its release, so they are released after it (declared before it).
    std::vector<GpgmeData> last_buffers;
    std::unique_ptr<GpgmeSession> session;  // on `copy`; dropped after any failure

    // The context, made (with the copy) on first use. Call with `busy` held.
    GpgmeSession& ready_session(const std::string& gpg_binary, const std::string& homedir) {
        if (!copy) copy = std::make_unique<PrivateGpgHome>(homedir);
        if (!session) session = std::make_unique<GpgmeSession>(gpg_binary, copy->path(), homedir);
        return *session;
    }
};

struct GpgmeKeyring::Cache {
    using ListingKey = std::tuple<std::string, std::string, bool>;  // homedir, fingerprint, secret
    using Listing = std::shared_ptr<const std::vector<GpgmeKey>>;

    std::mutex mutex;
    std::map<ListingKey, Listing> listings;
    std::map<std::string, std::shared_ptr<Homedir>> homedirs;
    std::map<std::string, std::string> socket_dirs;  // homedir -> gpg-agent's socket directory
    std::map<std::string, std::string> usable;       // homedir as asked -> as checked and resolved

    // usable_gpg_homedir(requested), checked once per homedir: its walk over every entry of the
    // homedir costs ~1.5 µs an entry, 15 ms for a homedir holding 5,000 secret keys (10,000 files),
    // and the private copy, the one snapshot every check reads, is made after the first check.
    std::string usable_homedir(const std::string& requested) {
        {
            std::lock_guard lock(mutex);
            if (auto it = usable.find(requested); it != usable.end()) return it->second;
        }
        std::string path = usable_gpg_homedir(requested);
        std::lock_guard lock(mutex);
        usable.emplace(path, path);
        return usable.emplace(requested, path).first->second;
    }

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

    std::shared_ptr<Homedir> homedir(const std::string& path) {
        std::lock_guard lock(mutex);
        auto& entry = homedirs[path];
        if (!entry) entry = std::make_shared<Homedir>();
        return entry;
    }

    Listing listing(const std::string& gpg_binary, const std::string& homedir, const std::string& fingerprint,
                    bool with_secret, std::chrono::steady_clock::time_point deadline) {
        ListingKey key{homedir, fingerprint, with_secret};
        if (Listing known = find(key)) return known;
        if (with_secret) return keep(key, list_with_secret(gpg_binary, homedir, fingerprint, deadline));
        auto home = this->homedir(homedir);
        TurnHeld turn(home->busy, deadline, homedir);
        if (Listing known = find(key)) return known;  // listed while this thread waited
        try {
            GpgmeSession& session = home->ready_session(gpg_binary, homedir);
            if (gpgme_error_t error = gpgme_set_keylist_mode(session.context(), GPGME_KEYLIST_MODE_LOCAL))
                throw GpgError("GPGME refused the key listing mode: " + gpgme_error_text(error));
            return keep(key, list_keys(session, homedir, fingerprint, deadline));
        } catch (...) {
            home->session.reset();  // cancelled or failed: the next operation starts a new context
            throw;
        }
    }

    std::string socket_dir(const std::string& gpg_binary, const std::string& homedir,
                           std::chrono::steady_clock::time_point deadline) {
        {
            std::lock_guard lock(mutex);
            if (auto it = socket_dirs.find(homedir); it != socket_dirs.end()) return it->second;
        }
        std::string directory = agent_socket_directory(gpgconf_for(gpg_binary), homedir, deadline);
        std::lock_guard lock(mutex);
        return socket_dirs.emplace(homedir, directory).first->second;
    }
};

namespace {

// `configured` when set, else the gpg on $PATH (the system default path when PATH is unset;
// never the current directory); empty when there is none (GPGME's own choice, which fails).
std::string gpg_binary_to_use(const std::string& configured) {
    if (!configured.empty()) return configured;
    return find_on_own_path("gpg").value_or("");
}

}  // namespace

GpgmeKeyring::GpgmeKeyring() : cache_(std::make_unique<Cache>()) {
    const char* binary = std::getenv("PREFLIGHT_GPG_BINARY");
    gpg_binary_ = gpg_binary_to_use(binary ? binary : "");
    initialise_gpgme();
}

GpgmeKeyring::GpgmeKeyring(std::string gpg_binary)
    : gpg_binary_(gpg_binary_to_use(gpg_binary)), cache_(std::make_unique<Cache>()) {
    initialise_gpgme();
}

GpgmeKeyring::~GpgmeKeyring() = default;

GpgKeyFacts GpgmeKeyring::lookup(const std::string& homedir, const std::string& fingerprint,
                                 std::chrono::steady_clock::time_point deadline,
                                 bool check_secret) const {
    GpgKeyFacts facts;
    facts.fingerprint = fingerprint;
    facts.homedir = cache_->usable_homedir(homedir);
    std::string socket_dir;
    if (check_secret) {
        socket_dir = cache_->socket_dir(gpg_binary_, facts.homedir, deadline);
        require_agent_socket_fits(facts.homedir, socket_dir);
    }
    auto keys = cache_->listing(gpg_binary_, facts.homedir, fingerprint, check_secret, deadline);
    if (check_secret) require_agent_listening(facts.homedir, socket_dir);
    if (gpgme_key_t key = find_primary(*keys, fingerprint)) {
        fill_key_facts(key, check_secret, facts);
        return facts;
    }
    for (const auto& key : *keys)
        for (gpgme_subkey_t subkey = key->subkeys; subkey; subkey = subkey->next)
            if (upper_hex(subkey->fpr) == fingerprint) facts.subkey_of = upper_hex(key->subkeys->fpr);
    return facts;
}

GpgProbeFacts GpgmeKeyring::encrypt_probe(const std::string& homedir, const std::string& fingerprint,
                                          std::chrono::steady_clock::time_point deadline) const {
    std::string used = cache_->usable_homedir(homedir);
    // The key of a secret-key listing made for the lookup serves as well as a public one.
    auto keys = cache_->find({used, fingerprint, true});
    if (!keys) keys = cache_->listing(gpg_binary_, used, fingerprint, false, deadline);
    gpgme_key_t key = find_primary(*keys, fingerprint);
    if (!key) return {false, 0, "the key is not in the keyring"};

    // In the homedir's private copy, with its context (see Homedir).
    auto home = cache_->homedir(used);
    TurnHeld turn(home->busy, deadline, used);
    // Declared before the try: a context dropped in the catch may still refer to them.
    std::string plaintext = random_bytes(64);
    GpgmeData plain = memory_data(&plaintext);
    GpgmeData cipher = memory_data(nullptr);
    try {
        GpgmeSession& session = home->ready_session(gpg_binary_, used);
        gpgme_key_t recipients[] = {key, nullptr};
        auto flags = static_cast<gpgme_encrypt_flags_t>(GPGME_ENCRYPT_ALWAYS_TRUST | GPGME_ENCRYPT_NO_ENCRYPT_TO);
        if (gpgme_error_t error = gpgme_op_encrypt_start(session.context(), recipients, flags, plain.get(), cipher.get()))
            throw GpgError("could not start gpg to encrypt in homedir " + used + ": " + gpgme_error_text(error));
        gpgme_error_t error = session.finish(deadline);
        GpgProbeFacts facts;
        gpgme_encrypt_result_t result = gpgme_op_encrypt_result(session.context());
        if (result && result->invalid_recipients) {
            facts.problem = std::string("gpg refused the key: ") + gpgme_strerror(result->invalid_recipients->reason);
        } else if (error) {
            throw GpgError("gpg could not encrypt to the key in homedir " + used + ": " + gpgme_error_text(error));
        } else if (off_t size = gpgme_data_seek(cipher.get(), 0, SEEK_END); size <= 0) {
            facts.problem = "gpg produced no ciphertext";
        } else {
            facts = {true, static_cast<std::size_t>(size), ""};
        }
        // The context's next operation releases what refers to these; until then they stay.
        home->last_buffers.clear();
        home->last_buffers.push_back(std::move(plain));
        home->last_buffers.push_back(std::move(cipher));
        return facts;
    } catch (...) {
        home->session.reset();  // cancelled or failed: the next operation starts a new context
        throw;
    }
}

}  // namespace preflight::host
