#pragma once
// Runs the selected checks concurrently in `needs` order, with per-check timeouts and a
// whole-run deadline that hold even when a check hangs, and judges the gate.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "src/host/host.hpp"
#include "src/model.hpp"
#include "src/pack.hpp"
#include "src/redactor.hpp"
#include "src/run_environment.hpp"

namespace preflight {

struct Selection {
    std::vector<std::string> only;  ///< ids or globs; empty = all
    std::vector<std::string> skip;  ///< ids or globs
    std::vector<std::string> tags;  ///< empty = all
};

/// For each check of `pack`, the reason it is deselected, or "" when it runs. A selected check
/// pulls in the checks it needs. Returns nullopt (with `error` set) when nothing is selected.
std::optional<std::vector<std::string>> select_checks(const RulePack& pack, const Selection& selection,
                                                      std::string& error);

struct EngineOptions {
    int jobs = 1;
    std::optional<double> deadline_seconds;
    /// Set asynchronously (SIGINT/SIGTERM): unfinished checks end as `error`, the run incomplete.
    const std::atomic<bool>* interrupted = nullptr;
};

struct EngineResult {
    std::vector<CheckResult> results;  ///< in pack order
    bool incomplete = false;           ///< deadline reached or interrupted
    bool abandoned = false;            ///< a hung check's thread is still running
};

/// Runs the checks not deselected (`deselected[i]` non-empty = skip with that reason).
/// Never throws: a check that throws or hangs becomes `error`.
EngineResult run_checks(const RulePack& pack, const std::vector<std::string>& deselected,
                        std::shared_ptr<const RunEnvironment> environment, const host::Host& host,
                        SecretRegistry& secrets, const EngineOptions& options);

struct Verdict {
    std::string verdict;  ///< "PASS", "FAIL" or "ERROR"
    int exit_code = 0;    ///< 0, 1 or 2
};

/// SPEC §4: the gate opens when every critical check (and with `strict` every warning check)
/// passed. 1 when one of those failed (or was skipped because a need failed), 2 when none failed
/// but one could not be evaluated.
Verdict judge(const std::vector<CheckResult>& results, bool strict);

}  // namespace preflight
