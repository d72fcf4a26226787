// Fingerprint spelling, field validation at load, and how the check drives the keyring
// interface (with a fake keyring: no gpg involved).
#include <doctest/doctest.h>

#include "gpg/gpg_check_support.hpp"

using namespace preflight;
using preflight::testing::FakeRunContext;
using preflight::testing::GpgCheckFields;

namespace {

const std::string kFpr = "9B2D33975874E4EE4C0D80A8DA3E15CDD8C786DA";
const std::string kKeyIdProblem = "-hex-digit key id, which more than one key can share; give the full 40-hex "
                                  "fingerprint (gpg --fingerprint KEY shows it)";

std::string problem_of(const std::string& text) {
    std::string problem;
    auto normal = normalise_fingerprint(text, problem);
    CHECK_FALSE(normal.has_value());
    return problem;
}

class FakeKeyring : public host::GpgKeyring {
public:
    mutable std::vector<std::string> calls;
    host::GpgKeyFacts facts;
    std::optional<host::GpgProbeFacts> probe;
    std::function<void()> throw_on_lookup;

    host::GpgKeyFacts lookup(const std::string& homedir, const std::string& fingerprint,
                             std::chrono::steady_clock::time_point, bool check_secret) const override {
        calls.push_back("lookup " + homedir + " " + fingerprint + (check_secret ? " secret" : ""));
        if (throw_on_lookup) throw_on_lookup();
        auto out = facts;
        out.fingerprint = fingerprint;
        return out;
    }
    host::GpgProbeFacts encrypt_probe(const std::string& homedir, const std::string& fingerprint,
                                      std::chrono::steady_clock::time_point) const override {
        calls.push_back("probe " + homedir + " " + fingerprint);
        return probe.value_or(host::GpgProbeFacts{});
    }
};

FakeKeyring keyring_with_key() {
    FakeKeyring keyring;
    keyring.facts.homedir = "/home/op/.gnupg";
    keyring.facts.found = true;
    keyring.facts.primary.algorithm = "ed25519";
    keyring.facts.primary.can_sign = true;
    keyring.facts.subkeys.push_back({});
    keyring.facts.subkeys[0].key_id = "1111222233334444";
    keyring.facts.subkeys[0].algorithm = "cv25519";
    keyring.facts.subkeys[0].can_encrypt = true;
    return keyring;
}

}  // namespace

TEST_CASE("fingerprint spellings: spaces, tabs and lower case are accepted and normalised") {
    for (const std::string& text :
         {kFpr, std::string("9b2d33975874e4ee4c0d80a8da3e15cdd8c786da"),
          std::string("9B2D 3397 5874 E4EE 4C0D  80A8 DA3E 15CD D8C7 86DA"),
          std::string(" 9b2d 3397 5874 e4ee 4c0d\t80a8 DA3E 15CD D8C7 86da ")}) {
        CAPTURE(text);
        std::string problem;
        CHECK(normalise_fingerprint(text, problem) == kFpr);
        CHECK(problem.empty());
    }
}

TEST_CASE("fingerprint spellings: key ids, 0x forms, wrong lengths and non-hex are refused") {
    CHECK(problem_of("D8C786DA") == "is an 8" + kKeyIdProblem);
    CHECK(problem_of("DA3E15CDD8C786DA") == "is a 16" + kKeyIdProblem);
    CHECK(problem_of("0xDA3E15CDD8C786DA") == "is a 16" + kKeyIdProblem);
    CHECK(problem_of("0x" + kFpr) == "must be written without the 0x prefix: 40 hex digits, spaces allowed");
    CHECK(problem_of(kFpr.substr(1)) == "must be 40 hex digits (spaces allowed), got 39");
    CHECK(problem_of(kFpr + "A") == "must be 40 hex digits (spaces allowed), got 41");
    CHECK(problem_of(kFpr + "0123456789ABCDEF01234567") ==
          "has 64 hex digits (a v5 key); only 40-hex v4 fingerprints are supported");
    CHECK(problem_of("9B2G33975874E4EE4C0D80A8DA3E15CDD8C786DA") ==
          "must be 40 hex digits (spaces allowed) but contains a character that is not a hex digit");
    CHECK(problem_of("  ") == "is empty; give the key's full 40-hex fingerprint");
}

TEST_CASE("gpg_key fields: literal mistakes are load errors located at the field") {
    GpgCheckFields short_id;
    short_id.text("fingerprint", "DA3E 15CD D8C7 86DA");
    CHECK(short_id.make() == nullptr);
    CHECK(short_id.errors == std::vector<std::string>{"pack.yaml:11:5: fingerprint is a 16" + kKeyIdProblem});

    GpgCheckFields negative;
    negative.text("fingerprint", kFpr).integer("min_valid_days", -1);
    CHECK(negative.make() == nullptr);
    CHECK(negative.errors == std::vector<std::string>{"pack.yaml:12:5: min_valid_days must be 0 or more"});

    GpgCheckFields unknown_choice;
    unknown_choice.text("fingerprint", kFpr).choice("usable_for", "decrypt");
    CHECK(unknown_choice.make() == nullptr);
    CHECK(unknown_choice.errors == std::vector<std::string>{"pack.yaml:12:5: 'usable_for' cannot be 'decrypt'"});

    GpgCheckFields fine;
    fine.text("fingerprint", "${env.BACKUP_GPG_FPR}").choice("usable_for", "encrypt").integer("min_valid_days", 30)
        .choice("secret_key", "absent").boolean("encrypt_probe", true).text("homedir", "/srv/gnupg");
    CHECK(fine.make() != nullptr);
    CHECK(fine.errors.empty());
}

