#include "gpg/gpg_test_keyring.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace preflight::testing {

std::string shell_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string shell(const std::string& command) {
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot run: " + command);
    std::string output;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    int status = ::pclose(pipe);
    if (status != 0) throw std::runtime_error("failed (" + std::to_string(status) + "): " + command + "\n" + output);
    return output;
}

namespace {

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

std::string make_dir(const std::string& path) {
    if (::mkdir(path.c_str(), 0700) != 0) throw std::runtime_error("cannot create " + path);
    return path;
}

// The fingerprints of the keys a `gpg --gen-key` run reports as created, in order.
std::vector<std::string> created_keys(const std::string& output) {
    std::vector<std::string> fingerprints;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::string tag, kind, type, fingerprint;
        if (words >> tag >> kind >> type >> fingerprint && tag == "[GNUPG:]" && kind == "KEY_CREATED")
            fingerprints.push_back(fingerprint);
    }
    return fingerprints;
}

std::string ed25519_key(const std::string& name, const std::string& expiry, bool with_subkey = true) {
    std::string params = "%no-protection\nKey-Type: eddsa\nKey-Curve: ed25519\nKey-Usage: sign\n";
    if (with_subkey) params += "Subkey-Type: ecdh\nSubkey-Curve: cv25519\nSubkey-Usage: encrypt\n";
    return params + "Name-Real: " + name + "\nName-Email: " + name + "@preflight.test\nExpire-Date: " + expiry +
           "\n%commit\n";
}

}  // namespace

TestKeyring::TestKeyring() {
    char pattern[] = "/tmp/pfg-XXXXXX";
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    base = pattern;
    home = make_dir(base + "/k");
    public_home = make_dir(base + "/p");
    const std::string gpg = "gpg --batch --no-tty --pinentry-mode loopback --passphrase '' --homedir " + shell_quote(home);

    write_file(base + "/keys", std::string("%no-protection\nKey-Type: rsa\nKey-Length: 2048\nKey-Usage: sign\n"
                                           "Subkey-Type: rsa\nSubkey-Length: 2048\nSubkey-Usage: encrypt\n"
                                           "Name-Real: rsa\nExpire-Date: 2y\n%commit\n") +
                                   ed25519_key("ed", "0") + ed25519_key("signonly", "0", false) +
                                   ed25519_key("revokedsub", "0") + ed25519_key("revoked", "0") +
                                   ed25519_key("disabled", "0") +
                                   ed25519_key("expiring", "seconds=" + std::to_string(5 * 86400 + 43200)));
    auto keys = created_keys(shell(gpg + " --status-fd 1 --gen-key " + shell_quote(base + "/keys")));
    write_file(base + "/old", ed25519_key("expired", "1y"));
    auto old = created_keys(shell(gpg + " --faked-system-time 20200101T000000 --status-fd 1 --gen-key " +
                                  shell_quote(base + "/old")));
    if (keys.size() != 7 || old.size() != 1) throw std::runtime_error("key generation reported wrong keys");
    rsa = keys[0], ed = keys[1], sign_only = keys[2], revoked_subkey = keys[3], revoked = keys[4];
    disabled = keys[5], expiring = keys[6], expired = old[0];

    shell("printf 'key 1\\nrevkey\\ny\\n0\\n\\ny\\nsave\\n' | " + gpg + " --command-fd 0 --edit-key " + revoked_subkey);
    shell("sed 's/^:-----/-----/' " + shell_quote(home + "/openpgp-revocs.d/" + revoked + ".rev") + " | " + gpg + " --import");
    shell(gpg + " --edit-key " + disabled + " disable quit");
    std::istringstream listing(shell(gpg + " --with-colons --list-keys " + expiring));
    for (std::string line; std::getline(listing, line);)
        if (line.rfind("pub:", 0) == 0) {
            std::vector<std::string> field;
            std::istringstream parts(line);
            for (std::string f; std::getline(parts, f, ':');) field.push_back(f);
            expiring_at = std::stoll(field.at(6));
        }

    shell(gpg + " --export " + ed + " | gpg --batch --no-tty --homedir " + shell_quote(public_home) + " --import");
    long_home = make_dir(base + "/" + std::string(95 - base.size() - 1, 'x'));
    shell("cp -R " + shell_quote(home + "/pubring.kbx") + " " + shell_quote(home + "/trustdb.gpg") + " " +
          shell_quote(home + "/private-keys-v1.d") + " " + shell_quote(long_home));

    hanging_gpg = base + "/hanging-gpg";
    write_file(hanging_gpg, "#!/bin/sh\n"
                            "if [ \"$1\" = --version ]; then exec gpg --version; fi\n"
                            "echo $$ >> " + shell_quote(base + "/hanging.pids") + "\n"
                            "exec sleep 120\n");
    ::chmod(hanging_gpg.c_str(), 0700);
}

TestKeyring::~TestKeyring() {
    try {
        shell("if [ -f " + shell_quote(base + "/hanging.pids") + " ]; then kill $(cat " +
              shell_quote(base + "/hanging.pids") + ") || true; fi");
        for (const auto& dir : {home, public_home, long_home})
            if (!dir.empty()) shell("gpgconf --homedir " + shell_quote(dir) + " --kill all || true");
        shell("rm -rf " + shell_quote(base));
    } catch (const std::exception&) {
        // Tearing down must not throw out of a destructor; leftovers stay in /tmp.
    }
}

std::string copy_of_test_home(const std::string& path) {
    const std::string& home = test_keyring().home;
    shell("mkdir -m 0700 " + shell_quote(path) + " && cp -R " + shell_quote(home + "/pubring.kbx") + " " +
          shell_quote(home + "/trustdb.gpg") + " " + shell_quote(home + "/private-keys-v1.d") + " " +
          shell_quote(path));
    return path;
}

const TestKeyring& test_keyring() {
    static TestKeyring keyring;
    return keyring;
}

}  // namespace preflight::testing
