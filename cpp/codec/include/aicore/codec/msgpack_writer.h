#pragma once
// Writing msgpack into a byte vector, each value in its smallest encoding (as msgpack-c
// and Python's msgpack write it), strings as str and bytes as bin. Appends: a vector
// cleared between messages keeps its capacity, so a steady stream of messages stops
// allocating.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace aicore::codec {

class Writer {
public:
    explicit Writer(std::vector<std::uint8_t>& out) noexcept : out_(&out) {}

    Writer& nil();
    Writer& boolean(bool value);
    /// Positive fixint, uint8, uint16, uint32 or uint64, whichever is smallest.
    Writer& uinteger(std::uint64_t value);
    /// A value >= 0 as uinteger(); a negative one as negative fixint, int8..int64.
    Writer& integer(std::int64_t value);
    Writer& float32(float value);
    Writer& float64(double value);
    /// fixstr, str8, str16 or str32. Longer than 2^32 - 1 bytes: std::length_error.
    Writer& string(std::string_view value);
    /// bin8, bin16 or bin32. Longer than 2^32 - 1 bytes: std::length_error.
    Writer& binary(std::span<const std::uint8_t> value);
    /// An array of `count` elements: write them next.
    Writer& arrayHeader(std::uint32_t count);
    /// A map of `count` pairs: write key, value, key, value... next.
    Writer& mapHeader(std::uint32_t count);
    /// fixext 1/2/4/8/16 when the size fits one, else ext8/16/32.
    Writer& ext(std::int8_t type, std::span<const std::uint8_t> data);
    /// Bytes that already are msgpack (a value encoded elsewhere), copied as they are.
    Writer& raw(std::span<const std::uint8_t> encoded);

    std::vector<std::uint8_t>& out() noexcept { return *out_; }

private:
    void byte(std::uint8_t b) { out_->push_back(b); }
    void bigEndian(std::uint64_t value, int bytes);
    void sized(std::uint8_t code8, std::size_t length);  // the 8/16/32-bit length forms

    std::vector<std::uint8_t>* out_;
};

}  // namespace aicore::codec
