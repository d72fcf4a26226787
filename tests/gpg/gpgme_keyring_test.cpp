// GpgmeKeyring and the gpg_key check against real gpg, with keys generated for this binary.
// One test case with subcases, so that the keyring is generated once even when CTest runs
// each test case in its own process.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <thread>

#include "gpg/gpg_check_support.hpp"
#include "gpg/gpg_test_keyring.hpp"
#include "src/host/gpg.hpp"

using namespace preflight;
using preflight::testing::FakeRunContext;
using preflight::testing::GpgCheckFields;
using preflight::testing::test_keyring;

namespace {

Outcome run(GpgCheckFields& fields, const std::string& gpg_binary = "",
            std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    return preflight::testing::run_with_gnupg(fields, timeout, gpg_binary);
}

host::GpgKeyFacts facts_of(const std::string& home, const std::string& fingerprint, bool check_secret = false) {
    return host::GpgmeKeyring("").lookup(home, fingerprint, std::chrono::steady_clock::now() + std::chrono::seconds(20),
                                         check_secret);
}

std::string day_of(long long seconds) { return utc_timestamp(seconds).substr(0, 10); }

bool exists(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0;
}

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

}  // namespace

TEST_CASE("gpg_key against a throwaway keyring") {
    const auto& keys = test_keyring();
    const std::string& home = keys.home;
    const std::string in_home = " is valid in GnuPG homedir " + home;

    SUBCASE("RSA primary key with an RSA encryption subkey: facts, pass and probe") {
        auto facts = facts_of(home, keys.rsa, true);
        REQUIRE(facts.found);
        CHECK(facts.homedir == home);
        CHECK(facts.primary.fingerprint == keys.rsa);
        CHECK(facts.primary.algorithm == "rsa2048");
        CHECK(facts.primary.bits == 2048);
        CHECK(facts.primary.can_sign);
        CHECK_FALSE(facts.primary.can_encrypt);
        REQUIRE(facts.subkeys.size() == 1);
        CHECK(facts.subkeys[0].algorithm == "rsa2048");
        CHECK(facts.subkeys[0].can_encrypt);
        CHECK(facts.subkeys[0].expires > facts.subkeys[0].created);
        CHECK(facts.user_ids.size() == 1);
        CHECK(facts.user_ids[0].text == "rsa");
        CHECK(facts.owner_trust == "ultimate");
        CHECK(facts.validity == "ultimate");
        CHECK(facts.secret_key == true);

        GpgCheckFields fields;
        fields.text("fingerprint", keys.rsa).text("homedir", home).choice("usable_for", "encrypt")
            .integer("min_valid_days", 30).boolean("encrypt_probe", true);
        auto outcome = run(fields);
        CHECK(outcome.status == Status::pass);
        long long expires = facts.subkeys[0].expires;
        long long days = (expires - std::time(nullptr)) / 86400;
        CHECK(outcome.message == "key " + keys.rsa + in_home + "; encrypts with subkey " + facts.subkeys[0].key_id +
                                     " (rsa2048); expires on " + day_of(expires) + " (in " + std::to_string(days) +
                                     " days); encrypt probe succeeded");
        CHECK(outcome.observed["algorithm"] == "rsa2048");
        CHECK(outcome.observed["bits"] == 2048);
        CHECK(outcome.observed["secret_key"] == "not checked");
        CHECK(outcome.observed["encrypt_probe"].get<std::string>().rfind("encrypted 64 random bytes into ", 0) == 0);
    }

    SUBCASE("ed25519/cv25519 key with its secret key") {
        GpgCheckFields fields;
        fields.text("fingerprint", keys.ed).text("homedir", home).choice("usable_for", "encrypt")
            .choice("secret_key", "present").boolean("encrypt_probe", true);
        auto outcome = run(fields);
        auto facts = facts_of(home, keys.ed);
        REQUIRE(facts.subkeys.size() == 1);
        CHECK(outcome.status == Status::pass);
        CHECK(outcome.message == "key " + keys.ed + in_home + "; encrypts with subkey " + facts.subkeys[0].key_id +
                                     " (cv25519); no expiry; secret key present; encrypt probe succeeded");
        CHECK(outcome.observed["algorithm"] == "ed25519");
        CHECK(outcome.observed["bits"] == 255);
        CHECK(outcome.observed["homedir"] == home);
        CHECK(outcome.observed["fingerprint"] == keys.ed);
        CHECK(outcome.observed["user_ids"] == nlohmann::json::array({"ed <ed@preflight.test>"}));
        CHECK(outcome.observed["subkeys"][0]["usage"] == "encrypt");
        CHECK(outcome.observed["secret_key"] == "present");

        GpgCheckFields absent;
        absent.text("fingerprint", keys.ed).text("homedir", home).choice("secret_key", "absent");
        outcome = run(absent);
        CHECK(outcome.status == Status::fail);
        CHECK(outcome.message == "the secret key of " + keys.ed + " is in GnuPG homedir " + home +
                                     ", but this host must hold only the public key (secret_key: absent)");
    }

    SUBCASE("public key imported into a second homedir: validity unknown, probe still encrypts") {
        GpgCheckFields fields;
        fields.text("fingerprint", keys.ed).text("homedir", keys.public_home).choice("usable_for", "encrypt")
            .choice("secret_key", "absent").boolean("encrypt_probe", true);
        auto outcome = run(fields);
        CHECK(outcome.status == Status::pass);
        CHECK(outcome.observed["validity"] == "unknown");
        CHECK(outcome.observed["secret_key"] == "absent");
        CHECK(outcome.message.find("; public key only; encrypt probe succeeded") != std::string::npos);

        GpgCheckFields present;
        present.text("fingerprint", keys.ed).text("homedir", keys.public_home).choice("secret_key", "present");
        outcome = run(present);
        CHECK(outcome.status == Status::fail);
        CHECK(outcome.message == "key " + keys.ed + " has no secret key in GnuPG homedir " + keys.public_home +
                                     " (secret_key: present)");
    }

    SUBCASE("sign-only key") {
        GpgCheckFields encrypt;
        encrypt.text("fingerprint", keys.sign_only).text("homedir", home).choice("usable_for", "encrypt");
        auto outcome = run(encrypt);
        CHECK(outcome.status == Status::fail);
        CHECK(outcome.message == "key " + keys.sign_only + " in GnuPG homedir " + home + " has no subkey that can encrypt");

        GpgCheckFields sign;
        sign.text("fingerprint", keys.sign_only).text("homedir", home).choice("usable_for", "sign");
        outcome = run(sign);
        CHECK(outcome.status == Status::pass);
        CHECK(outcome.message == "key " + keys.sign_only + in_home + "; signs with the primary key (ed25519); no expiry");

        GpgCheckFields probe;
        probe.text("fingerprint", keys.sign_only).text("homedir", home).boolean("encrypt_probe", true);
        outcome = run(probe);
        CHECK(outcome.status == Status::fail);
        CHECK(outcome.message == "encrypting a test message to key " + keys.sign_only +
                                     " failed: it has no subkey that can encrypt (gpg refused the key: "
                                     "All subkeys are expired or revoked)");
    }

    SUBCASE("revoked encryption subkey") {
        auto facts = facts_of(home, keys.revoked_subkey);
        REQUIRE(facts.subkeys.size() == 1);
        CHECK(facts.subkeys[0].revoked);
        GpgCheckFields fields;
        fields.text("fingerprint", keys.revoked_subkey).text("homedir", home).choice("usable_for", "encrypt");
        auto outcome = run(fields);
        CHECK(outcome.status == Status::fail);
        CHECK(outcome.message == "key " + keys.revoked_subkey + " in GnuPG homedir " + home +
                                     " has no usable encryption subkey: subkey " + facts.subkeys[0].key_id +
                                     " (cv25519) is revoked");
        CHECK(outcome.observed["subkeys"][0]["state"] == "revoked");
    }

    SUBCASE("revoked, expired and disabled primary keys") {
        GpgCheckFields revoked;
        revoked.text("fingerprint", keys.revoked).text("homedir", home);
        auto outcome = run(revoked);
        CHECK(outcome.status == Status::fail);
        CHECK(outcome.message == "key " + keys.revoked + " in GnuPG homedir " + home + " is revoked");

        GpgCheckFields expired;
        expired.text("fingerprint", keys.expired).text("homedir", home).choice("usable_for", "encrypt");
        outcome = run(expired);
        CHECK(outcome.status == Status::fail);
        CHECK(outcome.message == "key " + keys.expired + " in GnuPG homedir " + home + " is expired since 2020-12-31");
        CHECK(outcome.observed["created"] == "2020-01-01T00:00:00Z");

        GpgCheckFields disabled;
        disabled.text("fingerprint", keys.disabled).text("homedir", home);
        outcome = run(disabled);
        CHECK(outcome.status == Status::fail);
        CHECK(outcome.message == "key " + keys.disabled + " in GnuPG homedir " + home + " is disabled");
    }

    SUBCASE("expiring in 5 days against min_valid_days") {
        auto facts = facts_of(home, keys.expiring);
        REQUIRE(facts.subkeys.size() == 1);
        GpgCheckFields thirty;
        thirty.text("fingerprint", keys.expiring).text("homedir", home).choice("usable_for", "encrypt")
            .integer("min_valid_days", 30);
        auto outcome = run(thirty);
        CHECK(outcome.status == Status::fail);
        CHECK(outcome.message == "the encryption subkey " + facts.subkeys[0].key_id + " of key " + keys.expiring +
                                     " expires on " + day_of(keys.expiring_at) +
                                     " (in 5 days); at least 30 days are required (min_valid_days)");

        GpgCheckFields three;
        three.text("fingerprint", keys.expiring).text("homedir", home).choice("usable_for", "encrypt")
            .integer("min_valid_days", 3);
        CHECK(run(three).status == Status::pass);
    }

    SUBCASE("not found, and a subkey's fingerprint") {
        const std::string absent = "0123456789ABCDEF0123456789ABCDEF01234567";
        GpgCheckFields fields;
        fields.text("fingerprint", absent).text("homedir", home).boolean("encrypt_probe", true);
        auto outcome = run(fields);
        CHECK(outcome.status == Status::fail);
        CHECK(outcome.message == "no key with fingerprint " + absent + " in GnuPG homedir " + home);

        auto facts = facts_of(home, keys.ed);
        REQUIRE(facts.subkeys.size() == 1);
        GpgCheckFields subkey;
        subkey.text("fingerprint", facts.subkeys[0].fingerprint).text("homedir", home);
        outcome = run(subkey);
        CHECK(outcome.status == Status::fail);
        CHECK(outcome.message == "fingerprint " + facts.subkeys[0].fingerprint + " belongs to a subkey of key " +
                                     keys.ed + " in GnuPG homedir " + home +
                                     ", not to a primary key; give the primary key's fingerprint");
    }

    SUBCASE("every accepted spelling finds the key; a 16-hex id is refused") {
        std::string spaced;
        for (std::size_t i = 0; i < keys.ed.size(); i += 4)
            spaced += keys.ed.substr(i, 4) + (i == 16 ? "  " : " ");
        for (const std::string& spelling : {keys.ed, lower(keys.ed), spaced, lower(spaced)}) {
            CAPTURE(spelling);
            GpgCheckFields literal;
            literal.text("fingerprint", spelling).text("homedir", home);
            auto outcome = run(literal);
            CHECK(outcome.status == Status::pass);
            CHECK(outcome.observed["fingerprint"] == keys.ed);

            FakeRunContext context;
            context.env["FPR"] = spelling;
            host::GpgmeKeyring keyring("");
            GpgCheckFields interpolated;
            interpolated.text("fingerprint", "${env.FPR}").text("homedir", home);
            CHECK(run_gpg_check(interpolated, keyring, context).status == Status::pass);
        }
        FakeRunContext context;
        context.env["FPR"] = keys.ed.substr(24);
        host::GpgmeKeyring keyring("");
        GpgCheckFields short_id;
        short_id.text("fingerprint", "${env.FPR}").text("homedir", home);
        auto outcome = run_gpg_check(short_id, keyring, context);
        CHECK(outcome.status == Status::error);
        CHECK(outcome.message.rfind("fingerprint from ${env.FPR} is a 16-hex-digit key id", 0) == 0);
    }

    SUBCASE("the default homedir is $GNUPGHOME, and the report says which was used") {
        const char* saved = std::getenv("GNUPGHOME");
        std::string previous = saved ? saved : "";
        ::setenv("GNUPGHOME", home.c_str(), 1);
        GpgCheckFields fields;
        fields.text("fingerprint", keys.ed);
        auto outcome = run(fields);
        if (saved) ::setenv("GNUPGHOME", previous.c_str(), 1); else ::unsetenv("GNUPGHOME");
        CHECK(outcome.status == Status::pass);
        CHECK(outcome.observed["homedir"] == home);
    }

    SUBCASE("a homedir too long for gpg-agent's socket is an error, never a false 'no secret key'") {
        std::string socket_dir = testing::shell("gpgconf --homedir " + testing::shell_quote(keys.long_home) +
                                                " --list-dirs socketdir");
        socket_dir.erase(socket_dir.find_last_not_of('\n') + 1);
        GpgCheckFields present;
        present.text("fingerprint", keys.ed).text("homedir", keys.long_home).choice("secret_key", "absent");
        auto outcome = run(present);
        if (socket_dir == keys.long_home) {
            CHECK(outcome.status == Status::error);
            CHECK(outcome.message == "GnuPG homedir " + keys.long_home + " is too long for gpg-agent's socket (115 "
                                     "characters in " + keys.long_home + "/S.gpg-agent.browser, at most 106), so gpg "
                                     "cannot tell whether the secret key is present; use a shorter homedir path");
        } else {
            MESSAGE("gpg-agent sockets live in " << socket_dir << ": the long homedir is usable here");
            CHECK(outcome.status == Status::fail);  // the secret key is there
        }
        // Without a secret-key policy the agent is not needed and the public keyring is read.
        GpgCheckFields any;
        any.text("fingerprint", keys.ed).text("homedir", keys.long_home);
        CHECK(run(any).status == Status::pass);
    }

    SUBCASE("a hanging gpg ends as error at the check's timeout") {
        GpgCheckFields fields;
        fields.text("fingerprint", keys.ed).text("homedir", home).boolean("encrypt_probe", true);
        auto outcome = run(fields, keys.hanging_gpg, std::chrono::seconds(1));
        CHECK(outcome.status == Status::error);
        CHECK(outcome.message == "gpg did not answer within 1s (homedir " + home + ")");
    }

    SUBCASE("one keyring serves several threads at once") {
        host::GpgmeKeyring keyring("");
        std::vector<std::string> fingerprints = {keys.rsa, keys.ed, keys.sign_only, keys.expiring};
        std::vector<int> found(fingerprints.size(), -1);
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < fingerprints.size(); ++i)
            threads.emplace_back([&, i] {
                try {
                    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
                    found[i] = keyring.lookup(home, fingerprints[i], deadline, false).found ? 1 : 0;
                } catch (const std::exception&) {
                    found[i] = -2;
                }
            });
        for (auto& thread : threads) thread.join();
        CHECK(found == std::vector<int>{1, 1, 1, 1});
    }
}

