#pragma once
// The JSON report `preflight.report/v1`: written by render_json (renderers.hpp), read back here
// for `preflight diff`.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "src/model.hpp"

namespace preflight {

/// The schema identifier this version writes and the only one it reads.
inline constexpr std::string_view kReportSchema = "preflight.report/v1";

/// The report held in a `preflight.report/v1` document. On failure returns an empty Report and
/// sets `error` to what is wrong, naming the member (`checks[2].status: expected one of pass,
/// fail, error, skip`); on success `error` is empty. A document with another "schema" is refused
/// (`unsupported report schema "preflight.report/v2" (this preflight reads preflight.report/v1)`).
Report report_from_json(const nlohmann::json& document, std::string& error);

}  // namespace preflight
