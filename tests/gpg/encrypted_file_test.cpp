// The encrypted_file kind against real gpg: messages made with `gpg --encrypt` to keys of the
// test keyring, judged without decrypting them. One test case with subcases, so that the
// keyring is generated once even when CTest runs each test case in its own process.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "checks/encrypted_file.hpp"
#include "gpg/gpg_check_support.hpp"
#include "gpg/gpg_test_keyring.hpp"
#include "src/host/gpg.hpp"
#include "support/file_fixtures.hpp"

using namespace preflight;
using preflight::testing::GpgCheckFields;
using preflight::testing::shell;
using preflight::testing::shell_quote;
using preflight::testing::TempDir;
using preflight::testing::test_keyring;

namespace {

const std::string kPlaintext = "canary \"plain\" text 'never decrypted' 100% $HOME \\ end";

std::string gpg_in(const std::string& home) {
    return "gpg --batch --no-tty --trust-model always --homedir " + shell_quote(home);
}

// `gpg ARGS -o OUT` on a file holding kPlaintext; returns OUT.
std::string made_with(const TempDir& dir, const std::string& name, const std::string& args) {
    std::string plain = dir.write("plain.txt", kPlaintext);
    std::string out = dir.file(name);
    shell(gpg_in(test_keyring().home) + " " + args + " -o " + shell_quote(out) + " " + shell_quote(plain));
    return out;
}

Outcome check(const std::string& path, const std::string& fingerprint, const std::string& homedir,
              const std::string& others = "", std::chrono::milliseconds timeout = std::chrono::seconds(20),
              const std::string& gpg_binary = "") {
    GpgCheckFields fields(encrypted_file_kind);
    fields.text("path", path).text("fingerprint", fingerprint).text("homedir", homedir);
    if (!others.empty()) fields.choice("other_recipients", others);
    return preflight::testing::run_with_gnupg(fields, timeout, gpg_binary);
}

// The last 8 hex of the (only) encryption subkey of `fingerprint`.
std::string encryption_subkey(const std::string& fingerprint) {
    auto facts = host::GpgmeKeyring("").lookup(test_keyring().home, fingerprint,
                                               std::chrono::steady_clock::now() + std::chrono::seconds(20), false);
    for (const auto& subkey : facts.subkeys)
        if (subkey.can_encrypt) return short_key_id(subkey.key_id);
    throw std::runtime_error("no encryption subkey");
}

bool exists(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0;
}

std::string agent_socket(const std::string& home) {
    std::string socket = shell("gpgconf --homedir " + shell_quote(home) + " --list-dirs agent-socket");
    while (!socket.empty() && socket.back() == '\n') socket.pop_back();
    return socket;
}

}  // namespace

