#pragma once
// Game events (engine -> runtime) written as the one msgpack array aicore_push_events takes
// (docs/protocol.md, the events of engine_bridge/protocol/schema.toml), with cpp/codec.
//
// Every add checks what the runtime's validator would refuse (a NaN, a unit number outside
// 0..1, a string that is not UTF-8 or too long, a batch over the push limits) and returns
// it as an EventRejection instead of writing it: a malformed event is stopped, with its
// reason, in the engine that made it. The buffers keep their capacity across clear(), so a
// steady stream of frames stops allocating.
//
// Shared by aicore-host and the UE5 plugin; needs neither libaicore nor Python.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "aicore/engine_glue/vec3.h"

namespace aicore::glue {

/// Why an event was not added.
enum class EventProblem : std::uint8_t {
    NotFinite,    // a NaN or an infinity
    OutOfRange,   // a unit number (amount, loudness) outside 0..1
    BadString,    // not UTF-8, or longer than the protocol's string limit
    BatchFull,    // the batch holds the most one push may carry: push it, then add again
};

/// A refused event: which add (its kind), which field and why, in words for a log.
struct EventRejection {
    EventProblem problem = EventProblem::NotFinite;
    std::string_view type;   // "damaged", "custom", ...
    std::string_view field;  // "amount", "name", ... ("" for BatchFull)
    std::string reason;
};

/// One value of a custom event's `data` map: what a game's Blueprint can hand over.
struct CustomValue {
    std::string key;
    std::variant<bool, std::int64_t, double, std::string> value;
};

class EventBatch {
public:
    EventBatch();

    /// Empties the batch (keeping its memory).
    void clear() noexcept;

    std::optional<EventRejection> playerSeen(std::uint32_t npc);
    std::optional<EventRejection> damaged(std::uint32_t npc, double amount);
    std::optional<EventRejection> heardNoise(std::uint32_t npc, Vec3 at, double loudness);
    /// A game-defined event for scripts (`custom`): its name, optionally an NPC slot and a
    /// data map (written as a msgpack map; an empty span writes no `data`).
    std::optional<EventRejection> custom(std::string_view name, std::optional<std::uint32_t> npc,
                                         std::span<const CustomValue> data = {});

    /// Events added since the last clear().
    std::size_t count() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }
    /// The batch as one msgpack array (an empty array when empty), valid until the next
    /// add or clear.
    std::span<const std::uint8_t> bytes();

private:
    std::optional<EventRejection> roomFor(std::string_view type, std::size_t extraBytes) const;
    void written();  // counts the event just appended to body_

    std::vector<std::uint8_t> body_;   // the events' maps back to back
    std::vector<std::uint8_t> whole_;  // array header + body_, made by bytes()
    std::size_t count_ = 0;
    bool wholeCurrent_ = false;
};

/// Whether `text` is valid UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF),
/// as the runtime's validator requires of every string.
bool isValidUtf8(std::string_view text) noexcept;

}  // namespace aicore::glue
