#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "src/host/process.hpp"

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

}  // namespace preflight::host
