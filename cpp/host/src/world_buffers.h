#pragma once
// Where the sim's world lives between frames: struct-of-arrays NPC state laid out as the C
// ABI's `aicore_world`, so the host can point the sim straight at the runtime's buffers
// (no copy per frame), or at a WorldStorage when there is no runtime (tests, tools).
#include <cstdint>
#include <vector>

#include "geometry.h"

namespace aicore::host {

/// Perception flags, the values of AICORE_PERCEIVES_PLAYER etc. in aicore.h (the host
/// checks with static_assert that they agree).
inline constexpr std::uint32_t kPerceivesPlayer = 1u << 0;
inline constexpr std::uint32_t kHearsNoise = 1u << 1;
inline constexpr std::uint32_t kIsDamaged = 1u << 2;

/// The custom channels the sim writes: what the NPC decision models read as hunger and
/// light (engine_bridge/models/features.py, HUNGER_CHANNEL and LIGHT_CHANNEL).
inline constexpr std::uint32_t kHungerChannel = 0;  // 0 sated .. 1 starving
inline constexpr std::uint32_t kLightChannel = 1;   // 0 dark .. 1 daylight
/// Custom channels a WorldStorage has unless told otherwise: the runtime's default
/// (AICORE_DEFAULT_CUSTOM_CHANNELS; the host checks they agree).
inline constexpr std::uint32_t kDefaultCustomChannels = 4;

/// Borrowed struct-of-arrays NPC state, laid out as `aicore_world`. The sim writes every
/// field of every slot it owns each frame; of `custom`, only the hunger and light channels,
/// and only those the buffer has (the other channels are the scripts' and the game's).
struct WorldBuffers {
    std::uint32_t capacity = 0;
    float* position = nullptr;         // [capacity][3] metres, z up
    float* velocity = nullptr;         // [capacity][3] metres/second
    float* heading = nullptr;          // [capacity] radians, 0 = +y, counter-clockwise
    float* health = nullptr;           // [capacity] 0..1
    std::uint32_t* perception = nullptr;  // [capacity] kPerceivesPlayer | ...
    float* playerPosition = nullptr;   // [3]
    float* custom = nullptr;           // [capacity][customChannels]; may be null when 0
    std::uint32_t customChannels = 0;
};

/// What the buffers hold of one NPC (the ground is flat: z is written as 0).
struct SlotState {
    Vec2 position;
    Vec2 velocity;
    float heading = 0.0f;
    float health = 0.0f;
    std::uint32_t perception = 0;
    float hunger = 0.0f;
    float light = 0.0f;
};

/// Writes one NPC's state into its slot (slot < capacity).
void writeSlot(const WorldBuffers& buffers, std::uint32_t slot, const SlotState& state);
/// Zeroes a freed slot, health and the sim's custom channels included.
void clearSlot(const WorldBuffers& buffers, std::uint32_t slot);
/// Writes the player's position (z = 0).
void writePlayer(const WorldBuffers& buffers, Vec2 position);

/// Memory for WorldBuffers when there is no runtime to own it (tests, tools).
class WorldStorage {
public:
    explicit WorldStorage(std::uint32_t capacity,
                          std::uint32_t customChannels = kDefaultCustomChannels);
    WorldBuffers buffers();

private:
    std::uint32_t capacity_;
    std::uint32_t customChannels_;
    std::vector<float> position_, velocity_, heading_, health_, playerPosition_, custom_;
    std::vector<std::uint32_t> perception_;
};

}  // namespace aicore::host
