#pragma once
// Helpers shared by the test_pg cases: building pg_* checks from field values, a run context
// wired to a connector, and the "no fragment of the password anywhere" assertion.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <string>

#include "src/check.hpp"
#include "src/redactor.hpp"
#include "support/fake_context.hpp"

namespace preflight::testing {

/// The test role's password: quotes, backslash, %, $, space, @, colon and slash.
inline const std::string kPassword = "Pq7'\"\\ %$@:/Kx#9";
/// A wrong password, as awkward as the right one.
inline const std::string kWrongPassword = "Wz4'\"\\ %$@:/Jv!8";

/// A field map entry: a text field, a list, or an integer.
inline FieldValue text(const std::string& value) { return Template::literal(value); }
FieldValue list(const std::vector<std::string>& values);

/// A context whose pack declares connection `name` as `conninfo` (+ `password` when not empty)
/// and whose host has `connector` for PostgreSQL.
std::unique_ptr<FakeRunContext> pg_context(host::PgConnector* connector, const std::string& conninfo,
                                           const std::string& password,
                                           const std::string& name = "db");

/// Builds a check of `kind` from `fields` against `pack`; null with `diagnostics` filled when
/// the kind rejects them.
std::unique_ptr<Check> build_check(const KindSpec& kind, const RulePack& pack,
                                   const std::map<std::string, FieldValue>& fields,
                                   Diagnostics& diagnostics);

/// Runs a check of `kind` built from `fields` (plus `connection: db`) in `context`; fails the
/// test when the kind rejects the fields or when the outcome shows any fragment of kPassword.
Outcome run_pg_check(const KindSpec& kind, FakeRunContext& context,
                     std::map<std::string, FieldValue> fields);

/// `value` as an SQL string literal: single quotes doubled (standard_conforming_strings).
std::string sql_literal(const std::string& value);

/// Everything an outcome could show: message, observed, expected and remedy.
std::string everything_shown(const Outcome& outcome);

/// Fails the test when `shown` contains `secret` or any 4-character piece of it, or when the
/// redactor built from the context's secrets finds a leak after scrubbing.
void require_no_fragment(const std::string& shown, const std::string& secret,
                         const FakeRunContext& context);

}  // namespace preflight::testing
