#pragma once
// Markdown escaping of the KB renderer; report_text_forms() hands it to the redactor.
#include <string>
#include <string_view>

namespace preflight {

/// How `text` appears in running text and table cells of a Markdown report: control characters
/// shown as \xNN, `&` `<` `>` as entities, each of \ ` * _ [ ] ~ $ | behind a backslash, and
/// line breaks as `line_break`. The form of a piece of text does not depend on what surrounds
/// it, so the final scan can look for the Markdown form of a secret (report_text_forms()).
std::string markdown_escaped(std::string_view text, std::string_view line_break = " ");

}  // namespace preflight
