#include "pg_support.hpp"

namespace preflight::testing {

FieldValue list(const std::vector<std::string>& values) {
    std::vector<Template> items;
    for (const auto& v : values) items.push_back(Template::literal(v));
    return items;
}

std::unique_ptr<FakeRunContext> pg_context(host::PgConnector* connector, const std::string& conninfo,
                                           const std::string& password, const std::string& name) {
    auto context = std::make_unique<FakeRunContext>();
    ConnectionDecl decl;
    decl.name = name;
    decl.postgres = Template::literal(conninfo);
    if (!password.empty()) decl.password = Template::literal(password);
    context->rule_pack.connections[name] = decl;
    context->probes.postgres = connector;
    return context;
}

Outcome run_pg_check(const KindSpec& kind, FakeRunContext& context,
                     std::map<std::string, FieldValue> fields) {
    fields["connection"] = text("db");
    Diagnostics diagnostics;
    auto check = build_check(kind, context.rule_pack, fields, diagnostics);
    REQUIRE(check);
    Outcome outcome = check->run(context);
    require_no_fragment(everything_shown(outcome), kPassword, context);
    return outcome;
}

std::string sql_literal(const std::string& value) {
    std::string literal = "'";
    for (char c : value) literal += c == '\'' ? std::string("''") : std::string(1, c);
    return literal + "'";
}

std::unique_ptr<Check> build_check(const KindSpec& kind, const RulePack& pack,
                                   const std::map<std::string, FieldValue>& fields,
                                   Diagnostics& diagnostics) {
    FieldValues values;
    values.check_location = {"pack.yaml", 3, 5};
    int line = 4;
    for (const auto& [name, value] : fields) values.set(name, value, {"pack.yaml", line++, 7});
    return kind.make(KindInput{values, pack, diagnostics});
}

std::string everything_shown(const Outcome& outcome) {
    return outcome.message + "\n" + outcome.observed.dump() + "\n" + outcome.expected.dump() +
           "\n" + outcome.generated_remedy;
}

void require_no_fragment(const std::string& shown, const std::string& secret,
                         const FakeRunContext& context) {
    INFO("shown: " << shown);
    CHECK(shown.find(secret) == std::string::npos);
    for (size_t i = 0; i + 4 <= secret.size(); ++i) {
        const std::string piece = secret.substr(i, 4);
        INFO("fragment: " << piece);
        CHECK(shown.find(piece) == std::string::npos);
    }
    Redactor redactor(context.secrets.snapshot());
    CHECK_FALSE(redactor.find_leak(redactor.scrub(shown)).has_value());
}

}  // namespace preflight::testing
