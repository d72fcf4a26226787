#include "src/input_secrets.hpp"

#include "src/host/pg_conninfo.hpp"
#include "src/run_environment.hpp"

namespace preflight {

void register_value_secrets(const std::string& source, const std::string& value, bool secret_name,
                            SecretRegistry& secrets) {
    if (secret_name) secrets.add(value, source);
    for (const auto& password : host::conninfo_passwords(value)) {
        secrets.add(password.value, source + " conninfo password");
        secrets.add(password.spelled, source + " conninfo password");
    }
}

namespace {

// The passwords of a connection string as written, its references left out.
void register_literal_conninfo(const std::string& name, const Template& postgres, SecretRegistry& secrets) {
    for (const auto& password : host::conninfo_passwords(postgres.source()))
        if (password.spelled.find("${") == std::string::npos) {
            secrets.add(password.value, "connection " + name + " conninfo password");
            secrets.add(password.spelled, "connection " + name + " conninfo password");
        }
}

}  // namespace

void register_pack_secrets(const RulePack& pack, SecretRegistry& secrets) {
    std::vector<std::string> globs = default_secret_globs();
    globs.insert(globs.end(), pack.secret_globs.begin(), pack.secret_globs.end());
    for (const auto& [name, value] : pack.vars)
        register_value_secrets("var " + name, value, matches_any_glob(name, globs), secrets);
    for (const auto& [name, connection] : pack.connections) {
        register_literal_conninfo(name, connection.postgres, secrets);
        if (connection.password && !connection.password->has_references())
            secrets.add(connection.password->source(), "connection " + name + " password");
    }
}

Redactor pack_redactor(const RulePack& pack) {
    SecretRegistry secrets;
    register_pack_secrets(pack, secrets);
    return Redactor(secrets.snapshot());
}

void register_input_secrets(const RulePack& pack, const RunInputs& inputs, const RunEnvironment& environment,
                            SecretRegistry& secrets) {
    register_pack_secrets(pack, secrets);
    for (const auto& [name, value] : inputs.var_overrides)
        register_value_secrets("var " + name, value, environment.is_secret_name(name), secrets);
    std::map<std::string, std::string> env = inputs.process_env;
    try {
        env = environment.resolvable_env();
    } catch (const UnresolvedReference&) {  // every ${env.X} fails: the env files reach nothing
    }
    for (const auto& [name, value] : env)
        register_value_secrets("env " + name, value, environment.is_secret_name(name), secrets);
    for (const auto& [name, connection] : pack.connections) {
        try {
            register_value_secrets("connection " + name, connection.postgres.resolve(environment), false, secrets);
        } catch (const UnresolvedReference&) {  // its literal text was registered above
        }
        if (!connection.password) continue;
        try {
            secrets.add(connection.password->resolve(environment), "connection " + name + " password");
        } catch (const UnresolvedReference&) {  // nothing to register: the check will say why
        }
    }
}

}  // namespace preflight
