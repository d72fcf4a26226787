#include "src/host/pg_conninfo.hpp"

#include <cctype>

namespace preflight::host {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// libpq prefixes its reason with "connection to server ... failed: " and the server's with
// "FATAL:  "; the reason alone, first line only, is what the operator needs.
std::string reason_line(std::string_view message) {
    auto end = message.find('\n');
    std::string_view line = message.substr(0, end);
    if (auto failed = line.rfind("failed: "); failed != std::string_view::npos)
        line = line.substr(failed + 8);
    for (std::string_view prefix : {"FATAL:  ", "ERROR:  ", "FATAL: ", "ERROR: "})
        if (starts_with(line, prefix)) line = line.substr(prefix.size());
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
        line.remove_suffix(1);
    return std::string(line);
}

std::string where_of(const ConnectTarget& target) {
    const std::string port = target.port.empty() ? "5432" : target.port;
    if (target.host.empty()) return "on the default socket";
    if (target.host.front() == '/' || target.host.front() == '@')
        return "on socket " + target.host + "/.s.PGSQL." + port;
    return "at " + target.host + ":" + port;
}

std::string user_of(const ConnectTarget& target) {
    return target.user.empty() ? "the default user" : "user '" + target.user + "'";
}

std::string database_of(const ConnectTarget& target) {
    return target.database.empty() ? "the default database" : "database '" + target.database + "'";
}

bool is_blank_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Percent-decoding that keeps a '%' not followed by two hex digits as it is.
std::string percent_decoded(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

void add_password(std::vector<ConninfoPassword>& out, std::string value, std::string_view spelled) {
    if (value.empty() && spelled.empty()) return;
    for (const auto& known : out)
        if (known.value == value && known.spelled == spelled) return;
    out.push_back({std::move(value), std::string(spelled)});
}

// The value of a `password=` keyword starting at `from`, the way libpq's conninfo parser
// reads it: single-quoted (to the closing quote, or the end when there is none) or up to
// whitespace, a backslash keeping the next character.
void keyword_value(std::string_view text, size_t from, std::vector<ConninfoPassword>& out) {
    std::string value;
    size_t end = from;
    const bool quoted = from < text.size() && text[from] == '\'';
    if (quoted) ++from, ++end;
    while (end < text.size() && (quoted ? text[end] != '\'' : !is_blank_space(text[end]))) {
        if (text[end] == '\\' && end + 1 < text.size()) ++end;
        value += text[end++];
    }
    add_password(out, std::move(value), text.substr(from, end - from));
}

void keyword_passwords(std::string_view text, std::vector<ConninfoPassword>& out) {
    std::string lower(text);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (size_t at = lower.find("password"); at != std::string::npos; at = lower.find("password", at + 1)) {
        size_t i = at + 8;
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        if (i >= text.size() || text[i] != '=') continue;
        ++i;
        const size_t value_start = i;
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        // A URI query parameter ends at '&' or '#' and is percent-encoded.
        const size_t name_start = at >= 3 && lower.compare(at - 3, 3, "ssl") == 0 ? at - 3 : at;
        if (name_start == 0 || (text[name_start - 1] != '?' && text[name_start - 1] != '&')) {
            keyword_value(text, i, out);
            continue;
        }
        size_t end = value_start;
        while (end < text.size() && text[end] != '&' && text[end] != '#' && !is_blank_space(text[end])) ++end;
        const std::string_view spelled = text.substr(value_start, end - value_start);
        add_password(out, percent_decoded(spelled), spelled);
    }
}

void uri_passwords(std::string_view text, std::vector<ConninfoPassword>& out) {
    const bool whole_uri = is_connection_uri(text);
    for (size_t scheme = text.find("://"); scheme != std::string_view::npos;
         scheme = text.find("://", scheme + 3)) {
        const size_t start = scheme + 3;
        size_t end = start;
        if (whole_uri && scheme == text.find("://")) end = text.size();
        else
            while (end < text.size() && !is_blank_space(text[end])) ++end;
        const std::string_view authority = text.substr(start, end - start);
        const size_t colon = authority.find(':');
        if (colon == std::string_view::npos) continue;
        // The last '@': a password with an unencoded '@' is refused before libpq sees it
        // (uri_needs_encoding), but its whole text must still be known.
        // A ':' after the first '@' belongs to the host (h:5432), not to a password.
        const size_t first_at = authority.find('@');
        if (first_at == std::string_view::npos || first_at < colon) continue;
        const size_t at = authority.rfind('@');
        const std::string_view spelled = authority.substr(colon + 1, at - colon - 1);
        add_password(out, percent_decoded(spelled), spelled);
    }
}

}  // namespace

std::vector<ConninfoPassword> conninfo_passwords(std::string_view text) {
    std::vector<ConninfoPassword> out;
    keyword_passwords(text, out);
    uri_passwords(text, out);
    return out;
}

bool is_connection_uri(std::string_view conninfo) {
    return starts_with(conninfo, "postgresql://") || starts_with(conninfo, "postgres://");
}

bool uri_needs_encoding(std::string_view conninfo) {
    if (!is_connection_uri(conninfo)) return false;
    for (size_t i = 0; i < conninfo.size(); ++i) {
        const auto c = static_cast<unsigned char>(conninfo[i]);
        if (c <= 0x20 || c == 0x7f) return true;
        if (c == '%' && (i + 2 >= conninfo.size() ||
                         !std::isxdigit(static_cast<unsigned char>(conninfo[i + 1])) ||
                         !std::isxdigit(static_cast<unsigned char>(conninfo[i + 2]))))
            return true;
    }
    const std::string_view rest = conninfo.substr(conninfo.find("://") + 3);
    const auto at = rest.find('@');
    if (at == std::string_view::npos) return false;
    if (rest.find('@', at + 1) != std::string_view::npos) return true;
    // libpq takes the first '@' or '/' as the end of the user info: a '/' or '?' before the '@'
    // means the '@' was meant to be part of something else.
    const auto delimiter = rest.find_first_of("/?");
    return delimiter != std::string_view::npos && delimiter < at;
}

std::string invalid_conninfo_message(const std::string& connection) {
    return "connection '" + connection +
           "': invalid connection string (check quoting/percent-encoding of its values)";
}

std::vector<std::string> passfile_passwords(std::string_view contents) {
    std::vector<std::string> passwords;
    size_t start = 0;
    while (start < contents.size()) {
        auto end = contents.find('\n', start);
        if (end == std::string_view::npos) end = contents.size();
        std::string_view line = contents.substr(start, end - start);
        start = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        int field = 0;
        std::string password;
        for (size_t i = 0; i < line.size(); ++i) {
            const bool escaped = line[i] == '\\' && i + 1 < line.size();
            if (field < 4) {
                if (escaped) ++i;
                else if (line[i] == ':') ++field;
                continue;
            }
            if (escaped) ++i;
            password += line[i];
        }
        if (field == 4 && !password.empty()) passwords.push_back(password);
    }
    return passwords;
}

std::string explain_connect_failure(const std::string& connection, const ConnectTarget& target,
                                    std::string_view libpq_message, int connect_timeout_s) {
    const std::string head = "connection '" + connection + "': ";
    const std::string_view m = libpq_message;
    if (contains(m, "timeout expired"))
        return head + "no answer from the server " + where_of(target) + " within " +
               std::to_string(connect_timeout_s) +
               " s (check that it is up and not overloaded, and the network and firewall between)";
    if (contains(m, "could not translate host name"))
        return head + "unknown host " + target.host + " (check the host name and DNS)";
    if (contains(m, "Connection refused") || contains(m, "No such file or directory") ||
        contains(m, "Network is unreachable") || contains(m, "No route to host") ||
        contains(m, "Cannot assign requested address"))
        return head + "could not reach the server " + where_of(target) +
               " (is PostgreSQL running and accepting connections there? check host and port)";
    if (contains(m, "password authentication failed") || contains(m, "SCRAM"))
        return head + "authentication failed for " + user_of(target) +
               " (check the connection's password and the server's pg_hba.conf)";
    if (contains(m, "no password supplied"))
        return head + "the server asks a password for " + user_of(target) +
               " and none was given (set the connection's password:)";
    if (contains(m, "Peer authentication failed") || contains(m, "Ident authentication failed"))
        return head + "peer authentication failed for " + user_of(target) +
               " (run as the matching OS user, or use a password method in pg_hba.conf)";
    if (contains(m, "no pg_hba.conf entry"))
        return head + "the server's pg_hba.conf has no entry for " + user_of(target) + " and " +
               database_of(target) + " from this host (ask the DBA to add one)";
    if (contains(m, "does not exist") && starts_with(reason_line(m), "database "))
        return head + database_of(target) + " does not exist on the server (check dbname)";
    if (contains(m, "does not exist") && starts_with(reason_line(m), "role "))
        return head + "role '" + target.user + "' does not exist on the server (check user)";
    if (contains(m, "permission denied for database"))
        return head + user_of(target) + " may not connect to " + database_of(target) +
               " (GRANT CONNECT ON DATABASE to it)";
    if (contains(m, "starting up") || contains(m, "shutting down") ||
        contains(m, "in recovery mode"))
        return head + "the server is starting up or shutting down (re-run when it is ready)";
    if (contains(m, "too many clients") || contains(m, "connection slots"))
        return head + "the server has no free connection slot (re-run later, or raise "
                      "max_connections)";
    return head + "could not connect: " + reason_line(m);
}

std::string lost_session_message(const std::string& connection) {
    return "connection '" + connection +
           "': the server ended the session (backend terminated by an administrator, a server "
           "restart or a network drop; check the server log, then re-run)";
}

std::string explain_query_failure(const std::string& connection, std::string_view sqlstate,
                                  std::string_view server_message, long long statement_timeout_ms,
                                  long long lock_timeout_ms) {
    const std::string head = "connection '" + connection + "': ";
    if (sqlstate == "55P03")
        return head + "gave up waiting for a lock after " + std::to_string(lock_timeout_ms) +
               " ms (another session holds a conflicting lock, e.g. a migration or VACUUM FULL; "
               "find it in pg_locks, then re-run)";
    if (sqlstate == "57014")
        return head + "the query was cancelled after at most " +
               std::to_string(statement_timeout_ms) +
               " ms (statement_timeout or an administrator; the server is slow or busy: re-run "
               "or raise the check's timeout)";
    if (sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03" ||
        starts_with(sqlstate, "08"))
        return lost_session_message(connection);
    std::string text = head + "query failed: " + reason_line(server_message);
    if (!sqlstate.empty()) text += " (SQLSTATE " + std::string(sqlstate) + ")";
    return text;
}

}  // namespace preflight::host
