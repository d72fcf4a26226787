#pragma once
// The `needs` edges of a pack by position, and the order in which ready checks start.
#include <cstddef>
#include <vector>

#include "src/pack.hpp"

namespace preflight {

/// Built once per run. Ids that name no check are ignored (the loader refuses them).
struct NeedsGraph {
    std::vector<std::vector<size_t>> needs;      ///< needs[i]: the checks i needs
    std::vector<std::vector<size_t>> needed_by;  ///< needed_by[i]: the checks that need i
    /// rank[i]: position of i in the start order among ready checks: the heads of the longest
    /// chains first (a chain's checks run one after another, so it sets the run's length), then
    /// pack order. A check on a cycle sorts last.
    std::vector<size_t> rank;

    explicit NeedsGraph(const RulePack& pack);
};

}  // namespace preflight
