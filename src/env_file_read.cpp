// read_env_file: opens the env file through src/host/ (bounded, never blocking) and parses it.
#include "src/env_file.hpp"
#include "src/host/files.hpp"

namespace preflight {

ParsedEnvFile read_env_file(const std::string& path, const EnvLookup& outer) {
    std::string error;
    auto text = host::read_text_file(path, host::kMaxTextFileBytes, error);
    if (!text) {
        ParsedEnvFile refused;
        refused.errors.push_back({{path, 0, 0}, "cannot read env file: " + error});
        return refused;
    }
    return parse_env_text(*text, path, outer);
}

}  // namespace preflight
