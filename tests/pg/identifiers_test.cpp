// SQL identifiers: quote_ident as PostgreSQL writes it, "schema.table" as SQL reads it.
#include <doctest/doctest.h>

#include "checks/pg_identifiers.hpp"

using namespace preflight;

TEST_CASE("quote_ident matches PostgreSQL's quote_ident") {
    // Expected values are what PostgreSQL 15's quote_ident() returns for the same input.
    CHECK(quote_ident("cutter_exec") == "cutter_exec");
    CHECK(quote_ident("_a1") == "_a1");
    CHECK(quote_ident("Gate Decision") == "\"Gate Decision\"");
    CHECK(quote_ident("user") == "\"user\"");        // reserved keyword
    CHECK(quote_ident("between") == "\"between\"");  // col_name keyword
    CHECK(quote_ident("action") == "action");        // unreserved keyword
    CHECK(quote_ident("a\"b") == "\"a\"\"b\"");
    CHECK(quote_ident("_a1$") == "\"_a1$\"");
    CHECK(quote_ident("1a") == "\"1a\"");
    CHECK(quote_ident("\xC3\xA9" "a") == "\"\xC3\xA9" "a\"");
    CHECK(quote_ident("") == "\"\"");
}

TEST_CASE("parse_qualified_name reads schema.table as SQL does") {
    std::string error;
    CHECK(parse_qualified_name("cutter_governance.verify_result", error) ==
          QualifiedName{"cutter_governance", "verify_result"});
    CHECK(parse_qualified_name("  Cutter_Governance.Verify_Result ", error) ==
          QualifiedName{"cutter_governance", "verify_result"});
    CHECK(parse_qualified_name("cutter_governance.\"Gate Decision\"", error) ==
          QualifiedName{"cutter_governance", "Gate Decision"});
    CHECK(parse_qualified_name("\"My.Schema\".\"say \"\"hi\"\"\"", error) ==
          QualifiedName{"My.Schema", "say \"hi\""});
    CHECK(parse_qualified_name("cutter_governance.\"Gate Decision\"", error)->quoted() ==
          "cutter_governance.\"Gate Decision\"");

    auto rejects = [](const std::string& text) {
        std::string message;
        CHECK_FALSE(parse_qualified_name(text, message).has_value());
        return message;
    };
    CHECK(rejects("verify_result") == "must be schema-qualified, e.g. public.verify_result");
    CHECK(rejects("a.b.c") == "expected schema.table (two names separated by one dot)");
    CHECK(rejects("cutter_governance.Gate Decision") ==
          "name 'Gate Decision' needs double quotes, e.g. \"Gate Decision\"");
    CHECK(rejects("s.\"unterminated") == "unterminated quoted name");
    CHECK(rejects("s.\"\"") == "empty quoted name \"\"");
    CHECK(rejects(".t") == "must be schema-qualified, e.g. public.gate_decision");
    CHECK(rejects("\"s\"x.t") == "expected '.' after the schema name");
    CHECK(rejects("") == "is empty");
}

TEST_CASE("text_array_literal quotes every element") {
    CHECK(text_array_literal({}) == "{}");
    CHECK(text_array_literal({"a", "Gate Decision", "x\"y", "back\\slash", "", "{,}"}) ==
          "{\"a\",\"Gate Decision\",\"x\\\"y\",\"back\\\\slash\",\"\",\"{,}\"}");
}
