#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "src/host/process.hpp"

extern char** environ;

namespace preflight::host {

std::optional<std::string> find_in_path(const std::string& name, const std::string& path_env) {
    auto is_executable_file = [](const std::string& path) {
        struct stat info{};
        return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
               ::access(path.c_str(), X_OK) == 0;
    };
    auto absolute = [](const std::string& path) {
        std::error_code ignored;
        auto full = std::filesystem::absolute(path, ignored);
        return full.empty() ? path : full.lexically_normal().string();
    };
    if (name.empty()) return std::nullopt;
    if (name.find('/') != std::string::npos) {
        if (is_executable_file(name)) return absolute(name);
        return std::nullopt;
    }
    std::size_t start = 0;
    while (start <= path_env.size()) {
        std::size_t end = path_env.find(':', start);
        if (end == std::string::npos) end = path_env.size();
        std::string directory = path_env.substr(start, end - start);
        start = end + 1;
        if (directory.empty()) continue;  // an empty entry means ".": never search there
        std::string candidate = directory + (directory.back() == '/' ? "" : "/") + name;
        if (is_executable_file(candidate)) return absolute(candidate);
    }
    return std::nullopt;
}

std::optional<std::string> find_on_own_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    return find_in_path(name, path && *path ? path : kDefaultSearchPath);
}

std::map<std::string, std::string> own_environment() {
    std::map<std::string, std::string> environment;
    for (char** entry = environ; entry && *entry; ++entry) {
        const std::string variable(*entry);
        const auto equals = variable.find('=');
        if (equals != std::string::npos) environment[variable.substr(0, equals)] = variable.substr(equals + 1);
    }
    return environment;
}

}  // namespace preflight::host
