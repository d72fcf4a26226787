#include "gpg/gpg_check_support.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

#include "src/host/gpg.hpp"

namespace preflight::testing {

SourceLocation GpgCheckFields::next_location() {
    values_.check_location = {"pack.yaml", 9, 5};
    return {"pack.yaml", ++line_, 5};
}

GpgCheckFields& GpgCheckFields::text(const std::string& name, const std::string& value) {
    std::string error;
    auto parsed = Template::parse(value, error);
    if (!parsed) throw std::invalid_argument("bad template in test: " + error);
    values_.set(name, *parsed, next_location());
    return *this;
}

GpgCheckFields& GpgCheckFields::choice(const std::string& name, const std::string& value) {
    values_.set(name, Template::literal(value), next_location());
    return *this;
}

GpgCheckFields& GpgCheckFields::integer(const std::string& name, long long value) {
    values_.set(name, value, next_location());
    return *this;
}

GpgCheckFields& GpgCheckFields::boolean(const std::string& name, bool value) {
    values_.set(name, value, next_location());
    return *this;
}

std::unique_ptr<Check> GpgCheckFields::make() {
    values_.check_location = {"pack.yaml", 9, 5};
    Diagnostics diagnostics;
    RulePack pack;
    KindInput input{values_, pack, diagnostics};
    auto check = kind_().make(input);
    errors = diagnostics.lines();
    return check;
}

Outcome run_gpg_check(GpgCheckFields& fields, host::GpgKeyring& keyring, FakeRunContext& context) {
    auto check = fields.make();
    REQUIRE(fields.errors == std::vector<std::string>{});
    REQUIRE(check != nullptr);
    context.probes.gnupg = &keyring;
    return check->run(context);
}

Outcome run_with_gnupg(GpgCheckFields& fields, std::chrono::milliseconds timeout, const std::string& gpg_binary) {
    FakeRunContext context;
    context.check_timeout = timeout;
    host::GpgmeKeyring keyring(gpg_binary);
    return run_gpg_check(fields, keyring, context);
}

}  // namespace preflight::testing
