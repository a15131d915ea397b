#include "world_sim.h"

#include <msgpack.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <queue>
#include <string_view>
#include <utility>

namespace aicore::host {

float length(Vec2 v) { return std::sqrt(v.x * v.x + v.y * v.y); }
float distance(Vec2 a, Vec2 b) { return length(a - b); }

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

Vec2 rotated(Vec2 v, float radians) {
    const float c = std::cos(radians);
    const float s = std::sin(radians);
    return {v.x * c - v.y * s, v.x * s + v.y * c};
}

}  // namespace

// ---------------------------------------------------------------------------------------
// ObstacleMap

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

// ---------------------------------------------------------------------------------------
// NavigationGrid

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

// ---------------------------------------------------------------------------------------
// WorldStorage

WorldStorage::WorldStorage(std::uint32_t capacity)
    : capacity_(capacity),
      position_(std::size_t{capacity} * 3),
      velocity_(std::size_t{capacity} * 3),
      heading_(capacity),
      health_(capacity),
      playerPosition_(3),
      perception_(capacity) {}

WorldBuffers WorldStorage::buffers() {
    return {capacity_,      position_.data(),   velocity_.data(),       heading_.data(),
            health_.data(), perception_.data(), playerPosition_.data()};
}

// ---------------------------------------------------------------------------------------
// Commands

const char* commandTypeName(CommandType type) {
    const auto index = static_cast<std::size_t>(type);
    // The generated names are string literals: their views end in a NUL.
    return index < kCommandTypeCount ? protocol::kCommands[index].type.data() : "?";
}

namespace {

// Owns what msgpack_unpack_next allocates (its zone).
class UnpackedMessage {
public:
    UnpackedMessage() { msgpack_unpacked_init(&value_); }
    ~UnpackedMessage() { msgpack_unpacked_destroy(&value_); }
    UnpackedMessage(const UnpackedMessage&) = delete;
    UnpackedMessage& operator=(const UnpackedMessage&) = delete;
    msgpack_unpacked* get() { return &value_; }

private:
    msgpack_unpacked value_;
};

std::string_view asString(const msgpack_object& o) {
    return {o.via.str.ptr, o.via.str.size};
}

bool asNumber(const msgpack_object& o, double& out) {
    switch (o.type) {
        case MSGPACK_OBJECT_POSITIVE_INTEGER: out = static_cast<double>(o.via.u64); break;
        case MSGPACK_OBJECT_NEGATIVE_INTEGER: out = static_cast<double>(o.via.i64); break;
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64: out = o.via.f64; break;
        default: return false;
    }
    // A NaN or infinity is a number to msgpack but no place or speed in a world.
    return std::isfinite(out);
}

static_assert(protocol::kUintMax <= std::numeric_limits<std::uint32_t>::max(),
              "a slot is a uint32_t in aicore.h and in Command");

bool asSlot(const msgpack_object& o, std::uint32_t& out) {
    if (o.type != MSGPACK_OBJECT_POSITIVE_INTEGER) return false;
    if (o.via.u64 > protocol::kUintMax) return false;
    out = static_cast<std::uint32_t>(o.via.u64);
    return true;
}

bool asPosition(const msgpack_object& o, Vec2& out) {
    if (o.type != MSGPACK_OBJECT_ARRAY || o.via.array.size != 3) return false;
    double xyz[3];
    for (std::size_t i = 0; i < 3; ++i)
        if (!asNumber(o.via.array.ptr[i], xyz[i])) return false;
    out = {static_cast<float>(xyz[0]), static_cast<float>(xyz[1])};  // the ground is flat
    return true;
}

using protocol::FieldKind;
using protocol::FieldSpec;

const msgpack_object* findField(const msgpack_object& map, std::string_view name) {
    for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
        const auto& kv = map.via.map.ptr[i];
        if (kv.key.type == MSGPACK_OBJECT_STR && asString(kv.key) == name) return &kv.val;
    }
    return nullptr;
}

const char* kindName(FieldKind kind) {
    switch (kind) {
        case FieldKind::Uint: return "uint";
        case FieldKind::Number: return "finite number";
        case FieldKind::Unit: return "number within 0..1";
        case FieldKind::Any: return "msgpack value";
        case FieldKind::String: return "string";
        case FieldKind::Position: return "position [x, y, z]";
        case FieldKind::Target: return "target (\"player\" or uint)";
    }
    return "?";
}

