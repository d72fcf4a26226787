#include "src/yaml_tree.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <map>
#include <sstream>

namespace preflight {

YamlNode::YamlNode() = default;

bool YamlNode::is_null() const {
    if (type == Type::null) return true;
    return type == Type::scalar && plain &&
           (value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL");
}

std::string YamlNode::describe() const {
    if (is_null()) return "null";
    switch (type) {
        case Type::scalar: return "string";
        case Type::sequence: return "list";
        case Type::mapping: return "mapping";
        case Type::null: return "null";
    }
    return "null";
}

char unterminated_quote_at(std::string_view text, long pos) {
    if (pos < 0 || static_cast<size_t>(pos) >= text.size()) return 0;
    char quote = text[pos];
    if (quote != '"' && quote != '\'') return 0;
    for (size_t i = pos + 1; i < text.size(); ++i) {
        if (quote == '"' && text[i] == '\\') {
            ++i;
        } else if (text[i] == quote) {
            if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
                ++i;
                continue;
            }
            return 0;
        }
    }
    return quote;
}

namespace {

class TreeBuilder : public YAML::EventHandler {
public:
    TreeBuilder(std::string_view text, const std::string& file, Diagnostics& diagnostics)
        : text_(text), file_(file), diagnostics_(diagnostics) {}

    YamlNode root;
    int documents = 0;
    bool depth_reported() const { return depth_reported_; }

    void OnDocumentStart(const YAML::Mark& mark) override {
        if (++documents == 2) error(mark, "a rule file holds one YAML document; found a second one");
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        check_anchor(mark, anchor);
        YamlNode node;
        node.where = locate(mark);
        add(std::move(node));
    }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
        error(mark, "aliases (*name) are not allowed in rule packs; write the value out");
        // An empty string stands in, so the alias is reported once, not again as a wrong type.
        YamlNode node;
        node.type = YamlNode::Type::scalar;
        node.plain = false;
        node.where = locate(mark);
        add(std::move(node));
    }
    void OnAnchor(const YAML::Mark& mark, const std::string&) override { anchor_error(mark); }
    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& value) override {
        check_anchor(mark, anchor);
        check_quote_terminated(mark);
        YamlNode node;
        node.type = YamlNode::Type::scalar;
        node.value = value;
        node.plain = tag != "!";
        node.where = locate(mark);
        add(std::move(node));
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        check_anchor(mark, anchor);
        open(mark, YamlNode::Type::sequence);
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        check_anchor(mark, anchor);
        open(mark, YamlNode::Type::mapping);
    }
    void OnMapEnd() override { close(); }

private:
    struct Frame {
        YamlNode node;
        bool has_pending_key = false;
        YamlNode pending_key;
        std::map<std::string, int> seen_keys;  // key -> line
    };

    SourceLocation locate(const YAML::Mark& mark) const {
        return {file_, mark.line + 1, mark.column + 1};
    }
    void error(const YAML::Mark& mark, std::string message) { diagnostics_.error(locate(mark), std::move(message)); }
    void anchor_error(const YAML::Mark& mark) {
        if (anchor_reported_at_ == mark.pos) return;
        anchor_reported_at_ = mark.pos;
        error(mark, "anchors (&name) are not allowed in rule packs; write the value out");
    }
    void check_anchor(const YAML::Mark& mark, YAML::anchor_t anchor) {
        if (anchor != YAML::NullAnchor) anchor_error(mark);
    }
    void check_quote_terminated(const YAML::Mark& mark) {
        if (char quote = unterminated_quote_at(text_, mark.pos))
            error(mark, std::string("unterminated ") + (quote == '"' ? "double" : "single") +
                            "-quoted string: add the closing " + quote);
    }

    void open(const YAML::Mark& mark, YamlNode::Type type) {
        if (static_cast<int>(stack_.size()) >= kMaxYamlDepth && !depth_reported_) {
            depth_reported_ = true;
            error(mark, "nesting deeper than " + std::to_string(kMaxYamlDepth) + " levels");
        }
        Frame frame;
        frame.node.type = type;
        frame.node.where = locate(mark);
        stack_.push_back(std::move(frame));
    }
    void close() {
        YamlNode node = std::move(stack_.back().node);
        stack_.pop_back();
        // A pack of 10,000 checks holds every tree until its checks are built: no spare capacity.
        node.items.shrink_to_fit();
        node.entries.shrink_to_fit();
        add(std::move(node));
    }
    void add(YamlNode node) {
        if (stack_.empty()) {
            if (documents <= 1) root = std::move(node);
            return;
        }
        Frame& top = stack_.back();
        if (top.node.type == YamlNode::Type::sequence) {
            top.node.items.push_back(std::move(node));
            return;
        }
        if (!top.has_pending_key) {
            top.has_pending_key = true;
            top.pending_key = std::move(node);
            return;
        }
        top.has_pending_key = false;
        const YamlNode& key = top.pending_key;
        if (!key.is_scalar()) {
            diagnostics_.error(key.where, "mapping keys must be plain strings");
        } else {
            auto [it, inserted] = top.seen_keys.emplace(key.value, key.where.line);
            if (!inserted)
                diagnostics_.error(key.where, "duplicate key '" + key.value + "' (first defined at line " +
                                                  std::to_string(it->second) + ")");
        }
        top.node.entries.emplace_back(std::move(top.pending_key), std::move(node));
    }

    std::string_view text_;
    const std::string& file_;
    Diagnostics& diagnostics_;
    std::vector<Frame> stack_;
    bool depth_reported_ = false;
    int anchor_reported_at_ = -1;
};

}  // namespace

bool read_yaml_strict(std::string_view text, const std::string& file, YamlNode& root,
                      Diagnostics& diagnostics) {
    size_t errors_before = diagnostics.items().size();
    bool parsed = true;
    std::istringstream stream{std::string(text)};
    TreeBuilder builder(text, file, diagnostics);
    try {
        YAML::Parser parser(stream);
        while (parser.HandleNextDocument(builder)) {
            if (builder.documents > 1) break;
        }
    } catch (const YAML::DeepRecursion& e) {
        parsed = false;
        if (!builder.depth_reported())
            diagnostics.error({file, e.mark.line + 1, e.mark.column + 1},
                          "nesting deeper than " + std::to_string(kMaxYamlDepth) + " levels");
    } catch (const YAML::Exception& e) {
        parsed = false;
        diagnostics.error({file, e.mark.line + 1, e.mark.column + 1}, "YAML syntax error: " + e.msg);
    }
    if (builder.documents == 0 && diagnostics.items().size() == errors_before) {
        diagnostics.error({file, 1, 1}, "the file is empty; a rule pack starts with 'preflight: 1'");
        parsed = false;
    }
    root = std::move(builder.root);
    return parsed;
}

}  // namespace preflight
