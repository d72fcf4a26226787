#include "src/template.hpp"

namespace preflight {

std::string Reference::spelled() const {
    return std::string("${") + (space == Space::var ? "var." : "env.") + name + "}";
}

Template Template::literal(std::string text) {
    Template t;
    t.source_ = text;
    t.pieces_.push_back({false, std::move(text), {}});
    return t;
}

namespace {
bool is_name_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}
}  // namespace

std::optional<Template> Template::parse(std::string_view text, std::string& error) {
    Template t;
    t.source_ = std::string(text);
    std::string literal;
    size_t i = 0;
    while (i < text.size()) {
        if (text.compare(i, 3, "$${") == 0) {
            literal += "${";
            i += 3;
            continue;
        }
        if (text.compare(i, 2, "${") != 0) {
            literal += text[i++];
            continue;
        }
        size_t close = text.find('}', i + 2);
        if (close == std::string_view::npos) {
            error = "unterminated reference at character " + std::to_string(i + 1) +
                    ": '${' without its closing '}'";
            return std::nullopt;
        }
        std::string_view body = text.substr(i + 2, close - i - 2);
        Reference ref;
        if (body.substr(0, 4) == "var.") {
            ref.space = Reference::Space::var;
        } else if (body.substr(0, 4) == "env.") {
            ref.space = Reference::Space::env;
        } else {
            error = "reference at character " + std::to_string(i + 1) +
                    " must be ${var.NAME} or ${env.NAME}";
            return std::nullopt;
        }
        ref.name = std::string(body.substr(4));
        bool valid = !ref.name.empty();
        for (char c : ref.name) valid = valid && is_name_char(c);
        if (!valid) {
            error = "reference at character " + std::to_string(i + 1) +
                    " has an invalid name (letters, digits, '_', '-' and '.')";
            return std::nullopt;
        }
        if (!literal.empty()) t.pieces_.push_back({false, std::move(literal), {}});
        literal.clear();
        t.pieces_.push_back({true, {}, std::move(ref)});
        i = close + 1;
    }
    if (!literal.empty()) t.pieces_.push_back({false, std::move(literal), {}});
    return t;
}

bool Template::has_references() const {
    for (const auto& p : pieces_)
        if (p.is_reference) return true;
    return false;
}

std::vector<Reference> Template::references() const {
    std::vector<Reference> out;
    for (const auto& p : pieces_)
        if (p.is_reference) out.push_back(p.reference);
    return out;
}

std::string Template::resolve(const ReferenceResolver& resolver) const {
    std::string out;
    for (const auto& p : pieces_) {
        if (!p.is_reference) {
            out += p.text;
            continue;
        }
        auto value = resolver.lookup(p.reference);
        if (!value) throw UnresolvedReference("unresolved reference " + p.reference.spelled());
        out += *value;
    }
    return out;
}

}  // namespace preflight
