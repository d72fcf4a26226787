#include "src/cli.hpp"

#include <boost/program_options.hpp>
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

const char* kUsage =
    "usage: preflight run RULES... [options]      run the checks (RULES: files or directories of *.yaml)\n"
    "       preflight validate RULES...           load and validate only; touches nothing on the host\n"
    "       preflight list RULES...               one line per check: id, kind, severity, title\n"
    "       preflight kinds [KIND]                reference of check kinds and their fields\n"
    "       preflight schema                      JSON Schema of the rule language\n"
    "       preflight diff OLD.json NEW.json      what changed between two JSON reports\n"
    "       preflight --version | --help\n"
    "\n"
    "run options:\n"
    "  --var NAME=VALUE        set a pack variable (repeatable)\n"
    "  --env-file PATH         read another env file after the pack's (repeatable)\n"
    "  -o, --output PATH       write a report; format from extension: .json .md .xml (JUnit) .txt (repeatable)\n"
    "  -f, --format FORMAT     stdout format: text (default), json, markdown, junit\n"
    "  --only ID|GLOB          run only these checks and what they need (repeatable)\n"
    "  --skip ID|GLOB          do not run these checks (repeatable)\n"
    "  --tag TAG               run only checks with this tag (repeatable)\n"
    "  -j, --jobs N            checks run at once (default: number of cores)\n"
    "  --strict                warning checks also close the gate\n"
    "  --deadline SECONDS      limit for the whole run\n"
    "  --no-color              no colour (also NO_COLOR, and when stdout is not a terminal)\n"
    "  -q, --quiet             print only the verdict and what did not pass\n"
    "\n"
    "exit status: 0 gate open · 1 a gating check failed · 2 a gating check could not be evaluated\n"
    "             64 bad command line · 65 invalid rule pack · 70 internal error\n";

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

// validate and list take each rule file as a pack of its own: a directory may hold several.
bool load_each(const std::vector<std::string>& paths, std::vector<LoadResult>& packs, std::ostream& err) {
    Diagnostics early;
    size_t errors = 0;
    for (const auto& file : expand_rule_paths(paths, early)) {
        LoadResult result = load_rule_packs({file});
        const Redactor redactor = pack_redactor(result.pack);
        for (const auto& line : result.diagnostics.lines()) err << redactor.scrub(line) << "\n";
        errors += result.diagnostics.items().size();
        packs.push_back(std::move(result));
    }
    for (const auto& line : early.lines()) err << line << "\n";
    errors += early.items().size();
    if (errors == 0) return true;
    err << "preflight: the rule pack is invalid (" << errors << (errors == 1 ? " error" : " errors")
        << "); nothing was run\n";
    return false;
}

int validate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    std::vector<std::string> paths;
    if (!parse_rule_paths("validate", args, paths, err)) return kExitUsage;
    std::vector<LoadResult> packs;
    if (!load_each(paths, packs, err)) return kExitInvalidPack;
    for (const auto& result : packs)
        out << "ok: " << result.pack.sources.front().path << ": pack " << result.pack.name << ", "
            << result.pack.checks.size() << (result.pack.checks.size() == 1 ? " check" : " checks") << "\n";
    return kExitPass;
}

int list_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    std::vector<std::string> paths;
    if (!parse_rule_paths("list", args, paths, err)) return kExitUsage;
    std::vector<LoadResult> packs;
    if (!load_each(paths, packs, err)) return kExitInvalidPack;
    size_t id_width = 2, kind_width = 4;
    for (const auto& result : packs)
        for (const auto& c : result.pack.checks) {
            id_width = std::max(id_width, c.id.size());
            kind_width = std::max(kind_width, c.kind.size());
        }
    for (const auto& result : packs) {
        const Redactor redactor = pack_redactor(result.pack);
        if (packs.size() > 1) out << "# " << result.pack.name << " (" << result.pack.sources.front().path << ")\n";
        for (const auto& c : result.pack.checks)
            out << std::left << std::setw(static_cast<int>(id_width) + 2) << c.id
                << std::setw(static_cast<int>(kind_width) + 2) << c.kind << std::setw(10) << to_string(c.severity)
                << redactor.scrub(c.title) << "\n";
    }
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

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    try {
        if (args.empty()) {
            err << kUsage;
            return kExitUsage;
        }
        const std::string& command = args[0];
        std::vector<std::string> rest(args.begin() + 1, args.end());
        if (command == "--help" || command == "-h" || command == "help") {
            out << kUsage;
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
