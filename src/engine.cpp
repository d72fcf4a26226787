#include "src/engine.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "src/check.hpp"
#include "src/check_context.hpp"
#include "src/needs_graph.hpp"

namespace preflight {

namespace {

using Clock = std::chrono::steady_clock;

std::string seconds_text(double seconds) {
    std::string text = std::to_string(seconds);
    text.erase(text.find_last_not_of('0') + 1);
    if (!text.empty() && text.back() == '.') text.pop_back();
    return text + "s";
}

// What the check threads hand back; it outlives the engine when a thread is abandoned.
struct Shared {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::pair<size_t, Outcome>> finished;
};

// One run of a pack's checks: starts ready checks up to `jobs`, records each outcome, settles
// what waited for it, and ends overdue checks, the whole run at its deadline or interruption.
class Scheduler {
public:
    Scheduler(const RulePack& pack, const std::vector<std::string>& deselected,
              std::shared_ptr<const RunEnvironment> environment, const host::Host& host, SecretRegistry& secrets,
              const EngineOptions& options)
        : pack_(pack),
          deselected_(deselected),
          environment_(std::move(environment)),
          host_(host),
          secrets_(secrets),
          options_(options),
          n_(pack.checks.size()),
          graph_(pack),
          state_(n_, State::waiting),
          unfinished_needs_(n_),
          started_(n_),
          deadline_(n_),
          run_deadline_(options.deadline_seconds
                            ? Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(*options.deadline_seconds))
                            : Clock::time_point::max()),
          jobs_(static_cast<size_t>(std::max(1, options.jobs))) {
        result_.results.resize(n_);
        for (size_t i = 0; i < n_; ++i) {
            const CheckDecl& c = pack.checks[i];
            CheckResult& r = result_.results[i];
            r.id = c.id;
            r.title = c.title;
            r.kind = c.kind;
            r.severity = c.severity;
            r.why = c.why;
            unfinished_needs_[i] = graph_.needs[i].size();
        }
    }

    EngineResult run() {
        for (size_t i = 0; i < n_; ++i)
            if (unfinished_needs_[i] == 0 && deselected_[i].empty()) ready_.insert({graph_.rank[i], i});
        for (size_t i = 0; i < n_; ++i)
            if (!deselected_[i].empty())
                finish(i, Outcome{Status::skip, deselected_[i], nullptr, nullptr, {}}, SkipCause::not_selected);
        std::unique_lock lock(shared_->mutex);
        while (done_ < n_) {
            std::vector<std::pair<size_t, Outcome>> finished;
            finished.swap(shared_->finished);
            for (auto& [i, outcome] : finished)
                if (state_[i] == State::running) finish(i, std::move(outcome));
            const Clock::time_point now = Clock::now();
            const bool interrupted = options_.interrupted && options_.interrupted->load();
            const bool stopping = now >= run_deadline_ || interrupted;
            if (stopping) settle_dependents_ = false;  // every unfinished check ends the same way
            time_out_overdue(now);
            if (stopping) {
                stop(interrupted);
                break;
            }
            while (running_.size() < jobs_ && !ready_.empty()) start(ready_.begin()->second);
            if (running_.empty() && ready_.empty() && done_ < n_) {
                // Only checks on a `needs` cycle are left (the loader refuses them): never wait forever.
                settle_dependents_ = false;
                for (size_t i = 0; i < n_; ++i) finish(i, Outcome::error("its needs form a cycle, so it cannot run"));
                break;
            }
            if (done_ == n_) break;
            Clock::time_point wake = std::min(now + std::chrono::milliseconds(100), run_deadline_);
            for (size_t i : running_) wake = std::min(wake, deadline_[i]);
            if (shared_->finished.empty()) shared_->changed.wait_until(lock, wake);
        }
        return std::move(result_);
    }

private:
    enum class State { waiting, running, done };

