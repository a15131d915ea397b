#include "aicore/codec/msgpack_reader.h"

#include <cstring>

namespace aicore::codec {

const char* typeName(Type type) noexcept {
    switch (type) {
        case Type::Nil: return "nil";
        case Type::Bool: return "bool";
        case Type::Uint: return "uint";
        case Type::Int: return "int";
        case Type::Float: return "float";
        case Type::Str: return "str";
        case Type::Bin: return "bin";
        case Type::Array: return "array";
        case Type::Map: return "map";
        case Type::Ext: return "ext";
    }
    return "?";
}

const char* describe(DecodeError error) noexcept {
    switch (error) {
        case DecodeError::None: return "";
        case DecodeError::Truncated: return "cut short";
        case DecodeError::ReservedByte: return "the reserved byte 0xc1";
        case DecodeError::TrailingBytes: return "trailing bytes after the value";
    }
    return "?";
}

namespace {

std::uint64_t bigEndian(const std::uint8_t* p, std::size_t bytes) noexcept {
    std::uint64_t v = 0;
    for (std::size_t k = 0; k < bytes; ++k) v = (v << 8) | p[k];
    return v;
}

}  // namespace

DecodeError readItem(std::span<const std::uint8_t> bytes, Item& it) noexcept {
    const std::size_t avail = bytes.size();
    if (avail == 0) return DecodeError::Truncated;
    const std::uint8_t* p = bytes.data();
    const std::uint8_t b = p[0];
    it = Item{};
    // Each form checks that its header is present before reading it, and that a payload
    // is present in full before pointing at it.
    const auto scalar = [&](Type type, std::size_t header) {
        it.type = type;
        it.header = header;
        return avail >= header ? DecodeError::None : DecodeError::Truncated;
    };
    const auto sized = [&](Type type, std::size_t header, std::size_t lengthBytes) {
        it.type = type;
        it.header = header;
        if (avail < header) return DecodeError::Truncated;
        it.length = lengthBytes == 0 ? (b & 0x1fu) : bigEndian(p + 1, lengthBytes);
        if (avail - header < it.length) return DecodeError::Truncated;
        it.payload = p + header;
        return DecodeError::None;
    };
    const auto container = [&](Type type, std::size_t header) {
        it.type = type;
        it.header = header;
        if (avail < header) return DecodeError::Truncated;
        it.length = header == 1 ? (b & 0x0fu) : bigEndian(p + 1, header - 1);
        return DecodeError::None;
    };
    const auto unsignedInt = [&](std::size_t bytesOfValue) {
        if (avail < 1 + bytesOfValue) return scalar(Type::Uint, 1 + bytesOfValue);
        it.type = Type::Uint;
        it.header = 1 + bytesOfValue;
        it.u = bigEndian(p + 1, bytesOfValue);
        return DecodeError::None;
    };
    const auto signedInt = [&](std::size_t bytesOfValue) {
        it.header = 1 + bytesOfValue;
        if (avail < it.header) return DecodeError::Truncated;
        const std::uint64_t raw = bigEndian(p + 1, bytesOfValue);
        const unsigned shift = 64 - 8 * static_cast<unsigned>(bytesOfValue);
        const auto v = static_cast<std::int64_t>(raw << shift) >> shift;
        if (v >= 0) {
            it.type = Type::Uint;
            it.u = static_cast<std::uint64_t>(v);
        } else {
            it.type = Type::Int;
            it.i = v;
        }
        return DecodeError::None;
    };
    const auto fixext = [&](std::uint64_t length) {
        it.type = Type::Ext;
        it.header = 2;
        if (avail < 2) return DecodeError::Truncated;
        it.extType = static_cast<std::int8_t>(p[1]);
        it.length = length;
        if (avail - 2 < length) return DecodeError::Truncated;
        it.payload = p + 2;
        return DecodeError::None;
    };
    const auto ext = [&](std::size_t lengthBytes) {
        const std::size_t header = 2 + lengthBytes;  // code, length, type
        if (avail < header) return scalar(Type::Ext, header);
        const DecodeError e = sized(Type::Ext, header, lengthBytes);
        it.extType = static_cast<std::int8_t>(p[header - 1]);
        return e;
    };

    if (b <= 0x7f) {
        it.type = Type::Uint;
        it.u = b;
        it.header = 1;
        return DecodeError::None;
    }
    if (b >= 0xe0) {
        it.type = Type::Int;
        it.i = static_cast<std::int8_t>(b);
        it.header = 1;
        return DecodeError::None;
    }
    if ((b & 0xf0) == 0x80) return container(Type::Map, 1);
    if ((b & 0xf0) == 0x90) return container(Type::Array, 1);
    if ((b & 0xe0) == 0xa0) return sized(Type::Str, 1, 0);
    switch (b) {
        case 0xc0: return scalar(Type::Nil, 1);
        case 0xc2:
        case 0xc3:
            it.boolean = b == 0xc3;
            return scalar(Type::Bool, 1);
        case 0xc4: return sized(Type::Bin, 2, 1);
        case 0xc5: return sized(Type::Bin, 3, 2);
        case 0xc6: return sized(Type::Bin, 5, 4);
        case 0xc7: return ext(1);
        case 0xc8: return ext(2);
        case 0xc9: return ext(4);
        case 0xca: {
            if (const DecodeError e = scalar(Type::Float, 5); e != DecodeError::None) return e;
            const auto bits = static_cast<std::uint32_t>(bigEndian(p + 1, 4));
            float v;
            std::memcpy(&v, &bits, sizeof v);
            it.f = v;
            it.float32 = true;
            return DecodeError::None;
        }
        case 0xcb: {
            if (const DecodeError e = scalar(Type::Float, 9); e != DecodeError::None) return e;
            const std::uint64_t bits = bigEndian(p + 1, 8);
            std::memcpy(&it.f, &bits, sizeof it.f);
            return DecodeError::None;
        }
        case 0xcc: return unsignedInt(1);
        case 0xcd: return unsignedInt(2);
        case 0xce: return unsignedInt(4);
        case 0xcf: return unsignedInt(8);
        case 0xd0: return signedInt(1);
        case 0xd1: return signedInt(2);
        case 0xd2: return signedInt(4);
        case 0xd3: return signedInt(8);
        case 0xd4: return fixext(1);
        case 0xd5: return fixext(2);
        case 0xd6: return fixext(4);
        case 0xd7: return fixext(8);
        case 0xd8: return fixext(16);
        case 0xd9: return sized(Type::Str, 2, 1);
        case 0xda: return sized(Type::Str, 3, 2);
        case 0xdb: return sized(Type::Str, 5, 4);
        case 0xdc: return container(Type::Array, 3);
        case 0xdd: return container(Type::Array, 5);
        case 0xde: return container(Type::Map, 3);
        case 0xdf: return container(Type::Map, 5);
        default: return DecodeError::ReservedByte;  // 0xc1
    }
}

bool Reader::fail(DecodeError error, std::size_t at) noexcept {
    if (!failure_) failure_ = {error, at};
    return false;
}

bool Reader::next(Item& item) noexcept {
    const DecodeError e = readItem(rest(), item);
    if (e != DecodeError::None) return fail(e, offset_);
    offset_ += item.headAndPayload();
    return true;
}

bool Reader::skip() noexcept {
    const std::size_t start = offset_;
    // Items still to read: a container adds its elements instead of recursing into them.
    std::uint64_t pending = 1;
    while (pending > 0) {
        Item it;
        if (!next(it)) {
            offset_ = start;
            return false;
        }
        --pending;
        if (it.type == Type::Array) pending += it.length;
        if (it.type == Type::Map) pending += 2 * it.length;  // length < 2^32: no overflow
    }
    return true;
}

std::span<const std::uint8_t> Reader::peekValue() noexcept {
    const std::size_t start = offset_;
    if (!skip()) return {};
    const std::size_t end = offset_;
    offset_ = start;
    return bytes_.subspan(start, end - start);
}

ValueExtent measureValue(std::span<const std::uint8_t> bytes) noexcept {
    Reader r(bytes);
    if (!r.skip()) return {0, r.failure()};
    return {r.offset(), {}};
}

DecodeFailure checkWhole(std::span<const std::uint8_t> bytes) noexcept {
    const ValueExtent v = measureValue(bytes);
    if (v.failure) return v.failure;
    if (v.size != bytes.size()) return {DecodeError::TrailingBytes, v.size};
    return {};
}

}  // namespace aicore::codec
