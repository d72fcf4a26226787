#include "src/cli.hpp"

#include <boost/program_options.hpp>
#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "checks/registry.hpp"
#include "reports/diff.hpp"
#include "reports/renderers.hpp"
#include "reports/report_writer.hpp"
#include "reports/summary_command.hpp"
#include "src/input_secrets.hpp"
#include "src/cli_usage.hpp"
#include "src/completion.hpp"
#include "src/kind_reference.hpp"
#include "src/loader.hpp"
#include "src/man_page.hpp"

namespace preflight {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

// Whether `command` has a usage text.
bool has_usage(const std::string& command) { return find_command(command) != nullptr; }

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
    return true;
}

int validate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    std::vector<std::string> paths;
    if (!parse_rule_paths("validate", args, paths, err)) return kExitUsage;
    if (int code = use_default_rules_when_none(paths, err)) return code;
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
    if (int code = use_default_rules_when_none(paths, err)) return code;
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

int summary_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    po::options_description options;
    std::string format = "text";
    std::vector<std::string> inputs, output_paths;
    options.add_options()("format,f", po::value(&format))("output,o", po::value(&output_paths))(
        "inputs", po::value(&inputs));
    po::positional_options_description positional;
    positional.add("inputs", -1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
    po::notify(vm);
    if (inputs.empty()) return usage_error(err, "'summary' needs JSON reports or directories of them: REPORT.json|DIR...");
    const auto stdout_format = summary_format_from_name(format);
    if (!stdout_format)
        return usage_error(err, "'summary' formats are text, markdown and json, not '" + format + "'");
    // Destinations are checked before any report is read, as `run` checks them before running.
    std::vector<SummaryOutput> outputs;
    for (const auto& path : output_paths) {
        const auto output_format = summary_format_from_path(path);
        if (!output_format)
            return usage_error(err, "cannot tell the summary format of '" + path + "' (use .txt, .md or .json)");
        if (auto problem = check_report_destination(path)) {
            err << "preflight: " << *problem << "; nothing was summarized\n";
            return kExitUsage;
        }
        outputs.push_back({path, *output_format});
    }
    return run_summary_command(inputs, *stdout_format, outputs, out, err);
}

}  // namespace

int use_default_rules_when_none(std::vector<std::string>& paths, std::ostream& err) {
    if (!paths.empty()) return 0;
    const std::string directory = default_rules_directory();
    std::error_code ec;
    bool has_rules = false;
    if (fs::is_directory(directory, ec))
        for (const auto& entry : fs::directory_iterator(directory, ec)) {
            auto ext = entry.path().extension().string();
            if (ext == ".yaml" || ext == ".yml") has_rules = true;
        }
    if (has_rules && !ec) {
        paths.push_back(directory);
        return 0;
    }
    err << "preflight: no RULES given, and the default rule directory " << directory
        << (fs::exists(directory, ec) ? " holds no *.yaml rule files" : " does not exist")
        << "; nothing was run\n";
    return kExitInvalidPack;
}

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
            err << general_usage();
            return kExitUsage;
        }
        const std::string& command = args[0];
        std::vector<std::string> rest(args.begin() + 1, args.end());
        if (command == "help" && rest.size() == 1 && has_usage(rest[0])) {
            out << *command_usage(rest[0]);
            return kExitPass;
        }
        if (command == "--help" || command == "-h" || command == "help") {
            out << general_usage();
            return kExitPass;
        }
        if (has_usage(command) && asks_for_help(rest)) {
            out << *command_usage(command);
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
        if (command == "summary") return summary_command(rest, out, err);
        if (command == "completion") {
            if (rest.size() != 1 || rest[0] != "bash") return usage_error(err, "'completion' takes one argument: bash");
            out << bash_completion_script();
            return kExitPass;
        }
        if (command == "__man" && rest.size() == 1 && (rest[0] == "1" || rest[0] == "5")) {
            out << (rest[0] == "1" ? man_page_preflight() : man_page_rules());
            return kExitPass;
        }
        std::vector<std::string> names;
        for (const auto& c : all_commands()) names.push_back(c.name);
        return usage_error(err, "unknown command '" + command + "'" + did_you_mean(command, names));
    } catch (const po::error& e) {
        return usage_error(err, e.what());
    } catch (const std::exception& e) {
        err << "preflight: internal error: " << e.what() << "\n";
        return kExitInternal;
    }
}

}  // namespace preflight
