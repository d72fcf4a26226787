#include "checks/command.hpp"

#include "checks/process_report.hpp"
#include "src/child_environment.hpp"

namespace preflight {

namespace {

// The end of both streams, for a report of a run that did not go as expected.
nlohmann::json output_observed(const host::ProcessResult& result) {
    nlohmann::json observed = nlohmann::json::object();
    observed["exit_code"] = result.exit_code ? nlohmann::json(*result.exit_code) : nullptr;
    if (result.term_signal) observed["signal"] = *result.term_signal;
    std::string out = output_tail(result.stdout_text, result.stdout_truncated);
    std::string err = output_tail(result.stderr_text, result.stderr_truncated);
    if (!out.empty()) observed["stdout_tail"] = out;
    if (!err.empty()) observed["stderr_tail"] = err;
    if (result.stdout_truncated) observed["stdout_truncated"] = true;
    if (result.stderr_truncated) observed["stderr_truncated"] = true;
    return observed;
}

std::string kept_note(bool truncated) {
    return truncated ? " (only the first part of a long output was kept)" : "";
}

}  // namespace

Outcome judge_command(const std::string& program, const host::ProcessResult& result,
                      const CommandExpectation& expectation, std::chrono::milliseconds timeout) {
    if (!result.started) return Outcome::error("could not run " + program + ": " + result.spawn_error);
    if (result.timed_out) {
        std::string after = "timed out after " + format_timeout(timeout);
        if (result.exited_before_deadline)
            return Outcome::error(after + ": " + program + " " + describe_exit(result) +
                                      " but a process it started kept its output open; "
                                      "process group killed",
                                  output_observed(result));
        return Outcome::error(after + "; process group killed", output_observed(result));
    }

    nlohmann::json expected = {{"exit_code", expectation.exit_code}};
    if (expectation.stdout_matches) expected["stdout_matches"] = expectation.stdout_matches->source();
    if (expectation.stderr_matches) expected["stderr_matches"] = expectation.stderr_matches->source();

    if (result.exit_code != expectation.exit_code)
        return Outcome::fail(program + " " + describe_exit(result) + ", expected exit status " +
                                 std::to_string(expectation.exit_code),
                             output_observed(result), expected);
    if (expectation.stdout_matches && !expectation.stdout_matches->search(result.stdout_text))
        return Outcome::fail("stdout of " + program + " does not match '" +
                                 expectation.stdout_matches->source() + "'" +
                                 kept_note(result.stdout_truncated),
                             output_observed(result), expected);
    if (expectation.stderr_matches && !expectation.stderr_matches->search(result.stderr_text))
        return Outcome::fail("stderr of " + program + " does not match '" +
                                 expectation.stderr_matches->source() + "'" +
                                 kept_note(result.stderr_truncated),
                             output_observed(result), expected);
    return Outcome::pass(program + " " + describe_exit(result) + " as expected",
                         {{"exit_code", *result.exit_code}});
}

namespace {

bool takes_env_reference(const Template& text) {
    for (const auto& reference : text.references())
        if (reference.space == Reference::Space::env) return true;
    return false;
}

class CommandCheck : public Check {
public:
    std::vector<Template> argv;
    CommandExpectation expectation;
    std::optional<Pattern> stdout_matches;
    std::optional<Pattern> stderr_matches;
    std::map<std::string, Template> env;

    Outcome run(const RunContext& context) const override {
        host::ProcessRequest request;
        for (const auto& argument : argv) request.argv.push_back(context.resolve(argument));
        // Only what the check names: never the env files as a whole (a PATH or LD_PRELOAD there
        // would choose what runs as root).
        request.environment = context.child_environment();
        for (const auto& [name, value] : env) {
            std::string resolved = context.resolve(value);
            if (context.is_secret_name(name)) context.add_secret(resolved, "env " + name);
            request.environment[name] = std::move(resolved);
        }
        request.deadline = context.deadline();
        const std::string& program = request.argv.front();
        if (!context.host().processes)
            return Outcome::error("cannot run " + program +
                                  ": running programs is not available in this run");
        auto result = context.host().processes->run(request);

        CommandExpectation judged = expectation;
        judged.stdout_matches = stdout_matches ? &*stdout_matches : nullptr;
        judged.stderr_matches = stderr_matches ? &*stderr_matches : nullptr;
        return judge_command(program, result, judged, context.timeout());
    }
};

}  // namespace

KindSpec command_kind() {
    KindSpec spec;
    spec.name = "command";
    spec.summary = "runs a program (argv, no shell) with a minimal environment plus its own env; "
                   "checks its exit status and output";
    spec.fields = {
        {"run", FieldType::text_list, true, "",
         "argv: the program (name in PATH or path) and its arguments, each interpolated", {}},
        {"exit_code", FieldType::integer, false, "0", "the exit status it must end with", {}},
        {"stdout_matches", FieldType::text, false, "",
         "RE2 regex that must match somewhere in stdout (^ and $ match at each line)",
         {}},
        {"stderr_matches", FieldType::text, false, "",
         "RE2 regex that must match somewhere in stderr (^ and $ match at each line)",
         {}},
        {"env", FieldType::text_map, false, "",
         "variables it gets over the minimal environment (secure PATH, HOME, locale); PATH, LD_*, "
         "PYTHON* and the like only from pack text, never ${env.X}", {}},
    };
    spec.make = [](const KindInput& input) -> std::unique_ptr<Check> {
        const FieldValues& fields = input.fields;
        bool ok = true;
        auto check = std::make_unique<CommandCheck>();
        check->argv = fields.text_list("run");
        if (check->argv.empty() || check->argv.front().source().empty()) {
            input.diagnostics.error(fields.where("run"),
                                    "'run' must start with the program to run, e.g. "
                                    "[pg_isready, -q]");
            ok = false;
        }
        check->expectation.exit_code = fields.integer("exit_code").value_or(0);
        check->stdout_matches = load_pattern_field(fields, "stdout_matches", Anchoring::each_line,
                                                   input.diagnostics);
        check->stderr_matches = load_pattern_field(fields, "stderr_matches", Anchoring::each_line,
                                                   input.diagnostics);
        if (fields.has("stdout_matches") && !check->stdout_matches) ok = false;
        if (fields.has("stderr_matches") && !check->stderr_matches) ok = false;
        if (!check->argv.empty() && takes_env_reference(check->argv.front())) {
            input.diagnostics.error(fields.where("run"),
                                    "'run' takes its program from an env file (" +
                                        check->argv.front().source() +
                                        "); write the program in the pack or use ${var.NAME}");
            ok = false;
        }
        check->env = fields.text_map("env");
        for (const auto& [name, value] : check->env) {
            if (name.empty() || name.find('=') != std::string::npos) {
                input.diagnostics.error(fields.where("env"),
                                        "'env' has an invalid variable name '" + name + "'");
                ok = false;
            } else if (is_code_loading_variable(name) && takes_env_reference(value)) {
                input.diagnostics.error(fields.where("env"),
                                        "'env' sets " + name + " from an env file (" + value.source() +
                                            "); it chooses what the program runs or loads: write its "
                                            "value in the pack or use ${var.NAME}");
                ok = false;
            }
        }
        if (!ok) return nullptr;
        return check;
    };
    return spec;
}

}  // namespace preflight
