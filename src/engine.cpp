#include "src/engine.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "src/check.hpp"
#include "src/check_context.hpp"

namespace preflight {

namespace {

using Clock = std::chrono::steady_clock;

bool matches(const std::string& id, const std::vector<std::string>& patterns) {
    for (const auto& p : patterns)
        if (fnmatch(p.c_str(), id.c_str(), 0) == 0) return true;
    return false;
}

std::string seconds_text(double seconds) {
    std::string text = std::to_string(seconds);
    text.erase(text.find_last_not_of('0') + 1);
    if (!text.empty() && text.back() == '.') text.pop_back();
    return text + "s";
}

// State shared with the check threads; it outlives the engine when a thread is abandoned.
struct Shared {
    std::mutex mutex;
    std::condition_variable changed;
    std::map<size_t, Outcome> finished;
};

}  // namespace

std::optional<std::vector<std::string>> select_checks(const RulePack& pack, const Selection& selection,
                                                      std::string& error) {
    std::vector<std::string> reasons(pack.checks.size());
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < pack.checks.size(); ++i) index[pack.checks[i].id] = i;
    std::vector<bool> chosen(pack.checks.size(), false);
    for (size_t i = 0; i < pack.checks.size(); ++i) {
        const CheckDecl& c = pack.checks[i];
        if (!selection.only.empty() && !matches(c.id, selection.only)) {
            reasons[i] = "deselected by --only";
        } else if (matches(c.id, selection.skip)) {
            reasons[i] = "deselected by --skip";
        } else if (!selection.tags.empty() &&
                   std::none_of(c.tags.begin(), c.tags.end(), [&](const std::string& t) {
                       return std::find(selection.tags.begin(), selection.tags.end(), t) != selection.tags.end();
                   })) {
            reasons[i] = "deselected by --tag";
        } else {
            chosen[i] = true;
        }
    }
    // A chosen check pulls in what it needs, unless that was skipped explicitly.
    std::vector<size_t> work;
    for (size_t i = 0; i < chosen.size(); ++i)
        if (chosen[i]) work.push_back(i);
    while (!work.empty()) {
        size_t i = work.back();
        work.pop_back();
        for (const auto& need : pack.checks[i].needs) {
            auto it = index.find(need);
            if (it == index.end() || chosen[it->second] || reasons[it->second] == "deselected by --skip") continue;
            chosen[it->second] = true;
            reasons[it->second].clear();
            work.push_back(it->second);
        }
    }
    if (std::none_of(chosen.begin(), chosen.end(), [](bool b) { return b; })) {
        error = pack.checks.empty() ? "the rule pack has no checks" : "no check is selected by --only/--skip/--tag";
        return std::nullopt;
    }
    return reasons;
}

