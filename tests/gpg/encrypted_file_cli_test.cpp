// encrypted_file through `preflight run`: the shipped pattern of two checks (critical with
// other recipients allowed, warning with them forbidden), a secret fingerprint from an env
// file, redaction of the evidence, and nothing left in $TMPDIR.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "checks/encrypted_file.hpp"
#include "gpg/gpg_test_keyring.hpp"
#include "src/host/gpg.hpp"
#include "support/cli_fixtures.hpp"
#include "support/process_fixtures.hpp"

using namespace preflight;
using preflight::testing::shell;
using preflight::testing::shell_quote;
using preflight::testing::test_keyring;

TEST_CASE("preflight run: encrypted_file with a secret fingerprint shows only last-8 forms and leaves nothing behind") {
    const auto& keys = test_keyring();
    preflight::testing::ScratchDir dir;
    const std::string tmp = dir.mkdir("tmp", 0700);
    const std::string plain = dir.write("dump.sql", "select 'canary';\n");
    const std::string artifact = dir.file("r1.sql.gpg");
    shell("gpg --batch --no-tty --trust-model always --homedir " + shell_quote(keys.home) + " -r " + keys.ed + " -r " +
          keys.rsa + " --encrypt -o " + shell_quote(artifact) + " " + shell_quote(plain));
    // As an operator might write it: lower case, in groups of four.
    std::string spaced;
    for (std::size_t i = 0; i < keys.ed.size(); ++i)
        spaced += std::string(i > 0 && i % 4 == 0 ? " " : "") + static_cast<char>(std::tolower(keys.ed[i]));
    dir.write("backup.env", "BACKUP_GPG_FPR=\"" + spaced + "\"\n", 0600);
    dir.write("pack.yaml", "preflight: 1\npack: artifact\nenv_files: [\"" + dir.file("backup.env") +
                               "\"]\nsecrets: [BACKUP_GPG_FPR]\nchecks:\n"
                               "  - id: encrypted\n    kind: encrypted_file\n    path: " + artifact +
                               "\n    fingerprint: \"${env.BACKUP_GPG_FPR}\"\n    homedir: " + keys.public_home +
                               "\n    other_recipients: allowed\n"
                               "  - id: no-other-reader\n    kind: encrypted_file\n    severity: warning\n"
                               "    needs: [encrypted]\n    path: " + artifact +
                               "\n    fingerprint: \"${env.BACKUP_GPG_FPR}\"\n    homedir: " + keys.public_home + "\n",
              0600);
    std::string command = "env TMPDIR=" + shell_quote(tmp) + " " + PREFLIGHT_BINARY + " run --format json " +
                          shell_quote(dir.file("pack.yaml")) + " >" + shell_quote(dir.file("out")) + " 2>" +
                          shell_quote(dir.file("err")) + " </dev/null";
    int status = std::system(command.c_str());
    std::string out = dir.read("out");
    CAPTURE(out);
    CAPTURE(dir.read("err"));
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);  // the warning does not close the gate without --strict
    auto report = nlohmann::json::parse(out);
    const std::string ed_last8 = keys.ed.substr(32);
    std::string rsa_sub;
    auto facts = host::GpgmeKeyring("").lookup(keys.home, keys.rsa, std::chrono::steady_clock::now() + std::chrono::seconds(20), false);
    for (const auto& subkey : facts.subkeys)
        if (subkey.can_encrypt) rsa_sub = short_key_id(subkey.key_id);
    bool saw_pass = false, saw_fail = false;
    for (const auto& result : report["checks"]) {
        std::string message = result["message"];
        CHECK(message.find(keys.ed) == std::string::npos);
        CHECK(message.find(ed_last8) != std::string::npos);
        CHECK(message.find(rsa_sub) != std::string::npos);
        if (result["id"] == "encrypted") saw_pass = result["status"] == "pass";
        if (result["id"] == "no-other-reader") saw_fail = result["status"] == "fail";
    }
    CHECK(saw_pass);
    CHECK(saw_fail);
    CHECK(out.find(keys.ed) == std::string::npos);
    CHECK(out.find(spaced) == std::string::npos);
    CHECK(out.find("canary") == std::string::npos);
    CHECK(std::filesystem::is_empty(tmp));  // the empty homedir and the keyring copy are gone
}