// Returns "" and fills `out` if `o` is a valid command map, else the reason.
std::string decodeCommand(const msgpack_object& o, Command& out) {
    if (o.type != MSGPACK_OBJECT_MAP) return "a command must be a map";
    for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& key = o.via.map.ptr[i].key;
        if (key.type != MSGPACK_OBJECT_STR) return "a command's keys must be strings";
        for (std::uint32_t j = 0; j < i; ++j)
            if (asString(o.via.map.ptr[j].key) == asString(key))
                return "duplicate field '" + std::string(asString(key)) + "'";
    }
    const msgpack_object* v = findField(o, "v");
    if (v == nullptr || v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 != protocol::kVersion)
        return "unsupported or missing version v (this host speaks " + std::to_string(protocol::kVersion) + ")";
    const msgpack_object* type = findField(o, "type");
    if (type == nullptr || type->type != MSGPACK_OBJECT_STR) return "missing type";
    const std::string_view typeName = asString(*type);
    const auto& specs = protocol::kCommands;
    const auto spec = std::find_if(std::begin(specs), std::end(specs),
                                   [&](const protocol::MessageSpec& s) { return s.type == typeName; });
    if (spec == std::end(specs)) return "unknown type '" + std::string(typeName) + "'";
    const std::string prefix = std::string(typeName) + ": ";

    for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
        const std::string_view key = asString(o.via.map.ptr[i].key);
        if (key == "v" || key == "type") continue;
        const bool known = std::any_of(spec->fields.begin(), spec->fields.end(),
                                       [&](const FieldSpec& f) { return f.name == key; });
        if (!known) return prefix + "unknown field '" + std::string(key) + "'";
    }

    Command c;
    c.type = static_cast<CommandType>(spec - std::begin(specs));  // the enum is in schema order
    for (const auto& field : spec->fields) {
        const msgpack_object* value = findField(o, field.name);
        if (value == nullptr) {
            if (field.optional) continue;
            return prefix + "missing field '" + std::string(field.name) + "'";
        }
        bool ok = false;
        double number = 0.0;
        switch (field.kind) {
            case FieldKind::Uint:
                ok = asSlot(*value, c.npc);
                break;
            // No command has a unit or an any field today; one the schema adds is checked
            // for its kind here, and needs a place in Command before it can mean anything.
            case FieldKind::Unit:
                ok = asNumber(*value, number) && number >= protocol::kUnitMin && number <= protocol::kUnitMax;
                break;
            case FieldKind::Any:
                ok = true;
                break;
            case FieldKind::Number:
                ok = asNumber(*value, number);
                c.speedMps = static_cast<float>(number);
                break;
            case FieldKind::String:
                ok = value->type == MSGPACK_OBJECT_STR;
                if (ok) (field.name == "line" ? c.line : c.text) = std::string(asString(*value));
                break;
            case FieldKind::Position:
                ok = asPosition(*value, c.position);
                break;
            case FieldKind::Target:
                if (value->type == MSGPACK_OBJECT_STR) {
                    ok = asString(*value) == "player";
                    c.targetsPlayer = ok;
                } else {
                    ok = asSlot(*value, c.targetNpc);
                }
                break;
        }
        if (!ok)
            return prefix + "field '" + std::string(field.name) + "' must be a " +
                   kindName(field.kind);
    }
    out = std::move(c);
    return {};
}

}  // namespace

void decodeCommands(std::span<const std::uint8_t> bytes, std::vector<Command>& out,
                    std::vector<std::string>& rejections) {
    if (bytes.empty()) return;
    UnpackedMessage message;
    std::size_t offset = 0;
    const auto ret = msgpack_unpack_next(message.get(), reinterpret_cast<const char*>(bytes.data()),
                                         bytes.size(), &offset);
    if (ret != MSGPACK_UNPACK_SUCCESS) {
        rejections.emplace_back("the command batch is not valid msgpack");
        return;
    }
    if (offset != bytes.size()) {
        rejections.emplace_back("trailing bytes after the command batch");
        return;
    }
    const msgpack_object& root = message.get()->data;
    const auto one = [&](const msgpack_object& o) {
        Command c;
        std::string reason = decodeCommand(o, c);
        if (reason.empty()) {
            out.push_back(std::move(c));
        } else {
            rejections.push_back(std::move(reason));
        }
    };
    if (root.type == MSGPACK_OBJECT_ARRAY) {
        for (std::uint32_t i = 0; i < root.via.array.size; ++i) one(root.via.array.ptr[i]);
    } else {
        one(root);
    }
}

