#pragma once
// Building `gpg_key` checks from field values, as the loader would, and running them.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "checks/gpg_key.hpp"
#include "support/fake_context.hpp"

namespace preflight::testing {

/// The fields of one `gpg_key` check (or of the kind `kind` returns), each written at line N
/// of pack.yaml (N = order added).
class GpgCheckFields {
public:
    explicit GpgCheckFields(KindSpec (*kind)() = gpg_key_kind) : kind_(kind) {}

    GpgCheckFields& text(const std::string& name, const std::string& value);
    GpgCheckFields& choice(const std::string& name, const std::string& value);
    GpgCheckFields& integer(const std::string& name, long long value);
    GpgCheckFields& boolean(const std::string& name, bool value);

    /// The check the kind's factory builds; null when it reported errors (see `errors`).
    std::unique_ptr<Check> make();
    /// "pack.yaml:LINE:COL: message" for each load error of the last make().
    std::vector<std::string> errors;

private:
    SourceLocation next_location();
    KindSpec (*kind_)();
    FieldValues values_;
    int line_ = 10;
};

/// Runs a check made from `fields` with `keyring` and the given context; the check must load.
Outcome run_gpg_check(GpgCheckFields& fields, host::GpgKeyring& keyring, FakeRunContext& context);

/// Runs a check made from `fields` against the real GnuPG (GPGME, the `gpg` on PATH or
/// `gpg_binary`) with a check timeout of `timeout`; the check must load.
Outcome run_with_gnupg(GpgCheckFields& fields, std::chrono::milliseconds timeout = std::chrono::seconds(20),
                       const std::string& gpg_binary = "");

}  // namespace preflight::testing
