#include "checks/pg_connect.hpp"

#include <tuple>

#include "checks/executable.hpp"
#include "src/host/pg.hpp"

namespace preflight {

std::string server_version_text(long long num) {
    if (num >= 100000) return std::to_string(num / 10000) + "." + std::to_string(num % 10000);
    return std::to_string(num / 10000) + "." + std::to_string(num / 100 % 100) + "." +
           std::to_string(num % 100);
}

Outcome judge_pg_connect(const std::string& connection, const PgSessionFacts& facts,
                         const PgConnectExpectations& expected) {
    const std::string version = server_version_text(facts.server_version_num);
    nlohmann::json observed = {
        {"server_version", version}, {"user", facts.user}, {"database", facts.database}};
    nlohmann::json wanted = nlohmann::json::object();
    if (expected.min_version) wanted["min_server_version"] = *expected.min_version;
    if (expected.max_version) wanted["max_server_version"] = *expected.max_version;
    if (expected.user) wanted["user"] = *expected.user;
    if (expected.database) wanted["database"] = *expected.database;

    std::vector<std::string> problems;
    if (auto violation = version_bound_violation("PostgreSQL", version, expected.min_version,
                                                 expected.max_version))
        problems.push_back(*violation);
    if (expected.user && *expected.user != facts.user)
        problems.push_back("connected as " + facts.user + ", expected " + *expected.user);
    if (expected.database && *expected.database != facts.database)
        problems.push_back("connected to database " + facts.database + ", expected " +
                           *expected.database);
    const std::string head = "connection '" + connection + "': ";
    if (problems.empty())
        return Outcome::pass(head + "connected as " + facts.user + " to database " +
                                 facts.database + ", PostgreSQL " + version,
                             observed);
    std::string message = head;
    for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    return Outcome::fail(message, observed, wanted.empty() ? nlohmann::json(nullptr) : wanted);
}

std::optional<std::string> declared_connection(const KindInput& input) {
    const auto field = input.fields.text("connection");
    if (!field) return std::nullopt;  // required: the loader has reported it
    const std::string& name = field->source();
    if (field->has_references()) {
        input.diagnostics.error(input.fields.where("connection"),
                                "'connection' must name a connection of the pack's connections:, "
                                "not use references");
        return std::nullopt;
    }
    if (input.pack.connections.count(name)) return name;
    std::vector<std::string> names;
    for (const auto& [declared, decl] : input.pack.connections) names.push_back(declared);
    std::string hint = did_you_mean(name, names);
    if (hint.empty() && names.empty()) hint = " (the pack declares no connections:)";
    if (hint.empty()) {
        hint = " (declared:";
        for (size_t i = 0; i < names.size(); ++i) hint += (i ? ", " : " ") + names[i];
        hint += ")";
    }
    input.diagnostics.error(input.fields.where("connection"),
                            "unknown connection '" + name + "'" + hint);
    return std::nullopt;
}

host::PgQueryScope pg_query_scope(const RunContext& context) {
    host::PgQueryScope scope;
    scope.deadline = context.deadline();
    scope.add_secret = [&context](const std::string& value, const std::string& name) {
        context.add_secret(value, name);
    };
    scope.connection = [&context](const std::string& name) -> std::optional<host::PgConnectionTarget> {
        const auto& connections = context.pack().connections;
        const auto decl = connections.find(name);
        if (decl == connections.end()) return std::nullopt;
        return host::PgConnectionTarget{
            context.resolve(decl->second.postgres),
            decl->second.password ? context.resolve(*decl->second.password) : std::string{}};
    };
    return scope;
}

namespace {

const char* const kSessionQuery =
    "SELECT current_setting('server_version_num'), current_user, current_database()";

class PgConnectCheck : public Check {
public:
    std::string connection;
    std::optional<Template> min_version, max_version, user, database;

    Outcome run(const RunContext& context) const override {
        PgConnectExpectations expected;
        for (auto [field, bound, target] :
             {std::tuple{"min_server_version", &min_version, &expected.min_version},
              std::tuple{"max_server_version", &max_version, &expected.max_version}}) {
            if (!*bound) continue;
            *target = context.resolve(**bound);
            if (!parse_version(**target))
                return Outcome::error("'" + std::string(field) + "' resolved to '" + **target +
                                      "', which is not a version (e.g. 13 or 15.2)");
        }
        if (user) expected.user = context.resolve(*user);
        if (database) expected.database = context.resolve(*database);
        auto* postgres = context.host().postgres;
        if (!postgres)
            return Outcome::error("connection '" + connection +
                                  "': PostgreSQL access is not available in this run");
        std::vector<host::PgRow> rows;
        try {
            rows = postgres->query(pg_query_scope(context), connection, kSessionQuery, {});
        } catch (const host::PgError& e) {
            return Outcome::error(e.what());
        }
        if (rows.size() != 1 || rows[0].size() != 3 || !rows[0][0] || !rows[0][1] || !rows[0][2])
            return Outcome::error("connection '" + connection +
                                  "': the server's answer about the session was not understood");
        PgSessionFacts facts{std::stoll(*rows[0][0]), *rows[0][1], *rows[0][2]};
        return judge_pg_connect(connection, facts, expected);
    }
};

// A literal bound is checked at load; one with references when it is resolved.
bool valid_literal_version(const KindInput& input, const std::string& field) {
    auto bound = input.fields.text(field);
    if (!bound || bound->has_references() || parse_version(bound->source())) return true;
    input.diagnostics.error(input.fields.where(field), "'" + field +
                                                           "' must be a version (e.g. 13 or "
                                                           "15.2), got '" + bound->source() + "'");
    return false;
}

}  // namespace

FieldSpec connection_field() {
    return {"connection", FieldType::text, true, "", "name of a connection under the pack's connections:", {}};
}

KindSpec pg_connect_kind() {
    KindSpec spec;
    spec.name = "pg_connect";
    spec.summary = "a pack connection opens within the timeout, to a server within version "
                   "bounds, as the expected user and database";
    spec.fields = {
        connection_field(),
        {"min_server_version", FieldType::text, false, "",
         "lowest accepted server version, e.g. 13 or 15.2", {}},
        {"max_server_version", FieldType::text, false, "",
         "highest accepted server version, at its own precision (15 accepts every 15.x)", {}},
        {"expect_user", FieldType::text, false, "", "the session's current_user must be this", {}},
        {"expect_database", FieldType::text, false, "", "the session's database must be this", {}},
    };
    spec.make = [](const KindInput& input) -> std::unique_ptr<Check> {
        auto connection = declared_connection(input);
        bool ok = valid_literal_version(input, "min_server_version");
        ok = valid_literal_version(input, "max_server_version") && ok;
        if (!connection || !ok) return nullptr;
        auto check = std::make_unique<PgConnectCheck>();
        check->connection = *connection;
        check->min_version = input.fields.text("min_server_version");
        check->max_version = input.fields.text("max_server_version");
        check->user = input.fields.text("expect_user");
        check->database = input.fields.text("expect_database");
        return check;
    };
    return spec;
}

}  // namespace preflight