// ---------------------------------------------------------------------------------------
// WorldSim

namespace {

constexpr float kRunSpeedMps = 3.0f;   // attackers close in at a run
constexpr float kMaxSpeedMps = 12.0f;  // no script makes anyone outrun a horse
constexpr float kFleeLegM = 12.0f;
constexpr std::uint64_t kSplitMixIncrement = 0x9E3779B97F4A7C15ull;

std::uint64_t splitMix64(std::uint64_t& x) {
    std::uint64_t z = (x += kSplitMixIncrement);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

int appendToVector(void* data, const char* buf, std::size_t len) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(data);
    out->insert(out->end(), reinterpret_cast<const std::uint8_t*>(buf),
                reinterpret_cast<const std::uint8_t*>(buf) + len);
    return 0;
}

void packString(msgpack_packer* pk, std::string_view s) {
    msgpack_pack_str(pk, s.size());
    msgpack_pack_str_body(pk, s.data(), s.size());
}

}  // namespace

WorldSim::WorldSim(WorldBuffers buffers, ObstacleMap map, WorldConfig config)
    : buffers_(buffers),
      map_(std::move(map)),
      config_(config),
      nav_(map_, config.agentRadiusM),
      npcs_(buffers.capacity),
      subtitle_(buffers.capacity),
      emote_(buffers.capacity) {
    std::uint64_t s = config.seed;
    for (auto& word : rng_) word = splitMix64(s);
    for (std::uint32_t slot = 0; slot < buffers_.capacity; ++slot) clearSlot(slot);
    player_.position = randomFreePoint(config_.agentRadiusM + 0.5f);
    player_.active = true;
    player_.modeSecondsLeft = uniform(0.0f, 1.0f);
    buffers_.playerPosition[0] = player_.position.x;
    buffers_.playerPosition[1] = player_.position.y;
    buffers_.playerPosition[2] = 0.0f;
    encodeEvents();
}

std::uint64_t WorldSim::nextRandom() {
    // xoshiro256** (Blackman & Vigna).
    const std::uint64_t result = rotl(rng_[1] * 5, 7) * 9;
    const std::uint64_t t = rng_[1] << 17;
    rng_[2] ^= rng_[0];
    rng_[3] ^= rng_[1];
    rng_[1] ^= rng_[2];
    rng_[0] ^= rng_[3];
    rng_[2] ^= t;
    rng_[3] = rotl(rng_[3], 45);
    return result;
}

float WorldSim::uniform(float lo, float hi) {
    const double unit = static_cast<double>(nextRandom() >> 11) * 0x1.0p-53;
    return lo + static_cast<float>(unit) * (hi - lo);
}

bool WorldSim::chance(double probability) {
    return static_cast<double>(nextRandom() >> 11) * 0x1.0p-53 < probability;
}

Vec2 WorldSim::randomFreePoint(float clearanceM) {
    const float size = map_.sizeM();
    for (int attempt = 0; attempt < 64; ++attempt) {
        const float x = uniform(clearanceM, size - clearanceM);
        const Vec2 p{x, uniform(clearanceM, size - clearanceM)};
        if (!map_.blocked(p, clearanceM)) return p;
    }
    return map_.pushOut({uniform(0.0f, size), uniform(0.0f, size)}, clearanceM);
}

bool WorldSim::spawn(std::uint32_t slot) {
    if (slot >= buffers_.capacity || npcs_[slot].active) return false;
    return spawnAt(slot, randomFreePoint(config_.agentRadiusM + 0.5f));
}

