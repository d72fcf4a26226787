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
    std::vector<std::pair<size_t, Outcome>> finished;
};

// The `needs` edges by position, and the order in which ready checks are started: the heads of
// the longest chains first (a chain's checks run one after another, so it sets the run's
// length), then pack order.
struct NeedsGraph {
    std::vector<std::vector<size_t>> needs, needed_by;
    std::vector<size_t> rank;  // position in the start order

    NeedsGraph(const RulePack& pack, const std::map<std::string, size_t>& index) {
        const size_t n = pack.checks.size();
        needs.resize(n);
        needed_by.resize(n);
        for (size_t i = 0; i < n; ++i)
            for (const auto& need : pack.checks[i].needs)
                if (auto it = index.find(need); it != index.end()) {
                    needs[i].push_back(it->second);
                    needed_by[it->second].push_back(i);
                }
        // chain[i]: checks on the longest path from i through what needs it, computed from the
        // checks nothing needs towards their needs (the loader refuses cycles; a check on one
        // keeps 0 and sorts last).
        std::vector<size_t> chain(n, 0), waiting_for(n), ready;
        for (size_t i = 0; i < n; ++i) {
            waiting_for[i] = needed_by[i].size();
            if (waiting_for[i] == 0) {
                chain[i] = 1;
                ready.push_back(i);
            }
        }
        while (!ready.empty()) {
            size_t i = ready.back();
            ready.pop_back();
            for (size_t need : needs[i]) {
                chain[need] = std::max(chain[need], chain[i] + 1);
                if (--waiting_for[need] == 0) ready.push_back(need);
            }
        }
        std::vector<size_t> order(n);
        for (size_t i = 0; i < n; ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return chain[x] > chain[y]; });
        rank.resize(n);
        for (size_t position = 0; position < n; ++position) rank[order[position]] = position;
    }
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
    const NeedsGraph graph(pack, index);
    enum class State { waiting, running, done };
    std::vector<State> state(n, State::waiting);
    std::vector<size_t> unfinished_needs(n);
    for (size_t i = 0; i < n; ++i) unfinished_needs[i] = graph.needs[i].size();
    std::set<std::pair<size_t, size_t>> ready;  // (rank, check)
    std::set<size_t> running;
    std::vector<Clock::time_point> started(n), deadline(n);
    auto shared = std::make_shared<Shared>();
    const Clock::time_point run_start = Clock::now();
    const bool has_run_deadline = options.deadline_seconds.has_value();
    const Clock::time_point run_deadline =
        has_run_deadline ? run_start + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(*options.deadline_seconds))
                         : Clock::time_point::max();
    const size_t jobs = static_cast<size_t>(std::max(1, options.jobs));
    size_t done = 0;
    bool settle_dependents = true;  // off when the run stops: every unfinished check ends the same way

    // Records the outcome, then settles what was waiting for this check: once all its needs are
    // done, a check is skipped (a need did not pass) or becomes ready. Each edge is visited once.
    auto finish = [&](size_t first, Outcome first_outcome) {
        std::vector<std::pair<size_t, Outcome>> work;
        work.emplace_back(first, std::move(first_outcome));
        while (!work.empty()) {
            auto [i, outcome] = std::move(work.back());
            work.pop_back();
            if (state[i] == State::done) continue;
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
                running.erase(i);
                r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started[i]).count();
            }
            ready.erase({graph.rank[i], i});
            state[i] = State::done;
            ++done;
            if (!settle_dependents) continue;
            for (size_t k : graph.needed_by[i]) {
                if (--unfinished_needs[k] != 0 || state[k] != State::waiting) continue;
                std::optional<std::string> blocker;
                for (size_t j : graph.needs[k])
                    if (result.results[j].status != Status::pass) {
                        blocker = "needs " + pack.checks[j].id + ", which did not pass (" +
                                  std::string(to_string(result.results[j].status)) + ")";
                        break;
                    }
                if (blocker) work.emplace_back(k, Outcome{Status::skip, *blocker, nullptr, nullptr, {}});
                else ready.insert({graph.rank[k], k});
            }
        }
    };

    auto start = [&](size_t i) {
        const CheckDecl& c = pack.checks[i];
        ready.erase({graph.rank[i], i});
        state[i] = State::running;
        running.insert(i);
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
            shared->finished.emplace_back(i, std::move(outcome));
            shared->changed.notify_all();
        }).detach();
    };

    for (size_t i = 0; i < n; ++i)
        if (unfinished_needs[i] == 0 && deselected[i].empty() && state[i] == State::waiting)
            ready.insert({graph.rank[i], i});
    for (size_t i = 0; i < n; ++i)
        if (!deselected[i].empty()) finish(i, Outcome{Status::skip, deselected[i], nullptr, nullptr, {}});

    std::unique_lock lock(shared->mutex);
    while (done < n) {
        std::vector<std::pair<size_t, Outcome>> finished;
        finished.swap(shared->finished);
        for (auto& [i, outcome] : finished)
            if (state[i] == State::running) finish(i, std::move(outcome));
        // Time out what ran too long; the thread is abandoned.
        const Clock::time_point now = Clock::now();
        const bool interrupted = options.interrupted && options.interrupted->load();
        const bool stopping = now >= run_deadline || interrupted;
        if (stopping) settle_dependents = false;
        for (size_t i : std::vector<size_t>(running.begin(), running.end())) {
            if (now < deadline[i]) continue;
            bool by_run = has_run_deadline && deadline[i] == run_deadline;
            std::string limit = by_run ? "the run deadline (" + seconds_text(*options.deadline_seconds) + ")"
                                       : "its timeout (" + seconds_text(pack.checks[i].timeout_seconds) + ")";
            finish(i, Outcome::error("timed out: did not finish within " + limit));
            result.abandoned = true;
            if (by_run) result.incomplete = true;
        }
        if (stopping) {
            std::string reason = interrupted ? "not finished: the run was interrupted"
                                             : "not finished: the run deadline (" +
                                                   seconds_text(*options.deadline_seconds) + ") was reached";
            if (!running.empty()) result.abandoned = true;
            for (size_t i = 0; i < n; ++i) finish(i, Outcome::error(reason));
            result.incomplete = true;
            break;
        }
        while (running.size() < jobs && !ready.empty()) start(ready.begin()->second);
        if (running.empty() && ready.empty() && done < n) {
            // Only checks on a `needs` cycle are left (the loader refuses them): never wait forever.
            settle_dependents = false;
            for (size_t i = 0; i < n; ++i)
                finish(i, Outcome::error("its needs form a cycle, so it cannot run"));
            break;
        }
        if (done == n) break;
        Clock::time_point wake = now + std::chrono::milliseconds(100);
        for (size_t i : running) wake = std::min(wake, deadline[i]);
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
