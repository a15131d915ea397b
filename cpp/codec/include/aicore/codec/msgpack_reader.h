#pragma once
// Reading msgpack: one item header at a time, straight from the bytes, with no allocation
// and no recursion. Every read is bounds-checked against the end of the input it was
// given: a value cut short or the reserved byte 0xc1 is an error with its offset, never a
// read past the end. The bridge's event validator, the host's command decoder and its
// --trace read through this (later the UE5 plugin too); the C99 test programs keep
// msgpack-c as an engine-style client of their own.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace aicore::codec {

/// The kinds of msgpack item. Uint holds every integer >= 0 whatever its encoding (a
/// positive int8..int64 included), Int the negative ones: as Python's msgpack sees them.
enum class Type : std::uint8_t { Nil, Bool, Uint, Int, Float, Str, Bin, Array, Map, Ext };

/// "nil", "bool", "uint", ... (for messages).
const char* typeName(Type type) noexcept;

/// Why bytes could not be read.
enum class DecodeError : std::uint8_t {
    None,
    Truncated,      // the input ends inside an item's header, payload or elements
    ReservedByte,   // 0xc1, which msgpack never uses
    TrailingBytes,  // readWhole: more bytes after the one value
};

/// "cut short", "the reserved byte 0xc1", ... ("" for None).
const char* describe(DecodeError error) noexcept;

/// A decode error and where it was found, counted in bytes from the start of the input.
struct DecodeFailure {
    DecodeError error = DecodeError::None;
    std::size_t offset = 0;
    explicit operator bool() const noexcept { return error != DecodeError::None; }
};

/// One item's header (and, for Str/Bin/Ext, its payload, which is present in full).
struct Item {
    Type type = Type::Nil;
    std::size_t header = 0;    // bytes before the payload or the first element
    std::uint64_t length = 0;  // Str/Bin/Ext: payload bytes; Array: elements; Map: pairs
    std::uint64_t u = 0;       // Uint
    std::int64_t i = 0;        // Int
    double f = 0.0;            // Float (a float32 widened)
    bool boolean = false;      // Bool
    bool float32 = false;      // Float: encoded as float32
    std::int8_t extType = 0;   // Ext
    const std::uint8_t* payload = nullptr;  // Str/Bin/Ext

    /// Str: the bytes as text (not checked for UTF-8: msgpack does not require it).
    std::string_view text() const noexcept {
        return {reinterpret_cast<const char*>(payload), static_cast<std::size_t>(length)};
    }
    /// The payload of Str/Bin/Ext.
    std::span<const std::uint8_t> bytes() const noexcept {
        return {payload, static_cast<std::size_t>(length)};
    }
    /// Header plus payload: where the next item starts (for a container, its first element).
    std::size_t headAndPayload() const noexcept {
        return header + (payload != nullptr ? static_cast<std::size_t>(length) : 0);
    }
    bool isContainer() const noexcept { return type == Type::Array || type == Type::Map; }
};

/// Reads the item at the start of `bytes` into `out`: DecodeError::None, or why not
/// (an empty input is Truncated). Reads nothing beyond `bytes`.
DecodeError readItem(std::span<const std::uint8_t> bytes, Item& out) noexcept;

/// A cursor over msgpack bytes.
class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> bytes) noexcept : bytes_(bytes) {}

    /// Reads the next item and moves past its header and payload (a container's elements
    /// follow it). False, with failure() set, if it is cut short or reserved; the cursor
    /// then stays where the bad item starts.
    bool next(Item& item) noexcept;
    /// Moves past one whole value (containers included; iterative, so nesting costs no
    /// stack). False, with failure() set, if it is not complete.
    bool skip() noexcept;
    /// The bytes of the next whole value without moving, or an empty span (failure() set).
    std::span<const std::uint8_t> peekValue() noexcept;

    std::size_t offset() const noexcept { return offset_; }
    bool atEnd() const noexcept { return offset_ == bytes_.size(); }
    /// What has not been read yet.
    std::span<const std::uint8_t> rest() const noexcept { return bytes_.subspan(offset_); }
    /// The first failure met (offsets from the start of the Reader's input).
    const DecodeFailure& failure() const noexcept { return failure_; }

private:
    bool fail(DecodeError error, std::size_t at) noexcept;

    std::span<const std::uint8_t> bytes_;
    std::size_t offset_ = 0;
    DecodeFailure failure_;
};

/// The size of the one complete value at the start of `bytes`, or the failure (its
/// offset from the start of `bytes`).
struct ValueExtent {
    std::size_t size = 0;
    DecodeFailure failure;
};
ValueExtent measureValue(std::span<const std::uint8_t> bytes) noexcept;

/// Checks that `bytes` is exactly one complete value: None, Truncated, ReservedByte or
/// TrailingBytes (at the first byte after the value), with where.
DecodeFailure checkWhole(std::span<const std::uint8_t> bytes) noexcept;

}  // namespace aicore::codec
