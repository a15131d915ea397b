// A* on the 1 m grid: straight when the way is open, around an obstacle when it is not,
// never through one.
#include <gtest/gtest.h>

#include <vector>

#include "navigation.h"
#include "world_test_support.h"

using namespace aicore::host;
using namespace aicore::host::testing;

namespace {

constexpr float kRadius = 0.4f;

// Every leg of the path, from `from`, keeps the agent's radius from every obstacle.
void expectClearPath(const ObstacleMap& map, Vec2 from, const std::vector<Vec2>& path) {
    Vec2 at = from;
    for (const Vec2 next : path) {
        EXPECT_TRUE(map.segmentClear(at, next, kRadius))
            << "(" << at.x << "," << at.y << ") -> (" << next.x << "," << next.y << ")";
        at = next;
    }
}

}  // namespace

TEST(NavigationGrid, AnOpenWayIsOneStraightLeg) {
    const ObstacleMap map = emptyMap();
    NavigationGrid grid(map, kRadius);
    const auto path = grid.findPath({10.0f, 10.0f}, {90.0f, 80.0f});
    ASSERT_EQ(path.size(), 1u);
    EXPECT_EQ(path[0], (Vec2{90.0f, 80.0f}));
}

TEST(NavigationGrid, AWallInTheWayIsWalkedAroundWithoutCuttingThroughIt) {
    const ObstacleMap map = wallMap();
    NavigationGrid grid(map, kRadius);
    const Vec2 from{30.0f, 50.0f};
    const Vec2 to{70.0f, 50.0f};
    ASSERT_FALSE(map.segmentClear(from, to, kRadius));
    const auto path = grid.findPath(from, to);
    ASSERT_GE(path.size(), 2u);  // at least one corner before the goal
    EXPECT_EQ(path.back(), to);
    expectClearPath(map, from, path);
    // Corners are cut: a handful of legs, not one per grid cell.
    EXPECT_LE(path.size(), 6u);
}

TEST(NavigationGrid, RepeatedQueriesGiveTheSamePath) {
    // The search arrays are reused between queries (a generation counter marks the cells
    // a query touched): an earlier search must not leak into a later one.
    const ObstacleMap map = ObstacleMap::standard();
    NavigationGrid grid(map, kRadius);
    const auto first = grid.findPath({5.0f, 50.0f}, {95.0f, 50.0f});
    grid.findPath({50.0f, 95.0f}, {50.0f, 5.0f});
    EXPECT_EQ(grid.findPath({5.0f, 50.0f}, {95.0f, 50.0f}), first);
    expectClearPath(map, {5.0f, 50.0f}, first);
}