bool WorldSim::spawnAt(std::uint32_t slot, Vec2 where) {
    if (slot >= buffers_.capacity || npcs_[slot].active) return false;
    Agent& a = npcs_[slot];
    a = Agent{};
    a.active = true;
    a.position = map_.pushOut(where, config_.agentRadiusM);
    a.mode = Mode::Idle;
    a.modeSecondsLeft = uniform(0.0f, 2.0f);
    subtitle_[slot].clear();
    emote_[slot].clear();
    writeSlot(slot);
    return true;
}

bool WorldSim::despawn(std::uint32_t slot) {
    if (slot >= buffers_.capacity || !npcs_[slot].active) return false;
    npcs_[slot] = Agent{};
    subtitle_[slot].clear();
    emote_[slot].clear();
    clearSlot(slot);
    return true;
}

bool WorldSim::active(std::uint32_t slot) const {
    return slot < buffers_.capacity && npcs_[slot].active;
}

std::uint32_t WorldSim::activeCount() const {
    return static_cast<std::uint32_t>(
        std::count_if(npcs_.begin(), npcs_.end(), [](const Agent& a) { return a.active; }));
}

void WorldSim::placePlayer(Vec2 where) {
    player_.position = map_.pushOut(where, config_.agentRadiusM);
    player_.velocity = {};
    player_.path.clear();
    player_.pathIndex = 0;
    player_.mode = Mode::Idle;
    player_.modeSecondsLeft = uniform(1.0f, 3.0f);
    buffers_.playerPosition[0] = player_.position.x;
    buffers_.playerPosition[1] = player_.position.y;
}

Vec2 WorldSim::position(std::uint32_t slot) const { return npcs_.at(slot).position; }

float WorldSim::distanceToPlayer(std::uint32_t slot) const {
    return distance(npcs_.at(slot).position, player_.position);
}

const std::string& WorldSim::subtitle(std::uint32_t slot) const { return subtitle_.at(slot); }
const std::string& WorldSim::lastEmote(std::uint32_t slot) const { return emote_.at(slot); }

void WorldSim::setDestination(Agent& agent, Vec2 goal, float speedMps) {
    agent.goal = map_.pushOut(goal, config_.agentRadiusM);
    agent.path = nav_.findPath(agent.position, agent.goal);
    agent.pathIndex = 0;
    agent.speedMps = speedMps;
}

void WorldSim::followPath(Agent& agent, double dt) {
    const Vec2 start = agent.position;
    float budget = agent.speedMps * static_cast<float>(dt);
    Vec2 p = start;
    while (budget > 0.0f && agent.pathIndex < agent.path.size()) {
        const Vec2 waypoint = agent.path[agent.pathIndex];
        const float d = distance(p, waypoint);
        if (d <= budget) {
            p = waypoint;
            budget -= d;
            ++agent.pathIndex;
        } else {
            p = p + (waypoint - p) * (budget / d);
            budget = 0.0f;
        }
    }
    // Whatever the plan said, nobody ends a step inside an obstacle or off the map: a
    // step that would is slid back out to the surface.
    agent.position = map_.pushOut(p, config_.agentRadiusM);
    agent.velocity = (agent.position - start) * (1.0f / static_cast<float>(dt));
}

void WorldSim::chooseFleeGoal(Agent& agent) {
    Vec2 away = agent.position - agent.fleeFrom;
    const float len = length(away);
    away = len > 1e-3f ? away * (1.0f / len) : rotated({0.0f, 1.0f}, uniform(0.0f, 6.2831853f));
    const float now = distance(agent.position, agent.fleeFrom);
    // Straight away if the way is open, else the nearest open bearing that still gains
    // ground; cornered, the pathfinder takes over.
    constexpr float kDegrees = std::numbers::pi_v<float> / 180.0f;
    const float bearings[] = {0.0f, 30.0f, -30.0f, 60.0f, -60.0f, 90.0f, -90.0f, 135.0f, -135.0f};
    Vec2 fallback{};
    bool haveFallback = false;
    for (const float b : bearings) {
        const Vec2 leg = rotated(away, b * kDegrees) * kFleeLegM;
        const Vec2 candidate = map_.pushOut(agent.position + leg, config_.agentRadiusM);
        if (distance(candidate, agent.fleeFrom) <= now + 1.0f) continue;
        if (map_.segmentClear(agent.position, candidate, config_.agentRadiusM)) {
            agent.goal = candidate;
            agent.path = {candidate};
            agent.pathIndex = 0;
            agent.replanSecondsLeft = 1.0;
            return;
        }
        if (!haveFallback) {
            fallback = candidate;
            haveFallback = true;
        }
    }
    if (haveFallback) {
        setDestination(agent, fallback, agent.speedMps);
    } else {
        agent.path.clear();
        agent.pathIndex = 0;
    }
    agent.replanSecondsLeft = 1.0;
}

