#pragma once
// Runs xmllint (libxml2-utils) on a rendered document, for well-formedness, schema validity and
// reading values back with XPath.
#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "tests/reports/fixture.hpp"

namespace preflight::testing {

struct XmllintResult {
    int exit_code = -1;
    std::string output;  ///< stdout and stderr together
};

inline std::string shell_quoted(const std::string& text) {
    std::string out = "'";
    for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

/// xmllint ARGS on `document` written to a scratch file.
inline XmllintResult run_xmllint(const std::string& document, const std::string& args) {
    ScratchDir scratch;
    const std::string input = scratch / "report.xml", output = scratch / "xmllint.out";
    std::ofstream(input, std::ios::binary) << document;
    const std::string command = "xmllint " + args + " " + shell_quoted(input) + " >" +
                                shell_quoted(output) + " 2>&1";
    const int status = std::system(command.c_str());
    XmllintResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.output = read_file(output);
    return result;
}

/// The string value of XPath `expression` in `document` (xmllint's trailing newline removed).
inline std::string xpath_string(const std::string& document, const std::string& expression) {
    XmllintResult result = run_xmllint(document, "--xpath " + shell_quoted("string(" + expression + ")"));
    if (!result.output.empty() && result.output.back() == '\n') result.output.pop_back();
    return result.output;
}

inline std::string junit_schema() {
    return std::string(PREFLIGHT_SOURCE_DIR) + "/tests/reports/junit.xsd";
}

}  // namespace preflight::testing
