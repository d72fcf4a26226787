#include "src/env_file_cache.hpp"

#include <cstdlib>

namespace preflight {

std::optional<std::string> process_environment_value(const std::string& name) {
    if (const char* value = std::getenv(name.c_str())) return std::string(value);
    return std::nullopt;
}

std::shared_ptr<const ParsedEnvFile> EnvFileCache::get(const std::string& path) {
    std::promise<std::shared_ptr<const ParsedEnvFile>> parsing;
    Parsed parsed;  // this thread's own copy: get() on distinct copies is thread-safe
    bool first = false;
    {
        std::lock_guard lock(mutex_);
        auto [entry, inserted] = files_.try_emplace(path);
        if (inserted) entry->second = parsing.get_future().share();
        parsed = entry->second;
        first = inserted;
    }
    if (first) {
        try {
            parsing.set_value(std::make_shared<const ParsedEnvFile>(read_env_file(path, outer_)));
        } catch (...) {
            parsing.set_exception(std::current_exception());
        }
    }
    return parsed.get();
}

}  // namespace preflight
