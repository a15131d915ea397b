#pragma once
// The world aicore-host plays: NPCs and a player walking a flat 100 m x 100 m map around a
// few static obstacles, what each NPC perceives every frame, and what the runtime's
// commands do to them.
//
// Plain C++20 with no dependency on aicore.h, so it is unit-tested without a runtime. It
// writes into struct-of-arrays buffers it is handed (the layout of `aicore_world`), which
// lets the host point it straight at the runtime's buffers: no copy per frame. Events and
// commands are the msgpack maps of docs/protocol.md.
//
// Deterministic: one seeded generator drives everything random (spawn points, the
// player's walk, wandering, noises, damage), and NPCs are updated in slot order, so the
// same seed and the same commands give the same trajectories bit for bit.
#include <aicore/protocol_schema.h>  // generated from engine_bridge/protocol/schema.toml

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
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

/// Plans paths on a 1 m grid around the obstacles (A*, then shortened by cutting every
/// corner the obstacles allow). Owns its search arrays so a query allocates only the
/// returned path.
class NavigationGrid {
public:
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

/// Perception flags, the values of AICORE_PERCEIVES_PLAYER etc. in aicore.h (the host
/// checks with static_assert that they agree).
inline constexpr std::uint32_t kPerceivesPlayer = 1u << 0;
inline constexpr std::uint32_t kHearsNoise = 1u << 1;
inline constexpr std::uint32_t kIsDamaged = 1u << 2;

/// Borrowed struct-of-arrays NPC state, laid out as `aicore_world`. The sim writes every
/// field of every slot it owns each frame.
struct WorldBuffers {
    std::uint32_t capacity = 0;
    float* position = nullptr;         // [capacity][3] metres, z up
    float* velocity = nullptr;         // [capacity][3] metres/second
    float* heading = nullptr;          // [capacity] radians, 0 = +y, counter-clockwise
    float* health = nullptr;           // [capacity] 0..1
    std::uint32_t* perception = nullptr;  // [capacity] kPerceivesPlayer | ...
    float* playerPosition = nullptr;   // [3]
};

/// Memory for WorldBuffers when there is no runtime to own it (tests, tools).
class WorldStorage {
public:
    explicit WorldStorage(std::uint32_t capacity);
    WorldBuffers buffers();

private:
    std::uint32_t capacity_;
    std::vector<float> position_, velocity_, heading_, health_, playerPosition_;
    std::vector<std::uint32_t> perception_;
};

struct WorldConfig {
    std::uint64_t seed = 1;
    float agentRadiusM = 0.4f;
    float sightRadiusM = 20.0f;    // the player is perceived within this, in line of sight
    float hearingRadiusM = 25.0f;  // a noise of loudness 1 is heard this far
    float wanderSpeedMps = 1.2f;
    float playerSpeedMps = 1.4f;
    bool playerWanders = true;
    bool npcsWander = true;         // NPCs without orders stroll between random points
    double noisesPerSecond = 0.5;   // across the whole map
    double damagePerNpcPerSecond = 0.01;
    float attackRangeM = 1.5f;
    float attackDamage = 0.1f;      // per hit on an NPC; one hit per second while in range
    float fleeSafeDistanceM = 25.0f;
    double fleeSeconds = 6.0;
    double attackSeconds = 10.0;
};

// The command types of the one schema (engine_bridge/protocol/schema.toml), in its order:
// a type added there is a case `WorldSim::apply` must handle before the host compiles.
using CommandType = protocol::CommandType;
inline constexpr std::size_t kCommandTypeCount = protocol::kCommandTypeCount;
/// The protocol's name of a command type ("move_to", ...).
const char* commandTypeName(CommandType type);

/// One decoded, validated command (docs/protocol.md).
struct Command {
    CommandType type = CommandType::MoveTo;
    std::uint32_t npc = 0;
    Vec2 position;               // move_to: target; flee: from
    float speedMps = 0.0f;       // move_to, flee
    bool targetsPlayer = false;  // attack
    std::uint32_t targetNpc = 0; // attack, when !targetsPlayer
    std::string text;            // say: subtitle; emote: the emote
    std::string line;            // say: voice line id, may be empty
};

/// Decodes one msgpack command map or an array of them, validating each map as
/// docs/protocol.md says (version, type, required fields and their types, no unknown
/// fields). Valid commands go to `out`; each rejected one adds a reason to `rejections`.
/// Bytes that are not msgpack at all are one rejection.
void decodeCommands(std::span<const std::uint8_t> bytes, std::vector<Command>& out,
                    std::vector<std::string>& rejections);

/// What one batch of commands did.
struct CommandReport {
    std::size_t applied = 0;
    std::vector<std::string> rejections;
    std::vector<std::uint32_t> despawned;  // slots the engine must now free in the runtime
};

struct SimStats {
    std::array<std::uint64_t, kCommandTypeCount> applied{};  // by CommandType
    std::uint64_t rejectedCommands = 0;
    std::uint64_t playerSeenEvents = 0;
    std::uint64_t damagedEvents = 0;
    std::uint64_t heardNoiseEvents = 0;
    std::uint64_t noises = 0;
    std::uint64_t playerHits = 0;  // attacks that reached the player
};

class WorldSim {
public:
    WorldSim(WorldBuffers buffers, ObstacleMap map, WorldConfig config);
    WorldSim(const WorldSim&) = delete;
    WorldSim& operator=(const WorldSim&) = delete;

