// `preflight run`: load, select, run, judge, redact, render, guard, write.
#include <boost/program_options.hpp>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <malloc.h>
#include <pwd.h>
#include <thread>
#include <unistd.h>

#include "reports/renderers.hpp"
#include "reports/report_writer.hpp"
#include "src/cli.hpp"
#include "src/engine.hpp"
#include "src/field_reader.hpp"
#include "src/host/descendants.hpp"
#include "src/host/gpg.hpp"
#include "src/host/pg.hpp"
#include "src/host/process.hpp"
#include "src/input_secrets.hpp"
#include "src/loader.hpp"
#include "src/run_environment.hpp"
#include "src/text_forms.hpp"

namespace preflight {

namespace po = boost::program_options;

namespace {

std::atomic<bool> g_interrupted{false};

void on_signal(int) { g_interrupted.store(true); }

struct RunOptions {
    std::vector<std::string> rules, vars, env_files, outputs, only, skip, tags;
    std::string format = "text";
    int jobs = 0;
    bool strict = false, no_color = false, quiet = false;
    std::optional<double> deadline;
};

struct Output {
    std::string path;  // empty = stdout
    ReportFormat format;
};

std::string utc_now() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

std::string host_name() {
    char buffer[256] = {};
    gethostname(buffer, sizeof buffer - 1);
    return buffer;
}

std::string user_name() {
    passwd pw{};
    passwd* found = nullptr;
    char buffer[1024];
    if (getpwuid_r(geteuid(), &pw, buffer, sizeof buffer, &found) == 0 && found) return found->pw_name;
    return std::to_string(geteuid());
}

// The redactor knows this form (text_forms): a quote inside a secret becomes '\''.
std::string quote_argument(const std::string& arg) { return shell_quoted(arg); }

// (NAME, VALUE) of each `--var NAME=VALUE`, already checked to hold a '='.
std::vector<std::pair<std::string, std::string>> var_overrides(const std::vector<std::string>& vars) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& v : vars) {
        auto eq = v.find('=');
        pairs.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    }
    return pairs;
}

int parse_options(const std::vector<std::string>& args, RunOptions& o, std::ostream& err) {
    po::options_description options;
    double deadline = 0;
    options.add_options()
        ("rules", po::value(&o.rules))
        ("var", po::value(&o.vars))
        ("env-file", po::value(&o.env_files))
        ("output,o", po::value(&o.outputs))
        ("format,f", po::value(&o.format))
        ("only", po::value(&o.only))
        ("skip", po::value(&o.skip))
        ("tag", po::value(&o.tags))
        ("jobs,j", po::value(&o.jobs))
        ("strict", po::bool_switch(&o.strict))
        ("deadline", po::value(&deadline))
        ("no-color", po::bool_switch(&o.no_color))
        ("quiet,q", po::bool_switch(&o.quiet));
    po::positional_options_description positional;
    positional.add("rules", -1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    po::notify(vm);
    auto fail = [&err](const std::string& message) {
        err << "preflight: " << message << "\nRun 'preflight --help' for usage.\n";
        return kExitUsage;
    };
    if (vm.count("jobs") && o.jobs < 1) return fail("--jobs must be at least 1");
    if (vm.count("deadline")) {
        if (!(deadline >= kMinDurationSeconds && deadline <= kMaxDurationSeconds))
            return fail("--deadline must be a number of seconds from 0.001 to 86400 (24h)");
        o.deadline = deadline;
    }
    for (const auto& v : o.vars)
        if (v.find('=') == std::string::npos || v.front() == '=')
            // Never quoted back: without '=' the argument may be the value itself, a password.
            return fail(std::string("--var expects NAME=VALUE, got ") +
                        (v.front() == '=' ? "an empty NAME" : "an argument without '='"));
    if (!format_from_name(o.format))
        return fail("unknown format '" + o.format + "' (text, json, markdown, junit, prometheus)");
    return 0;
}

}  // namespace

