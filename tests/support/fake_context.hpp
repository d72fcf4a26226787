#pragma once
// A RunContext for unit tests of check kinds: vars, env and secrets are plain maps.
#include <chrono>
#include <map>
#include <string>

#include "src/check.hpp"
#include "src/child_environment.hpp"
#include "src/redactor.hpp"

namespace preflight::testing {

class FakeRunContext : public RunContext, public ReferenceResolver {
public:
    std::map<std::string, std::string> vars;
    std::map<std::string, std::string> env;
    /// What child_environment() returns (a run gives PATH = the secure path and a few kept
    /// variables of its own environment).
    std::map<std::string, std::string> child_env{{"PATH", kSecurePath}};
    mutable SecretRegistry secrets;
    std::chrono::milliseconds check_timeout{10000};
    RulePack rule_pack;
    host::Host probes;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

    std::optional<std::string> lookup(const Reference& reference) const override {
        const auto& source = reference.space == Reference::Space::var ? vars : env;
        auto it = source.find(reference.name);
        if (it == source.end()) return std::nullopt;
        return it->second;
    }
    std::string resolve(const Template& text) const override { return text.resolve(*this); }
    void add_secret(const std::string& value, const std::string& name) const override {
        secrets.add(value, name);
    }
    bool is_secret_name(const std::string& name) const override {
        return name.find("PASSWORD") != std::string::npos || name.find("SECRET") != std::string::npos;
    }
    std::map<std::string, std::string> child_environment() const override { return child_env; }
    std::chrono::steady_clock::time_point deadline() const override {
        return started + check_timeout;
    }
    std::chrono::milliseconds timeout() const override { return check_timeout; }
    const RulePack& pack() const override { return rule_pack; }
    const host::Host& host() const override { return probes; }
};

}  // namespace preflight::testing