    struct Settled {
        size_t check;
        Outcome outcome;
        SkipCause cause;
    };

    // Records the outcome, then settles what was waiting for this check: once all its needs are
    // done, a check is skipped (a need did not pass) or becomes ready. Each edge is visited once.
    void finish(size_t first, Outcome first_outcome, SkipCause first_cause = SkipCause::none) {
        std::vector<Settled> work;
        work.push_back({first, std::move(first_outcome), first_cause});
        while (!work.empty()) {
            Settled item = std::move(work.back());
            work.pop_back();
            const size_t i = item.check;
            if (state_[i] == State::done) continue;
            record(i, std::move(item.outcome), item.cause);
            if (state_[i] == State::running) {
                running_.erase(i);
                result_.results[i].duration_ms =
                    std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_[i]).count();
            }
            ready_.erase({graph_.rank[i], i});
            state_[i] = State::done;
            ++done_;
            if (settle_dependents_) settle_dependents_of(i, work);
        }
    }

    void record(size_t i, Outcome outcome, SkipCause cause) {
        CheckResult& r = result_.results[i];
        r.status = outcome.status;
        r.skip_cause = r.status == Status::skip ? cause : SkipCause::none;
        r.message = std::move(outcome.message);
        r.observed = std::move(outcome.observed);
        r.expected = std::move(outcome.expected);
        // A check left out did not fail: there is nothing to remedy.
        if (r.status == Status::pass || r.skip_cause == SkipCause::not_selected) return;
        if (const auto& remedy = pack_.checks[i].remedy) {
            try {
                r.remedy = remedy->resolve(*environment_);
            } catch (const std::exception&) {
                r.remedy = remedy->source();  // names only: the references as written
            }
        }
        if (!outcome.generated_remedy.empty())
            r.remedy += (r.remedy.empty() ? "" : "\n") + outcome.generated_remedy;
    }

    // Checks left out are not settled here: they end as not selected, whatever their needs did.
    void settle_dependents_of(size_t i, std::vector<Settled>& work) {
        for (size_t k : graph_.needed_by[i]) {
            if (--unfinished_needs_[k] != 0 || state_[k] != State::waiting || !deselected_[k].empty()) continue;
            if (auto blocked = blocker(k))
                work.push_back({k, Outcome{Status::skip, std::move(blocked->first), nullptr, nullptr, {}},
                                blocked->second});
            else
                ready_.insert({graph_.rank[k], k});
        }
    }

    // Why `k` cannot run once its needs are done: the first need that did not pass, with the
    // cause the verdict reads (a failure down the chain stays a failure).
    std::optional<std::pair<std::string, SkipCause>> blocker(size_t k) const {
        for (size_t j : graph_.needs[k]) {
            const CheckResult& need = result_.results[j];
            if (need.status == Status::pass) continue;
            if (need.skip_cause == SkipCause::not_selected)
                return std::pair{"needs " + need.id + ", which was " + deselected_[j], SkipCause::need_not_selected};
            const bool failed = need.status == Status::fail || need.skip_cause == SkipCause::need_failed;
            return std::pair{"needs " + need.id + ", which did not pass (" + std::string(to_string(need.status)) + ")",
                             failed ? SkipCause::need_failed : SkipCause::need_not_evaluated};
        }
        return std::nullopt;
    }

