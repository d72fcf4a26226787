#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <thread>

#include "src/check.hpp"
#include "src/engine.hpp"

using namespace preflight;

namespace {

// Records the order checks start in; returns a fixed status after an optional sleep.
struct Recorder {
    std::mutex mutex;
    std::vector<std::string> order;
};

class ScriptedCheck : public Check {
public:
    ScriptedCheck(std::shared_ptr<Recorder> recorder, std::string id, Status status, int sleep_ms = 0)
        : recorder_(std::move(recorder)), id_(std::move(id)), status_(status), sleep_ms_(sleep_ms) {}
    Outcome run(const RunContext&) const override {
        {
            std::lock_guard lock(recorder_->mutex);
            recorder_->order.push_back(id_);
        }
        if (sleep_ms_) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
        if (status_ == Status::error) throw std::runtime_error("probe exploded");
        return Outcome{status_, id_ + " done", nullptr, nullptr, {}};
    }

private:
    std::shared_ptr<Recorder> recorder_;
    std::string id_;
    Status status_;
    int sleep_ms_;
};

class ReferenceCheck : public Check {
public:
    Outcome run(const RunContext& context) const override {
        std::string error;
        auto t = Template::parse("${env.NOT_DEFINED_ANYWHERE}", error);
        return Outcome::pass(context.resolve(*t));
    }
};

struct Fixture {
    std::shared_ptr<Recorder> recorder = std::make_shared<Recorder>();
    RulePack pack;
    SecretRegistry secrets;
    host::Host host;

    void add(const std::string& id, Status status, std::vector<std::string> needs = {}, int sleep_ms = 0,
             double timeout = 10, Severity severity = Severity::critical) {
        CheckDecl c;
        c.id = id;
        c.kind = "scripted";
        c.title = id;
        c.needs = std::move(needs);
        c.timeout_seconds = timeout;
        c.severity = severity;
        c.check = std::make_shared<ScriptedCheck>(recorder, id, status, sleep_ms);
        pack.checks.push_back(c);
    }
    EngineResult run(int jobs = 2, std::optional<double> deadline = std::nullopt,
                     std::vector<std::string> deselected = {}) {
        if (deselected.empty()) deselected.resize(pack.checks.size());
        auto env = RunEnvironment::build(pack, RunInputs{}, secrets);
        EngineOptions options;
        options.jobs = jobs;
        options.deadline_seconds = deadline;
        return run_checks(pack, deselected, env, host, secrets, options);
    }
};

}  // namespace

TEST_CASE("checks run after what they need, and a failed need skips its dependants") {
    Fixture f;
    f.add("c", Status::pass, {"b"});
    f.add("b", Status::pass, {"a"});
    f.add("a", Status::pass);
    f.add("d", Status::fail);
    f.add("e", Status::pass, {"d"});
    auto result = f.run(1);
    // With one job: the head of the longest chain first, then the longer chain (d, with e behind
    // it, before c), and pack order between equals (b before d).
    CHECK(f.recorder->order == std::vector<std::string>{"a", "b", "d", "c"});
    CHECK(result.results[0].status == Status::pass);
    CHECK(result.results[3].status == Status::fail);
    CHECK(result.results[4].status == Status::skip);
    CHECK(result.results[4].message == "needs d, which did not pass (fail)");
}

TEST_CASE("the heads of the longest needs chains start first, then pack order") {
    Fixture f;
    f.add("solo-1", Status::pass);
    f.add("solo-2", Status::pass);
    f.add("tail", Status::pass, {"middle"});
    f.add("middle", Status::pass, {"head"});
    f.add("head", Status::pass);
    f.run(1);
    CHECK(f.recorder->order == std::vector<std::string>{"head", "middle", "solo-1", "solo-2", "tail"});
}

TEST_CASE("a failed need skips the whole chain behind it, each naming its own need") {
    Fixture f;
    f.add("root", Status::error);
    f.add("child", Status::pass, {"root"});
    f.add("grandchild", Status::pass, {"child", "other"});
    f.add("other", Status::pass);
    auto result = f.run(2);
    CHECK(f.recorder->order.size() == 2);
    CHECK(result.results[1].message == "needs root, which did not pass (error)");
    CHECK(result.results[2].message == "needs child, which did not pass (skip)");
    CHECK(result.results[3].status == Status::pass);
}