TEST_CASE("gpg_key: a fingerprint from interpolation is checked at run time") {
    auto keyring = keyring_with_key();
    FakeRunContext context;
    context.env["BACKUP_GPG_FPR"] = "DA3E15CDD8C786DA";
    GpgCheckFields fields;
    fields.text("fingerprint", "${env.BACKUP_GPG_FPR}");
    auto outcome = run_gpg_check(fields, keyring, context);
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "fingerprint from ${env.BACKUP_GPG_FPR} is a 16" + kKeyIdProblem);
    CHECK(keyring.calls.empty());

    FakeRunContext unresolved;
    CHECK_THROWS_AS(run_gpg_check(fields, keyring, unresolved), UnresolvedReference);
}

TEST_CASE("gpg_key: a secret fingerprint in another spelling is registered as written by gpg too") {
    auto keyring = keyring_with_key();
    FakeRunContext context;
    context.env["GPG_SECRET_FPR"] = "9b2d 3397 5874 e4ee 4c0d  80a8 da3e 15cd d8c7 86da";
    GpgCheckFields fields;
    fields.text("fingerprint", "${env.GPG_SECRET_FPR}");
    auto outcome = run_gpg_check(fields, keyring, context);
    CHECK(outcome.status == Status::pass);
    CHECK(keyring.calls == std::vector<std::string>{"lookup  " + kFpr});
    auto secrets = context.secrets.snapshot();
    REQUIRE(secrets.size() == 1);
    CHECK(secrets[0].value == kFpr);
    CHECK(secrets[0].name == "env GPG_SECRET_FPR");

    // Not secret: nothing registered.
    FakeRunContext plain;
    plain.env["FPR"] = "9b2d33975874e4ee4c0d80a8da3e15cdd8c786da";
    GpgCheckFields plain_fields;
    plain_fields.text("fingerprint", "${env.FPR}");
    CHECK(run_gpg_check(plain_fields, keyring, plain).status == Status::pass);
    CHECK(plain.secrets.snapshot().empty());
}

TEST_CASE("gpg_key: what the check asks the keyring") {
    auto keyring = keyring_with_key();
    keyring.facts.secret_key = false;
    keyring.probe = host::GpgProbeFacts{true, 200, ""};
    FakeRunContext context;
    context.vars["home"] = "/srv/gnupg";
    GpgCheckFields fields;
    fields.text("fingerprint", kFpr).text("homedir", "${var.home}").choice("secret_key", "absent")
        .boolean("encrypt_probe", true).choice("usable_for", "encrypt");
    auto outcome = run_gpg_check(fields, keyring, context);
    CHECK(outcome.status == Status::pass);
    // The probe runs in the homedir the lookup reported (the resolved one).
    CHECK(keyring.calls == std::vector<std::string>{"lookup /srv/gnupg " + kFpr + " secret",
                                                    "probe /home/op/.gnupg " + kFpr});

    // No probe for a key that is not there; the secret key is only asked for when the policy needs it.
    auto missing = keyring_with_key();
    missing.facts.found = false;
    GpgCheckFields probe_only;
    probe_only.text("fingerprint", kFpr).boolean("encrypt_probe", true);
    CHECK(run_gpg_check(probe_only, missing, context).status == Status::fail);
    CHECK(missing.calls == std::vector<std::string>{"lookup  " + kFpr});
}

TEST_CASE("gpg_key: keyring failures and timeouts are errors") {
    GpgCheckFields fields;
    fields.text("fingerprint", kFpr);
    FakeRunContext context;
    context.check_timeout = std::chrono::milliseconds(2500);

    auto timeout = keyring_with_key();
    timeout.throw_on_lookup = [] { throw host::GpgTimeout("/srv/gnupg"); };
    auto outcome = run_gpg_check(fields, timeout, context);
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "gpg did not answer within 2.5s (homedir /srv/gnupg)");

    auto broken = keyring_with_key();
    broken.throw_on_lookup = [] { throw host::GpgError("GnuPG homedir /x does not exist (nothing was created)"); };
    outcome = run_gpg_check(fields, broken, context);
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "GnuPG homedir /x does not exist (nothing was created)");

    auto check = fields.make();
    REQUIRE(check);
    FakeRunContext without_gnupg;
    outcome = check->run(without_gnupg);
    CHECK(outcome.status == Status::error);
    CHECK(outcome.message == "GnuPG keyring access is not available in this run");
}

TEST_CASE("gpg_key: the kind declares its fields once") {
    auto kind = gpg_key_kind();
    CHECK(kind.name == "gpg_key");
    std::vector<std::string> names;
    for (const auto& field : kind.fields) names.push_back(field.name);
    CHECK(names == std::vector<std::string>{"fingerprint", "homedir", "usable_for", "min_valid_days", "secret_key",
                                            "encrypt_probe"});
    CHECK(kind.fields[0].required);
    CHECK(kind.fields[2].choices == std::vector<std::string>{"any", "encrypt", "sign"});
    CHECK(kind.fields[4].choices == std::vector<std::string>{"any", "present", "absent"});
}
