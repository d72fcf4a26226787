#pragma once
// Report files are written atomically: a temporary file in the destination's directory, written
// in full, fsynced and renamed over the destination. A reader never sees a partial report.
#include <optional>
#include <string>

namespace preflight {

/// Writes `content` to `path` atomically. Returns false with `error` set ("cannot write report
/// \"out/r.json\": directory \"out\" does not exist") when it could not; then `path` is as it
/// was before (an existing report stays intact) and no temporary file is left behind.
bool write_report_atomically(const std::string& path, const std::string& content, std::string& error);

/// Checked before any check runs: an error message when a report could not be written to `path`
/// (its directory is missing, is not a directory or is not writable, or `path` is a directory);
/// nullopt when it can.
std::optional<std::string> check_report_destination(const std::string& path);

}  // namespace preflight
