#pragma once
// The wire side of aicore-host's world: the runtime's commands decoded and validated as
// docs/protocol.md says, and the world's events encoded, both as msgpack maps read and
// written with cpp/codec. The command table and its limits come from the one schema
// (engine_bridge/protocol/schema.toml, compiled in as aicore/protocol_schema.h).
#include <aicore/protocol_schema.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "geometry.h"

namespace aicore::host {

// The command types of the one schema, in its order: a type added there is a case
// `WorldSim::apply` must handle before the host compiles.
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

/// One thing an NPC noticed this frame, as the world reports it to the runtime.
struct WorldEvent {
    enum class Kind : std::uint8_t { PlayerSeen, Damaged, HeardNoise };
    Kind kind = Kind::PlayerSeen;
    std::uint32_t npc = 0;
    float amount = 0.0f;  // damaged: health lost; heard_noise: loudness at the NPC
    Vec2 at;              // heard_noise: where the noise was
};

/// Replaces `out` with one msgpack array of the events' maps (an empty array if none).
/// `out` keeps its capacity: after the first busy frame this never allocates.
void encodeEvents(std::span<const WorldEvent> events, std::vector<std::uint8_t>& out);

}  // namespace aicore::host
