#pragma once
// The encodings a secret can take in an output: what the redactor scrubs and scans for.
#include <string>
#include <string_view>
#include <vector>

namespace preflight {

/// The body of a JSON string literal for `text` (no surrounding quotes).
std::string json_escaped(std::string_view text);
/// As json_escaped, but every non-ASCII character as a \uXXXX escape.
std::string json_escaped_ascii(std::string_view text);
/// `text` with & < > " ' replaced by XML entities.
std::string xml_escaped(std::string_view text);
/// Percent-encoding of every byte outside A-Z a-z 0-9 - . _ ~ (space as %20).
std::string url_encoded(std::string_view text);
/// As url_encoded, but space as '+' (form encoding).
std::string url_encoded_plus(std::string_view text);
/// Standard base64 with padding.
std::string base64(std::string_view bytes);
/// `text` as one argument of a POSIX shell command line: unchanged when it is not empty and
/// holds only letters, digits and _ @ % + = : , . / -; else in single quotes, each ' as '\''.
std::string shell_quoted(std::string_view text);
/// What `text` looks like inside shell single quotes: each ' as '\'' (the rest unchanged).
std::string shell_single_quote_body(std::string_view text);
/// The base64 text that `text` produces wherever it sits inside a longer base64-encoded
/// stream: one core per alignment (0, 1, 2 bytes skipped), each without its unstable last group.
std::vector<std::string> base64_cores(std::string_view text);

}  // namespace preflight
