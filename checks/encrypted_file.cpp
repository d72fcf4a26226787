#include "checks/encrypted_file.hpp"

#include "checks/gpg_key.hpp"
#include "checks/process_report.hpp"

namespace preflight {

namespace {

class EncryptedFileCheck : public Check {
public:
    Template path;
    FingerprintField fingerprint;
    std::optional<Template> homedir;
    OtherRecipients others = OtherRecipients::forbidden;

    Outcome run(const RunContext& context) const override {
        host::GpgKeyring* keyring = context.host().gnupg;
        if (!keyring) return Outcome::error("GnuPG keyring access is not available in this run");
        std::string problem;
        auto fpr = fingerprint.resolve(context, problem);
        if (!fpr) return Outcome::error(problem);
        std::string file = context.resolve(path);
        if (file.empty()) return Outcome::error("path from " + path.source() + " is empty");
        std::string home = homedir ? context.resolve(*homedir) : "";

        host::GpgKeyFacts key;
        host::GpgMessageFacts message;
        try {
            key = keyring->lookup(home, *fpr, context.deadline(), false);
            message = keyring->read_message(file, context.deadline());
        } catch (const host::GpgTimeout& timeout) {
            return Outcome::error("gpg did not finish reading " + file + " and the keyring within " +
                                      format_timeout(context.timeout()),
                                  {{"path", file}, {"homedir", key.homedir.empty() ? home : key.homedir}});
        } catch (const host::GpgError& error) {
            return Outcome::error(error.what(), {{"path", file}});
        }
        return judge_encrypted_file(message, key, others);
    }
};

std::unique_ptr<Check> make_encrypted_file(const KindInput& input) {
    const FieldValues& fields = input.fields;
    auto check = std::make_unique<EncryptedFileCheck>();
    bool ok = check->fingerprint.load(fields, "encrypted_file", input.diagnostics);
    if (auto path = fields.text("path")) {
        check->path = *path;
    } else {
        input.diagnostics.error(fields.check_location, "encrypted_file needs 'path'");
        ok = false;
    }
    check->homedir = fields.text("homedir");
    if (auto chosen = fields.choice("other_recipients")) {
        if (*chosen == "allowed") check->others = OtherRecipients::allowed;
        else if (*chosen != "forbidden") {
            input.diagnostics.error(fields.where("other_recipients"), "'other_recipients' cannot be '" + *chosen + "'");
            ok = false;
        }
    }
    if (!ok) return nullptr;
    return check;
}

}  // namespace

KindSpec encrypted_file_kind() {
    return {
        "encrypted_file",
        "a file is an OpenPGP message encrypted to the key with this fingerprint; judged without decrypting it",
        {
            {"path", FieldType::text, true, "",
             "the file; it must be a regular file (symlinks followed), never read whole into memory", {}},
            {"fingerprint", FieldType::text, true, "",
             "the recipient key's full 40-hex primary fingerprint; its encryption subkeys are matched", {}},
            {"homedir", FieldType::text, false, "",
             "GnuPG home holding the key's public part; default $GNUPGHOME, else ~/.gnupg; only read", {}},
            {"other_recipients", FieldType::choice, false, "forbidden",
             "recipients besides the key (other keys, hidden ones, a passphrase) are reported; forbidden fails on them",
             {"allowed", "forbidden"}},
        },
        make_encrypted_file,
    };
}

}  // namespace preflight
