#include "src/needs_graph.hpp"

#include <algorithm>
#include <map>
#include <string>

namespace preflight {

NeedsGraph::NeedsGraph(const RulePack& pack) {
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < pack.checks.size(); ++i) index[pack.checks[i].id] = i;
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

}  // namespace preflight
