#pragma once
// Strings of the rule language with ${var.NAME} and ${env.NAME} references, resolved at run time.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace preflight {

struct Reference {
    enum class Space { var, env };
    Space space = Space::var;
    std::string name;
    /// "${var.NAME}" or "${env.NAME}".
    std::string spelled() const;
};

/// Thrown while resolving a template when a reference has no value. The engine turns it into
/// an `error` outcome naming the reference (fail-closed: never a silent empty string).
class UnresolvedReference : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Where references get their values. Returns nullopt when the name is not defined; may throw
/// UnresolvedReference itself when the value is ambiguous or its source could not be read.
class ReferenceResolver {
public:
    virtual ~ReferenceResolver() = default;
    virtual std::optional<std::string> lookup(const Reference& reference) const = 0;
};

class Template {
public:
    Template() = default;
    /// A template of literal text only.
    static Template literal(std::string text);
    /// Parses `text`; "$${" stands for a literal "${". On bad syntax returns nullopt and sets
    /// `error` to a message that locates the reference by character and never quotes the
    /// text (it may be a password): "unterminated reference at character 5: '${' without its
    /// closing '}'".
    static std::optional<Template> parse(std::string_view text, std::string& error);

    const std::string& source() const { return source_; }
    bool has_references() const;
    std::vector<Reference> references() const;
    /// The text with every reference replaced. Throws UnresolvedReference naming the first
    /// reference that has no value.
    std::string resolve(const ReferenceResolver& resolver) const;

private:
    struct Piece {
        bool is_reference = false;
        std::string text;     // literal text
        Reference reference;  // when is_reference
    };
    std::string source_;
    std::vector<Piece> pieces_;
};

}  // namespace preflight
