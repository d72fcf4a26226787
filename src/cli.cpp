#include "src/cli.hpp"

#include <boost/program_options.hpp>
#include <algorithm>
#include <iomanip>
#include <iostream>

#include "checks/registry.hpp"
#include "reports/diff.hpp"
#include "reports/renderers.hpp"
#include "src/input_secrets.hpp"
#include "src/kind_reference.hpp"
#include "src/loader.hpp"

namespace preflight {

namespace po = boost::program_options;

namespace {

// Written once, shown by both `preflight --help` and `preflight run --help`.
#define PREFLIGHT_RUN_OPTIONS \
    "  --var NAME=VALUE        set a variable the pack declares under vars: (repeatable)\n" \
    "  --env-file PATH         read another env file after the pack's (repeatable)\n" \
    "  -o, --output PATH       write a report; format from extension: .json .md .xml (JUnit) .txt (repeatable)\n" \
    "  -f, --format FORMAT     stdout format: text (default), json, markdown, junit\n" \
    "  --only ID|GLOB          run only these checks and what they need (repeatable)\n" \
    "  --skip ID|GLOB          do not run these checks, even when a selected check needs them (repeatable)\n" \
    "  --tag TAG               run only checks with this tag and what they need (repeatable)\n" \
    "  -j, --jobs N            checks run at once (default: number of cores)\n" \
    "  --strict                warning checks also close the gate\n" \
    "  --deadline SECONDS      limit for the whole run\n" \
    "  --no-color              no colour (also NO_COLOR, and when stdout is not a terminal)\n" \
    "  -q, --quiet             print only the verdict and what did not pass\n" \

#define PREFLIGHT_EXIT_STATUS(input) \
    "exit status: 0 gate open · 1 a gating check failed · 2 a gating check could not be evaluated\n" \
    "             64 bad command line · 65 invalid rule pack · 66 " input " cannot be read\n" \
    "             70 internal error\n"

const char* kUsage =
    "usage: preflight run RULES... [options]      run the checks (RULES: files or directories of *.yaml)\n"
    "       preflight validate RULES...           load and validate only; touches nothing on the host\n"
    "       preflight list RULES...               one line per check: id, kind, severity, title\n"
    "       preflight kinds [KIND]                reference of check kinds and their fields\n"
    "       preflight schema                      JSON Schema of the rule language\n"
    "       preflight diff OLD.json NEW.json      what changed between two JSON reports\n"
    "       preflight --version | --help          (and 'preflight COMMAND --help')\n"
    "\n"
    "run options:\n"
    PREFLIGHT_RUN_OPTIONS
    "\n"
    PREFLIGHT_EXIT_STATUS("an input file");

const char* kRunUsage =
    "usage: preflight run RULES... [options]\n"
    "Runs the checks of RULES (rule files and directories of *.yaml, loaded as one pack) against\n"
    "this host and judges the gate.\n"
    "\n"
    "options:\n"
    PREFLIGHT_RUN_OPTIONS
    "\n"
    PREFLIGHT_EXIT_STATUS("a rule file");

const char* kValidateUsage =
    "usage: preflight validate RULES...\n"
    "Loads and validates RULES (rule files and directories of *.yaml) as one pack, exactly as\n"
    "'preflight run' loads them; touches nothing on the host.\n"
    "\n"
    "exit status: 0 valid · 64 bad command line · 65 invalid rule pack · 66 a rule file cannot be read\n";

const char* kListUsage =
    "usage: preflight list RULES...\n"
    "One line per check of RULES (loaded as one pack, as 'preflight run' loads them): id, kind,\n"
    "severity, title.\n"
    "\n"
    "exit status: 0 listed · 64 bad command line · 65 invalid rule pack · 66 a rule file cannot be read\n";

const char* kKindsUsage =
    "usage: preflight kinds [KIND | --markdown]\n"
    "Reference of the check kinds and their fields, from the code; with KIND, that kind only;\n"
    "--markdown: the README's reference tables.\n"
    "\n"
    "exit status: 0 printed · 64 unknown kind or bad command line\n";

const char* kSchemaUsage =
    "usage: preflight schema\n"
    "JSON Schema of the rule language (for editors and yaml-language-server).\n"
    "\n"
    "exit status: 0 printed · 64 bad command line\n";

const char* kDiffUsage =
    "usage: preflight diff OLD.json NEW.json [-f text|json]\n"
    "What changed between two JSON reports of the same pack: checks newly failing, newly passing\n"
    "or otherwise changed, drift of observed values, checks added and removed.\n"
    "\n"
    "exit status: 0 no regression · 1 regression (NEW has a failing check OLD did not have)\n"
    "             64 bad command line · 65 a report is not a preflight JSON report, or the two are\n"
    "             of different packs or schema versions · 66 a report file cannot be read\n";

// The usage of `command`, or nullptr for an unknown command.
const char* usage_of(const std::string& command) {
    if (command == "run") return kRunUsage;
    if (command == "validate") return kValidateUsage;
    if (command == "list") return kListUsage;
    if (command == "kinds") return kKindsUsage;
    if (command == "schema") return kSchemaUsage;
    if (command == "diff") return kDiffUsage;
    return nullptr;
}

bool asks_for_help(const std::vector<std::string>& args) {
    return std::any_of(args.begin(), args.end(), [](const std::string& a) { return a == "--help" || a == "-h"; });
}

int usage_error(std::ostream& err, const std::string& message) {
    err << "preflight: " << message << "\nRun 'preflight --help' for usage.\n";
    return kExitUsage;
}

// Rule paths only, for validate and list.
bool parse_rule_paths(const std::string& command, const std::vector<std::string>& args,
                      std::vector<std::string>& paths, std::ostream& err) {
    for (const auto& a : args) {
        if (!a.empty() && a[0] == '-') {
            usage_error(err, "unknown option '" + a + "' for '" + command + "'");
            return false;
        }
        paths.push_back(a);
    }
    if (paths.empty()) {
        usage_error(err, "'" + command + "' needs at least one rule file or directory");
        return false;
    }
    return true;
}

int validate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    std::vector<std::string> paths;
    if (!parse_rule_paths("validate", args, paths, err)) return kExitUsage;
    // Loaded exactly as `run` loads them (one pack), so both report the same errors.
    const LoadResult loaded = load_rule_packs(paths);
    if (!loaded.ok()) return report_load_errors(loaded, err);
    std::string files;
    for (const auto& source : loaded.pack.sources) files += (files.empty() ? "" : ", ") + source.path;
    const size_t checks = loaded.pack.checks.size();
    out << "ok: " << files << ": pack " << loaded.pack.name << ", " << checks << (checks == 1 ? " check" : " checks")
        << "\n";
    return kExitPass;
}

int list_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    std::vector<std::string> paths;
    if (!parse_rule_paths("list", args, paths, err)) return kExitUsage;
    // Loaded exactly as `run` loads them (one pack), so both report the same errors.
    const LoadResult loaded = load_rule_packs(paths);
    if (!loaded.ok()) return report_load_errors(loaded, err);
    size_t id_width = 2, kind_width = 4;
    for (const auto& c : loaded.pack.checks) {
        id_width = std::max(id_width, c.id.size());
        kind_width = std::max(kind_width, c.kind.size());
    }
    const Redactor redactor = pack_redactor(loaded.pack);
    for (const auto& c : loaded.pack.checks)
        out << std::left << std::setw(static_cast<int>(id_width) + 2) << c.id
            << std::setw(static_cast<int>(kind_width) + 2) << c.kind << std::setw(10) << to_string(c.severity)
            << redactor.scrub(c.title) << "\n";
    return kExitPass;
}

