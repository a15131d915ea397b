#include "geometry.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace aicore::host {

float length(Vec2 v) { return std::sqrt(v.x * v.x + v.y * v.y); }
float distance(Vec2 a, Vec2 b) { return length(a - b); }

Vec2 rotated(Vec2 v, float radians) {
    const float c = std::cos(radians);
    const float s = std::sin(radians);
    return {v.x * c - v.y * s, v.x * s + v.y * c};
}

namespace {

// Pushed-out points land this far beyond the margin so that the strict `blocked` test
// never flips back on rounding.
constexpr float kPushSlackM = 1e-3f;

float dot(Vec2 a, Vec2 b) { return a.x * b.x + a.y * b.y; }

float distanceToSegment(Vec2 p, Vec2 a, Vec2 b) {
    const Vec2 ab = b - a;
    const float len2 = dot(ab, ab);
    const float t = len2 > 0.0f ? std::clamp(dot(p - a, ab) / len2, 0.0f, 1.0f) : 0.0f;
    return distance(p, a + ab * t);
}

bool insideBox(Vec2 p, const BoxObstacle& b) {
    return p.x > b.min.x && p.x < b.max.x && p.y > b.min.y && p.y < b.max.y;
}

Vec2 closestOnBox(Vec2 p, const BoxObstacle& b) {
    return {std::clamp(p.x, b.min.x, b.max.x), std::clamp(p.y, b.min.y, b.max.y)};
}

float distanceToBox(Vec2 p, const BoxObstacle& b) { return distance(p, closestOnBox(p, b)); }

// Liang-Barsky: does the segment a-b pass through the box's interior?
bool segmentCrossesBox(Vec2 a, Vec2 b, const BoxObstacle& box) {
    float t0 = 0.0f;
    float t1 = 1.0f;
    const Vec2 d = b - a;
    const float p[4] = {-d.x, d.x, -d.y, d.y};
    const float q[4] = {a.x - box.min.x, box.max.x - a.x, a.y - box.min.y, box.max.y - a.y};
    for (int i = 0; i < 4; ++i) {
        if (p[i] == 0.0f) {
            if (q[i] <= 0.0f) return false;  // parallel and outside (or on) this slab
            continue;
        }
        const float t = q[i] / p[i];
        if (p[i] < 0.0f) {
            t0 = std::max(t0, t);
        } else {
            t1 = std::min(t1, t);
        }
        if (t0 > t1) return false;
    }
    return t1 > t0;  // a positive-length piece lies inside, not just a touching corner
}

// The distance between a segment and a box it does not cross: the nearest pair is an
// endpoint against the box or a corner against the segment.
float segmentToBoxDistance(Vec2 a, Vec2 b, const BoxObstacle& box) {
    float best = std::min(distanceToBox(a, box), distanceToBox(b, box));
    const Vec2 corners[4] = {box.min, {box.max.x, box.min.y}, box.max, {box.min.x, box.max.y}};
    for (const Vec2 c : corners) best = std::min(best, distanceToSegment(c, a, b));
    return best;
}

}  // namespace

ObstacleMap::ObstacleMap(float sizeM, std::vector<CircleObstacle> circles,
                         std::vector<BoxObstacle> boxes)
    : sizeM_(sizeM), circles_(std::move(circles)), boxes_(std::move(boxes)) {}

ObstacleMap ObstacleMap::standard() {
    // A village square: a well, two trees, a rock; a barn, a house, a long wall, a cart.
    return ObstacleMap(100.0f,
                       {{{50.0f, 50.0f}, 4.0f},
                        {{20.0f, 75.0f}, 3.0f},
                        {{78.0f, 22.0f}, 2.5f},
                        {{30.0f, 30.0f}, 2.0f}},
                       {{{62.0f, 60.0f}, {74.0f, 70.0f}},
                        {{15.0f, 10.0f}, {25.0f, 18.0f}},
                        {{40.0f, 84.0f}, {70.0f, 86.0f}},
                        {{82.0f, 45.0f}, {86.0f, 55.0f}}});
}

bool ObstacleMap::blocked(Vec2 p, float marginM) const {
    for (const auto& c : circles_)
        if (distance(p, c.centre) < c.radiusM + marginM) return true;
    for (const auto& b : boxes_)
        if (insideBox(p, b) || distanceToBox(p, b) < marginM) return true;
    return false;
}

bool ObstacleMap::segmentClear(Vec2 a, Vec2 b, float marginM) const {
    for (const auto& c : circles_)
        if (distanceToSegment(c.centre, a, b) < c.radiusM + marginM) return false;
    for (const auto& box : boxes_) {
        if (segmentCrossesBox(a, b, box)) return false;
        if (marginM > 0.0f && segmentToBoxDistance(a, b, box) < marginM) return false;
    }
    return true;
}

Vec2 ObstacleMap::pushOut(Vec2 p, float marginM) const {
    const auto clampToMap = [&](Vec2 q) {
        return Vec2{std::clamp(q.x, marginM, sizeM_ - marginM),
                    std::clamp(q.y, marginM, sizeM_ - marginM)};
    };
    p = clampToMap(p);
    // Obstacles are kept apart by more than two margins, so leaving one never enters
    // another; the passes only matter for maps built without that rule.
    for (int pass = 0; pass < 4 && blocked(p, marginM); ++pass) {
        for (const auto& c : circles_) {
            const Vec2 off = p - c.centre;
            const float d = length(off);
            if (d >= c.radiusM + marginM) continue;
            const Vec2 dir = d > 1e-6f ? off * (1.0f / d) : Vec2{1.0f, 0.0f};
            p = c.centre + dir * (c.radiusM + marginM + kPushSlackM);
        }
        for (const auto& b : boxes_) {
            if (insideBox(p, b)) {
                // Out through the nearest face.
                const float left = p.x - b.min.x;
                const float right = b.max.x - p.x;
                const float down = p.y - b.min.y;
                const float up = b.max.y - p.y;
                const float m = marginM + kPushSlackM;
                const float nearest = std::min({left, right, down, up});
                if (nearest == left) {
                    p.x = b.min.x - m;
                } else if (nearest == right) {
                    p.x = b.max.x + m;
                } else if (nearest == down) {
                    p.y = b.min.y - m;
                } else {
                    p.y = b.max.y + m;
                }
            } else {
                const Vec2 q = closestOnBox(p, b);
                const float d = distance(p, q);
                if (d >= marginM) continue;
                const Vec2 dir = d > 1e-6f ? (p - q) * (1.0f / d) : Vec2{1.0f, 0.0f};
                p = q + dir * (marginM + kPushSlackM);
            }
        }
        p = clampToMap(p);
    }
    return p;
}

}  // namespace aicore::host
