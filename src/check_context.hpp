#pragma once
// The RunContext the engine gives each running check.
#include <chrono>
#include <memory>

#include "src/check.hpp"
#include "src/redactor.hpp"
#include "src/run_environment.hpp"

namespace preflight {

class CheckContext : public RunContext {
public:
    CheckContext(std::shared_ptr<const RunEnvironment> environment, const RulePack& pack, const host::Host& host,
                 SecretRegistry& secrets, std::shared_ptr<EnvFileCache> env_files,
                 std::chrono::steady_clock::time_point deadline, std::chrono::milliseconds timeout)
        : environment_(std::move(environment)), pack_(pack), host_(host), secrets_(secrets),
          env_files_(std::move(env_files)), deadline_(deadline), timeout_(timeout) {}

    std::string resolve(const Template& text) const override { return text.resolve(*environment_); }
    void add_secret(const std::string& value, const std::string& name) const override { secrets_.add(value, name); }
    bool is_secret_name(const std::string& name) const override { return environment_->is_secret_name(name); }
    std::map<std::string, std::string> child_environment() const override {
        return environment_->child_environment();
    }
    std::chrono::steady_clock::time_point deadline() const override { return deadline_; }
    std::chrono::milliseconds timeout() const override { return timeout_; }
    const RulePack& pack() const override { return pack_; }
    const host::Host& host() const override { return host_; }
    std::shared_ptr<const ParsedEnvFile> env_file(const std::string& path) const override {
        return env_files_->get(path);
    }

private:
    std::shared_ptr<const RunEnvironment> environment_;
    const RulePack& pack_;
    const host::Host& host_;
    SecretRegistry& secrets_;
    std::shared_ptr<EnvFileCache> env_files_;  // shared by the run's checks (and any hung one)
    std::chrono::steady_clock::time_point deadline_;
    std::chrono::milliseconds timeout_;
};

}  // namespace preflight
