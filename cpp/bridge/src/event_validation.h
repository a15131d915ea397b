#pragma once
// Validates msgpack events before they go anywhere near Python (docs/protocol.md).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace aicore::bridge {

struct ValidatedEvents {
    std::vector<std::uint8_t> accepted;  // the valid maps, each re-packed, back to back
    std::vector<std::size_t> ends;       // where each accepted map ends in `accepted`
    std::uint32_t acceptedCount = 0;
    std::uint32_t rejectedCount = 0;
    std::string firstRejection;          // "event 3: damaged: missing field 'amount'"
};

/// `data` is one event map or an array of them. Valid events are appended to `out`.
void validateEvents(const std::uint8_t* data, std::size_t size, ValidatedEvents& out);

/// Writes a msgpack array header for `count` elements.
void appendArrayHeader(std::vector<std::uint8_t>& out, std::uint32_t count);

/// Reads an array header; returns the element count and sets `headerSize`, or returns
/// false if `data` does not start with an array.
bool readArrayHeader(const std::uint8_t* data, std::size_t size, std::uint32_t& count,
                     std::size_t& headerSize) noexcept;

}  // namespace aicore::bridge
