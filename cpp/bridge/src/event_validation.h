#pragma once
// Validates msgpack events before they go anywhere near Python (docs/protocol.md, "What is
// rejected"). engine_bridge/protocol/messages.py holds the same rules on the Python side; a
// differential test (tests/test_protocol_differential.py) holds the two to one verdict.
#include <aicore/protocol_schema.h>  // generated from engine_bridge/protocol/schema.toml

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace aicore::bridge {

// The limits of docs/protocol.md, from the one schema.
inline constexpr std::size_t kMaxPushBytes = protocol::kMaxPushBytes;          // one push
inline constexpr std::uint32_t kMaxEventsPerPush = protocol::kMaxEventsPerPush;  // array elements
inline constexpr std::uint32_t kMaxDepth = protocol::kMaxDepth;  // maps/arrays, the event is level 1
inline constexpr std::uint32_t kMaxStringBytes = protocol::kMaxStringBytes;  // a string or binary

struct ValidatedEvents {
    std::vector<std::uint8_t> accepted;  // the valid maps, each as pushed, back to back
    std::vector<std::size_t> ends;       // where each accepted map ends in `accepted`
    std::uint32_t acceptedCount = 0;
    std::uint32_t rejectedCount = 0;
    std::string firstRejection;          // "event 3: damaged: missing field 'amount'"
};

/// `data` is one event map or an array of them. Valid events are appended to `out`; each
/// invalid one counts once in `rejectedCount`. A push that is not one complete msgpack
/// value, or is over a batch limit, is refused as a whole and counts once.
void validateEvents(const std::uint8_t* data, std::size_t size, ValidatedEvents& out);

}  // namespace aicore::bridge
