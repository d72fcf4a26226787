#pragma once
// Env files read the way docker compose reads a `.env` file.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/diagnostics.hpp"

namespace preflight {

struct EnvEntry {
    std::string name;
    std::string value;
    int line = 0;  ///< 1-based line where the definition starts
};

struct ParsedEnvFile {
    std::vector<EnvEntry> entries;  ///< in file order; a name defined twice appears twice
    /// Parse errors, located FILE:LINE:COL and naming the variable, never quoting its value.
    std::vector<Diagnostic> errors;

    /// The value of `name` when defined exactly once; nullopt when absent or defined twice.
    std::optional<std::string> value(const std::string& name) const;
    /// The lines of every definition of `name` (more than one = defined twice).
    std::vector<int> definition_lines(const std::string& name) const;
};

/// Looks a name up outside the file (the process environment) for ${VAR} interpolation.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// Parses env-file text. Rules: blank lines and `#` comments; optional `export ` prefix;
/// `KEY=value` (or compose's `KEY: value`); unquoted values (surrounding blanks trimmed, ` #`
/// starts a comment, no escapes); double quotes (escapes \n \r \t \\ \" \$, other
/// backslashes kept, multi-line); single quotes (literal, multi-line); $VAR, ${VAR},
/// ${VAR:-default}, ${VAR-default}, ${VAR:+alt}, ${VAR+alt}, ${VAR:?msg}, ${VAR?msg} and `$$`
/// in unquoted and double-quoted values, from earlier entries of the file, then `outer` (an
/// undefined name is empty); UTF-8 BOM; CRLF line endings. Errors (a name without '=', a bad
/// name, an unterminated quote, which ends parsing, a bad `$`, a NUL byte,
/// references adding more than 4 MiB to the file's values) go to `errors`; a
/// definition with an error is not in `entries`.
ParsedEnvFile parse_env_text(std::string_view text, const std::string& file_name,
                             const EnvLookup& outer);

/// Reads and parses an env file. Refuses (one error, no entries) anything that is not a
/// regular file, is unreadable, or is larger than 1 MiB; never blocks on a FIFO or device.
ParsedEnvFile read_env_file(const std::string& path, const EnvLookup& outer);

}  // namespace preflight
