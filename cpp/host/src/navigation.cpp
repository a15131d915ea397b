#include "navigation.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <queue>
#include <utility>

namespace aicore::host {

namespace {
constexpr float kCellM = 1.0f;
// A cell is walkable when its centre keeps this much more than the agent's radius from
// every obstacle: half a diagonal, so the straight step to any walkable neighbour stays
// clear of the obstacle too.
constexpr float kCellClearanceM = 0.75f;
}  // namespace

NavigationGrid::NavigationGrid(const ObstacleMap& map, float agentRadiusM)
    : map_(&map),
      agentRadiusM_(agentRadiusM),
      side_(static_cast<int>(std::ceil(map.sizeM() / kCellM))) {
    const auto cells = static_cast<std::size_t>(side_) * static_cast<std::size_t>(side_);
    free_.resize(cells);
    cost_.resize(cells);
    parent_.resize(cells);
    visited_.resize(cells, 0);
    for (int cell = 0; cell < side_ * side_; ++cell) {
        const Vec2 c = centreOf(cell);
        const float edge = agentRadiusM + kCellClearanceM;
        const bool inside = c.x >= edge && c.y >= edge && c.x <= map.sizeM() - edge &&
                            c.y <= map.sizeM() - edge;
        free_[static_cast<std::size_t>(cell)] = inside && !map.blocked(c, edge) ? 1 : 0;
    }
}

int NavigationGrid::cellOf(Vec2 p) const {
    const int i = std::clamp(static_cast<int>(p.x / kCellM), 0, side_ - 1);
    const int j = std::clamp(static_cast<int>(p.y / kCellM), 0, side_ - 1);
    return j * side_ + i;
}

Vec2 NavigationGrid::centreOf(int cell) const {
    return {(static_cast<float>(cell % side_) + 0.5f) * kCellM,
            (static_cast<float>(cell / side_) + 0.5f) * kCellM};
}

int NavigationGrid::nearestFreeCell(Vec2 p) const {
    const int start = cellOf(p);
    if (free_[static_cast<std::size_t>(start)]) return start;
    const int si = start % side_;
    const int sj = start / side_;
    int best = -1;
    float bestDistance = std::numeric_limits<float>::max();
    for (int ring = 1; ring <= 6 && best < 0; ++ring) {
        for (int j = sj - ring; j <= sj + ring; ++j) {
            for (int i = si - ring; i <= si + ring; ++i) {
                if (i < 0 || j < 0 || i >= side_ || j >= side_) continue;
                if (std::max(std::abs(i - si), std::abs(j - sj)) != ring) continue;
                const int cell = j * side_ + i;
                if (!free_[static_cast<std::size_t>(cell)]) continue;
                const float d = distance(p, centreOf(cell));
                if (d < bestDistance) {
                    bestDistance = d;
                    best = cell;
                }
            }
        }
    }
    return best;
}

std::vector<Vec2> NavigationGrid::findPath(Vec2 from, Vec2 to) {
    if (map_->segmentClear(from, to, agentRadiusM_)) return {to};
    const int start = nearestFreeCell(from);
    const int goal = nearestFreeCell(to);
    if (start < 0 || goal < 0) return {to};

    // A* over 8 neighbours; diagonals only where both orthogonal cells are free so that
    // a step never grazes an obstacle's corner.
    ++generation_;
    using Entry = std::pair<float, int>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> open;
    const Vec2 goalCentre = centreOf(goal);
    const auto heuristic = [&](int cell) {
        const Vec2 d = centreOf(cell) - goalCentre;
        const float dx = std::abs(d.x);
        const float dy = std::abs(d.y);
        return std::max(dx, dy) + (std::numbers::sqrt2_v<float> - 1.0f) * std::min(dx, dy);
    };
    const auto touch = [&](int cell, float cost, int parent) {
        const auto c = static_cast<std::size_t>(cell);
        if (visited_[c] == generation_ && cost_[c] <= cost) return;
        visited_[c] = generation_;
        cost_[c] = cost;
        parent_[c] = parent;
        open.emplace(cost + heuristic(cell), cell);
    };
    touch(start, 0.0f, -1);
    bool found = false;
    while (!open.empty()) {
        const auto [priority, cell] = open.top();
        open.pop();
        const auto c = static_cast<std::size_t>(cell);
        if (priority > cost_[c] + heuristic(cell) + 1e-4f) continue;  // stale entry
        if (cell == goal) {
            found = true;
            break;
        }
        const int i = cell % side_;
        const int j = cell / side_;
        for (int dj = -1; dj <= 1; ++dj) {
            for (int di = -1; di <= 1; ++di) {
                if (di == 0 && dj == 0) continue;
                const int ni = i + di;
                const int nj = j + dj;
                if (ni < 0 || nj < 0 || ni >= side_ || nj >= side_) continue;
                const int next = nj * side_ + ni;
                if (!free_[static_cast<std::size_t>(next)]) continue;
                if (di != 0 && dj != 0 &&
                    (!free_[static_cast<std::size_t>(j * side_ + ni)] ||
                     !free_[static_cast<std::size_t>(nj * side_ + i)]))
                    continue;
                const float step = (di != 0 && dj != 0) ? std::numbers::sqrt2_v<float> : 1.0f;
                touch(next, cost_[c] + step * kCellM, cell);
            }
        }
    }
    if (!found) return {to};

    std::vector<Vec2> points;
    for (int cell = goal; cell >= 0; cell = parent_[static_cast<std::size_t>(cell)])
        points.push_back(centreOf(cell));
    points.push_back(from);
    std::reverse(points.begin(), points.end());
    points.push_back(to);

    // Cut corners: from each kept point, jump to the furthest point still in clear sight.
    std::vector<Vec2> path;
    std::size_t at = 0;
    while (at + 1 < points.size()) {
        std::size_t next = at + 1;
        for (std::size_t j = points.size() - 1; j > at + 1; --j) {
            if (map_->segmentClear(points[at], points[j], agentRadiusM_)) {
                next = j;
                break;
            }
        }
        path.push_back(points[next]);
        at = next;
    }
    return path;
}

}  // namespace aicore::host
