// pg_connect and pg_privileges validate their fields at load, located, with suggestions.
#include <doctest/doctest.h>

#include "checks/pg_connect.hpp"
#include "checks/pg_privileges.hpp"
#include "pg_support.hpp"

using namespace preflight;
using namespace preflight::testing;

namespace {

RulePack pack_with(std::vector<std::string> names) {
    RulePack pack;
    for (const auto& name : names) {
        ConnectionDecl decl;
        decl.name = name;
        decl.postgres = Template::literal("host=/var/run/postgresql dbname=directus");
        pack.connections[name] = decl;
    }
    return pack;
}

std::vector<std::string> errors_of(const KindSpec& kind, const RulePack& pack,
                                   const std::map<std::string, FieldValue>& fields) {
    Diagnostics diagnostics;
    auto check = build_check(kind, pack, fields, diagnostics);
    CHECK((check == nullptr) == !diagnostics.empty());
    return diagnostics.lines();
}

}  // namespace

TEST_CASE("pg kinds: the connection must be declared by the pack") {
    const auto pack = pack_with({"directus", "warehouse"});
    CHECK(errors_of(pg_connect_kind(), pack, {{"connection", text("directus")}}).empty());
    CHECK(errors_of(pg_connect_kind(), pack, {{"connection", text("direcuts")}}) ==
          std::vector<std::string>{
              "pack.yaml:4:7: unknown connection 'direcuts' (did you mean 'directus'?)"});
    CHECK(errors_of(pg_privileges_kind(), pack,
                    {{"connection", text("zzz")}, {"tables", list({"s.t"})}}) ==
          std::vector<std::string>{"pack.yaml:4:7: unknown connection 'zzz' (declared: directus, warehouse)"});
    CHECK(errors_of(pg_connect_kind(), RulePack{}, {{"connection", text("directus")}}) ==
          std::vector<std::string>{
              "pack.yaml:4:7: unknown connection 'directus' (the pack declares no connections:)"});
}

TEST_CASE("pg_connect: version bounds are versions") {
    const auto pack = pack_with({"db"});
    CHECK(errors_of(pg_connect_kind(), pack,
                    {{"connection", text("db")}, {"min_server_version", text("fifteen")}}) ==
          std::vector<std::string>{
              "pack.yaml:5:7: 'min_server_version' must be a version (e.g. 13 or 15.2), got 'fifteen'"});
}

TEST_CASE("pg_privileges: fields are checked at load") {
    const auto pack = pack_with({"db"});
    CHECK(errors_of(pg_privileges_kind(), pack,
                    {{"connection", text("db")},
                     {"tables", list({"cutter_governance.verify_result", "s.\"Gate Decision\""})},
                     {"privileges", list({"select", "Insert"})},
                     {"forbid", list({"truncate"})},
                     {"superuser", text("forbid")}})
              .empty());
    CHECK(errors_of(pg_privileges_kind(), pack, {{"connection", text("db")}}) ==
          std::vector<std::string>{"pack.yaml:3:5: pg_privileges needs 'tables', 'schema' or both"});
    CHECK(errors_of(pg_privileges_kind(), pack,
                    {{"connection", text("db")}, {"tables", list({"verify_result"})}}) ==
          std::vector<std::string>{"pack.yaml:5:7: table 'verify_result' must be schema-qualified, "
                                   "e.g. public.verify_result"});
    CHECK(errors_of(pg_privileges_kind(), pack,
                    {{"connection", text("db")}, {"privileges", list({"SELCT"})}, {"tables", list({"s.t"})}}) ==
          std::vector<std::string>{"pack.yaml:5:7: unknown privilege 'SELCT' (did you mean 'SELECT'?)"});
    CHECK(errors_of(pg_privileges_kind(), pack,
                    {{"connection", text("db")}, {"forbid", list({"DROP"})}, {"tables", list({"s.t"})}}) ==
          std::vector<std::string>{
              "pack.yaml:5:7: unknown privilege 'DROP' (one of SELECT, INSERT, UPDATE, DELETE, "
              "TRUNCATE, REFERENCES, TRIGGER)"});
    CHECK(errors_of(pg_privileges_kind(), pack,
                    {{"connection", text("db")}, {"forbid", list({"select"})}, {"tables", list({"s.t"})}}) ==
          std::vector<std::string>{"pack.yaml:5:7: privilege SELECT is both required and forbidden"});
    CHECK(errors_of(pg_privileges_kind(), pack,
                    {{"connection", text("db")}, {"expect_count", 9LL}, {"tables", list({"s.t"})}}) ==
          std::vector<std::string>{"pack.yaml:5:7: 'expect_count' needs 'schema'"});
}

TEST_CASE("pg_privileges: pg_dump_readable needs SELECT among the privileges") {
    const auto pack = pack_with({"db"});
    CHECK(errors_of(pg_privileges_kind(), pack,
                    {{"connection", text("db")}, {"pg_dump_readable", true}, {"tables", list({"s.t"})}})
              .empty());
    CHECK(errors_of(pg_privileges_kind(), pack,
                    {{"connection", text("db")},
                     {"pg_dump_readable", true},
                     {"privileges", list({"INSERT"})},
                     {"tables", list({"s.t"})}}) ==
          std::vector<std::string>{"pack.yaml:5:7: 'pg_dump_readable' needs SELECT in 'privileges' "
                                   "(pg_dump locks and copies each table)"});
}
