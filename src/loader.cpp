#include "src/loader.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "checks/registry.hpp"
#include "src/check.hpp"
#include "src/field_reader.hpp"
#include "src/host/file_trust.hpp"
#include "src/yaml_tree.hpp"

namespace preflight {

namespace fs = std::filesystem;

std::string sha256_hex(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

namespace {

const std::vector<std::string> kPackKeys = {"preflight", "pack", "title", "vars", "env_files",
                                            "secrets", "connections", "checks"};
const std::regex kIdPattern("[a-z0-9][a-z0-9._-]*");

struct Document {
    std::string file;
    YamlNode root;
};

std::vector<std::string> names_of(const std::vector<FieldSpec>& specs) {
    std::vector<std::string> out;
    for (const auto& s : specs) out.push_back(s.name);
    return out;
}

const YamlNode* find_key(const YamlNode& mapping, const std::string& key) {
    for (const auto& [k, v] : mapping.entries)
        if (k.value == key) return &v;
    return nullptr;
}

void load_pack_level(const Document& doc, RulePack& pack, Diagnostics& diagnostics, bool first) {
    const YamlNode& root = doc.root;
    if (root.type != YamlNode::Type::mapping) {
        diagnostics.error(root.where, "a rule pack is a mapping that starts with 'preflight: 1'");
        return;
    }
    for (const auto& [key, value] : root.entries) {
        if (std::find(kPackKeys.begin(), kPackKeys.end(), key.value) == kPackKeys.end())
            diagnostics.error(key.where, "unknown key '" + key.value + "'" + did_you_mean(key.value, kPackKeys));
    }
    const YamlNode* version = find_key(root, "preflight");
    if (!version) {
        diagnostics.error({doc.file, 1, 1}, "missing 'preflight: 1' (the rule language version)");
    } else if (!(version->is_scalar() && version->plain && version->value == "1")) {
        diagnostics.error(version->where, "unsupported rule language version '" + version->value +
                                              "'; this preflight reads version 1");
    }
    const YamlNode* name = find_key(root, "pack");
    if (!name) {
        diagnostics.error({doc.file, 1, 1}, "missing 'pack' (the pack name)");
    } else if (auto text = read_string("pack", *name, diagnostics)) {
        if (!std::regex_match(*text, kIdPattern))
            diagnostics.error(name->where, "pack name '" + *text + "' must match [a-z0-9][a-z0-9._-]*");
        pack.name += (pack.name.empty() ? "" : "+") + *text;
    }
    if (const YamlNode* title = find_key(root, "title")) {
        if (auto text = read_string("title", *title, diagnostics))
            if (first) pack.title = *text;
    }
    if (const YamlNode* vars = find_key(root, "vars")) {
        if (vars->type != YamlNode::Type::mapping) {
            diagnostics.error(vars->where, "'vars' must be a mapping of names to strings, got " + vars->describe());
        } else {
            for (const auto& [key, value] : vars->entries) {
                // An empty value is a legitimate default ("" = use the built-in default).
                std::string text;
                if (value.is_null() && value.type != YamlNode::Type::mapping) text = "";
                else if (auto s = read_string("vars." + key.value, value, diagnostics)) text = *s;
                else continue;
                // `name =`: clang 14 cannot capture a structured binding itself.
                auto it = std::find_if(pack.vars.begin(), pack.vars.end(),
                                       [&name = key.value](const auto& v) { return v.first == name; });
                if (it != pack.vars.end()) it->second = text;
                else pack.vars.emplace_back(key.value, text);
            }
        }
    }
    FieldSpec list_spec{"env_files", FieldType::text_list, false, "", "", {}};
    if (const YamlNode* files = find_key(root, "env_files")) {
        if (auto v = read_field(list_spec, *files, diagnostics))
            for (auto& t : std::get<std::vector<Template>>(*v)) pack.env_files.push_back(t);
    }
    if (const YamlNode* secrets = find_key(root, "secrets")) {
        list_spec.name = "secrets";
        if (auto v = read_field(list_spec, *secrets, diagnostics))
            for (auto& t : std::get<std::vector<Template>>(*v)) pack.secret_globs.push_back(t.source());
    }
    if (const YamlNode* connections = find_key(root, "connections")) {
        if (connections->type != YamlNode::Type::mapping) {
            diagnostics.error(connections->where, "'connections' must be a mapping of names, got " +
                                                      connections->describe());
            return;
        }
        for (const auto& [key, value] : connections->entries) {
            ConnectionDecl decl;
            decl.name = key.value;
            decl.where = key.where;
            if (value.type != YamlNode::Type::mapping) {
                diagnostics.error(value.where, "connection '" + key.value +
                                                   "' must be a mapping with 'postgres' (and optionally 'password')");
                continue;
            }
            static const std::vector<std::string> keys = {"postgres", "password"};
            bool has_postgres = false;
            for (const auto& [k, v] : value.entries) {
                if (k.value == "postgres") {
                    has_postgres = true;
                    if (auto t = read_template("postgres", v, diagnostics)) decl.postgres = *t;
                } else if (k.value == "password") {
                    if (auto t = read_template("password", v, diagnostics)) decl.password = *t;
                } else {
                    diagnostics.error(k.where, "unknown key '" + k.value + "' in connection '" + key.value + "'" +
                                                   did_you_mean(k.value, keys));
                }
            }
            if (!has_postgres)
                diagnostics.error(value.where, "connection '" + key.value + "' needs 'postgres' (a libpq conninfo or URI)");
            if (pack.connections.count(decl.name))
                diagnostics.error(key.where, "connection '" + decl.name + "' is defined twice");
            else
                pack.connections.emplace(decl.name, std::move(decl));
        }
    }
}

void load_check(const YamlNode& node, RulePack& pack, Diagnostics& diagnostics) {
    if (node.type != YamlNode::Type::mapping) {
        diagnostics.error(node.where, "each check is a mapping with at least 'id' and 'kind', got " + node.describe());
        return;
    }
    CheckDecl decl;
    decl.where = node.where;
    const auto& common = common_fields();
    const YamlNode* kind_node = find_key(node, "kind");
    const KindSpec* kind = nullptr;
    if (!kind_node) {
        diagnostics.error(node.where, "check is missing 'kind'");
    } else if (auto text = read_string("kind", *kind_node, diagnostics)) {
        decl.kind = *text;
        kind = find_kind(*text);
        if (!kind) {
            std::vector<std::string> kinds;
            for (const auto& k : all_kinds()) kinds.push_back(k.name);
            diagnostics.error(kind_node->where, "unknown kind '" + *text + "'" + did_you_mean(*text, kinds));
        }
    }
    std::vector<std::string> allowed = names_of(common);
    if (kind)
        for (const auto& f : kind->fields) allowed.push_back(f.name);

    FieldValues fields;
    fields.check_location = node.where;
    bool fields_ok = true;
    for (const auto& [key, value] : node.entries) {
        // `name =`: clang 14 cannot capture a structured binding itself.
        auto common_it = std::find_if(common.begin(), common.end(), [&name = key.value](const FieldSpec& s) { return s.name == name; });
        const FieldSpec* spec = common_it != common.end() ? &*common_it : nullptr;
        if (!spec && kind) {
            auto it = std::find_if(kind->fields.begin(), kind->fields.end(),
                                   [&name = key.value](const FieldSpec& s) { return s.name == name; });
            if (it != kind->fields.end()) spec = &*it;
        }
        if (!spec) {
            if (kind)  // with an unknown kind there is no telling which keys belong
                diagnostics.error(key.where, "unknown key '" + key.value + "'" +
                                                 (kind ? " for kind " + kind->name : std::string()) +
                                                 did_you_mean(key.value, allowed));
            continue;
        }
        if (spec->name == "kind") continue;
        auto field = read_field(*spec, value, diagnostics);
        if (!field) {
            fields_ok = false;
            continue;
        }
        fields.set(spec->name, *field, value.where);
    }
    if (auto id = fields.text("id")) {
        decl.id = id->source();
        if (!std::regex_match(decl.id, kIdPattern))
            diagnostics.error(fields.where("id"), "check id '" + decl.id + "' must match [a-z0-9][a-z0-9._-]*");
    } else if (!find_key(node, "id")) {
        diagnostics.error(node.where, "check is missing 'id'");
    }
    if (auto title = fields.text("title")) decl.title = title->source();  // none: reports show the id alone
    if (auto s = fields.choice("severity"))
        decl.severity = *s == "warning" ? Severity::warning : *s == "info" ? Severity::info : Severity::critical;
    for (const auto& t : fields.text_list("needs")) decl.needs.push_back(t.source());
    if (auto seconds = fields.seconds("timeout")) decl.timeout_seconds = *seconds;
    decl.remedy = fields.text("remedy");
    for (const auto& t : fields.text_list("tags")) decl.tags.push_back(t.source());
    if (auto why = fields.text("why")) decl.why = why->source();

    if (kind && fields_ok) {
        bool missing = false;
        for (const auto& spec : kind->fields) {
            if (spec.required && !fields.has(spec.name)) {
                diagnostics.error(node.where, "kind " + kind->name + " needs '" + spec.name + "' (" + spec.doc + ")");
                missing = true;
            }
        }
        if (!missing) {
            size_t before = diagnostics.items().size();
            decl.check = kind->make(KindInput{fields, pack, diagnostics});
            if (!decl.check && diagnostics.items().size() == before)
                diagnostics.error(node.where, "kind " + kind->name + " could not be configured");
        }
    }
    pack.checks.push_back(std::move(decl));
}

void check_references(const RulePack& pack, Diagnostics& diagnostics) {
    std::map<std::string, const CheckDecl*> by_id;
    std::vector<std::string> ids;
    for (const auto& c : pack.checks) {
        if (c.id.empty()) continue;
        auto [it, inserted] = by_id.emplace(c.id, &c);
        if (!inserted)
            diagnostics.error(c.where, "duplicate check id '" + c.id + "' (first defined at " +
                                           format_location(it->second->where) + ")");
        ids.push_back(c.id);
    }
    for (const auto& c : pack.checks) {
        for (const auto& need : c.needs) {
            if (!by_id.count(need))
                diagnostics.error(c.where, "check '" + c.id + "' needs unknown check '" + need + "'" +
                                               did_you_mean(need, ids));
            else if (need == c.id)
                diagnostics.error(c.where, "check '" + c.id + "' needs itself");
        }
    }
    // Cycles: depth-first search with colours; report each cycle once, at its first check.
    std::map<std::string, int> colour;
    std::vector<std::string> path;
    std::function<void(const CheckDecl&)> visit = [&](const CheckDecl& c) {
        colour[c.id] = 1;
        path.push_back(c.id);
        for (const auto& need : c.needs) {
            auto it = by_id.find(need);
            if (it == by_id.end() || need == c.id) continue;
            if (colour[need] == 1) {
                std::string cycle;
                auto start = std::find(path.begin(), path.end(), need);
                for (auto p = start; p != path.end(); ++p) cycle += *p + " -> ";
                diagnostics.error(it->second->where, "needs cycle: " + cycle + need);
            } else if (colour[need] == 0) {
                visit(*it->second);
            }
        }
        path.pop_back();
        colour[c.id] = 2;
    };
    for (const auto& c : pack.checks)
        if (!c.id.empty() && colour[c.id] == 0) visit(c);
}

// `unreadable`: the file cannot be read (exit 66); `refused`: it can, but must not be (exit 65).
bool read_rule_file(const std::string& path, std::string& text, Diagnostics& diagnostics, Diagnostics& refused) {
    std::error_code ec;
    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
        diagnostics.error({path, 0, 0}, "no such file or directory");
        return false;
    }
    if (!fs::is_regular_file(status)) {
        diagnostics.error({path, 0, 0}, "not a regular file");
        return false;
    }
    if (fs::file_size(path, ec) > kMaxRuleFileBytes) {
        diagnostics.error({path, 0, 0}, "rule file is larger than 1 MiB");
        return false;
    }
    // A rule pack is code (`command` runs argv): as root, only root may be able to change it.
    if (auto problem = host::untrusted_as_root(path)) {
        refused.error({path, 0, 0}, "not trusted: " + *problem +
                                        "; as root, preflight reads a rule file only when no other "
                                        "user can change or replace it");
        return false;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        diagnostics.error({path, 0, 0}, "cannot read the file (permission denied?)");
        return false;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
    return true;
}

LoadResult load_documents(const std::vector<std::pair<std::string, std::string>>& files) {
    LoadResult result;
    std::vector<Document> documents;
    for (const auto& [file, text] : files) {
        result.pack.sources.push_back({file, sha256_hex(text)});
        if (text.size() > kMaxRuleFileBytes) {
            result.diagnostics.error({file, 0, 0}, "rule file is larger than 1 MiB");
            continue;
        }
        Document doc{file, {}};
        if (read_yaml_strict(text, file, doc.root, result.diagnostics)) documents.push_back(std::move(doc));
    }
    bool first = true;
    for (const auto& doc : documents) {
        load_pack_level(doc, result.pack, result.diagnostics, first);
        first = false;
    }
    for (const auto& doc : documents) {
        if (doc.root.type != YamlNode::Type::mapping) continue;
        const YamlNode* checks = find_key(doc.root, "checks");
        if (!checks) {
            result.diagnostics.error({doc.file, 1, 1}, "missing 'checks' (the list of checks)");
            continue;
        }
        if (checks->type != YamlNode::Type::sequence) {
            result.diagnostics.error(checks->where, "'checks' must be a list, got " + checks->describe());
            continue;
        }
        for (const auto& item : checks->items) load_check(item, result.pack, result.diagnostics);
    }
    check_references(result.pack, result.diagnostics);
    return result;
}

}  // namespace

LoadResult load_rule_text(std::string_view text, const std::string& file_name) {
    return load_documents({{file_name, std::string(text)}});
}

std::vector<std::string> expand_rule_paths(const std::vector<std::string>& paths, Diagnostics& diagnostics) {
    std::vector<std::string> files;
    for (const auto& path : paths) {
        std::error_code ec;
        if (!fs::is_directory(path, ec)) {
            files.push_back(path);
            continue;
        }
        std::vector<std::string> found;
        for (const auto& entry : fs::directory_iterator(path, ec)) {
            auto ext = entry.path().extension().string();
            if ((ext == ".yaml" || ext == ".yml") && entry.is_regular_file(ec)) found.push_back(entry.path().string());
        }
        std::sort(found.begin(), found.end());
        if (ec) diagnostics.error({path, 0, 0}, "cannot read the directory: " + ec.message());
        else if (found.empty()) diagnostics.error({path, 0, 0}, "directory holds no *.yaml rule files");
        files.insert(files.end(), found.begin(), found.end());
    }
    return files;
}

LoadResult load_rule_packs(const std::vector<std::string>& paths) {
    std::vector<std::pair<std::string, std::string>> files;
    Diagnostics early, refused;
    for (const auto& file : expand_rule_paths(paths, early)) {
        std::string text;
        if (read_rule_file(file, text, early, refused)) files.emplace_back(file, std::move(text));
    }
    LoadResult result = load_documents(files);
    for (const auto& d : early.items()) result.diagnostics.error(d.where, d.message);
    for (const auto& d : refused.items()) result.diagnostics.error(d.where, d.message);
    result.unreadable_inputs = early.items().size();
    return result;
}

}  // namespace preflight