EngineResult run_checks(const RulePack& pack, const std::vector<std::string>& deselected,
                        std::shared_ptr<const RunEnvironment> environment, const host::Host& host,
                        SecretRegistry& secrets, const EngineOptions& options) {
    const size_t n = pack.checks.size();
    EngineResult result;
    result.results.resize(n);
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < n; ++i) {
        const CheckDecl& c = pack.checks[i];
        index[c.id] = i;
        CheckResult& r = result.results[i];
        r.id = c.id;
        r.title = c.title;
        r.kind = c.kind;
        r.severity = c.severity;
        r.why = c.why;
    }
    enum class State { waiting, running, done };
    std::vector<State> state(n, State::waiting);
    std::vector<Clock::time_point> started(n), deadline(n);
    auto shared = std::make_shared<Shared>();
    const Clock::time_point run_start = Clock::now();
    const bool has_run_deadline = options.deadline_seconds.has_value();
    const Clock::time_point run_deadline =
        has_run_deadline ? run_start + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(*options.deadline_seconds))
                         : Clock::time_point::max();
    size_t running = 0;
    const size_t jobs = static_cast<size_t>(std::max(1, options.jobs));

    auto finish = [&](size_t i, Outcome outcome) {
        CheckResult& r = result.results[i];
        r.status = outcome.status;
        r.message = std::move(outcome.message);
        r.observed = std::move(outcome.observed);
        r.expected = std::move(outcome.expected);
        if (r.status != Status::pass) {
            const CheckDecl& c = pack.checks[i];
            if (c.remedy) {
                try {
                    r.remedy = c.remedy->resolve(*environment);
                } catch (const std::exception&) {
                    r.remedy = c.remedy->source();  // names only: the references as written
                }
            }
            if (!outcome.generated_remedy.empty())
                r.remedy += (r.remedy.empty() ? "" : "\n") + outcome.generated_remedy;
        }
        if (state[i] == State::running) {
            --running;
            r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started[i]).count();
        }
        state[i] = State::done;
    };
    for (size_t i = 0; i < n; ++i)
        if (!deselected[i].empty()) {
            finish(i, Outcome{Status::skip, deselected[i], nullptr, nullptr, {}});
        }

    auto start = [&](size_t i) {
        const CheckDecl& c = pack.checks[i];
        state[i] = State::running;
        ++running;
        started[i] = Clock::now();
        auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::duration<double>(c.timeout_seconds));
        deadline[i] = started[i] + timeout;
        if (run_deadline < deadline[i]) deadline[i] = run_deadline;
        auto context = std::make_shared<CheckContext>(environment, pack, host, secrets, deadline[i], timeout);
        std::shared_ptr<const Check> check = c.check;
        std::thread([shared, context, check, i] {
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
            shared->finished.emplace(i, std::move(outcome));
            shared->changed.notify_all();
        }).detach();
    };

    auto need_blocker = [&](size_t i) -> std::optional<std::string> {
        for (const auto& need : pack.checks[i].needs) {
            auto it = index.find(need);
            if (it == index.end()) continue;
            size_t j = it->second;
            if (state[j] != State::done) return std::string();  // not yet known
            if (result.results[j].status != Status::pass)
                return "needs " + need + ", which did not pass (" + std::string(to_string(result.results[j].status)) + ")";
        }
        return std::nullopt;
    };

    std::unique_lock lock(shared->mutex);
    while (true) {
        // Collect what finished.
        for (auto& [i, outcome] : shared->finished)
            if (state[i] == State::running) finish(i, std::move(outcome));
        shared->finished.clear();
        // Time out what ran too long; the thread is abandoned.
        const Clock::time_point now = Clock::now();
        for (size_t i = 0; i < n; ++i) {
            if (state[i] == State::running && now >= deadline[i]) {
                bool by_run = has_run_deadline && deadline[i] == run_deadline;
                std::string limit = by_run ? "the run deadline (" + seconds_text(*options.deadline_seconds) + ")"
                                           : "its timeout (" + seconds_text(pack.checks[i].timeout_seconds) + ")";
                finish(i, Outcome::error("timed out: did not finish within " + limit));
                result.abandoned = true;
                if (by_run) result.incomplete = true;
            }
        }
        bool stop = now >= run_deadline ||
                    (options.interrupted && options.interrupted->load());
        // Skip what cannot run, start what can.
        bool progressed = true;
        while (progressed && !stop) {
            progressed = false;
            for (size_t i = 0; i < n; ++i) {
                if (state[i] != State::waiting) continue;
                auto blocker = need_blocker(i);
                if (blocker && !blocker->empty()) {
                    finish(i, Outcome{Status::skip, *blocker, nullptr, nullptr, {}});
                    progressed = true;
                } else if (!blocker && running < jobs) {
                    start(i);
                    progressed = true;
                }
            }
        }
        if (stop) {
            std::string reason = options.interrupted && options.interrupted->load()
                                     ? "not finished: the run was interrupted"
                                     : "not finished: the run deadline (" + seconds_text(*options.deadline_seconds) +
                                           ") was reached";
            for (size_t i = 0; i < n; ++i) {
                if (state[i] == State::done) continue;
                if (state[i] == State::running) result.abandoned = true;
                finish(i, Outcome::error(reason));
            }
            result.incomplete = true;
        }
        if (std::all_of(state.begin(), state.end(), [](State s) { return s == State::done; })) break;
        Clock::time_point wake = now + std::chrono::milliseconds(100);
        for (size_t i = 0; i < n; ++i)
            if (state[i] == State::running) wake = std::min(wake, deadline[i]);
        wake = std::min(wake, run_deadline);
        if (shared->finished.empty()) shared->changed.wait_until(lock, wake);
    }
    return result;
}

Verdict judge(const std::vector<CheckResult>& results, bool strict) {
    bool failed = false, unknown = false;
    for (const auto& r : results) {
        bool gating = r.severity == Severity::critical || (strict && r.severity == Severity::warning);
        if (!gating) continue;
        bool deselected = r.status == Status::skip && r.message.rfind("deselected", 0) == 0;
        if (r.status == Status::fail) failed = true;
        else if (r.status == Status::error) unknown = true;
        else if (r.status == Status::skip && !deselected) {
            // Skipped because a need did not pass: closed, as failed or unknown as that need.
            if (r.message.find("(fail)") != std::string::npos) failed = true;
            else unknown = true;
        }
    }
    if (failed) return {"FAIL", 1};
    if (unknown) return {"ERROR", 2};
    return {"PASS", 0};
}

}  // namespace preflight