TEST_CASE("gpg_key: a homedir that does not exist is an error and is not created") {
    const std::string missing = "/tmp/pfg-missing-" + std::to_string(::getpid());
    GpgCheckFields fields;
    fields.text("fingerprint", "9B2D33975874E4EE4C0D80A8DA3E15CDD8C786DA").text("homedir", missing)
        .choice("secret_key", "absent").boolean("encrypt_probe", true);
    auto outcome = run(fields);
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "GnuPG homedir " + missing + " does not exist (nothing was created); check `homedir:`, "
                             "or import the key there first");
    CHECK_FALSE(exists(missing));

    const char* saved = std::getenv("GNUPGHOME");
    std::string previous = saved ? saved : "";
    ::setenv("GNUPGHOME", missing.c_str(), 1);
    GpgCheckFields by_default;
    by_default.text("fingerprint", "9B2D33975874E4EE4C0D80A8DA3E15CDD8C786DA");
    outcome = run(by_default);
    if (saved) ::setenv("GNUPGHOME", previous.c_str(), 1); else ::unsetenv("GNUPGHOME");
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message.rfind("GnuPG homedir " + missing + " (the default for user ", 0) == 0);
    CHECK(outcome.message.find(") does not exist (nothing was created); run preflight as the user who holds the key, "
                               "or set `homedir:`") != std::string::npos);
    CHECK_FALSE(exists(missing));
}
