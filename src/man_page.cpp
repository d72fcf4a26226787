#include "src/man_page.hpp"

#include <sstream>

#include "checks/registry.hpp"
#include "src/cli_usage.hpp"
#include "src/kind_reference.hpp"

namespace preflight {

namespace {

// Text as roff: backslashes and minus signs escaped, a leading '.' or '\'' neutralised,
// the non-ASCII punctuation of the help texts spelled as roff glyphs.
std::string roff(const std::string& text) {
    std::string out;
    bool line_start = true;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (line_start && (c == '.' || c == '\'')) out += "\\&";
        line_start = c == '\n';
        if (c == '\\') out += "\\e";
        else if (c == '-') out += "\\-";
        else if (text.compare(i, 2, "\xC2\xB7") == 0) { out += "\\(bu"; ++i; }
        else if (text.compare(i, 3, "\xE2\x80\x94") == 0) { out += "\\(em"; i += 2; }
        else if (text.compare(i, 3, "\xE2\x80\x93") == 0) { out += "\\(en"; i += 2; }
        else out += c;
    }
    return out;
}

// Lines joined into one paragraph (roff fills it), the runs of alignment spaces collapsed.
std::string paragraph(const std::string& text) {
    std::string out;
    bool space = false;
    for (char c : text) {
        if (c == '\n' || c == ' ') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

std::string without_prefix(const std::string& text, const std::string& prefix) {
    return text.rfind(prefix, 0) == 0 ? text.substr(prefix.size()) : text;
}

void field_list(std::ostringstream& out, const std::vector<FieldSpec>& fields) {
    for (const auto& f : fields) {
        std::string type = type_name(f.type);
        if (f.type == FieldType::choice || !f.choices.empty()) {
            std::string choices;
            for (const auto& c : f.choices) choices += (choices.empty() ? "" : "|") + c;
            type = f.type == FieldType::choice ? choices : type + " of " + choices;
        }
        out << ".TP\n.B " << roff(f.name) << "\n(" << roff(type) << ", " << (f.required ? "required" : "optional")
            << (f.default_value.empty() ? "" : ", default: " + roff(f.default_value)) << ")\n"
            << roff(f.doc) << "\n";
    }
}

}  // namespace

std::string man_page_preflight() {
    std::ostringstream out;
    out << ".TH PREFLIGHT 1 \"\" \"preflight " << PREFLIGHT_VERSION << "\" \"User Commands\"\n"
        << ".SH NAME\npreflight \\- operator readiness gate: checks a host against YAML rule packs\n"
        << ".SH SYNOPSIS\n";
    for (const auto& c : all_commands())
        out << ".B preflight " << c.name << "\n" << (c.usage_args.empty() ? "" : ".I " + roff(c.usage_args) + "\n")
            << ".br\n";
    out << ".B preflight \\-\\-version\n.br\n.B preflight \\-\\-help\n"
        << ".SH DESCRIPTION\n"
        << "preflight loads a rule pack (YAML files, see\n.BR preflight\\-rules (5)),\n"
           "runs its checks against this host and judges the gate: it opens only when every gating\n"
           "check passed. A check that cannot be verified is an error, never a pass. Reports (text,\n"
           "JSON, Markdown, JUnit XML, Prometheus metrics) are redacted: no declared secret value\n"
           "appears in any output.\n"
        << ".SH COMMANDS\n";
    for (const auto& c : all_commands())
        out << ".TP\n.B " << c.name << (c.usage_args.empty() ? "" : " \\fI" + roff(c.usage_args) + "\\fR") << "\n"
            << roff(paragraph(c.description + (c.takes_rules ? kRulesArgumentMeaning : ""))) << "\n";
    out << ".SH OPTIONS\nOptions of\n.BR run :\n";
    for (const auto& o : run_options()) {
        out << ".TP\n";
        if (!o.short_name.empty()) out << "\\fB" << roff(o.short_name) << "\\fR, ";
        out << "\\fB" << roff(o.long_name) << "\\fR" << (o.argument.empty() ? "" : " \\fI" + roff(o.argument) + "\\fR")
            << "\n" << roff(o.doc) << "\n";
    }
    out << ".SH EXIT STATUS\n";
    for (const auto& c : all_commands())
        out << ".TP\n.B " << c.name << "\n" << roff(paragraph(without_prefix(c.exit_status, "exit status: "))) << "\n";
    out << ".SH ENVIRONMENT\n"
        << ".TP\n.B NO_COLOR\nwhen set, no colour in the text report\n"
        << ".TP\n.B PREFLIGHT_RULES_DIR\nreplaces " << roff(kDefaultRulesDirectory)
        << " as the directory read when no RULES are given (meant for tests)\n"
        << ".PP\nRule packs read the process environment through\n.BR ${env.NAME}\n"
           "after their env files; PostgreSQL checks use libpq's usual sources (PGPASSFILE, PGPASSWORD, ...).\n"
        << ".SH FILES\n"
        << ".TP\n.I " << roff(kDefaultRulesDirectory) << "/\nthe rule files read when no RULES are given;"
           " shipped empty. When it is missing or holds no *.yaml file, run, validate and list exit 65.\n"
        << ".TP\n.I /usr/share/preflight/rules/\nthe rule packs shipped with preflight, e.g. f4\\-backup.yaml\n"
        << ".PP\nRun as root, preflight refuses a rule file or env file that a user other than root could change.\n"
        << ".SH EXAMPLES\n"
        << ".nf\n"
        << "preflight validate /usr/share/preflight/rules/f4\\-backup.yaml\n"
        << "preflight run /usr/share/preflight/rules/f4\\-backup.yaml \\e\n"
           "    \\-\\-var env_file=/opt/app/.env \\-o report.json \\-o report.md\n"
        << "cp /usr/share/preflight/rules/f4\\-backup.yaml /etc/preflight/rules.d/ && preflight run\n"
        << "preflight list && preflight run \\-\\-only 'backup\\-*'\n"
        << "preflight kinds pg_privileges\n"
        << "preflight diff yesterday.json today.json\n"
        << "preflight summary \\-f markdown \\-o fleet.md /srv/preflight/reports/\n"
        << ".fi\n"
        << ".SH SEE ALSO\n.BR preflight\\-rules (5)\n";
    return out.str();
}

std::string man_page_rules() {
    std::ostringstream out;
    out << ".TH PREFLIGHT\\-RULES 5 \"\" \"preflight " << PREFLIGHT_VERSION << "\" \"File Formats\"\n"
        << ".SH NAME\npreflight\\-rules \\- the rule language of preflight (YAML rule packs)\n"
        << ".SH DESCRIPTION\n"
           "A rule pack is one or more YAML files (loaded together as one pack). Its top\\-level keys:\n";
    const nlohmann::json schema = rule_language_schema();
    const std::vector<std::pair<std::string, std::string>> top = {
        {"preflight", "the language version: 1 (required)"},
        {"pack", "the pack's name, [a\\-z0\\-9][a\\-z0\\-9._\\-]* (required)"},
        {"title", "one line shown in reports"},
        {"vars", "default values of variables, used as ${var.NAME}; \\-\\-var NAME=VALUE overrides them"},
        {"env_files", "env files read with docker compose .env rules; their variables are ${env.NAME} "
                      "(a later file wins, then the process environment)"},
        {"secrets", "globs of env names whose values are secret (besides *PASSWORD*, *PASSPHRASE*, "
                    "*SECRET*, *TOKEN*, *PRIVATE_KEY*): never shown in any output"},
        {"connections", "named database connections: NAME: {postgres: CONNINFO, password: ...}"},
        {"checks", "the list of checks (required, at least one)"},
    };
    for (const auto& [key, meaning] : top) {
        if (!schema["properties"].contains(key)) continue;  // the schema is the authority on the keys
        out << ".TP\n.B " << key << "\n" << meaning << "\n";
    }
    out << ".PP\nAn unresolved ${var.X} or ${env.X} makes the check that uses it an error, never a pass;\n"
           "$${ writes a literal ${. Validation is strict: unknown keys, wrong types, duplicate ids and\n"
           "keys, anchors and aliases, unknown kinds and unknown or cyclic needs are errors reported as\n"
           "FILE:LINE:COL: message.\n"
        << ".SH FIELDS EVERY CHECK HAS\n";
    field_list(out, common_fields());
    out << ".SH KINDS\n";
    for (const auto& k : all_kinds()) {
        out << ".SS " << roff(k.name) << "\n" << roff(k.summary) << "\n";
        field_list(out, k.fields);
    }
    out << ".SH FILES\n.I /usr/share/preflight/rules/\nthe shipped packs, examples of this language\n"
        << ".SH SEE ALSO\n.BR preflight (1)\n";
    return out.str();
}

}  // namespace preflight
