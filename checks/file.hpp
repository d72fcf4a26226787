#pragma once
// Kind `file`: a file or directory exists (or must not), with the right type, at most a given
// mode, the right owner and group, (not) writable by the runner, and content that must / must
// not match — matched text is never shown, only line numbers.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/check.hpp"
#include "src/pattern.hpp"

namespace preflight {

/// Permission bits from an octal text such as "0750", "750" or "4755" (at most 07777);
/// nullopt for anything else ("rwx", "0758", "", "17777").
std::optional<unsigned> parse_mode(std::string_view text);

/// Four octal digits: 0755 -> "0755", 04755 -> "4755".
std::string format_mode(unsigned mode);

/// Permission bits in chmod's symbolic form, one clause per class: 0025 -> "g+w,o+rx",
/// 04000 -> "u+s", 01007 -> "o+rwxt". Empty for 0.
std::string describe_permission_bits(unsigned bits);

/// Nullopt when `mode` has no permission bit outside `mode_max`, else the failure text:
/// "mode 0755 exceeds 0750 (extra: o+rx)".
std::optional<std::string> mode_violation(unsigned mode, unsigned mode_max);

/// The 1-based numbers of the lines of `text` (split at '\n', a trailing '\r' dropped) on which
/// `pattern` matches.
std::vector<int> matching_lines(std::string_view text, const Pattern& pattern);

/// "line 4", "lines 4, 17", or the first ten and "and 3 more".
std::string describe_lines(const std::vector<int>& lines);

/// `path` quoted for a POSIX shell when it needs it (single quotes), for copy-pasteable remedies.
std::string shell_quote(const std::string& path);

/// The `file` kind.
KindSpec file_kind();

}  // namespace preflight
