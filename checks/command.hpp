#pragma once
// Kind `command`: runs a program (argv, no shell) with the pack's environment exported and
// judges its exit status and output.
#include <chrono>
#include <string>

#include "src/check.hpp"
#include "src/host/process.hpp"
#include "src/pattern.hpp"

namespace preflight {

/// What a `command` check expects of a run.
struct CommandExpectation {
    long long exit_code = 0;
    const Pattern* stdout_matches = nullptr;  ///< null: stdout is not checked
    const Pattern* stderr_matches = nullptr;  ///< null: stderr is not checked
};

/// Judges a finished run of `program` (argv[0] as written, for messages). `timeout` is the
/// check's timeout, named when the run timed out. Spawn failure and timeout are `error`
/// ("timed out after 10s; process group killed"); a wrong exit status or an output that does not
/// match is `fail` carrying the tail of stdout/stderr in `observed` (unscrubbed: the redactor
/// scrubs it later).
Outcome judge_command(const std::string& program, const host::ProcessResult& result,
                      const CommandExpectation& expectation, std::chrono::milliseconds timeout);

/// The `command` kind.
KindSpec command_kind();

}  // namespace preflight