TEST_CASE("checks on a needs cycle end as error instead of waiting forever") {
    // The loader refuses cycles; the engine must still never hang on one.
    Fixture f;
    f.add("free", Status::pass);
    f.add("x", Status::pass, {"y"});
    f.add("y", Status::pass, {"x"});
    auto result = f.run(2);
    CHECK(result.results[0].status == Status::pass);
    CHECK(result.results[1].status == Status::error);
    CHECK(result.results[1].message == "its needs form a cycle, so it cannot run");
    CHECK(result.results[2].message == "its needs form a cycle, so it cannot run");
}

TEST_CASE("a check that throws becomes error and the others still run") {
    Fixture f;
    f.add("boom", Status::error);
    f.add("fine", Status::pass);
    auto result = f.run();
    CHECK(result.results[0].status == Status::error);
    CHECK(result.results[0].message == "internal error in the check: probe exploded");
    CHECK(result.results[1].status == Status::pass);
}

TEST_CASE("a hanging check ends as error at its timeout and does not hold up the others") {
    Fixture f;
    f.add("hangs", Status::pass, {}, 3000, 0.2);
    f.add("quick", Status::pass);
    auto result = f.run(1);
    CHECK(result.results[0].status == Status::error);
    CHECK(result.results[0].message == "timed out: did not finish within its timeout (0.2s)");
    CHECK(result.results[1].status == Status::pass);
    CHECK(result.abandoned);
    CHECK_FALSE(result.incomplete);
}

TEST_CASE("the run deadline ends every unfinished check as error and marks the run incomplete") {
    Fixture f;
    f.add("hangs", Status::pass, {}, 3000, 60);
    f.add("later", Status::pass, {"hangs"});
    auto result = f.run(2, 0.3);
    CHECK(result.results[0].status == Status::error);
    CHECK(result.results[0].message == "timed out: did not finish within the run deadline (0.3s)");
    CHECK(result.results[1].status == Status::error);
    CHECK(result.results[1].message == "not finished: the run deadline (0.3s) was reached");
    CHECK(result.incomplete);
}

TEST_CASE("an unresolved reference makes the check error, naming the reference") {
    Fixture f;
    CheckDecl c;
    c.id = "ref";
    c.check = std::make_shared<ReferenceCheck>();
    f.pack.checks.push_back(c);
    auto result = f.run();
    CHECK(result.results[0].status == Status::error);
    CHECK(result.results[0].message == "unresolved reference ${env.NOT_DEFINED_ANYWHERE}");
}

TEST_CASE("selection: --only pulls in needs, --skip and --tag deselect, nothing selected is refused") {
    Fixture f;
    f.add("a", Status::pass);
    f.add("b", Status::pass, {"a"});
    f.add("c", Status::pass);
    f.pack.checks[2].tags = {"db"};
    std::string error;
    auto only = select_checks(f.pack, Selection{{"b"}, {}, {}}, error);
    REQUIRE(only);
    CHECK(*only == std::vector<std::string>{"", "", "not selected by --only"});
    auto skip = select_checks(f.pack, Selection{{}, {"c*"}, {}}, error);
    CHECK(*skip == std::vector<std::string>{"", "", "not selected by --skip"});
    auto tag = select_checks(f.pack, Selection{{}, {}, {"db"}}, error);
    CHECK(*tag == std::vector<std::string>{"not selected by --tag", "not selected by --tag", ""});
    CHECK_FALSE(select_checks(f.pack, Selection{{"c"}, {"c"}, {}}, error));
    CHECK(error == "no check is selected by --only/--skip/--tag");
}

TEST_CASE("selection: --skip wins over a check --only or --tag pulls in through needs") {
    Fixture f;
    f.add("a", Status::pass);
    f.add("b", Status::pass, {"a"});
    f.add("c", Status::pass, {"b"});
    f.pack.checks[2].tags = {"db"};
    std::string error;
    // a matches neither --only nor --tag but is needed down the chain: --skip still wins.
    CHECK(*select_checks(f.pack, Selection{{"c"}, {"a"}, {}}, error) ==
          std::vector<std::string>{"not selected by --skip", "", ""});
    CHECK(*select_checks(f.pack, Selection{{}, {"a"}, {"db"}}, error) ==
          std::vector<std::string>{"not selected by --skip", "", ""});
    CHECK(unmet_need_notes(f.pack, {"not selected by --skip", "", ""}) ==
          std::vector<std::string>{"check 'b' needs 'a', which is not selected by --skip: 'b' will be skipped and "
                                   "cannot pass"});
}

