#pragma once
// A strict YAML reader: builds a located tree from yaml-cpp's events and refuses what a rule
// pack must not contain (anchors, aliases, duplicate keys, several documents, deep nesting,
// unterminated quotes).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/diagnostics.hpp"

namespace preflight {

inline constexpr int kMaxYamlDepth = 64;

struct YamlNode {
    enum class Type { null, scalar, sequence, mapping };
    Type type = Type::null;
    std::string value;    ///< scalar text
    bool plain = true;    ///< false for quoted and block scalars (never typed: always a string)
    SourceLocation where;
    std::vector<YamlNode> items;                           ///< sequence
    std::vector<std::pair<YamlNode, YamlNode>> entries;    ///< mapping, in file order

    /// A null node. Defined out of line: clang with libstdc++ cannot build the implicit one
    /// while `entries` names this still incomplete type.
    YamlNode();

    bool is_scalar() const { return type == Type::scalar; }
    /// A plain scalar that YAML's core schema reads as null (`~`, `null`, empty).
    bool is_null() const;
    /// "null", "string", "list" or "mapping", for messages.
    std::string describe() const;
};

/// The quote character (' or ") of a quoted scalar starting at `pos` that is never closed; 0
/// when `pos` starts no quoted scalar or the scalar is closed. yaml-cpp 0.7 accepts a quoted
/// scalar that runs to the end of the file, swallowing the rest of it.
char unterminated_quote_at(std::string_view text, long pos);

/// Parses `text` (from `file`) into `root`, adding every problem found to `diagnostics`, each
/// located FILE:LINE:COL. Returns false only when the text is not YAML at all (no usable tree);
/// strictness errors (aliases, duplicate keys, ...) are reported but the tree is still built so
/// the caller can report schema errors of the same file in the same pass.
bool read_yaml_strict(std::string_view text, const std::string& file, YamlNode& root,
                      Diagnostics& diagnostics);

}  // namespace preflight
