#pragma once
// The runtime's commands (aicore_drain_commands) decoded into typed structs and validated
// as docs/protocol.md says, read with cpp/codec. The command table and its limits come
// from the one schema (engine_bridge/protocol/schema.toml, compiled in as
// aicore/protocol_schema.h): a command type added there is a new enumerator, and every
// engine's `switch` over CommandType must handle it before that engine compiles.
//
// Shared by aicore-host and the UE5 plugin; needs neither libaicore nor Python.
#include <aicore/protocol_schema.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "aicore/engine_glue/vec3.h"

namespace aicore::glue {

using CommandType = protocol::CommandType;
inline constexpr std::size_t kCommandTypeCount = protocol::kCommandTypeCount;

/// The protocol's name of a command type ("move_to", ...); "?" for a value out of range.
const char* commandTypeName(CommandType type);

/// One decoded, validated command (docs/protocol.md). Fields a type does not carry keep
/// their defaults.
struct Command {
    CommandType type = CommandType::MoveTo;
    std::uint32_t npc = 0;          // the NPC's slot
    Vec3 position;                  // move_to: target; flee: from
    float speedMps = 0.0f;          // move_to, flee
    bool targetsPlayer = false;     // attack
    std::uint32_t targetNpc = 0;    // attack, when !targetsPlayer
    std::string text;               // say: subtitle; emote: the emote
    std::string line;               // say: voice line id, may be empty
};

/// Decodes one msgpack command map or an array of them, validating each map (version,
/// type, required fields and their types, no unknown fields). Valid commands are appended
/// to `out`; each rejected one appends its reason to `rejections`. Bytes that are not one
/// whole msgpack value are one rejection. Empty bytes are no commands.
void decodeCommands(std::span<const std::uint8_t> bytes, std::vector<Command>& out,
                    std::vector<std::string>& rejections);

}  // namespace aicore::glue
