#include "src/selection.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <map>

#include "src/diagnostics.hpp"

namespace preflight {

namespace {

bool matches(const std::string& id, const std::vector<std::string>& patterns) {
    for (const auto& p : patterns)
        if (fnmatch(p.c_str(), id.c_str(), 0) == 0) return true;
    return false;
}

bool has_any_tag(const CheckDecl& check, const std::vector<std::string>& tags) {
    return std::any_of(check.tags.begin(), check.tags.end(), [&tags](const std::string& t) {
        return std::find(tags.begin(), tags.end(), t) != tags.end();
    });
}

}  // namespace

std::vector<std::string> selection_problems(const RulePack& pack, const Selection& selection) {
    std::vector<std::string> ids, tags;
    for (const auto& c : pack.checks) {
        ids.push_back(c.id);
        for (const auto& t : c.tags)
            if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
    }
    std::vector<std::string> problems;
    auto check_patterns = [&](const std::string& flag, const std::vector<std::string>& patterns) {
        for (const auto& p : patterns)
            if (std::none_of(ids.begin(), ids.end(), [&p](const std::string& id) { return matches(id, {p}); }))
                problems.push_back(flag + " '" + p + "' matches no check" + did_you_mean(p, ids));
    };
    check_patterns("--only", selection.only);
    check_patterns("--skip", selection.skip);
    for (const auto& t : selection.tags)
        if (std::find(tags.begin(), tags.end(), t) == tags.end())
            problems.push_back("--tag '" + t + "' is not a tag of any check" + did_you_mean(t, tags));
    return problems;
}

std::vector<std::string> undeclared_var_problems(const RulePack& pack,
                                                 const std::vector<std::pair<std::string, std::string>>& overrides) {
    std::vector<std::string> declared;
    for (const auto& [name, value] : pack.vars) declared.push_back(name);
    std::vector<std::string> problems;
    for (const auto& [name, value] : overrides)
        if (std::find(declared.begin(), declared.end(), name) == declared.end())
            problems.push_back("--var '" + name + "': no rule file declares it under 'vars:'" +
                               did_you_mean(name, declared));
    return problems;
}

std::optional<std::vector<std::string>> select_checks(const RulePack& pack, const Selection& selection,
                                                      std::string& error) {
    const size_t n = pack.checks.size();
    std::vector<std::string> reasons(n);
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < n; ++i) index[pack.checks[i].id] = i;
    std::vector<bool> chosen(n, false), skipped(n, false);
    for (size_t i = 0; i < n; ++i) {
        const CheckDecl& c = pack.checks[i];
        skipped[i] = matches(c.id, selection.skip);
        if (skipped[i]) reasons[i] = "not selected by --skip";
        else if (!selection.only.empty() && !matches(c.id, selection.only)) reasons[i] = "not selected by --only";
        else if (!selection.tags.empty() && !has_any_tag(c, selection.tags)) reasons[i] = "not selected by --tag";
        else chosen[i] = true;
    }
    // A chosen check pulls in what it needs, unless --skip names it.
    std::vector<size_t> work;
    for (size_t i = 0; i < n; ++i)
        if (chosen[i]) work.push_back(i);
    while (!work.empty()) {
        size_t i = work.back();
        work.pop_back();
        for (const auto& need : pack.checks[i].needs) {
            auto it = index.find(need);
            if (it == index.end() || chosen[it->second] || skipped[it->second]) continue;
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

std::vector<std::string> unmet_need_notes(const RulePack& pack, const std::vector<std::string>& deselected) {
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < pack.checks.size(); ++i) index[pack.checks[i].id] = i;
    std::vector<std::string> notes;
    for (size_t i = 0; i < pack.checks.size(); ++i) {
        if (!deselected[i].empty()) continue;
        const CheckDecl& c = pack.checks[i];
        for (const auto& need : c.needs) {
            auto it = index.find(need);
            if (it == index.end() || deselected[it->second].empty()) continue;
            notes.push_back("check '" + c.id + "' needs '" + need + "', which is " + deselected[it->second] +
                            ": '" + c.id + "' will be skipped and cannot pass");
        }
    }
    return notes;
}

}  // namespace preflight
