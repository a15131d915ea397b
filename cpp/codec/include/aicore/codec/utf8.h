#pragma once
// UTF-8 as the runtime's validator requires of every string (the bridge checks what engines
// send; the engine glue refuses what the runtime would refuse before it is sent).
#include <cstddef>
#include <string_view>

namespace aicore::codec {

/// Whether `text` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool isValidUtf8(std::string_view text) noexcept;

/// The length of the well-formed UTF-8 sequence starting at `text[i]` (i < size), 0 if
/// there is none there.
std::size_t utf8SequenceLength(std::string_view text, std::size_t i) noexcept;

}  // namespace aicore::codec