    void start(size_t i) {
        const CheckDecl& c = pack_.checks[i];
        ready_.erase({graph_.rank[i], i});
        state_[i] = State::running;
        running_.insert(i);
        started_[i] = Clock::now();
        auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::duration<double>(c.timeout_seconds));
        deadline_[i] = std::min(started_[i] + timeout, run_deadline_);
        auto context = std::make_shared<CheckContext>(environment_, pack_, host_, secrets_, env_files_,
                                                      deadline_[i], timeout);
        std::shared_ptr<const Check> check = c.check;
        std::thread([shared = shared_, context, check, i] {
            Outcome outcome;
            try {
                outcome = check ? check->run(*context) : Outcome::error("check was not configured");
            } catch (const UnresolvedReference& e) {
                outcome = Outcome::error(e.what());
            } catch (const std::exception& e) {
                outcome = Outcome::error(std::string("internal error in the check: ") + e.what());
            } catch (...) {
                outcome = Outcome::error("internal error in the check");
            }
            std::lock_guard lock(shared->mutex);
            shared->finished.emplace_back(i, std::move(outcome));
            shared->changed.notify_all();
        }).detach();
    }

    // Times out what ran too long; its thread is abandoned.
    void time_out_overdue(Clock::time_point now) {
        const bool has_run_deadline = options_.deadline_seconds.has_value();
        for (size_t i : std::vector<size_t>(running_.begin(), running_.end())) {
            if (now < deadline_[i]) continue;
            const bool by_run = has_run_deadline && deadline_[i] == run_deadline_;
            std::string limit = by_run ? "the run deadline (" + seconds_text(*options_.deadline_seconds) + ")"
                                       : "its timeout (" + seconds_text(pack_.checks[i].timeout_seconds) + ")";
            finish(i, Outcome::error("timed out: did not finish within " + limit));
            result_.abandoned = true;
            if (by_run) result_.incomplete = true;
        }
    }

    // The run ends now: every unfinished check becomes error.
    void stop(bool interrupted) {
        std::string reason = interrupted ? "not finished: the run was interrupted"
                                         : "not finished: the run deadline (" +
                                               seconds_text(*options_.deadline_seconds) + ") was reached";
        if (!running_.empty()) result_.abandoned = true;
        for (size_t i = 0; i < n_; ++i) finish(i, Outcome::error(reason));
        result_.incomplete = true;
    }

    const RulePack& pack_;
    const std::vector<std::string>& deselected_;
    const std::shared_ptr<const RunEnvironment> environment_;
    const host::Host& host_;
    SecretRegistry& secrets_;
    const std::shared_ptr<EnvFileCache> env_files_ = std::make_shared<EnvFileCache>();
    const EngineOptions& options_;
    const size_t n_;
    const NeedsGraph graph_;
    std::vector<State> state_;
    std::vector<size_t> unfinished_needs_;
    std::set<std::pair<size_t, size_t>> ready_;  // (rank, check)
    std::set<size_t> running_;
    std::vector<Clock::time_point> started_, deadline_;
    // Shared with the check threads; it outlives the scheduler when a thread is abandoned.
    const std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
    const Clock::time_point run_deadline_;
    const size_t jobs_;
    size_t done_ = 0;
    bool settle_dependents_ = true;  // off when the run stops: every unfinished check ends the same way
    EngineResult result_;
};

}  // namespace

EngineResult run_checks(const RulePack& pack, const std::vector<std::string>& deselected,
                        std::shared_ptr<const RunEnvironment> environment, const host::Host& host,
                        SecretRegistry& secrets, const EngineOptions& options) {
    return Scheduler(pack, deselected, std::move(environment), host, secrets, options).run();
}

Verdict judge(const std::vector<CheckResult>& results, bool strict) {
    bool failed = false, unknown = false;
    for (const auto& r : results) {
        bool gating = r.severity == Severity::critical || (strict && r.severity == Severity::warning);
        if (!gating) continue;
        if (r.status == Status::fail) failed = true;
        else if (r.status == Status::error) unknown = true;
        else if (r.status == Status::skip) {
            // Left out: not this run's question. Skipped for a need: closed, as failed or
            // unknown as that need; a skip without a cause was never verified.
            if (r.skip_cause == SkipCause::need_failed) failed = true;
            else if (r.skip_cause != SkipCause::not_selected) unknown = true;
        }
    }
    if (failed) return {"FAIL", 1};
    if (unknown) return {"ERROR", 2};
    return {"PASS", 0};
}

}  // namespace preflight
