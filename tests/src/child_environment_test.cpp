// What a program started by a check gets (issue 13): judged with literals.
#include <doctest/doctest.h>

#include "src/child_environment.hpp"

using namespace preflight;

TEST_CASE("a child's base environment is the secure PATH plus the invoker's HOME, user, locale and TZ") {
    std::map<std::string, std::string> process{{"PATH", "/home/op/bin:/usr/bin"}, {"HOME", "/root"},
                                               {"USER", "root"},  {"LOGNAME", "root"},
                                               {"LANG", "C.UTF-8"}, {"LC_ALL", "C"},
                                               {"TZ", "UTC"}, {"LD_PRELOAD", "/tmp/evil.so"},
                                               {"PGPASSWORD", "s3cret"}, {"GNUPGHOME", "/tmp/g"},
                                               {"PYTHONPATH", "/tmp"}};
    CHECK(child_base_environment(process) ==
          std::map<std::string, std::string>{{"HOME", "/root"}, {"LANG", "C.UTF-8"}, {"LC_ALL", "C"},
                                             {"LOGNAME", "root"}, {"PATH", kSecurePath}, {"TZ", "UTC"},
                                             {"USER", "root"}});
    CHECK(child_base_environment({}) == std::map<std::string, std::string>{{"PATH", kSecurePath}});
    CHECK(std::string(kSecurePath) == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
}

TEST_CASE("variables that choose what a program runs or loads are told apart from ordinary ones") {
    for (const char* name : {"PATH", "IFS", "ENV", "BASH_ENV", "BASH_FUNC_ls%%", "LD_PRELOAD", "LD_LIBRARY_PATH",
                             "GCONV_PATH", "LOCPATH", "GLIBC_TUNABLES", "PYTHONPATH", "PYTHONSTARTUP", "PERL5LIB",
                             "PERL5OPT", "RUBYOPT", "NODE_OPTIONS", "GIT_SSH_COMMAND", "GNUPGHOME", "TMPDIR"}) {
        INFO(name);
        CHECK(is_code_loading_variable(name));
    }
    for (const char* name : {"HOME", "LANG", "BACKUP_GPG_FPR", "PGAPPNAME", "PGPASSWORD", "path", "MYPATH",
                             "PATHS", "XLD_PRELOAD"}) {
        INFO(name);
        CHECK_FALSE(is_code_loading_variable(name));
    }
}
