#include "src/host/file_trust.hpp"

#include <unistd.h>

#include <filesystem>

namespace preflight::host {

std::optional<std::string> untrusted_as_root(const std::string& path) {
    if (::geteuid() != 0) return std::nullopt;
    std::error_code ignored;
    std::string absolute = std::filesystem::absolute(path, ignored).string();
    if (absolute.empty()) absolute = path;
    return path_trust_problem(absolute, 0, TrustedEnd::regular_file, examine_path_entry);
}

}  // namespace preflight::host