int kinds_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.size() == 1 && args[0] == "--markdown") {
        out << kinds_reference_markdown();
        return kExitPass;
    }
    if (args.size() > 1) return usage_error(err, "'kinds' takes at most one kind name");
    std::string kind = args.empty() ? "" : args[0];
    auto text = kinds_reference(kind);
    if (!text) {
        std::vector<std::string> names;
        for (const auto& k : all_kinds()) names.push_back(k.name);
        err << "preflight: unknown kind '" << kind << "'" << did_you_mean(kind, names) << "\n";
        return kExitUsage;
    }
    out << *text;
    return kExitPass;
}

int diff_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    po::options_description options;
    std::string format = "text";
    std::vector<std::string> files;
    options.add_options()("format,f", po::value(&format))("files", po::value(&files));
    po::positional_options_description positional;
    positional.add("files", -1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    po::notify(vm);
    if (files.size() != 2) return usage_error(err, "'diff' needs two JSON reports: OLD.json NEW.json");
    if (format != "text" && format != "json") return usage_error(err, "'diff' formats are text and json, not '" + format + "'");
    return run_diff_command(files[0], files[1], *format_from_name(format), out, err);
}

}  // namespace

int report_load_errors(const LoadResult& loaded, std::ostream& err) {
    const Redactor redactor = pack_redactor(loaded.pack);
    for (const auto& line : loaded.diagnostics.lines()) err << redactor.scrub(line) << "\n";
    const size_t errors = loaded.diagnostics.items().size();
    const std::string count = std::to_string(errors) + (errors == 1 ? " error" : " errors");
    if (loaded.unreadable_inputs > 0) {
        err << "preflight: cannot read the rule pack (" << count << "); nothing was run\n";
        return kExitNoInput;
    }
    err << "preflight: the rule pack is invalid (" << count << "); nothing was run\n";
    return kExitInvalidPack;
}

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    try {
        if (args.empty()) {
            err << kUsage;
            return kExitUsage;
        }
        const std::string& command = args[0];
        std::vector<std::string> rest(args.begin() + 1, args.end());
        if (command == "help" && rest.size() == 1 && usage_of(rest[0])) {
            out << usage_of(rest[0]);
            return kExitPass;
        }
        if (command == "--help" || command == "-h" || command == "help") {
            out << kUsage;
            return kExitPass;
        }
        if (usage_of(command) && asks_for_help(rest)) {
            out << usage_of(command);
            return kExitPass;
        }
        if (command == "--version") {
            out << "preflight " << PREFLIGHT_VERSION << "\n";
            return kExitPass;
        }
        if (command == "run") return run_command(rest, out, err);
        if (command == "validate") return validate_command(rest, out, err);
        if (command == "list") return list_command(rest, out, err);
        if (command == "kinds") return kinds_command(rest, out, err);
        if (command == "schema") {
            if (!rest.empty()) return usage_error(err, "'schema' takes no arguments");
            out << rule_language_schema().dump(2) << "\n";
            return kExitPass;
        }
        if (command == "diff") return diff_command(rest, out, err);
        return usage_error(err, "unknown command '" + command + "'" +
                                    did_you_mean(command, {"run", "validate", "list", "kinds", "schema", "diff"}));
    } catch (const po::error& e) {
        return usage_error(err, e.what());
    } catch (const std::exception& e) {
        err << "preflight: internal error: " << e.what() << "\n";
        return kExitInternal;
    }
}

}  // namespace preflight
