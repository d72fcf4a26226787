#pragma once
// A loaded, validated rule pack.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "src/diagnostics.hpp"
#include "src/model.hpp"
#include "src/template.hpp"

namespace preflight {

class Check;

/// A named database connection of the pack (`connections:`).
struct ConnectionDecl {
    std::string name;
    Template postgres;                 ///< libpq conninfo or postgresql:// URI
    std::optional<Template> password;  ///< always secret
    SourceLocation where;
};

/// One entry of `checks:` with its common fields and the kind-specific Check built at load.
struct CheckDecl {
    std::string id;
    std::string kind;
    std::string title;
    Severity severity = Severity::critical;
    std::vector<std::string> needs;
    double timeout_seconds = 10.0;
    std::optional<Template> remedy;
    std::vector<std::string> tags;
    std::string why;
    SourceLocation where;
    std::shared_ptr<const Check> check;
};

struct RulePack {
    int language_version = 1;
    std::string name;
    std::string title;
    std::vector<std::pair<std::string, std::string>> vars;  ///< defaults, in file order
    std::vector<Template> env_files;
    std::vector<std::string> secret_globs;  ///< the pack's own `secrets:`
    std::map<std::string, ConnectionDecl> connections;
    std::vector<CheckDecl> checks;
    std::vector<RuleSource> sources;  ///< each rule file with its sha256
};

}  // namespace preflight
