#pragma once
// Pure helpers of the PostgreSQL connector: conninfo sanity, passfile entries, and the wording
// of connection and query failures. Kept apart from libpq so tests can call them with literals.
#include <string>
#include <string_view>
#include <vector>

namespace preflight::host {

/// True when `conninfo` is a postgresql:// or postgres:// URI rather than key=value pairs.
bool is_connection_uri(std::string_view conninfo);

/// True when a URI could be split by libpq somewhere its author did not mean, so that part of
/// its password would land in the host, port or database name (and from there in libpq's error
/// texts): whitespace or control characters, more than one '@', an '@' after the first '/' or
/// '?' of the authority, or a '%' not followed by two hex digits. Always false for key=value
/// conninfo, which libpq's own parser rejects when its quoting is broken.
bool uri_needs_encoding(std::string_view conninfo);

/// A password that a connection string carries: as libpq would use it (backslash escapes or
/// percent-encoding undone, leniently) and spelled exactly as the text holds it.
struct ConninfoPassword {
    std::string value;
    std::string spelled;
};

/// Every password and sslpassword that `text` may carry, found conservatively so that a
/// malformed or unparseable string still gives its secret up: keyword form (`password=`,
/// any case, blanks around '=', single-quoted or up to whitespace, backslash escapes undone),
/// URI query parameters (`?password=`/`&password=` up to '&', '#' or whitespace,
/// percent-decoded), and URI user info (after a ':' before the first '@', up to the last '@'
/// of the authority, which ends at whitespace unless `text` is itself a URI). Invalid percent
/// escapes (`%zz`) are kept as spelled. Empty when `text` carries no password.
std::vector<ConninfoPassword> conninfo_passwords(std::string_view text);

/// "connection 'NAME': invalid connection string (check quoting/percent-encoding of its values)".
std::string invalid_conninfo_message(const std::string& connection);

/// The password fields of a .pgpass file (host:port:database:user:password per line), with
/// `\:` and `\\` unescaped; comments, blank lines and empty passwords skipped.
std::vector<std::string> passfile_passwords(std::string_view contents);

/// Where a connection attempt went, as libpq reports it.
struct ConnectTarget {
    std::string host;  ///< a host name, an address or a socket directory ("" when unknown)
    std::string port;
    std::string user;
    std::string database;
};

/// The message for a failed connection attempt, from libpq's error text: "connection 'NAME': "
/// + what happened + what to check (unreachable, timeout after `connect_timeout_s`,
/// authentication refused, no pg_hba.conf entry, unknown database or role, server starting or
/// shutting down). Unrecognised texts are quoted after "could not connect: ".
std::string explain_connect_failure(const std::string& connection, const ConnectTarget& target,
                                    std::string_view libpq_message, int connect_timeout_s);

/// The message for a failed statement: lock_timeout (55P03), statement_timeout (57014), a
/// terminated backend or server shutdown (57P01..57P03), read-only violation (25006), or
/// "query failed: FIRST LINE (SQLSTATE X)" otherwise.
std::string explain_query_failure(const std::string& connection, std::string_view sqlstate,
                                  std::string_view server_message, long long statement_timeout_ms,
                                  long long lock_timeout_ms);

/// "connection 'NAME': the server ended the session (...)": a backend terminated by an
/// administrator, a server restart or a dropped network connection.
std::string lost_session_message(const std::string& connection);

}  // namespace preflight::host
