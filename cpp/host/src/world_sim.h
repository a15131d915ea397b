#pragma once
// The world aicore-host plays: NPCs and a player walking a flat 100 m x 100 m map around a
// few static obstacles (geometry.h, navigation.h), what each NPC perceives every frame, and
// what the runtime's commands do to them (world_messages.h decodes them and encodes the
// events).
//
// Plain C++20 with no dependency on aicore.h, so it is unit-tested without a runtime. It
// writes into struct-of-arrays buffers it is handed (world_buffers.h, the layout of
// `aicore_world`), which lets the host point it straight at the runtime's buffers: no copy
// per frame.
//
// It also writes the two custom channels the NPC decision models read (docs/models.md,
// "Features"): the light of a day-night cycle over game time (day_cycle.h), the same on
// every NPC, and each NPC's hunger, which rises with game time and drops when it lands a
// blow (it fed).
//
// Deterministic: one seeded generator drives everything random (spawn points, the
// player's walk, wandering, noises, damage), and NPCs are updated in slot order, so the
// same seed and the same commands give the same trajectories bit for bit. Hunger draws
// from a second generator of the same seed, so giving NPCs a hunger did not change where
// anyone walks for a seed.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "geometry.h"
#include "navigation.h"
#include "sim_random.h"
#include "world_buffers.h"
#include "world_messages.h"

namespace aicore::host {

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
    // The day: light is 0 at midnight, 1 at noon (day_cycle.h).
    double dayLengthSeconds = 20.0 * 60.0;  // game time for a whole day and night
    double startHourOfDay = 18.0;           // dusk: even a short run sees the light fall
    // Hunger: 0 sated .. 1 starving.
    double hungerSecondsToStarve = 5.0 * 60.0;  // from 0 to 1, for an average NPC
    float hungerRateSpread = 0.3f;   // each NPC's rate is the average times 1 +- this
    float initialHungerMax = 0.5f;   // spawned with a hunger uniform in [0, this)
    float hungerFedPerBlow = 0.5f;   // a blow that lands feeds the attacker (floored at 0)
};

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
    std::uint64_t feeds = 0;       // blows that lowered the attacker's hunger
    std::uint64_t refusedEvents = 0;  // events the encoder refused (a bug in the sim)
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
    /// Game time since the sim started: the sum of the steps' dt.
    double gameSeconds() const { return gameSeconds_; }
    /// The hour of day now, in [0, 24).
    double hourOfDay() const;
    /// The daylight now, on every NPC: what custom channel 1 holds.
    float light() const;
    /// The NPC's hunger: what custom channel 0 holds.
    float hunger(std::uint32_t slot) const;
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
        float hunger = 0.0f;
        float hungerPerSecond = 0.0f;
    };

    Vec2 randomFreePoint(float clearanceM);
    void setDestination(Agent& agent, Vec2 goal, float speedMps);
    void followPath(Agent& agent, double dt);
    void updateNpc(std::uint32_t slot, double dt);
    void updatePlayer(double dt);
    void chooseFleeGoal(Agent& agent);
    void damage(std::uint32_t slot, float amount);
    void landBlow(Agent& attacker);  // the attacker fed
    void perceive();
    void emitNoise();
    void publishSlot(std::uint32_t slot);  // the agent's state into the world buffers
    void publishEvents();                  // frameEvents_ as this frame's msgpack

    WorldBuffers buffers_;
    ObstacleMap map_;
    WorldConfig config_;
    NavigationGrid nav_;
    SimRandom random_;
    SimRandom hungerRandom_;
    double gameSeconds_ = 0.0;
    float light_ = 0.0f;  // this frame's, computed once in step()
    std::vector<Agent> npcs_;
    Agent player_;
    std::vector<std::string> subtitle_;
    std::vector<std::string> emote_;
    std::uint64_t subtitles_ = 0;
    std::uint64_t emotes_ = 0;
    std::vector<WorldEvent> frameEvents_;
    std::vector<std::uint8_t> events_;
    std::size_t eventCount_ = 0;
    SimStats stats_;
    std::vector<Command> decoded_;  // reused by applyCommands
};

}  // namespace aicore::host
