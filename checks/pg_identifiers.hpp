#pragma once
// SQL identifiers for the pg_* kinds: reading "schema.table" as PostgreSQL would, writing names
// as quote_ident would, and passing lists as one text[] parameter.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace preflight {

/// `identifier` as PostgreSQL's quote_ident writes it: bare when it is lower-case letters,
/// digits and underscores, starts with a letter or underscore and is not a reserved keyword;
/// otherwise in double quotes with inner quotes doubled ("Gate Decision", "user", "a""b").
std::string quote_ident(std::string_view identifier);

/// A table's schema and name, as stored in the catalogs (unquoted, case as stored).
struct QualifiedName {
    std::string schema;
    std::string table;
    /// "schema.table" with each part through quote_ident.
    std::string quoted() const;
    bool operator==(const QualifiedName&) const = default;
};

/// Reads "schema.table" as SQL does: bare parts are folded to lower case, "quoted" parts kept
/// as written ("" for a quote inside). Nullopt with `error` set when it is not exactly two parts
/// ("must be schema-qualified, e.g. public.gate_decision"), a quote is unterminated or empty,
/// or a bare part holds characters that need quoting.
std::optional<QualifiedName> parse_qualified_name(std::string_view text, std::string& error);

/// A PostgreSQL text[] literal holding `items` ({"a","b\"c"}): every element double-quoted,
/// with backslash before '"' and '\'. "{}" when empty.
std::string text_array_literal(const std::vector<std::string>& items);

}  // namespace preflight
