#pragma once
// Prometheus label-value escaping of the metrics renderer; report_text_forms() hands it to the
// redactor.
#include <string>
#include <string_view>

namespace preflight {

/// How `text` appears between the double quotes of a label value in the Prometheus text
/// exposition format 0.0.4: each `\` as `\\`, `"` as `\"` and line feed as `\n`; everything
/// else unchanged.
std::string prometheus_label_escaped(std::string_view text);

}  // namespace preflight
