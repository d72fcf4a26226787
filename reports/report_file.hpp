#pragma once
// Reading a JSON report file back (for `preflight diff` and `preflight summary`): bounded in size,
// never blocking on a FIFO, telling a file that cannot be read (exit 66) from one that is not JSON
// (exit 65).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace preflight {

/// The largest report file read back.
inline constexpr size_t kMaxReportFileBytes = 64 * 1024 * 1024;

/// The JSON document in the file at `path`. On failure returns nullopt with `error` set and
/// `unreadable` saying which kind of failure it was:
/// - unreadable (true): `cannot read report "PATH": No such file or directory` (or the system's
///   reason), `...: it is a directory`, `...: not a regular file` (a FIFO, a socket, a device:
///   refused without waiting on it), `...: larger than 64 MiB`, `...: read error`;
/// - not JSON (false): `PATH: not valid JSON: parse error at line L, column C: ...`.
std::optional<nlohmann::json> read_report_document(const std::string& path, std::string& error, bool& unreadable);

}  // namespace preflight
