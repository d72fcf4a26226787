#pragma once
// Words and text hygiene shared by the renderers, so that every format says the same thing.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include <string_view>

#include "src/model.hpp"

namespace preflight::wording {

/// How every report states the redaction policy (SPEC §6).
inline constexpr std::string_view kRedactionPolicy =
    "a secret of 32 or more characters is shown as \xE2\x80\xA6 followed by its last 8 characters; "
    "a shorter one as [redacted]";

/// "PASS", "FAIL", "ERROR" or "SKIP".
std::string_view status_label(Status status);

/// What the verdict means for the operator, with the exit status, e.g. "at least one check that
/// closes the gate failed; the host is not ready (exit 1)".
std::string verdict_meaning(const Report& report);

/// Decodes the UTF-8 character at `pos` into `code_point` and advances `pos` past it. On an
/// invalid or truncated sequence (overlong, surrogate, beyond U+10FFFF) returns false and
/// advances `pos` by one byte.
bool next_code_point(std::string_view text, size_t& pos, char32_t& code_point);

/// `code_point` encoded as UTF-8, appended to `out`.
void append_utf8(std::string& out, char32_t code_point);

/// `text` as valid UTF-8 (each invalid byte becomes U+FFFD) in which control characters other
/// than newline and tab are shown as `\xNN`, so that no report can drive a terminal or a viewer.
std::string printable(std::string_view text);

/// An observed or expected value as one piece of text: a string as it is, anything else as
/// compact JSON; empty for null.
std::string value_text(const nlohmann::json& value);

/// A structured value as "/path: value" lines, one per leaf: strings as they are (so that text
/// inside is never escaped twice by a format that escapes again), other leaves and empty
/// containers as JSON. A scalar is one line without a path.
std::string value_lines(const nlohmann::json& value);

/// The first line of `text`, with " …" appended when more lines follow.
std::string first_line(std::string_view text);

}  // namespace preflight::wording
