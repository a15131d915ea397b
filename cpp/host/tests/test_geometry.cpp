// The ground: line of sight, pushing out of obstacles, the standard map's spacing.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "world_test_support.h"

using namespace aicore::host;
using namespace aicore::host::testing;

TEST(ObstacleMap, LineOfSightIsBlockedByAnObstacleAndClearWithout) {
    const Vec2 a{40.0f, 50.0f};
    const Vec2 b{60.0f, 50.0f};
    EXPECT_TRUE(emptyMap().segmentClear(a, b));
    EXPECT_FALSE(ObstacleMap(100.0f, {{{50.0f, 50.0f}, 3.0f}}, {}).segmentClear(a, b));
    EXPECT_FALSE(wallMap().segmentClear(a, b));
    // Passing beside the obstacle is clear; grazing it within a margin is not.
    const ObstacleMap circle(100.0f, {{{50.0f, 50.0f}, 3.0f}}, {});
    EXPECT_TRUE(circle.segmentClear({40.0f, 54.0f}, {60.0f, 54.0f}));
    EXPECT_FALSE(circle.segmentClear({40.0f, 54.0f}, {60.0f, 54.0f}, 1.5f));
    EXPECT_TRUE(wallMap().segmentClear({40.0f, 80.0f}, {60.0f, 80.0f}));
}

TEST(ObstacleMap, PushOutPutsAPointInsideAnObstacleJustOutsideIt) {
    const ObstacleMap map = ObstacleMap::standard();
    for (const auto& c : map.circles()) {
        const Vec2 p = map.pushOut(c.centre + Vec2{0.3f, 0.1f}, 0.4f);
        EXPECT_FALSE(map.blocked(p, 0.4f));
        EXPECT_NEAR(distance(p, c.centre), c.radiusM + 0.4f, 0.01f);
    }
    for (const auto& b : map.boxes()) {
        const Vec2 centre = (b.min + b.max) * 0.5f;
        EXPECT_FALSE(map.blocked(map.pushOut(centre, 0.4f), 0.4f));
    }
    const Vec2 offMap = map.pushOut({-5.0f, 120.0f}, 0.4f);
    EXPECT_FLOAT_EQ(offMap.x, 0.4f);
    EXPECT_FLOAT_EQ(offMap.y, 99.6f);
}

TEST(ObstacleMap, StandardObstaclesAreFarEnoughApartToWalkBetween) {
    const ObstacleMap map = ObstacleMap::standard();
    // Sample the ring 2 m around each obstacle: it must not touch another obstacle.
    for (const auto& c : map.circles()) {
        for (int k = 0; k < 64; ++k) {
            const float t = static_cast<float>(k) * 6.2831853f / 64.0f;
            const Vec2 p = c.centre + Vec2{std::cos(t), std::sin(t)} * (c.radiusM + 2.0f);
            EXPECT_FALSE(map.blocked(p)) << p.x << "," << p.y;
        }
    }
}
