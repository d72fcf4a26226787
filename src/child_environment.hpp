#pragma once
// What a program started by a check (`command`, `executable`) gets as its environment: a fixed
// minimal set, like sudo's env_reset + secure_path, plus only what the check's own `env:` names.
// Nothing reaches a child from an env file unless a check names it.
#include <map>
#include <string>

namespace preflight {

/// The search path of every child and of program lookup, whatever PATH preflight itself runs
/// with or an env file sets.
inline constexpr const char* kSecurePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The base environment of a child: PATH = kSecurePath, and HOME, USER, LOGNAME, LANG,
/// LANGUAGE, LC_* and TZ as preflight itself has them in `process_env` (the invoker's, never an
/// env file's). Nothing else.
std::map<std::string, std::string> child_base_environment(const std::map<std::string, std::string>& process_env);

/// True for variables that choose which programs, libraries or code a child runs or loads
/// (PATH, IFS, ENV, BASH_ENV, LD_*, GCONV_PATH, LOCPATH, PYTHON*, PERL5*, RUBYOPT, NODE_OPTIONS,
/// ...): a check's `env:` may set them only from the pack's own text, never from ${env.X}.
bool is_code_loading_variable(const std::string& name);

}  // namespace preflight
