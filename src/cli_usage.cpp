#include "src/cli_usage.hpp"

#include <cstdlib>
#include <iomanip>
#include <sstream>

namespace preflight {

namespace {

std::string option_label(const OptionDoc& o) {
    std::string label = o.short_name.empty() ? o.long_name : o.short_name + ", " + o.long_name;
    return o.argument.empty() ? label : label + " " + o.argument;
}

std::string run_options_text() {
    std::ostringstream out;
    for (const auto& o : run_options())
        out << "  " << std::left << std::setw(22) << option_label(o) << "  " << o.doc << "\n";
    return out.str();
}

}  // namespace

std::string default_rules_directory() {
    const char* overridden = std::getenv("PREFLIGHT_RULES_DIR");
    return overridden && *overridden ? overridden : kDefaultRulesDirectory;
}

const std::vector<CommandDoc>& all_commands() {
    static const std::vector<CommandDoc> commands = {
        {"run", "[RULES...] [options]", "[RULES...] [options]", "run the checks against this host",
         "Runs the checks of RULES against this host and judges the gate.\n", true,
         "exit status: 0 gate open · 1 a gating check failed · 2 a gating check could not be evaluated\n"
         "             64 bad command line · 65 invalid rule pack (or no RULES and an empty or missing\n"
         "             /etc/preflight/rules.d) · 66 a rule file cannot be read · 70 internal error\n"},
        {"validate", "[RULES...]", "[RULES...]", "load and validate only; touches nothing on the host",
         "Loads and validates RULES exactly as 'preflight run' loads them; touches nothing on\n"
         "the host.\n", true,
         "exit status: 0 valid · 64 bad command line · 65 invalid rule pack · 66 a rule file cannot be read\n"},
        {"list", "[RULES...]", "[RULES...]", "one line per check: id, kind, severity, title",
         "One line per check of RULES (loaded as 'preflight run' loads them): id, kind,\n"
         "severity, title.\n", true,
         "exit status: 0 listed · 64 bad command line · 65 invalid rule pack · 66 a rule file cannot be read\n"},
        {"kinds", "[KIND]", "[KIND | --markdown]", "reference of check kinds and their fields",
         "Reference of the check kinds and their fields, from the code; with KIND, that kind only;\n"
         "--markdown: the README's reference tables.\n", false,
         "exit status: 0 printed · 64 unknown kind or bad command line\n"},
        {"schema", "", "", "JSON Schema of the rule language",
         "JSON Schema of the rule language (for editors and yaml-language-server).\n", false,
         "exit status: 0 printed · 64 bad command line\n"},
        {"diff", "OLD.json NEW.json", "OLD.json NEW.json [-f text|json]", "what changed between two JSON reports",
         "What changed between two JSON reports of the same pack: checks newly failing, newly passing\n"
         "or otherwise changed, drift of observed values, checks added and removed.\n", false,
         "exit status: 0 no regression · 1 regression (NEW has a failing check OLD did not have)\n"
         "             64 bad command line · 65 a report is not a preflight JSON report, or the two are\n"
         "             of different packs or schema versions · 66 a report file cannot be read\n"},
        {"summary", "REPORT.json|DIR...", "[-f text|markdown|json] [-o PATH]... REPORT.json|DIR...",
         "fleet rollup: one row per host and pack (verdict, failing ids)",
         "The fleet rollup of JSON reports written by 'preflight run -o X.json': one row per report\n"
         "(host, verdict, failing and erroring check ids, start time), grouped per pack. A DIR means\n"
         "every *.json file directly in it (sorted by name; names starting with '.' left out). A PASS\n"
         "whose report contradicts it (incomplete run, exit_code not 0, a critical check failed or in\n"
         "error) counts as unknown. Nothing is summarized unless every report can be used.\n"
         "  -f, --format FORMAT   stdout format: text (default), markdown, json.\n"
         "  -o, --output PATH     also write the summary to PATH (repeatable), atomically; format\n"
         "                        from its extension: .txt .md .json.\n", false,
         "exit status: 0 every report ready · 1 a report not ready, none unknown · 2 a report unknown\n"
         "             (verdict ERROR, or a PASS it contradicts) · 64 bad command line · 65 a file is not a\n"
         "             preflight JSON report (not JSON, another shape, another schema version) · 66 a report\n"
         "             cannot be read (missing, not a regular file, unreadable) or a DIR holds no *.json\n"
         "             file · 70 a summary file cannot be written\n"},
        {"completion", "bash", "bash", "the bash completion script",
         "Prints the bash completion script (installed as\n"
         "/usr/share/bash-completion/completions/preflight).\n", false,
         "exit status: 0 printed · 64 bad command line\n"},
    };
    return commands;
}

const CommandDoc* find_command(const std::string& name) {
    for (const auto& c : all_commands())
        if (c.name == name) return &c;
    return nullptr;
}

const std::vector<OptionDoc>& run_options() {
    static const std::vector<OptionDoc> options = {
        {"", "--var", "NAME=VALUE", "set a variable the pack declares under vars: (repeatable)", {}},
        {"", "--env-file", "PATH", "read another env file after the pack's (repeatable)", {}},
        {"-o", "--output", "PATH", "write a report; format from extension: .json .md .xml (JUnit) .txt .prom (Prometheus) (repeatable)", {}},
        {"-f", "--format", "FORMAT", "stdout format: text (default), json, markdown, junit, prometheus",
         {"text", "json", "markdown", "junit", "prometheus"}},
        {"", "--only", "ID|GLOB", "run only these checks and what they need (repeatable)", {}},
        {"", "--skip", "ID|GLOB", "do not run these checks, even when a selected check needs them (repeatable)", {}},
        {"", "--tag", "TAG", "run only checks with this tag and what they need (repeatable)", {}},
        {"-j", "--jobs", "N", "checks run at once (default: number of cores)", {}},
        {"", "--strict", "", "warning checks also close the gate", {}},
        {"", "--deadline", "SECONDS", "limit for the whole run", {}},
        {"", "--no-color", "", "no colour (also NO_COLOR, and when stdout is not a terminal)", {}},
        {"-q", "--quiet", "", "print only the verdict and what did not pass", {}},
    };
    return options;
}

std::string general_usage() {
    std::ostringstream out;
    bool first = true;
    for (const auto& c : all_commands()) {
        std::string call = c.summary_args.empty() ? c.name : c.name + " " + c.summary_args;
        out << (first ? "usage: preflight " : "       preflight ") << std::left << std::setw(28) << call << "  "
            << c.summary << "\n";
        first = false;
    }
    out << "       preflight " << std::left << std::setw(28) << "--version | --help" << "  "
        << "(and 'preflight COMMAND --help')\n"
        << "\n" << kRulesArgumentMeaning << "\nrun options:\n" << run_options_text() << "\n"
        << find_command("run")->exit_status;
    return out.str();
}

std::optional<std::string> command_usage(const std::string& name) {
    const CommandDoc* c = find_command(name);
    if (!c) return std::nullopt;
    std::string text = "usage: preflight " + c->name + (c->usage_args.empty() ? "" : " " + c->usage_args) + "\n" +
                       c->description + (c->takes_rules ? kRulesArgumentMeaning : "") + "\n";
    if (name == "run") text += "options:\n" + run_options_text() + "\n";
    return text + c->exit_status;
}

}  // namespace preflight