    /// Puts a new NPC in `slot` at a random free spot. False if the slot is out of range
    /// or taken.
    bool spawn(std::uint32_t slot);
    /// Same at `where` (pushed out of any obstacle).
    bool spawnAt(std::uint32_t slot, Vec2 where);
    /// Frees the slot and clears its buffers. False if it was not in use.
    bool despawn(std::uint32_t slot);
    bool active(std::uint32_t slot) const;
    std::uint32_t activeCount() const;

    /// Holds the player at `where` (pushed out of any obstacle) until its next wander leg.
    void placePlayer(Vec2 where);
    Vec2 playerPosition() const { return player_.position; }

    /// Advances the world by dt seconds: movement, perception, noises, damage. Writes the
    /// buffers and this frame's events (see events()).
    void step(double dtSeconds);

    /// This frame's events as one msgpack array of event maps (empty array if none).
    std::span<const std::uint8_t> events() const { return events_; }
    std::size_t eventCount() const { return eventCount_; }

    /// Decodes and applies a batch from aicore_drain_commands.
    CommandReport applyCommands(std::span<const std::uint8_t> msgpack);
    /// Applies one command; false (with `reason`) if it names a slot that is not in use.
    bool apply(const Command& command, std::string& reason);

    Vec2 position(std::uint32_t slot) const;
    float distanceToPlayer(std::uint32_t slot) const;
    /// What the NPC last said (the subtitle), "" if nothing.
    const std::string& subtitle(std::uint32_t slot) const;
    const std::string& lastEmote(std::uint32_t slot) const;
    std::uint64_t subtitleCount() const { return subtitles_; }
    std::uint64_t emoteCount() const { return emotes_; }
    const SimStats& stats() const { return stats_; }
    const ObstacleMap& map() const { return map_; }

private:
    enum class Mode : std::uint8_t { Idle, Wander, MoveTo, Flee, Attack };

    struct Agent {
        Vec2 position;
        Vec2 velocity;
        float heading = 0.0f;
        float health = 1.0f;
        Mode mode = Mode::Idle;
        float speedMps = 0.0f;
        Vec2 goal;
        std::vector<Vec2> path;
        std::size_t pathIndex = 0;
        double modeSecondsLeft = 0.0;   // idle pause, flee or attack duration
        double replanSecondsLeft = 0.0; // chasing or fleeing: plan again when this runs out
        double attackCooldown = 0.0;
        Vec2 fleeFrom;
        bool targetsPlayer = false;
        std::uint32_t targetNpc = 0;
        bool active = false;
        bool sawPlayer = false;  // last frame's kPerceivesPlayer, to raise player_seen once
        std::uint32_t perception = 0;
    };

    struct Event {
        enum class Kind : std::uint8_t { PlayerSeen, Damaged, HeardNoise } kind;
        std::uint32_t npc;
        float amount;  // damaged: health lost; heard_noise: loudness at the NPC
        Vec2 at;
    };

    // Random numbers: xoshiro256** seeded through splitmix64 (the standard distributions
    // differ between standard libraries; these do not).
    std::uint64_t nextRandom();
    float uniform(float lo, float hi);
    bool chance(double probability);

    Vec2 randomFreePoint(float clearanceM);
    void setDestination(Agent& agent, Vec2 goal, float speedMps);
    void followPath(Agent& agent, double dt);
    void updateNpc(std::uint32_t slot, double dt);
    void updatePlayer(double dt);
    void chooseFleeGoal(Agent& agent);
    void damage(std::uint32_t slot, float amount);
    void perceive();
    void emitNoise();
    void writeSlot(std::uint32_t slot);
    void clearSlot(std::uint32_t slot);
    void encodeEvents();

    WorldBuffers buffers_;
    ObstacleMap map_;
    WorldConfig config_;
    NavigationGrid nav_;
    std::array<std::uint64_t, 4> rng_{};
    std::vector<Agent> npcs_;
    Agent player_;
    std::vector<std::string> subtitle_;
    std::vector<std::string> emote_;
    std::uint64_t subtitles_ = 0;
    std::uint64_t emotes_ = 0;
    std::vector<Event> frameEvents_;
    std::vector<std::uint8_t> events_;
    std::size_t eventCount_ = 0;
    SimStats stats_;
    std::vector<Command> decoded_;  // reused by applyCommands
};

}  // namespace aicore::host
