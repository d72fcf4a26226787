#include "checks/pg_query.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "checks/pg_connect.hpp"

namespace preflight {

namespace {

class PgQueryCheck : public Check {
public:
    std::string connection;
    Template sql;
    std::vector<Template> params;
    std::optional<Template> expect_value;
    std::optional<Template> expect_rows;  // written as ${var.X}: parsed at run time
    PgQueryExpectations expected;

    Outcome run(const RunContext& context) const override {
        PgQueryExpectations resolved = expected;
        if (expect_rows) {
            std::string text = context.resolve(*expect_rows);
            char* end = nullptr;
            long long count = std::strtoll(text.c_str(), &end, 10);
            if (text.empty() || *end != '\0' || count < 0)
                return Outcome::error("expect_rows '" + expect_rows->source() + "' is '" + text +
                                      "', not a whole number of rows");
            resolved.rows = count;
        }
        if (expect_value) resolved.value = context.resolve(*expect_value);
        const std::string statement = context.resolve(sql);
        std::vector<std::string> values;
        for (const auto& param : params) values.push_back(context.resolve(param));

        auto* postgres = context.host().postgres;
        if (!postgres)
            return Outcome::error("connection '" + connection +
                                  "': PostgreSQL access is not available in this run");
        host::PgBoundedResult result;
        try {
            result = postgres->query_bounded(pg_query_scope(context), connection, statement,
                                             values, pg_query_bounds());
        } catch (const host::PgError& e) {
            return judge_pg_query_refusal(connection, e);
        }
        register_secret_columns(context, result);
        return judge_pg_query(connection, result, resolved);
    }

private:
    // A column named like a secret (password, api_token: the pack's secret globs, matched in
    // upper case) has its values treated as secrets, so no output shows them.
    void register_secret_columns(const RunContext& context,
                                 const host::PgBoundedResult& result) const {
        for (size_t column = 0; column < result.columns.size(); ++column) {
            std::string name = result.columns[column];
            std::transform(name.begin(), name.end(), name.begin(),
                           [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
            if (!context.is_secret_name(name)) continue;
            for (const auto& row : result.rows)
                if (column < row.size() && row[column])
                    context.add_secret(*row[column], "pg_query column " + result.columns[column]);
        }
    }
};

std::unique_ptr<Check> make_check(const KindInput& input) {
    const FieldValues& fields = input.fields;
    auto connection = declared_connection(input);
    bool ok = connection.has_value();
    auto check = std::make_unique<PgQueryCheck>();
    if (auto sql = fields.text("sql")) {
        check->sql = *sql;
        for (const auto& reference : sql->references())
            if (reference.space == Reference::Space::env) {
                input.diagnostics.error(
                    fields.where("sql"),
                    "'sql' may use ${var.NAME} only, not " + reference.spelled() +
                        ": pass env values as 'params' and write $1, $2, ... in the statement");
                ok = false;
                break;
            }
        if (sql->source().find_first_not_of(" \t\r\n") == std::string::npos) {
            input.diagnostics.error(fields.where("sql"), "'sql' is empty");
            ok = false;
        }
    }
    check->params = fields.text_list("params");
    check->expect_value = fields.text("expect_value");
    check->expected.rows = fields.integer("expect_rows");
    if (auto text = fields.integer_text("expect_rows"); text && text->has_references())
        check->expect_rows = text;
    if (check->expected.rows && *check->expected.rows < 0) {
        input.diagnostics.error(fields.where("expect_rows"), "'expect_rows' must be 0 or more");
        ok = false;
    }
    check->expected.match =
        load_pattern_field(fields, "expect_match", Anchoring::whole_text, input.diagnostics);
    if (fields.has("expect_match") && !check->expected.match) ok = false;
    if (!fields.has("expect_value") && !fields.has("expect_rows") && !fields.has("expect_match")) {
        input.diagnostics.error(fields.check_location,
                                "pg_query needs at least one of expect_value, expect_rows, "
                                "expect_match");
        ok = false;
    }
    if (!ok) return nullptr;
    check->connection = *connection;
    return check;
}

}  // namespace

KindSpec pg_query_kind() {
    KindSpec spec;
    spec.name = "pg_query";
    spec.summary = "one SQL statement that returns rows, run through a pack connection in a "
                   "READ ONLY transaction within the timeout and rolled back; judges its single "
                   "value and/or its row count";
    spec.fields = {
        connection_field(),
        {"sql", FieldType::text, true, "",
         "one statement that returns rows (SELECT, VALUES, TABLE, SHOW, WITH ... SELECT); "
         "${var.X} is spliced in as text, unescaped: pass values as params", {}},
        {"params", FieldType::text_list, false, "",
         "values bound to $1, $2, ... as text (may use ${var.X} and ${env.X}); never spliced "
         "into the statement", {}},
        {"expect_value", FieldType::text, false, "",
         "the single value of a one-row, one-column result, as PostgreSQL prints it "
         "(t/f, 42, 2024-01-31); never matches NULL", {}},
        {"expect_match", FieldType::text, false, "",
         "regex (RE2) the single value must match, e.g. ^[0-9]+$; never matches NULL", {}},
        {"expect_rows", FieldType::integer, false, "", "how many rows the statement returns", {}},
    };
    spec.make = make_check;
    return spec;
}

}  // namespace preflight
