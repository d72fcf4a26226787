#include "src/config_document.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <vector>

#include "src/field_reader.hpp"
#include "src/yaml_tree.hpp"

namespace preflight {

std::optional<DocumentFormat> format_from_extension(std::string_view path) {
    auto dot = path.find_last_of("./");
    if (dot == std::string_view::npos || path[dot] != '.') return std::nullopt;
    std::string extension(path.substr(dot + 1));
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (extension == "json") return DocumentFormat::json;
    if (extension == "yaml" || extension == "yml") return DocumentFormat::yaml;
    return std::nullopt;
}

namespace {

std::string at(int line, int column) {
    return " at line " + std::to_string(line) + ", column " + std::to_string(column);
}

// Byte columns, 1-based, as nlohmann and yaml-cpp count them.
std::string at_offset(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    int line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset; ++i)
        if (text[i] == '\n') ++line, line_start = i + 1;
    return at(line, static_cast<int>(offset - line_start) + 1);
}

// nlohmann's parser is iterative, but destroying and dumping a value recurse: refuse deep
// nesting before a value is ever built. Brackets inside strings do not count.
std::optional<std::size_t> json_too_deep_at(std::string_view text) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxDocumentDepth) return i;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return std::nullopt;
}

// The descriptive part of nlohmann's syntax error: what follows "- " up to "; last read",
// after which nlohmann quotes the input itself.
std::string json_problem(const std::string& what) {
    auto start = what.find(" - ");
    if (start == std::string::npos) return "";
    start += 3;
    auto end = what.find("; last read", start);
    return what.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::optional<nlohmann::json> parse_json(std::string_view text, std::string& error) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        error = "the file is empty, not a JSON document";
        return std::nullopt;
    }
    if (auto offset = json_too_deep_at(text)) {
        error = "nesting deeper than " + std::to_string(kMaxDocumentDepth) + " levels" +
                at_offset(text, *offset);
        return std::nullopt;
    }
    try {
        return nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::parse_error& e) {
        // `byte` counts the characters read, the offending one included.
        std::size_t offset = e.byte == 0 ? 0 : e.byte - 1;
        std::string problem = json_problem(e.what());
        error = "invalid JSON" + at_offset(text, offset) + (problem.empty() ? "" : ": " + problem);
    } catch (const nlohmann::json::out_of_range&) {
        error = "invalid JSON: a number is too large to represent";
    } catch (const nlohmann::json::exception&) {
        error = "invalid JSON";
    }
    return std::nullopt;
}

// Offset of the first byte that is not well-formed UTF-8, if any.
std::optional<std::size_t> invalid_utf8_at(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        auto byte = static_cast<unsigned char>(text[i]);
        std::size_t length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3
                                             : (byte >> 3) == 0x1E ? 4 : 0;
        if (length == 0 || i + length > text.size() || (length == 2 && byte < 0xC2)) return i;
        for (std::size_t k = 1; k < length; ++k)
            if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return i;
        auto second = static_cast<unsigned char>(length > 1 ? text[i + 1] : 0);
        if ((byte == 0xE0 && second < 0xA0) || (byte == 0xED && second > 0x9F) ||
            (byte == 0xF0 && second < 0x90) || (byte == 0xF4 && second > 0x8F) || byte > 0xF4)
            return i;
        i += length;
    }
    return std::nullopt;
}

// Thrown from the event handler to stop yaml-cpp at the first thing we refuse.
struct Refused {
    YAML::Mark mark;
    std::string problem;
    std::string hint;
};

const char* const kNoAnchors = "anchors and aliases are not supported; write the value out";

class JsonBuilder : public YAML::EventHandler {
public:
    explicit JsonBuilder(std::string_view text) : text_(text) {}

    nlohmann::json root;

    void OnDocumentStart(const YAML::Mark& mark) override {
        if (++documents_ > 1)
            throw Refused{mark, "second YAML document", "only one document per file is supported"};
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        check_anchor(mark, anchor);
        add(mark, nullptr, "null");
    }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
        throw Refused{mark, "YAML alias", kNoAnchors};
    }
    void OnAnchor(const YAML::Mark& mark, const std::string&) override {
        throw Refused{mark, "YAML anchor", kNoAnchors};
    }
    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& value) override {
        check_anchor(mark, anchor);
        if (tag == "?") return add(mark, plain_value(value), value);
        if (tag != "!" && tag != "tag:yaml.org,2002:str")
            throw Refused{mark, "YAML tag", "only !!str is supported"};
        check_quote_terminated(mark);
        add(mark, value, value);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open(mark, tag, anchor, nlohmann::json::array());
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open(mark, tag, anchor, nlohmann::json::object());
    }
    void OnMapEnd() override { close(); }

