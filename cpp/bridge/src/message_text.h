#pragma once
// What a caller passed, as it may appear in an error message: bytes from the engine (a kind
// name, a path) are never echoed raw — a control byte or invalid UTF-8 would corrupt a log
// line or a terminal.
#include <cstddef>
#include <string>
#include <string_view>

namespace aicore::bridge {

/// Whether `text` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool isValidUtf8(std::string_view text) noexcept;

/// `text` for a message: valid UTF-8 other than control characters kept as is; control
/// bytes, DEL, backslash and every byte of invalid UTF-8 written as \xNN (backslash as \\);
/// cut after `maxBytes` input bytes, with "..." appended when cut.
std::string printable(std::string_view text, std::size_t maxBytes = 256);

}  // namespace aicore::bridge
