#include "checks/registry.hpp"

#include "checks/command.hpp"
#include "checks/config_drift.hpp"
#include "checks/encrypted_file.hpp"
#include "checks/env_var.hpp"
#include "checks/executable.hpp"
#include "checks/file.hpp"
#include "checks/gpg_key.hpp"
#include "checks/manifest.hpp"
#include "checks/pg_connect.hpp"
#include "checks/pg_privileges.hpp"
#include "checks/pg_query.hpp"

namespace preflight {

const std::vector<KindSpec>& all_kinds() {
    // The one list of kinds. Adding a kind = one file pair in checks/ + one line here.
    static const std::vector<KindSpec> kinds = {
        env_var_kind(),
        file_kind(),
        config_drift_kind(),
        manifest_kind(),
        executable_kind(),
        command_kind(),
        gpg_key_kind(),
        encrypted_file_kind(),
        pg_connect_kind(),
        pg_privileges_kind(),
        pg_query_kind(),
    };
    return kinds;
}

const KindSpec* find_kind(const std::string& name) {
    for (const auto& kind : all_kinds())
        if (kind.name == name) return &kind;
    return nullptr;
}

const std::vector<FieldSpec>& common_fields() {
    static const std::vector<FieldSpec> fields = {
        {"id", FieldType::text, true, "", "unique id, [a-z0-9][a-z0-9._-]*", {}},
        {"kind", FieldType::text, true, "", "the check kind (see `preflight kinds`)", {}},
        {"title", FieldType::text, false, "", "one line shown in reports", {}},
        {"severity", FieldType::choice, false, "critical",
         "critical closes the gate; warning closes it with --strict; info never",
         {"critical", "warning", "info"}},
        {"needs", FieldType::text_list, false, "", "ids that must pass first, else this check is skipped", {}},
        {"timeout", FieldType::duration, false, "10s", "how long the check may take", {}},
        {"remedy", FieldType::text, false, "", "what to do when it does not pass (interpolated)", {}},
        {"tags", FieldType::text_list, false, "", "labels for --tag", {}},
        {"why", FieldType::text, false, "", "one line: what this check protects", {}},
    };
    return fields;
}

}  // namespace preflight
