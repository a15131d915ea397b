#pragma once
// The wire side of aicore-host's world. Commands are decoded by the engine glue
// (cpp/engine_glue, shared with the UE5 plugin): the host names its types here. Events are
// the sim's own record of what an NPC noticed (WorldEvent), written with the glue's
// EventBatch, so both engines put the same bytes on the wire.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "aicore/engine_glue/command_decoding.h"
#include "geometry.h"

namespace aicore::host {

// The command types of the one schema, in its order: a type added there is a case
// `WorldSim::apply` must handle before the host compiles.
using glue::Command;
using glue::CommandType;
using glue::commandTypeName;
using glue::decodeCommands;
using glue::kCommandTypeCount;

/// A command's position on the host's flat ground (z dropped).
inline Vec2 groundPoint(const glue::Vec3& p) { return {p.x, p.y}; }

/// One thing an NPC noticed this frame, as the world reports it to the runtime.
struct WorldEvent {
    enum class Kind : std::uint8_t { PlayerSeen, Damaged, HeardNoise };
    Kind kind = Kind::PlayerSeen;
    std::uint32_t npc = 0;
    float amount = 0.0f;  // damaged: health lost; heard_noise: loudness at the NPC
    Vec2 at;              // heard_noise: where the noise was
};

/// Replaces `out` with one msgpack array of the events' maps (an empty array if none).
/// `out` keeps its capacity: after the first busy frame this never allocates. An event the
/// protocol would refuse (a NaN, an amount outside 0..1) is left out and its reason
/// appended to `refused`.
void encodeEvents(std::span<const WorldEvent> events, std::vector<std::uint8_t>& out,
                  std::vector<std::string>* refused = nullptr);

}  // namespace aicore::host
