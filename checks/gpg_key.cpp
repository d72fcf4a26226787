#include "checks/gpg_key.hpp"

#include <cctype>

#include "checks/process_report.hpp"

namespace preflight {

std::optional<std::string> normalise_fingerprint(std::string_view text, std::string& problem) {
    std::string compact;
    for (char c : text)
        if (c != ' ' && c != '\t') compact += c;
    if (compact.empty()) {
        problem = "is empty; give the key's full 40-hex fingerprint";
        return std::nullopt;
    }
    std::string_view rest = compact;
    bool prefixed = rest.size() > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X');
    if (prefixed) rest.remove_prefix(2);
    std::string digits;
    for (char c : rest) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) {
            problem = "must be 40 hex digits (spaces allowed) but contains a character that is not a hex digit";
            return std::nullopt;
        }
        digits += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    const std::size_t count = digits.size();
    if (count == 8 || count == 16)
        problem = std::string(count == 8 ? "is an " : "is a ") + std::to_string(count) + "-hex-digit key id, which more than one key can share; "
                  "give the full 40-hex fingerprint (gpg --fingerprint KEY shows it)";
    else if (count == 40 && prefixed)
        problem = "must be written without the 0x prefix: 40 hex digits, spaces allowed";
    else if (count == 64)
        problem = "has 64 hex digits (a v5 key); only 40-hex v4 fingerprints are supported";
    else if (count != 40)
        problem = "must be 40 hex digits (spaces allowed), got " + std::to_string(count);
    else
        return std::optional<std::string>(std::in_place, digits);  // a copy: GCC 12 misreads the move
    return std::nullopt;
}

namespace {

// Resolves templates that have no references (their text with "$${" unescaped).
class NoReferences : public ReferenceResolver {
public:
    std::optional<std::string> lookup(const Reference&) const override { return std::nullopt; }
};

}  // namespace

bool FingerprintField::load(const FieldValues& fields, const std::string& kind, Diagnostics& diagnostics) {
    auto given = fields.text("fingerprint");
    if (!given) {
        diagnostics.error(fields.check_location, kind + " needs 'fingerprint'");
        return false;
    }
    text = *given;
    if (text.has_references()) return true;
    std::string problem;
    literal = normalise_fingerprint(text.resolve(NoReferences{}), problem);
    if (!literal) diagnostics.error(fields.where("fingerprint"), "fingerprint " + problem);
    return literal.has_value();
}

std::optional<std::string> FingerprintField::resolve(const RunContext& context, std::string& problem) const {
    if (literal) return literal;
    std::string raw = context.resolve(text);
    auto normal = normalise_fingerprint(raw, problem);
    if (!normal) {
        problem = "fingerprint from " + text.source() + " " + problem;
        return std::nullopt;
    }
    // The secret env value is registered as written; its normalised spelling must be too.
    if (*normal != raw)
        for (const auto& reference : text.references())
            if (reference.space == Reference::Space::env && context.is_secret_name(reference.name))
                context.add_secret(*normal, "env " + reference.name);
    return normal;
}

namespace {

class GpgKeyCheck : public Check {
public:
    FingerprintField fingerprint;
    std::optional<Template> homedir;
    GpgKeyRequirements want;

    Outcome run(const RunContext& context) const override {
        host::GpgKeyring* keyring = context.host().gnupg;
        if (!keyring) return Outcome::error("GnuPG keyring access is not available in this run");
        std::string problem;
        auto resolved = fingerprint.resolve(context, problem);
        if (!resolved) return Outcome::error(problem);
        const std::string& fpr = *resolved;
        std::string home = homedir ? context.resolve(*homedir) : "";

        host::GpgKeyFacts facts;
        std::optional<host::GpgProbeFacts> probe;
        try {
            facts = keyring->lookup(home, fpr, context.deadline(), want.secret_key != SecretKeyPolicy::any);
            if (want.encrypt_probe && facts.found)
                probe = keyring->encrypt_probe(facts.homedir, fpr, context.deadline());
        } catch (const host::GpgTimeout& timeout) {
            return Outcome::error("gpg did not answer within " + format_timeout(context.timeout()) +
                                      " (homedir " + timeout.homedir() + ")",
                                  {{"homedir", timeout.homedir()}, {"fingerprint", fpr}});
        } catch (const host::GpgError& error) {
            return Outcome::error(error.what(), {{"fingerprint", fpr}});
        }
        return judge_gpg_key(facts, want, probe ? &*probe : nullptr, std::chrono::system_clock::now());
    }
};

template <typename Enum>
std::optional<Enum> choice_of(const FieldValues& fields, const std::string& name,
                              const std::vector<std::pair<std::string, Enum>>& options, Enum fallback,
                              Diagnostics& diagnostics) {
    auto chosen = fields.choice(name);
    if (!chosen) return fallback;
    for (const auto& [text, value] : options)
        if (text == *chosen) return value;
    diagnostics.error(fields.where(name), "'" + name + "' cannot be '" + *chosen + "'");
    return std::nullopt;
}

std::unique_ptr<Check> make_gpg_key(const KindInput& input) {
    const FieldValues& fields = input.fields;
    auto check = std::make_unique<GpgKeyCheck>();
    bool ok = check->fingerprint.load(fields, "gpg_key", input.diagnostics);
    check->homedir = fields.text("homedir");
    auto usage = choice_of<GpgUsage>(fields, "usable_for",
                                     {{"any", GpgUsage::any}, {"encrypt", GpgUsage::encrypt}, {"sign", GpgUsage::sign}},
                                     GpgUsage::any, input.diagnostics);
    auto secret = choice_of<SecretKeyPolicy>(
        fields, "secret_key",
        {{"any", SecretKeyPolicy::any}, {"present", SecretKeyPolicy::present}, {"absent", SecretKeyPolicy::absent}},
        SecretKeyPolicy::any, input.diagnostics);
    ok = ok && usage && secret;
    if (usage) check->want.usable_for = *usage;
    if (secret) check->want.secret_key = *secret;
    check->want.min_valid_days = fields.integer("min_valid_days");
    if (check->want.min_valid_days && *check->want.min_valid_days < 0) {
        input.diagnostics.error(fields.where("min_valid_days"), "min_valid_days must be 0 or more");
        ok = false;
    }
    check->want.encrypt_probe = fields.boolean("encrypt_probe").value_or(false);
    if (!ok) return nullptr;
    return check;
}

}  // namespace

KindSpec gpg_key_kind() {
    return {
        "gpg_key",
        "a key with this full fingerprint is in the GnuPG keyring: valid, usable for the job, not expiring soon",
        {
            {"fingerprint", FieldType::text, true, "",
             "the primary key's full 40-hex fingerprint; spaces and lower case accepted, short key ids are not", {}},
            {"homedir", FieldType::text, false, "",
             "GnuPG home directory; default $GNUPGHOME, else ~/.gnupg of the user running preflight; never created", {}},
            {"usable_for", FieldType::choice, false, "any",
             "a subkey that is not revoked, expired, disabled or invalid must be able to do this", {"any", "encrypt", "sign"}},
            {"min_valid_days", FieldType::integer, false, "",
             "fail when the key (or its usable subkey) expires in fewer days than this", {}},
            {"secret_key", FieldType::choice, false, "any",
             "the secret key must be in the keyring (present), must not be (absent), or either (any)",
             {"any", "present", "absent"}},
            {"encrypt_probe", FieldType::boolean, false, "false",
             "also encrypt 64 random bytes to the key in memory (trusting it; nothing is written)", {}},
        },
        make_gpg_key,
    };
}

}  // namespace preflight
