// A pack default may name other vars: it follows their --var overrides (rules/f4-first-run.yaml's
// envelope is "${var.backups_dir}/${var.run_id}.envelope.json").
#include <doctest/doctest.h>

#include "src/run_environment.hpp"

using namespace preflight;

namespace {

std::string resolve(const RunEnvironment& env, const std::string& text) {
    std::string error;
    auto parsed = Template::parse(text, error);
    REQUIRE(parsed);
    return parsed->resolve(env);
}

std::string failure(const RunEnvironment& env, const std::string& text) {
    try {
        resolve(env, text);
    } catch (const UnresolvedReference& e) {
        return e.what();
    }
    return "(resolved)";
}

}  // namespace

TEST_CASE("var defaults: a default naming other vars takes their overridden values") {
    RulePack pack;
    pack.vars = {{"backups_dir", "/var/lib/cutter/backups"},
                 {"run_id", ""},
                 {"envelope", "${var.backups_dir}/${var.run_id}.envelope.json"},
                 {"copy", "${var.envelope}"},
                 {"literal", "$${var.run_id}"}};
    SecretRegistry secrets;
    RunInputs inputs;
    inputs.var_overrides = {{"run_id", "r1"}, {"backups_dir", "/srv/b"}};
    auto env = RunEnvironment::build(pack, inputs, secrets);
    CHECK(resolve(*env, "${var.envelope}") == "/srv/b/r1.envelope.json");
    CHECK(resolve(*env, "${var.copy}") == "/srv/b/r1.envelope.json");
    CHECK(resolve(*env, "${var.literal}") == "$${var.run_id}");

    // An override is taken as written, references and all.
    inputs.var_overrides = {{"envelope", "${var.run_id}"}};
    env = RunEnvironment::build(pack, inputs, secrets);
    CHECK(resolve(*env, "${var.envelope}") == "${var.run_id}");
}

TEST_CASE("var defaults: an undeclared var, an env reference or a cycle fails each use, named") {
    RulePack pack;
    pack.vars = {{"a", "${var.b}"}, {"b", "${var.a}"}, {"c", "${var.nope}/x"}, {"d", "${env.HOME}"}, {"e", "ok"}};
    SecretRegistry secrets;
    auto env = RunEnvironment::build(pack, RunInputs{}, secrets);
    CHECK(failure(*env, "${var.a}") ==
          "unresolved reference ${var.a}: the default of var a refers to itself");
    CHECK(failure(*env, "${var.c}") == "unresolved reference ${var.c}: unresolved reference ${var.nope}");
    CHECK(failure(*env, "${var.d}") ==
          "unresolved reference ${var.d}: a var's default can name only vars, not ${env.HOME}");
    CHECK(resolve(*env, "${var.e}") == "ok");
}
