#pragma once
// The ground of aicore-host's world: points on a flat map, the static obstacles on it, and
// the tests the sim and the pathfinder ask of them (blocked, line of sight, push out).
#include <vector>

namespace aicore::host {

/// A point or direction on the ground plane, metres (z is always 0 in this world).
struct Vec2 {
    float x = 0.0f;
    float y = 0.0f;

    friend Vec2 operator+(Vec2 a, Vec2 b) { return {a.x + b.x, a.y + b.y}; }
    friend Vec2 operator-(Vec2 a, Vec2 b) { return {a.x - b.x, a.y - b.y}; }
    friend Vec2 operator*(Vec2 a, float s) { return {a.x * s, a.y * s}; }
    friend bool operator==(Vec2 a, Vec2 b) = default;
};

float length(Vec2 v);
float distance(Vec2 a, Vec2 b);
/// `v` turned counter-clockwise by `radians`.
Vec2 rotated(Vec2 v, float radians);

struct CircleObstacle {
    Vec2 centre;
    float radiusM = 1.0f;
};

/// Axis-aligned.
struct BoxObstacle {
    Vec2 min;
    Vec2 max;
};

/// The static obstacles of a square map with its corner at the origin.
class ObstacleMap {
public:
    ObstacleMap(float sizeM, std::vector<CircleObstacle> circles, std::vector<BoxObstacle> boxes);

    /// The map aicore-host plays on: 100 m square, a few circles and boxes kept at least
    /// 4 m apart so that no two of them form a pocket an agent could get trapped in.
    static ObstacleMap standard();

    float sizeM() const { return sizeM_; }
    const std::vector<CircleObstacle>& circles() const { return circles_; }
    const std::vector<BoxObstacle>& boxes() const { return boxes_; }

    /// True if `p` lies inside an obstacle grown by `marginM` (an agent's radius).
    bool blocked(Vec2 p, float marginM = 0.0f) const;

    /// True if the segment a-b keeps further than `marginM` from every obstacle.
    /// With margin 0 this is the line-of-sight test.
    bool segmentClear(Vec2 a, Vec2 b, float marginM = 0.0f) const;

    /// The nearest point to `p` that is at least `marginM` from every obstacle and from the
    /// map's edge: how an agent that stepped into an obstacle is put back out.
    Vec2 pushOut(Vec2 p, float marginM) const;

private:
    float sizeM_;
    std::vector<CircleObstacle> circles_;
    std::vector<BoxObstacle> boxes_;
};

}  // namespace aicore::host
