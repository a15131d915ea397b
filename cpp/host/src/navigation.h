#pragma once
// A* navigation for aicore-host's world: paths around the obstacles of an ObstacleMap.
#include <cstdint>
#include <vector>

#include "geometry.h"

namespace aicore::host {

/// Plans paths on a 1 m grid around the obstacles (A*, then shortened by cutting every
/// corner the obstacles allow). Owns its search arrays so a query allocates only the
/// returned path.
class NavigationGrid {
public:
    /// Borrows `map`, which must outlive the grid.
    NavigationGrid(const ObstacleMap& map, float agentRadiusM);

    /// Waypoints from `from` to `to` (excluding `from`, ending at `to`). A straight line
    /// when nothing is in the way; if `to` cannot be reached, also a straight line (the
    /// agent then slides along whatever stops it).
    std::vector<Vec2> findPath(Vec2 from, Vec2 to);

private:
    int cellOf(Vec2 p) const;
    Vec2 centreOf(int cell) const;
    int nearestFreeCell(Vec2 p) const;

    const ObstacleMap* map_;
    float agentRadiusM_;
    int side_;
    std::vector<std::uint8_t> free_;
    std::vector<float> cost_;
    std::vector<int> parent_;
    std::vector<std::uint32_t> visited_;  // search generation that touched the cell
    std::uint32_t generation_ = 0;
};

}  // namespace aicore::host