void WorldSim::damage(std::uint32_t slot, float amount) {
    Agent& a = npcs_[slot];
    const float lost = std::min(amount, a.health);
    if (lost <= 0.0f) return;
    a.health -= lost;
    a.perception |= kIsDamaged;
    frameEvents_.push_back({Event::Kind::Damaged, slot, lost, {}});
    ++stats_.damagedEvents;
}

void WorldSim::updatePlayer(double dt) {
    Agent& p = player_;
    if (!config_.playerWanders) {
        p.velocity = {};
        return;
    }
    if (p.mode == Mode::Idle) {
        p.velocity = {};
        p.modeSecondsLeft -= dt;
        if (p.modeSecondsLeft <= 0.0) {
            p.mode = Mode::Wander;
            setDestination(p, randomFreePoint(config_.agentRadiusM + 0.5f), config_.playerSpeedMps);
        }
        return;
    }
    followPath(p, dt);
    if (p.pathIndex >= p.path.size()) {
        p.mode = Mode::Idle;
        p.modeSecondsLeft = uniform(0.5f, 3.0f);
    }
}

void WorldSim::updateNpc(std::uint32_t slot, double dt) {
    Agent& a = npcs_[slot];
    const auto idle = [&] {
        a.mode = Mode::Idle;
        a.velocity = {};
        a.path.clear();
        a.pathIndex = 0;
        a.modeSecondsLeft = uniform(1.0f, 4.0f);
    };
    switch (a.mode) {
        case Mode::Idle:
            a.velocity = {};
            a.modeSecondsLeft -= dt;
            if (a.modeSecondsLeft <= 0.0 && config_.npcsWander) {
                a.mode = Mode::Wander;
                setDestination(a, randomFreePoint(config_.agentRadiusM + 0.5f),
                               config_.wanderSpeedMps * uniform(0.8f, 1.2f));
            }
            break;
        case Mode::Wander:
        case Mode::MoveTo:
            followPath(a, dt);
            if (a.pathIndex >= a.path.size()) idle();
            break;
        case Mode::Flee:
            a.modeSecondsLeft -= dt;
            a.replanSecondsLeft -= dt;
            if (a.modeSecondsLeft <= 0.0 ||
                distance(a.position, a.fleeFrom) >= config_.fleeSafeDistanceM) {
                idle();
                break;
            }
            if (a.replanSecondsLeft <= 0.0 || a.pathIndex >= a.path.size()) chooseFleeGoal(a);
            followPath(a, dt);
            break;
        case Mode::Attack: {
            a.modeSecondsLeft -= dt;
            a.replanSecondsLeft -= dt;
            a.attackCooldown -= dt;
            const bool targetGone = !a.targetsPlayer && !npcs_[a.targetNpc].active;
            if (a.modeSecondsLeft <= 0.0 || targetGone) {
                idle();
                break;
            }
            const Vec2 target = a.targetsPlayer ? player_.position : npcs_[a.targetNpc].position;
            if (distance(a.position, target) <= config_.attackRangeM) {
                a.velocity = {};
                if (a.attackCooldown <= 0.0) {
                    a.attackCooldown = 1.0;  // one blow a second
                    if (a.targetsPlayer) {
                        ++stats_.playerHits;
                    } else {
                        damage(a.targetNpc, config_.attackDamage);
                    }
                }
                break;
            }
            // The target moves: plan again twice a second or when it has moved away.
            if (a.replanSecondsLeft <= 0.0 || a.pathIndex >= a.path.size() ||
                distance(a.goal, target) > 1.0f) {
                setDestination(a, target, kRunSpeedMps);
                a.replanSecondsLeft = 0.5;
            }
            followPath(a, dt);
            break;
        }
    }
    const float speed = length(a.velocity);
    // 0 = +y, counter-clockwise seen from above (z up); kept while standing still.
    if (speed > 1e-3f) a.heading = std::atan2(-a.velocity.x, a.velocity.y);
}