TEST_CASE("encrypted_file against messages made by gpg") {
    const auto& keys = test_keyring();
    TempDir dir;
    const std::string ed_sub = encryption_subkey(keys.ed);
    const std::string rsa_sub = encryption_subkey(keys.rsa);
    const std::string to_ed = " encrypted to key " + keys.ed + " through subkey " + ed_sub + " (ECDH)";

    SUBCASE("binary, with the secret key in the homedir: passes and is not decrypted") {
        std::string file = made_with(dir, "b.gpg", "-r " + keys.ed + " --encrypt");
        // Only a decryption needs the homedir's gpg-agent: none may be started.
        shell("gpgconf --homedir " + shell_quote(keys.home) + " --kill gpg-agent");
        std::string socket = agent_socket(keys.home);
        REQUIRE_FALSE(exists(socket));
        auto outcome = check(file, keys.ed, keys.home);
        CHECK(outcome.status == Status::pass);
        CHECK(outcome.message == file + " is a binary OpenPGP message" + to_ed + "; no other recipient");
        CHECK_FALSE(exists(socket));
        CHECK(outcome.observed["decrypted"] == false);
        CHECK_FALSE(outcome.observed.contains("unencrypted_bytes_discarded"));
        CHECK(outcome.observed.dump().find("canary") == std::string::npos);
        CHECK(outcome.observed["recipients"] ==
              nlohmann::json::array({{{"key_id", ed_sub}, {"algorithm", "ECDH"}, {"key", "expected"}}}));
    }

    SUBCASE("ASCII-armored, with a homedir holding only the public key: passes") {
        std::string file = made_with(dir, "a.asc", "-r " + keys.ed + " --armor --encrypt");
        auto outcome = check(file, keys.ed, keys.public_home);
        CHECK(outcome.status == Status::pass);
        CHECK(outcome.message == file + " is an ASCII-armored OpenPGP message" + to_ed + "; no other recipient");
        CHECK(outcome.observed["format"] == "ASCII-armored");
    }

    SUBCASE("to the key and another key: listed; passes when allowed, fails when forbidden") {
        std::string file = made_with(dir, "ab.gpg", "-r " + keys.ed + " -r " + keys.rsa + " --encrypt");
        auto allowed = check(file, keys.ed, keys.home, "allowed");
        CHECK(allowed.status == Status::pass);
        CHECK(allowed.message == file + " is a binary OpenPGP message" + to_ed + "; also readable by: " + rsa_sub +
                                     " (other_recipients: allowed)");
        auto forbidden = check(file, keys.ed, keys.home);
        CHECK(forbidden.status == Status::fail);
        CHECK(forbidden.message == file + " is encrypted to key " + keys.ed + " through subkey " + ed_sub +
                                       " (ECDH) but can also be read by: " + rsa_sub + " (other_recipients: forbidden)");
    }

    SUBCASE("to another key only: fails") {
        std::string file = made_with(dir, "rsa.gpg", "-r " + keys.rsa + " --encrypt");
        auto outcome = check(file, keys.ed, keys.public_home, "allowed");
        CHECK(outcome.status == Status::fail);
        CHECK(outcome.message == file + " is not encrypted to key " + keys.ed +
                                     ": it is encrypted to other key(s) only: " + rsa_sub);
    }

    SUBCASE("symmetric only (gpg -c): fails at once, never asks for a passphrase") {
        std::string file = made_with(dir, "sym.gpg", "--pinentry-mode loopback --passphrase 'pass word' --symmetric");
        auto started = std::chrono::steady_clock::now();
        auto outcome = check(file, keys.ed, keys.home, "allowed", std::chrono::seconds(5));
        CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
        CHECK(outcome.status == Status::fail);
        CHECK(outcome.message == file + " is encrypted with a passphrase only (symmetric, gpg -c), not to a public key");
    }

    SUBCASE("to the key and a passphrase: the passphrase is another way in") {
        std::string file = made_with(dir, "both.gpg", "-r " + keys.ed +
                                                          " --pinentry-mode loopback --passphrase pw --symmetric --encrypt");
        CHECK(check(file, keys.ed, keys.home, "allowed").message ==
              file + " is a binary OpenPGP message" + to_ed + "; also readable by: a passphrase (other_recipients: allowed)");
        CHECK(check(file, keys.ed, keys.home).status == Status::fail);
    }

    SUBCASE("hidden recipients (--throw-keyids, -R) cannot be told") {
        std::string hidden = made_with(dir, "hidden.gpg", "-R " + keys.ed + " --encrypt");
        auto outcome = check(hidden, keys.ed, keys.home, "allowed");
        CHECK(outcome.status == Status::error);
        CHECK(outcome.message == "cannot tell whether " + hidden + " is encrypted to key " + keys.ed +
                                     ": it has a hidden recipient (gpg --throw-keyids or -R)");
        std::string mixed = made_with(dir, "mixed.gpg", "-r " + keys.ed + " -R " + keys.rsa + " --encrypt");
        CHECK(check(mixed, keys.ed, keys.home, "allowed").status == Status::pass);
        auto forbidden = check(mixed, keys.ed, keys.home);
        CHECK(forbidden.status == Status::error);
        CHECK(forbidden.message == mixed + " is encrypted to key " + keys.ed + " through subkey " + ed_sub +
                                       " (ECDH) and to a hidden recipient: cannot tell whether that is another key "
                                       "(other_recipients: forbidden)");
    }

    SUBCASE("plaintext, an empty file and an unencrypted OpenPGP message fail") {
        std::string text = dir.write("plain.sql", kPlaintext);
        auto outcome = check(text, keys.ed, keys.home);
        CHECK(outcome.status == Status::fail);
        CHECK(outcome.message == text + " is not an OpenPGP message: gpg found no OpenPGP data in its " +
                                     std::to_string(kPlaintext.size()) + " bytes (plaintext or another format, not encrypted)");
        std::string empty = dir.write("empty.gpg", "");
        CHECK(check(empty, keys.ed, keys.home).message == empty + " is empty (0 bytes), not an encrypted message");
        std::string stored = made_with(dir, "stored.gpg", "--store");
        auto plain = check(stored, keys.ed, keys.home, "allowed");
        CHECK(plain.status == Status::fail);
        CHECK(plain.message == stored + " is an OpenPGP message that is not encrypted (signed or stored only): anyone can read it");
        CHECK(plain.observed["unencrypted_bytes_discarded"] == kPlaintext.size());
        CHECK(plain.observed.dump().find("canary") == std::string::npos);
    }

    SUBCASE("two messages in one file, and trailing garbage, fail") {
        std::string one = made_with(dir, "one.gpg", "-r " + keys.ed + " --encrypt");
        std::string two = dir.file("two.gpg");
        shell("cat " + shell_quote(one) + " " + shell_quote(one) + " > " + shell_quote(two));
        CHECK(check(two, keys.ed, keys.home).message ==
              two + " holds 2 encrypted messages, not one: gpg --decrypt does not read it as one message");
        std::string tail = dir.file("tail.gpg");
        shell("(cat " + shell_quote(one) + "; echo garbage) > " + shell_quote(tail));
        CHECK(check(tail, keys.ed, keys.home).message ==
              tail + " has data after the encrypted message that is not OpenPGP: gpg --decrypt reports an invalid packet");
    }

    SUBCASE("the key is not in the keyring: error with the import command") {
        std::string file = made_with(dir, "rsa.gpg", "-r " + keys.rsa + " --encrypt");
        auto outcome = check(file, keys.rsa, keys.public_home);
        CHECK(outcome.status == Status::error);
        CHECK(outcome.message == "key " + keys.rsa + " is not in GnuPG homedir " + keys.public_home +
                                     ": cannot tell which key ids are its encryption subkeys");
        CHECK(outcome.generated_remedy == "Import the public key: gpg --homedir " + keys.public_home + " --import KEYFILE");
    }

    SUBCASE("a FIFO, a directory, a device, a symlink to a FIFO and a missing file: errors, without blocking") {
        std::string fifo = dir.file("pipe.gpg");
        REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
        std::string link = dir.file("link.gpg");
        REQUIRE(::symlink(fifo.c_str(), link.c_str()) == 0);
        auto started = std::chrono::steady_clock::now();
        CHECK(check(fifo, keys.ed, keys.home, "", std::chrono::seconds(5)).message ==
              "cannot read " + fifo + ": not a regular file (it is a FIFO)");
        CHECK(check(link, keys.ed, keys.home, "", std::chrono::seconds(5)).message ==
              "cannot read " + link + ": not a regular file (it is a FIFO)");
        CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
        auto directory = check(dir.path(), keys.ed, keys.home);
        CHECK(directory.status == Status::error);
        CHECK(directory.message == "cannot read " + dir.path() + ": not a regular file (it is a directory)");
        CHECK(check("/dev/null", keys.ed, keys.home).message ==
              "cannot read /dev/null: not a regular file (it is a character device)");
        CHECK(check(dir.file("none.gpg"), keys.ed, keys.home).message == "cannot read " + dir.file("none.gpg") + ": no such file");
    }

    SUBCASE("a huge file is streamed, and gpg that does not answer is cut off at the timeout") {
        std::string one = made_with(dir, "one.gpg", "-r " + keys.ed + " --encrypt");
        std::string huge = dir.file("huge.gpg");
        shell("cp " + shell_quote(one) + " " + shell_quote(huge) + " && truncate -s +4G " + shell_quote(huge));
        auto outcome = check(huge, keys.ed, keys.home, "", std::chrono::seconds(10));
        CHECK(outcome.status == Status::fail);
        CHECK(outcome.message ==
              huge + " has data after the encrypted message that is not OpenPGP: gpg --decrypt reports an invalid packet");

        auto started = std::chrono::steady_clock::now();
        auto hung = check(one, keys.ed, keys.home, "", std::chrono::milliseconds(1500), keys.hanging_gpg);
        CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
        CHECK(hung.status == Status::error);
        CHECK(hung.message == "gpg did not finish reading " + one + " and the keyring within 1.5s");
    }
}

TEST_CASE("encrypted_file: fields are validated at load") {
    GpgCheckFields missing(encrypted_file_kind);
    missing.text("homedir", "/x");
    CHECK(missing.make() == nullptr);
    CHECK(missing.errors == std::vector<std::string>{"pack.yaml:9:5: encrypted_file needs 'fingerprint'",
                                                     "pack.yaml:9:5: encrypted_file needs 'path'"});
    GpgCheckFields key_id(encrypted_file_kind);
    key_id.text("path", "/x").text("fingerprint", "D8C786DA").choice("other_recipients", "some");
    CHECK(key_id.make() == nullptr);
    CHECK(key_id.errors ==
          std::vector<std::string>{"pack.yaml:12:5: fingerprint is an 8-hex-digit key id, which more than one key can "
                                   "share; give the full 40-hex fingerprint (gpg --fingerprint KEY shows it)",
                                   "pack.yaml:13:5: 'other_recipients' cannot be 'some'"});
}
