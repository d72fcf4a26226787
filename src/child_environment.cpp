#include "src/child_environment.hpp"

#include <fnmatch.h>

#include <array>

namespace preflight {

std::map<std::string, std::string> child_base_environment(const std::map<std::string, std::string>& process_env) {
    std::map<std::string, std::string> base{{"PATH", kSecurePath}};
    for (const auto& [name, value] : process_env) {
        bool kept = name == "HOME" || name == "USER" || name == "LOGNAME" || name == "LANG" ||
                    name == "LANGUAGE" || name == "TZ" || name.rfind("LC_", 0) == 0;
        if (kept) base[name] = value;
    }
    return base;
}

bool is_code_loading_variable(const std::string& name) {
    // The shell's start-up and word-splitting variables, the dynamic loader's, glibc's
    // "unsecure" list (what it drops for setuid programs) and the interpreters' load paths.
    static constexpr std::array kGlobs = {
        "PATH", "IFS", "ENV", "BASH_ENV", "SHELLOPTS", "BASHOPTS", "PS4", "CDPATH", "BASH_FUNC_*",
        "LD_*", "GCONV_PATH", "GETCONF_DIR", "GLIBC_TUNABLES", "HOSTALIASES", "LOCALDOMAIN", "LOCPATH",
        "MALLOC_*", "NIS_PATH", "NLSPATH", "RESOLV_HOST_CONF", "RES_OPTIONS", "TMPDIR", "TZDIR",
        "PYTHON*", "PERL5*", "PERLLIB", "PERLIO*", "RUBYOPT", "RUBYLIB", "NODE_OPTIONS", "NODE_PATH",
        "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "GIT_*", "GNUPGHOME"};
    for (const char* glob : kGlobs)
        if (::fnmatch(glob, name.c_str(), 0) == 0) return true;
    return false;
}

}  // namespace preflight