void WorldSim::emitNoise() {
    ++stats_.noises;
    // Half the noises are the player's (a kicked bucket, a cough), half anywhere.
    Vec2 at;
    if (chance(0.5)) {
        at = player_.position + Vec2{uniform(-5.0f, 5.0f), uniform(-5.0f, 5.0f)};
        at = {std::clamp(at.x, 0.0f, map_.sizeM()), std::clamp(at.y, 0.0f, map_.sizeM())};
    } else {
        at = {uniform(0.0f, map_.sizeM()), uniform(0.0f, map_.sizeM())};
    }
    const float loudness = uniform(0.3f, 1.0f);
    const float range = config_.hearingRadiusM * loudness;
    for (std::uint32_t slot = 0; slot < npcs_.size(); ++slot) {
        Agent& a = npcs_[slot];
        if (!a.active) continue;
        const float d = distance(a.position, at);
        if (d >= range) continue;
        float heard = loudness * (1.0f - d / range);
        if (!map_.segmentClear(a.position, at)) heard *= 0.5f;  // muffled by what is between
        if (heard < 0.05f) continue;
        a.perception |= kHearsNoise;
        frameEvents_.push_back({Event::Kind::HeardNoise, slot, std::clamp(heard, 0.0f, 1.0f), at});
        ++stats_.heardNoiseEvents;
    }
}

void WorldSim::perceive() {
    for (std::uint32_t slot = 0; slot < npcs_.size(); ++slot) {
        Agent& a = npcs_[slot];
        if (!a.active) continue;
        const bool sees = distance(a.position, player_.position) <= config_.sightRadiusM &&
                          map_.segmentClear(a.position, player_.position);
        if (sees) {
            a.perception |= kPerceivesPlayer;
            if (!a.sawPlayer) {
                frameEvents_.push_back({Event::Kind::PlayerSeen, slot, 0.0f, {}});
                ++stats_.playerSeenEvents;
            }
        }
        a.sawPlayer = sees;
    }
}

void WorldSim::step(double dtSeconds) {
    frameEvents_.clear();
    for (auto& a : npcs_) a.perception = 0;
    updatePlayer(dtSeconds);
    for (std::uint32_t slot = 0; slot < npcs_.size(); ++slot)
        if (npcs_[slot].active) updateNpc(slot, dtSeconds);
    const double damageChance = config_.damagePerNpcPerSecond * dtSeconds;
    for (std::uint32_t slot = 0; slot < npcs_.size(); ++slot)
        if (npcs_[slot].active && chance(damageChance)) damage(slot, uniform(0.05f, 0.2f));
    if (chance(config_.noisesPerSecond * dtSeconds)) emitNoise();
    perceive();
    for (std::uint32_t slot = 0; slot < npcs_.size(); ++slot)
        if (npcs_[slot].active) writeSlot(slot);
    buffers_.playerPosition[0] = player_.position.x;
    buffers_.playerPosition[1] = player_.position.y;
    buffers_.playerPosition[2] = 0.0f;
    encodeEvents();
}

void WorldSim::writeSlot(std::uint32_t slot) {
    const Agent& a = npcs_[slot];
    float* p = buffers_.position + std::size_t{slot} * 3;
    float* v = buffers_.velocity + std::size_t{slot} * 3;
    p[0] = a.position.x;
    p[1] = a.position.y;
    p[2] = 0.0f;
    v[0] = a.velocity.x;
    v[1] = a.velocity.y;
    v[2] = 0.0f;
    buffers_.heading[slot] = a.heading;
    buffers_.health[slot] = a.health;
    buffers_.perception[slot] = a.perception;
}

void WorldSim::clearSlot(std::uint32_t slot) {
    std::fill_n(buffers_.position + std::size_t{slot} * 3, 3, 0.0f);
    std::fill_n(buffers_.velocity + std::size_t{slot} * 3, 3, 0.0f);
    buffers_.heading[slot] = 0.0f;
    buffers_.health[slot] = 0.0f;
    buffers_.perception[slot] = 0;
}

