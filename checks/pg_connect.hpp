#pragma once
// Kind `pg_connect`: a pack connection opens within the check's timeout, to a server within
// version bounds, as the expected user on the expected database.
#include <optional>
#include <string>

#include "src/check.hpp"
#include "src/host/pg.hpp"

namespace preflight {

/// What an open session says about itself.
struct PgSessionFacts {
    long long server_version_num = 0;  ///< server_version_num, e.g. 150004
    std::string user;                  ///< current_user
    std::string database;              ///< current_database()
};

/// What a pg_connect check requires; unset members are not checked. Versions are digits
/// separated by dots (see parse_version in checks/executable.hpp).
struct PgConnectExpectations {
    std::optional<std::string> min_version;
    std::optional<std::string> max_version;
    std::optional<std::string> user;
    std::optional<std::string> database;
};

/// "15.4" for 150004 (PostgreSQL 10 and later), "9.6.24" for 90624.
std::string server_version_text(long long server_version_num);

/// Pass: "connection 'NAME': connected as U to database D, PostgreSQL 15.4". Fail: each
/// mismatch, joined by "; " ("PostgreSQL 12.3 is older than the minimum 13", "connected as
/// postgres, expected cutter_exec", "connected to database x, expected directus").
Outcome judge_pg_connect(const std::string& connection, const PgSessionFacts& facts,
                         const PgConnectExpectations& expected);

/// The declaration of the `connection` field every pg_* kind has.
FieldSpec connection_field();

/// The `connection` field of a pg_* kind when it names one of the pack's connections; else
/// reports "unknown connection 'X'" (with a did-you-mean or the declared names) at the field
/// and returns nullopt.
std::optional<std::string> declared_connection(const KindInput& input);

/// What the PostgreSQL connector needs from a running check: its deadline, its secret registry
/// and the pack's connections resolved through its references (UnresolvedReference passes).
host::PgQueryScope pg_query_scope(const RunContext& context);

/// The `pg_connect` kind.
KindSpec pg_connect_kind();

}  // namespace preflight