private:
    struct Frame {
        nlohmann::json value;
        YAML::Mark mark;
        std::optional<std::string> key;
        std::map<std::string, int> key_lines;
    };

    // The rule language's own typing, so that `expect:` values and the file agree.
    static nlohmann::json plain_value(const std::string& text) {
        YamlNode node;
        node.type = YamlNode::Type::scalar;
        node.value = text;
        return yaml_to_json(node);
    }

    static void check_anchor(const YAML::Mark& mark, YAML::anchor_t anchor) {
        if (anchor != YAML::NullAnchor) throw Refused{mark, "YAML anchor", kNoAnchors};
    }

    void check_quote_terminated(const YAML::Mark& mark) const {
        if (char quote = unterminated_quote_at(text_, mark.pos)) {
            std::string style = quote == '"' ? "double" : "single";
            throw Refused{mark, "unterminated " + style + "-quoted string", ""};
        }
    }

    void open(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
              nlohmann::json empty) {
        check_anchor(mark, anchor);
        if (tag != "?" && tag != "tag:yaml.org,2002:seq" && tag != "tag:yaml.org,2002:map")
            throw Refused{mark, "YAML tag", "only !!str is supported"};
        if (expecting_key()) throw Refused{mark, "mapping key that is not a string", ""};
        if (static_cast<int>(stack_.size()) >= kMaxDocumentDepth)
            throw Refused{mark, "nesting deeper than " + std::to_string(kMaxDocumentDepth) + " levels", ""};
        stack_.push_back(Frame{std::move(empty), mark, std::nullopt, {}});
    }

    void close() {
        Frame frame = std::move(stack_.back());
        stack_.pop_back();
        add(frame.mark, std::move(frame.value), std::nullopt);
    }

    bool expecting_key() const {
        return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().key;
    }

    // `key_text`: how the node reads as a mapping key (scalars only).
    void add(const YAML::Mark& mark, nlohmann::json value, std::optional<std::string> key_text) {
        if (stack_.empty()) {
            root = std::move(value);
            return;
        }
        Frame& top = stack_.back();
        if (top.value.is_array()) {
            top.value.push_back(std::move(value));
        } else if (top.key) {
            top.value[*top.key] = std::move(value);
            top.key.reset();
        } else {
            auto [it, inserted] = top.key_lines.emplace(*key_text, mark.line + 1);
            if (!inserted)
                throw Refused{mark, "duplicate mapping key",
                              "first at line " + std::to_string(it->second)};
            top.key = std::move(*key_text);
        }
    }

    std::string_view text_;
    int documents_ = 0;
    std::vector<Frame> stack_;
};

std::optional<nlohmann::json> parse_yaml(std::string_view text, std::string& error) {
    if (auto offset = invalid_utf8_at(text)) {
        error = "invalid UTF-8" + at_offset(text, *offset);
        return std::nullopt;
    }
    std::istringstream stream{std::string(text)};
    JsonBuilder builder(text);
    try {
        YAML::Parser parser(stream);
        while (parser.HandleNextDocument(builder)) {
        }
        return std::move(builder.root);
    } catch (const Refused& refused) {
        error = refused.problem + at(refused.mark.line + 1, refused.mark.column + 1) +
                (refused.hint.empty() ? "" : " (" + refused.hint + ")");
    } catch (const YAML::DeepRecursion& e) {
        error = "nesting too deep for the YAML parser" + at(e.mark.line + 1, e.mark.column + 1);
    } catch (const YAML::Exception& e) {
        // Some of yaml-cpp's messages end with a piece of the input ("unknown escape
        // character: x"); keep only the fixed part.
        std::string problem = e.msg.substr(0, e.msg.find(':'));
        error = "invalid YAML" + at(e.mark.line + 1, e.mark.column + 1) +
                (problem.empty() ? "" : ": " + problem);
    }
    return std::nullopt;
}

}  // namespace

std::optional<nlohmann::json> parse_document(std::string_view text, DocumentFormat format,
                                             std::string& error) {
    return format == DocumentFormat::json ? parse_json(text, error) : parse_yaml(text, error);
}

}  // namespace preflight