void WorldSim::encodeEvents() {
    events_.clear();  // keeps its capacity: after the first busy frame this never allocates
    msgpack_packer pk;
    msgpack_packer_init(&pk, &events_, appendToVector);
    msgpack_pack_array(&pk, frameEvents_.size());
    for (const Event& e : frameEvents_) {
        const auto header = [&](std::size_t fields, std::string_view type) {
            msgpack_pack_map(&pk, fields);
            packString(&pk, "v");
            msgpack_pack_uint32(&pk, 1);
            packString(&pk, "type");
            packString(&pk, type);
            packString(&pk, "npc");
            msgpack_pack_uint32(&pk, e.npc);
        };
        switch (e.kind) {
            case Event::Kind::PlayerSeen:
                header(3, "player_seen");
                break;
            case Event::Kind::Damaged:
                header(4, "damaged");
                packString(&pk, "amount");
                msgpack_pack_double(&pk, e.amount);
                break;
            case Event::Kind::HeardNoise:
                header(5, "heard_noise");
                packString(&pk, "at");
                msgpack_pack_array(&pk, 3);
                msgpack_pack_double(&pk, e.at.x);
                msgpack_pack_double(&pk, e.at.y);
                msgpack_pack_double(&pk, 0.0);
                packString(&pk, "loudness");
                msgpack_pack_double(&pk, e.amount);
                break;
        }
    }
    eventCount_ = frameEvents_.size();
}

CommandReport WorldSim::applyCommands(std::span<const std::uint8_t> msgpack) {
    CommandReport report;
    decoded_.clear();
    decodeCommands(msgpack, decoded_, report.rejections);
    for (const Command& c : decoded_) {
        std::string reason;
        if (apply(c, reason)) {
            ++report.applied;
            if (c.type == CommandType::Despawn) report.despawned.push_back(c.npc);
        } else {
            report.rejections.push_back(std::move(reason));
        }
    }
    stats_.rejectedCommands += report.rejections.size();
    return report;
}

bool WorldSim::apply(const Command& c, std::string& reason) {
    const std::string prefix = std::string(commandTypeName(c.type)) + ": ";
    if (!active(c.npc)) {
        reason = prefix + "no NPC in slot " + std::to_string(c.npc);
        return false;
    }
    Agent& a = npcs_[c.npc];
    const float speed = std::clamp(c.speedMps, 0.0f, kMaxSpeedMps);
    switch (c.type) {
        case CommandType::MoveTo:
            if (speed <= 0.0f) {
                // Walking at 0 m/s is standing still.
                a.mode = Mode::Idle;
                a.velocity = {};
                a.modeSecondsLeft = uniform(1.0f, 4.0f);
                break;
            }
            a.mode = Mode::MoveTo;
            setDestination(a, c.position, speed);
            break;
        case CommandType::Flee:
            a.mode = Mode::Flee;
            a.fleeFrom = c.position;
            a.speedMps = speed > 0.0f ? speed : kRunSpeedMps;
            a.modeSecondsLeft = config_.fleeSeconds;
            chooseFleeGoal(a);
            break;
        case CommandType::Attack:
            if (!c.targetsPlayer && (!active(c.targetNpc) || c.targetNpc == c.npc)) {
                reason = prefix + "no NPC to attack in slot " + std::to_string(c.targetNpc);
                return false;
            }
            a.mode = Mode::Attack;
            a.targetsPlayer = c.targetsPlayer;
            a.targetNpc = c.targetNpc;
            a.modeSecondsLeft = config_.attackSeconds;
            a.replanSecondsLeft = 0.0;
            a.path.clear();
            a.pathIndex = 0;
            break;
        case CommandType::Say:
            subtitle_[c.npc] = c.text;
            ++subtitles_;
            break;
        case CommandType::Emote:
            emote_[c.npc] = c.text;
            ++emotes_;
            break;
        case CommandType::Despawn:
            despawn(c.npc);
            break;
    }
    ++stats_.applied[static_cast<std::size_t>(c.type)];
    return true;
}

}  // namespace aicore::host
