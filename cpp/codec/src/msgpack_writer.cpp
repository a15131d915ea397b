#include "aicore/codec/msgpack_writer.h"

#include <cstring>
#include <limits>
#include <stdexcept>

namespace aicore::codec {

namespace {
constexpr std::uint64_t kMax32 = std::numeric_limits<std::uint32_t>::max();
}  // namespace

void Writer::bigEndian(std::uint64_t value, int bytes) {
    for (int k = bytes - 1; k >= 0; --k) byte(static_cast<std::uint8_t>(value >> (8 * k)));
}

void Writer::sized(std::uint8_t code8, std::size_t length) {
    // code8 is the 8-bit-length form; the 16- and 32-bit forms are the next two codes.
    if (length <= 0xff) {
        byte(code8);
        bigEndian(length, 1);
    } else if (length <= 0xffff) {
        byte(static_cast<std::uint8_t>(code8 + 1));
        bigEndian(length, 2);
    } else if (length <= kMax32) {
        byte(static_cast<std::uint8_t>(code8 + 2));
        bigEndian(length, 4);
    } else {
        throw std::length_error("msgpack: a string, binary or extension over 4 GiB");
    }
}

Writer& Writer::nil() {
    byte(0xc0);
    return *this;
}

Writer& Writer::boolean(bool value) {
    byte(value ? 0xc3 : 0xc2);
    return *this;
}

Writer& Writer::uinteger(std::uint64_t value) {
    if (value <= 0x7f) {
        byte(static_cast<std::uint8_t>(value));
    } else if (value <= 0xff) {
        byte(0xcc);
        bigEndian(value, 1);
    } else if (value <= 0xffff) {
        byte(0xcd);
        bigEndian(value, 2);
    } else if (value <= kMax32) {
        byte(0xce);
        bigEndian(value, 4);
    } else {
        byte(0xcf);
        bigEndian(value, 8);
    }
    return *this;
}

Writer& Writer::integer(std::int64_t value) {
    if (value >= 0) return uinteger(static_cast<std::uint64_t>(value));
    const auto bits = static_cast<std::uint64_t>(value);
    if (value >= -32) {
        byte(static_cast<std::uint8_t>(bits));
    } else if (value >= std::numeric_limits<std::int8_t>::min()) {
        byte(0xd0);
        bigEndian(bits, 1);
    } else if (value >= std::numeric_limits<std::int16_t>::min()) {
        byte(0xd1);
        bigEndian(bits, 2);
    } else if (value >= std::numeric_limits<std::int32_t>::min()) {
        byte(0xd2);
        bigEndian(bits, 4);
    } else {
        byte(0xd3);
        bigEndian(bits, 8);
    }
    return *this;
}

Writer& Writer::float32(float value) {
    std::uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    byte(0xca);
    bigEndian(bits, 4);
    return *this;
}

Writer& Writer::float64(double value) {
    std::uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    byte(0xcb);
    bigEndian(bits, 8);
    return *this;
}

Writer& Writer::string(std::string_view value) {
    if (value.size() <= 31) {
        byte(static_cast<std::uint8_t>(0xa0 | value.size()));
    } else {
        sized(0xd9, value.size());
    }
    out_->insert(out_->end(), value.begin(), value.end());
    return *this;
}

Writer& Writer::binary(std::span<const std::uint8_t> value) {
    sized(0xc4, value.size());
    out_->insert(out_->end(), value.begin(), value.end());
    return *this;
}

Writer& Writer::arrayHeader(std::uint32_t count) {
    if (count <= 15) {
        byte(static_cast<std::uint8_t>(0x90 | count));
    } else if (count <= 0xffff) {
        byte(0xdc);
        bigEndian(count, 2);
    } else {
        byte(0xdd);
        bigEndian(count, 4);
    }
    return *this;
}

Writer& Writer::mapHeader(std::uint32_t count) {
    if (count <= 15) {
        byte(static_cast<std::uint8_t>(0x80 | count));
    } else if (count <= 0xffff) {
        byte(0xde);
        bigEndian(count, 2);
    } else {
        byte(0xdf);
        bigEndian(count, 4);
    }
    return *this;
}

Writer& Writer::ext(std::int8_t type, std::span<const std::uint8_t> data) {
    switch (data.size()) {
        case 1: byte(0xd4); break;
        case 2: byte(0xd5); break;
        case 4: byte(0xd6); break;
        case 8: byte(0xd7); break;
        case 16: byte(0xd8); break;
        default: sized(0xc7, data.size()); break;
    }
    byte(static_cast<std::uint8_t>(type));
    out_->insert(out_->end(), data.begin(), data.end());
    return *this;
}

Writer& Writer::raw(std::span<const std::uint8_t> encoded) {
    out_->insert(out_->end(), encoded.begin(), encoded.end());
    return *this;
}

}  // namespace aicore::codec
