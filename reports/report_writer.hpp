#pragma once
// Report files are written atomically: a temporary file in the destination's directory, written
// in full, fsynced and renamed over the destination. A reader never sees a partial report.
// A report is mode 0600 (a Prometheus metrics file 0644) and owned by the user running
// preflight, whatever was there before.
#include <sys/types.h>

#include <optional>
#include <string>

namespace preflight {

/// The mode of every report file, set on the temporary file before it takes the report's name,
/// whatever the umask and whatever the destination was (a symlink is replaced, never followed).
inline constexpr mode_t kReportFileMode = 0600;
/// The mode of a Prometheus metrics file (.prom): node_exporter reads it as its own user
/// (`prometheus` on Debian). It holds only pack and check ids, kinds, severities and statuses,
/// redacted like every report (docs/security.md).
inline constexpr mode_t kMetricsFileMode = 0644;

/// Writes `content` to `path` atomically, with mode `mode`. The temporary file's name
/// (".NAME.tmp-XXXXXX" beside `path`) never ends in the destination's extension, so that a
/// reader of "*.prom" or "*.json" never opens it. Returns false with `error` set ("cannot write report
/// \"out/r.json\": directory \"out\" does not exist") when it could not; then `path` is as it
/// was before (an existing report stays intact) and no temporary file is left behind.
bool write_report_atomically(const std::string& path, const std::string& content, std::string& error,
                             mode_t mode = kReportFileMode);

/// Checked before any check runs (and again at writing): an error message when a report could
/// not be written to `path` (its directory is missing, is not a directory or is not writable, or
/// `path` is a directory) or could be replaced by another user: a directory on the way owned by
/// a user other than root and the runner, or writable by group or others without the sticky bit
/// ("cannot write report \"/srv/r/a.json\": another user could replace the report: directory
/// /srv/r is writable by others and not sticky (mode 0777)"), or in a sticky directory others
/// can write, an existing `path` that belongs to another user. Nullopt when it can.
std::optional<std::string> check_report_destination(const std::string& path);

}  // namespace preflight
