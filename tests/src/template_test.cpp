#include <doctest/doctest.h>

#include <map>

#include "src/template.hpp"

using namespace preflight;

namespace {
struct MapResolver : ReferenceResolver {
    std::map<std::string, std::string> vars, env;
    std::optional<std::string> lookup(const Reference& r) const override {
        const auto& m = r.space == Reference::Space::var ? vars : env;
        auto it = m.find(r.name);
        if (it == m.end()) return std::nullopt;
        return it->second;
    }
};
}  // namespace

TEST_CASE("templates resolve var and env references and keep other dollars") {
    std::string error;
    auto t = Template::parse("${var.dir}/.env has ${env.USER} ^[0-9]{40}$ $${literal}", error);
    REQUIRE(t);
    MapResolver r;
    r.vars["dir"] = "/opt";
    r.env["USER"] = "root";
    CHECK(t->resolve(r) == "/opt/.env has root ^[0-9]{40}$ ${literal}");
    CHECK(t->references().size() == 2);
}

TEST_CASE("an unresolved reference throws, naming it") {
    std::string error;
    auto t = Template::parse("x ${env.BACKUP_GPG_FPR}", error);
    REQUIRE(t);
    MapResolver r;
    CHECK_THROWS_WITH_AS(t->resolve(r), "unresolved reference ${env.BACKUP_GPG_FPR}", UnresolvedReference);
}

TEST_CASE("template syntax errors are located by character and never quote the text") {
    std::string error;
    CHECK_FALSE(Template::parse("${env.X", error));
    CHECK(error == "unterminated reference at character 1: '${' without its closing '}'");
    CHECK_FALSE(Template::parse("${HOME}", error));
    CHECK(error == "reference at character 1 must be ${var.NAME} or ${env.NAME}");
    CHECK_FALSE(Template::parse("${var.a b}", error));
    CHECK(error == "reference at character 1 has an invalid name (letters, digits, '_', '-' and '.')");
    // Issue 13: a password literal with a '${' in it was quoted back on stderr.
    CHECK_FALSE(Template::parse("Bad-${Secret \"pa$$ wo%rd'", error));
    CHECK(error == "unterminated reference at character 5: '${' without its closing '}'");
    CHECK_FALSE(Template::parse("Bad-${Secret}x", error));
    CHECK(error.find("Secret") == std::string::npos);
}