TEST_CASE("selection: every --only, --skip and --tag value must match something, with a did-you-mean") {
    Fixture f;
    f.add("backup-key-usable", Status::pass);
    f.add("config-drift", Status::pass);
    f.pack.checks[0].tags = {"gpg"};
    CHECK(selection_problems(f.pack, Selection{{"config-drift", "backup-key-usabel", "backup-*"}, {"config-*"}, {"gpg"}})
              == std::vector<std::string>{"--only 'backup-key-usabel' matches no check (did you mean 'backup-key-usable'?)"});
    CHECK(selection_problems(f.pack, Selection{{}, {"confg-drift", "zzz*"}, {"gpgg", "nightly"}}) ==
          std::vector<std::string>{
              "--skip 'confg-drift' matches no check (did you mean 'config-drift'?)",
              "--skip 'zzz*' matches no check",
              "--tag 'gpgg' is not a tag of any check (did you mean 'gpg'?)",
              "--tag 'nightly' is not a tag of any check",
          });
}

TEST_CASE("a --var NAME no rule file declares is a problem with a did-you-mean, never showing the value") {
    RulePack pack;
    pack.vars = {{"env_file", "/opt/.env"}, {"db", ""}};
    CHECK(undeclared_var_problems(pack, {{"env_file", "/srv/.env"}, {"db", "x"}}).empty());
    CHECK(undeclared_var_problems(pack, {{"env_fle", "/srv/.env"}, {"token", "s3cr3t"}}) ==
          std::vector<std::string>{
              "--var 'env_fle': no rule file declares it under 'vars:' (did you mean 'env_file'?)",
              "--var 'token': no rule file declares it under 'vars:'",
          });
}

TEST_CASE("a check not selected never decides the exit status, even when it needs another one not selected") {
    // rules/f4-backup.yaml --only config-drift: the other checks form needs chains among themselves.
    Fixture f;
    f.add("gpg-installed", Status::fail);
    f.add("key-present", Status::fail, {"gpg-installed"});
    f.add("key-usable", Status::fail, {"key-present"});
    f.add("config-drift", Status::pass);
    std::string error;
    auto deselected = select_checks(f.pack, Selection{{"config-drift"}, {}, {}}, error);
    REQUIRE(deselected);
    auto result = f.run(2, std::nullopt, *deselected);
    CHECK(f.recorder->order == std::vector<std::string>{"config-drift"});
    for (size_t i = 0; i < 3; ++i) {
        CAPTURE(i);
        CHECK(result.results[i].status == Status::skip);
        CHECK(result.results[i].skip_cause == SkipCause::not_selected);
        CHECK(result.results[i].message == "not selected by --only");
        CHECK(result.results[i].remedy == "");
    }
    CHECK(judge(result.results, false).exit_code == 0);
    CHECK(judge(result.results, true).exit_code == 0);
}

TEST_CASE("a selected check whose need --skip left out is skipped, and keeps the gate closed as unknown") {
    Fixture f;
    f.add("a", Status::pass);
    f.add("b", Status::pass, {"a"});
    f.add("c", Status::pass, {"b"});
    std::string error;
    auto deselected = select_checks(f.pack, Selection{{"c"}, {"a"}, {}}, error);
    REQUIRE(deselected);
    auto result = f.run(2, std::nullopt, *deselected);
    CHECK(f.recorder->order.empty());
    CHECK(result.results[0].skip_cause == SkipCause::not_selected);
    CHECK(result.results[1].status == Status::skip);
    CHECK(result.results[1].skip_cause == SkipCause::need_not_selected);
    CHECK(result.results[1].message == "needs a, which was not selected by --skip");
    CHECK(result.results[2].skip_cause == SkipCause::need_not_evaluated);
    CHECK(result.results[2].message == "needs b, which did not pass (skip)");
    CHECK(judge(result.results, false).verdict == "ERROR");
    CHECK(judge(result.results, false).exit_code == 2);
}

TEST_CASE("a failure down a needs chain keeps its cause: the skipped critical check closes the gate as failed") {
    Fixture f;
    f.add("root", Status::fail, {}, 0, 10, Severity::info);
    f.add("child", Status::pass, {"root"}, 0, 10, Severity::info);
    f.add("grandchild", Status::pass, {"child"});
    auto result = f.run();
    CHECK(result.results[1].skip_cause == SkipCause::need_failed);
    CHECK(result.results[2].skip_cause == SkipCause::need_failed);
    CHECK(result.results[2].message == "needs child, which did not pass (skip)");
    CHECK(judge(result.results, false).exit_code == 1);
}

