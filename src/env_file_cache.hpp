#pragma once
// The env files the checks of one run name (`env_var`'s `file:`), each read and parsed once.
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "src/env_file.hpp"

namespace preflight {

/// The value of `name` in the environment preflight runs in: ${VAR} in an env file falls back
/// to it, as compose does.
std::optional<std::string> process_environment_value(const std::string& name);

/// Parsed env files shared by the checks of one run: a path is read and parsed the first time a
/// check asks for it, and every later check of the run sees that same snapshot (3,000 checks on
/// one file parse it once, not 3,000 times). Thread-safe; a check asking for a file another
/// check is parsing waits for that parse.
class EnvFileCache {
public:
    /// `outer` answers ${VAR} references the file itself does not define.
    explicit EnvFileCache(EnvLookup outer = process_environment_value) : outer_(std::move(outer)) {}
    EnvFileCache(const EnvFileCache&) = delete;
    EnvFileCache& operator=(const EnvFileCache&) = delete;

    /// read_env_file(path, outer) as it was the first time this path was asked for.
    std::shared_ptr<const ParsedEnvFile> get(const std::string& path);

private:
    using Parsed = std::shared_future<std::shared_ptr<const ParsedEnvFile>>;
    EnvLookup outer_;
    std::mutex mutex_;
    std::map<std::string, Parsed> files_;
};

}  // namespace preflight
