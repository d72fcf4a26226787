#include "checks/pg_identifiers.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace preflight {

namespace {

// PostgreSQL 15's keywords that are not "unreserved" (pg_get_keywords() where catcode <> 'U'):
// quote_ident quotes these. Sorted, for binary search.
constexpr std::array<std::string_view, 151> kQuotedKeywords = {
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
    "authorization", "between", "bigint", "binary", "bit", "boolean", "both", "case",
    "cast", "char", "character", "check", "coalesce", "collate", "collation", "column",
    "concurrently", "constraint", "create", "cross", "current_catalog", "current_date",
    "current_role", "current_schema", "current_time", "current_timestamp", "current_user",
    "dec", "decimal", "default", "deferrable", "desc", "distinct", "do", "else", "end",
    "except", "exists", "extract", "false", "fetch", "float", "for", "foreign", "freeze",
    "from", "full", "grant", "greatest", "group", "grouping", "having", "ilike", "in",
    "initially", "inner", "inout", "int", "integer", "intersect", "interval", "into", "is",
    "isnull", "join", "lateral", "leading", "least", "left", "like", "limit", "localtime",
    "localtimestamp", "national", "natural", "nchar", "none", "normalize", "not", "notnull",
    "null", "nullif", "numeric", "offset", "on", "only", "or", "order", "out", "outer",
    "overlaps", "overlay", "placing", "position", "precision", "primary", "real",
    "references", "returning", "right", "row", "select", "session_user", "setof", "similar",
    "smallint", "some", "substring", "symmetric", "table", "tablesample", "then", "time",
    "timestamp", "to", "trailing", "treat", "trim", "true", "union", "unique", "user",
    "using", "values", "varchar", "variadic", "verbose", "when", "where", "window", "with",
    "xmlattributes", "xmlconcat", "xmlelement", "xmlexists", "xmlforest", "xmlnamespaces",
    "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable"};

bool is_lower_or_underscore(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// What the SQL lexer accepts in an unquoted identifier (non-ASCII bytes included).
bool bare_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
}
bool bare_part(char c) { return bare_start(c) || is_digit(c) || c == '$'; }

// One identifier at `pos`; advances `pos` past it.
std::optional<std::string> read_identifier(std::string_view text, size_t& pos, std::string& error) {
    std::string name;
    if (pos < text.size() && text[pos] == '"') {
        for (++pos; pos < text.size(); ++pos) {
            if (text[pos] != '"') {
                name += text[pos];
                continue;
            }
            if (pos + 1 < text.size() && text[pos + 1] == '"') {
                name += '"';
                ++pos;
                continue;
            }
            ++pos;
            if (name.empty()) {
                error = "empty quoted name \"\"";
                return std::nullopt;
            }
            return name;
        }
        error = "unterminated quoted name";
        return std::nullopt;
    }
    const size_t start = pos;
    while (pos < text.size() && text[pos] != '.') ++pos;
    const std::string_view part = text.substr(start, pos - start);
    if (part.empty()) {
        error = "must be schema-qualified, e.g. public.gate_decision";
        return std::nullopt;
    }
    if (!bare_start(part.front()) || !std::all_of(part.begin(), part.end(), bare_part)) {
        error = "name '" + std::string(part) + "' needs double quotes, e.g. \"" +
                std::string(part) + "\"";
        return std::nullopt;
    }
    for (char c : part) name += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return name;
}

}  // namespace

std::string quote_ident(std::string_view identifier) {
    bool bare = !identifier.empty() && is_lower_or_underscore(identifier.front()) &&
                std::all_of(identifier.begin(), identifier.end(),
                            [](char c) { return is_lower_or_underscore(c) || is_digit(c); });
    if (bare && std::binary_search(kQuotedKeywords.begin(), kQuotedKeywords.end(), identifier))
        bare = false;
    if (bare) return std::string(identifier);
    std::string quoted = "\"";
    for (char c : identifier) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

std::string QualifiedName::quoted() const { return quote_ident(schema) + "." + quote_ident(table); }

std::optional<QualifiedName> parse_qualified_name(std::string_view text, std::string& error) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    if (text.empty()) {
        error = "is empty";
        return std::nullopt;
    }
    size_t pos = 0;
    auto schema = read_identifier(text, pos, error);
    if (!schema) return std::nullopt;
    if (pos == text.size()) {
        error = "must be schema-qualified, e.g. public." + quote_ident(*schema);
        return std::nullopt;
    }
    if (text[pos] != '.') {
        error = "expected '.' after the schema name";
        return std::nullopt;
    }
    ++pos;
    auto table = read_identifier(text, pos, error);
    if (!table) return std::nullopt;
    if (pos != text.size()) {
        error = "expected schema.table (two names separated by one dot)";
        return std::nullopt;
    }
    return QualifiedName{*schema, *table};
}

std::string text_array_literal(const std::vector<std::string>& items) {
    std::string literal = "{";
    for (size_t i = 0; i < items.size(); ++i) {
        if (i) literal += ',';
        literal += '"';
        for (char c : items[i]) {
            if (c == '"' || c == '\\') literal += '\\';
            literal += c;
        }
        literal += '"';
    }
    return literal + "}";
}

}  // namespace preflight