TEST_CASE("the verdict: critical failures close the gate, warnings only with --strict") {
    auto row = [](Status status, Severity severity, SkipCause cause = SkipCause::none, std::string message = "") {
        CheckResult r;
        r.status = status;
        r.severity = severity;
        r.skip_cause = cause;
        r.message = std::move(message);
        return r;
    };
    CHECK(judge({row(Status::pass, Severity::critical)}, false).exit_code == 0);
    CHECK(judge({row(Status::fail, Severity::critical), row(Status::error, Severity::critical)}, false).exit_code == 1);
    CHECK(judge({row(Status::error, Severity::critical)}, false).exit_code == 2);
    CHECK(judge({row(Status::fail, Severity::warning)}, false).exit_code == 0);
    CHECK(judge({row(Status::fail, Severity::warning)}, true).exit_code == 1);
    CHECK(judge({row(Status::fail, Severity::info)}, true).exit_code == 0);
    CHECK(judge({row(Status::skip, Severity::critical, SkipCause::need_failed)}, false).exit_code == 1);
    CHECK(judge({row(Status::skip, Severity::critical, SkipCause::need_not_evaluated)}, false).exit_code == 2);
    CHECK(judge({row(Status::skip, Severity::critical, SkipCause::need_not_selected)}, false).exit_code == 2);
    CHECK(judge({row(Status::skip, Severity::critical, SkipCause::not_selected), row(Status::pass, Severity::critical)},
                false).exit_code == 0);
    CHECK(judge({row(Status::fail, Severity::critical)}, false).verdict == "FAIL");
}

TEST_CASE("the verdict reads the typed skip cause, never the message text") {
    auto skipped = [](SkipCause cause, std::string message) {
        CheckResult r;
        r.status = Status::skip;
        r.skip_cause = cause;
        r.message = std::move(message);
        return r;
    };
    // A message that reads "deselected" or "(fail)" changes nothing; a skip without a cause was never verified.
    CHECK(judge({skipped(SkipCause::none, "deselected by --only")}, false).exit_code == 2);
    CHECK(judge({skipped(SkipCause::need_not_evaluated, "needs a, which did not pass (fail)")}, false).exit_code == 2);
    CHECK(judge({skipped(SkipCause::not_selected, "needs a, which did not pass (fail)")}, false).exit_code == 0);
}

namespace {

// Reads an env file through the context and reports what it saw and where it lives in memory.
class EnvFileReader : public Check {
public:
    explicit EnvFileReader(std::string path) : path_(std::move(path)) {}
    Outcome run(const RunContext& context) const override {
        auto parsed = context.env_file(path_);
        return Outcome::pass(parsed->value("TOKEN").value_or("(none)") + " at " +
                             std::to_string(reinterpret_cast<std::uintptr_t>(parsed.get())));
    }

private:
    std::string path_;
};

}  // namespace

TEST_CASE("engine: the checks of one run share one parse of an env file, a new run reads it again") {
    const std::string path = "/tmp/preflight-engine-env-" + std::to_string(::getpid()) + ".env";
    auto write = [&](const std::string& text) {
        FILE* file = std::fopen(path.c_str(), "w");
        REQUIRE(file);
        std::fputs(text.c_str(), file);
        std::fclose(file);
    };
    write("TOKEN=one\n");
    Fixture f;
    for (const char* id : {"a", "b", "c"}) {
        CheckDecl c;
        c.id = id;
        c.kind = "env_reader";
        c.title = id;
        c.check = std::make_shared<EnvFileReader>(path);
        f.pack.checks.push_back(c);
    }
    auto first = f.run(3);
    write("TOKEN=two\n");
    auto second = f.run(3);
    std::remove(path.c_str());
    REQUIRE(first.results.size() == 3);
    CHECK(first.results[0].message.rfind("one at ", 0) == 0);
    CHECK(first.results[1].message == first.results[0].message);
    CHECK(first.results[2].message == first.results[0].message);
    CHECK(second.results[0].message.rfind("two at ", 0) == 0);
    CHECK(second.results[1].message == second.results[0].message);
}
