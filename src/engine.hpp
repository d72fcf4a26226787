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
#include "src/selection.hpp"

namespace preflight {

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

/// Runs the checks not deselected (`deselected[i]` non-empty: skip with that reason and
/// SkipCause::not_selected, whatever its needs did). A selected check whose need did not pass
/// is skipped with the typed cause. Never throws: a check that throws or hangs becomes `error`.
EngineResult run_checks(const RulePack& pack, const std::vector<std::string>& deselected,
                        std::shared_ptr<const RunEnvironment> environment, const host::Host& host,
                        SecretRegistry& secrets, const EngineOptions& options);

struct Verdict {
    std::string verdict;  ///< "PASS", "FAIL" or "ERROR"
    int exit_code = 0;    ///< 0, 1 or 2
};

/// SPEC §4: the gate opens when every critical check (and with `strict` every warning check)
/// that was selected passed. 1 when one of those failed (or was skipped because a need failed),
/// 2 when none failed but one could not be evaluated (an error, a need that could not be
/// evaluated or was left out by --skip, a skip without a cause). Reads `skip_cause`, never text.
Verdict judge(const std::vector<CheckResult>& results, bool strict);

}  // namespace preflight