int run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    RunOptions o;
    try {
        if (int code = parse_options(args, o, err)) return code;
    } catch (const po::error& e) {
        err << "preflight: " << e.what() << "\nRun 'preflight --help' for usage.\n";
        return kExitUsage;
    }
    // Report destinations are checked before anything runs.
    std::vector<Output> outputs;
    for (const auto& path : o.outputs) {
        auto format = format_from_path(path);
        if (!format) {
            err << "preflight: cannot tell the report format of '" << path
                << "' (use .json, .md, .xml, .txt or .prom)\nRun 'preflight --help' for usage.\n";
            return kExitUsage;
        }
        if (auto problem = check_report_destination(path)) {
            err << "preflight: " << *problem << "; nothing was run\n";
            return kExitUsage;
        }
        outputs.push_back({path, *format});
    }

    if (int code = use_default_rules_when_none(o.rules, err)) return code;
    LoadResult loaded = load_rule_packs(o.rules);
    if (!loaded.ok()) return report_load_errors(loaded, err);
    // The YAML trees of the pack are freed now, but their pages stay with the main thread's
    // malloc arena, which the checks (each on its own thread, in other arenas) never reuse:
    // hand them back, or a 10,000-check pack keeps ~10 MB it no longer needs.
    malloc_trim(0);
    const RulePack& pack = loaded.pack;
    // A name the pack does not have would make the run judge something else: refused.
    const Selection selection{o.only, o.skip, o.tags};
    auto problems = undeclared_var_problems(pack, var_overrides(o.vars));
    for (auto& problem : selection_problems(pack, selection)) problems.push_back(std::move(problem));
    if (!problems.empty()) {
        for (const auto& problem : problems) err << "preflight: " << problem << "\n";
        err << "preflight: nothing was run\n";
        return kExitUsage;
    }
    std::string selection_error;
    auto deselected = select_checks(pack, selection, selection_error);
    if (!deselected) {
        err << "preflight: " << selection_error << "; nothing was run\n";
        return kExitInvalidPack;
    }
    for (const auto& note : unmet_need_notes(pack, *deselected)) err << "preflight: note: " << note << "\n";

    // Whatever the checks start (also what leaves its process group, like GPGME's gpg and the
    // gpg-agent it starts) is adopted by this process and stopped when the run ends.
    host::adopt_orphaned_descendants();
    host::CleanUpAfterRun clean_up;

    // GPGME's engine start-up runs five processes; when a GnuPG check is selected, begin it now
    // so that it overlaps reading the environment and the checks that run before it.
    // Detached: a gpg that hangs must not hold the run; leaving while it is busy takes the same
    // path as leaving with an abandoned check.
    auto gpgme_busy = std::make_shared<std::atomic<bool>>(false);
    for (size_t i = 0; i < pack.checks.size(); ++i)
        if ((pack.checks[i].kind == "gpg_key" || pack.checks[i].kind == "encrypted_file") && (*deselected)[i].empty()) {
            gpgme_busy->store(true);
            std::thread([gpgme_busy] {
                host::warm_up_gpgme();
                gpgme_busy->store(false);
            }).detach();
            break;
        }

    SecretRegistry secrets;
    RunInputs inputs;
    inputs.process_env = host::own_environment();
    inputs.var_overrides = var_overrides(o.vars);
    inputs.extra_env_files = o.env_files;
    auto environment = RunEnvironment::build(pack, inputs, secrets);
    register_input_secrets(pack, inputs, *environment, secrets);
    if (!environment->untrusted_env_files().empty()) {
        for (const auto& line : environment->untrusted_env_files()) err << line << "\n";
        err << "preflight: refusing to run with an env file that another user could change; nothing was run\n";
        err.flush();
        if (gpgme_busy->load()) {  // as below: never join a busy GPGME
            host::forbid_new_children();
            host::clean_up_after_run();
            std::_Exit(kExitInvalidPack);
        }
        return kExitInvalidPack;
    }

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGPIPE, SIG_IGN);

    // Host probes live until the process ends: a hung check's thread may still use them.
    static host::SystemProcessRunner processes;
    static host::LibpqConnector postgres;
    static host::GpgmeKeyring gnupg;
    host::Host host{&processes, &postgres, &gnupg};

    EngineOptions engine_options;
    // Most checks wait on a child process, a socket or gpg, not on the CPU: more jobs than cores overlap them.
    engine_options.jobs = o.jobs > 0 ? o.jobs : static_cast<int>(std::max(4u, std::thread::hardware_concurrency()));
    engine_options.deadline_seconds = o.deadline;
    engine_options.interrupted = &g_interrupted;
    const std::string started = utc_now();
    auto t0 = std::chrono::steady_clock::now();
    EngineResult ran = run_checks(pack, *deselected, environment, host, secrets, engine_options);

    Report report;
    report.tool_version = PREFLIGHT_VERSION;
    report.pack_name = pack.name;
    report.pack_title = pack.title;
    report.sources = pack.sources;
    report.env_files = environment->env_files();
    for (const auto& [name, connection] : pack.connections) {
        std::string target;
        try {
            target = connection.postgres.resolve(*environment);
        } catch (const UnresolvedReference&) {  // as written: its literal passwords are registered
            target = connection.postgres.source();
        }
        report.connections.push_back({name, target});
    }
    report.host = host_name();
    report.user = user_name();
    report.command_line = "preflight run";
    for (const auto& a : args) report.command_line += " " + quote_argument(a);
    report.started_utc = started;
    report.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    report.checks = std::move(ran.results);
    report.incomplete = ran.incomplete || g_interrupted.load();
    Verdict verdict = judge(report.checks, o.strict);
    report.verdict = verdict.verdict;
    report.exit_code = verdict.exit_code;
    if (report.incomplete && report.exit_code == kExitPass) {
        report.verdict = "ERROR";
        report.exit_code = kExitUnknown;
    }
    for (const auto& r : report.checks) {
        if (r.status == Status::pass) ++report.summary.pass;
        if (r.status == Status::fail) ++report.summary.fail;
        if (r.status == Status::error) ++report.summary.error;
        if (r.status == Status::skip) ++report.summary.skip;
    }

    Redactor redactor(secrets.snapshot(), report_text_forms());
    RedactedReport redacted = redactor.redact(std::move(report));
    RenderOptions render_options;
    render_options.quiet = o.quiet;
    render_options.color = !o.no_color && std::getenv("NO_COLOR") == nullptr && isatty(STDOUT_FILENO) &&
                           &out == &std::cout;
    // Render everything and guard it before anything is written.
    std::vector<std::pair<Output, std::string>> rendered;
    rendered.push_back({Output{"", *format_from_name(o.format)}, ""});
    for (const auto& output : outputs) rendered.push_back({output, ""});
    for (auto& [output, text] : rendered) {
        RenderOptions options = render_options;
        if (!output.path.empty()) options = RenderOptions{};
        text = render(output.format, redacted, options);
        if (auto leak = redactor.find_leak(text)) {
            err << "preflight: refusing to output the report: it would contain the secret value of " << *leak
                << "; nothing was written (this is a bug in preflight, please report it)\n";
            return kExitInternal;
        }
    }
    int code = redacted.report().exit_code;
    for (size_t i = 1; i < rendered.size(); ++i) {
        std::string problem;
        const mode_t mode = rendered[i].first.format == ReportFormat::prometheus ? kMetricsFileMode : kReportFileMode;
        if (!write_report_atomically(rendered[i].first.path, rendered[i].second, problem, mode)) {
            err << "preflight: cannot write report '" << rendered[i].first.path << "': " << redactor.scrub(problem) << "\n";
            code = kExitInternal;
        }
    }
    out << rendered[0].second;
    out.flush();
    if (ran.abandoned || gpgme_busy->load()) {
        // A hung check's thread cannot be joined; leave without running destructors under it,
        // and without leaving its child processes running, nor any it would start from now on.
        host::forbid_new_children();
        host::clean_up_after_run();
        std::cerr.flush();
        std::_Exit(code);
    }
    return code;
}

}  // namespace preflight
