// Input that is not msgpack, or is cut short: a clear error with its offset, and never a
// read outside the input. Each input is copied into a buffer of exactly its size, so that
// under AddressSanitizer (make sanitize) one byte read too far is a failure.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aicore/codec/msgpack_reader.h"
#include "aicore/codec/msgpack_writer.h"

namespace {

using aicore::codec::checkWhole;
using aicore::codec::DecodeError;
using aicore::codec::describe;
using aicore::codec::Item;
using aicore::codec::measureValue;
using aicore::codec::Reader;
using aicore::codec::Writer;
using Bytes = std::vector<std::uint8_t>;

// A heap block of exactly `bytes.size()` bytes (none for an empty input).
struct Exact {
    explicit Exact(const Bytes& bytes, std::size_t size)
        : data(size == 0 ? nullptr : std::make_unique<std::uint8_t[]>(size)), n(size) {
        std::copy_n(bytes.begin(), size, data.get());
    }
    std::span<const std::uint8_t> span() const { return {data.get(), n}; }
    std::unique_ptr<std::uint8_t[]> data;
    std::size_t n;
};

// One value of every type and length form, nested some.
std::vector<Bytes> samples() {
    std::vector<Bytes> out;
    const auto add = [&](auto write) {
        Bytes b;
        Writer w(b);
        write(w);
        out.push_back(std::move(b));
    };
    add([](Writer& w) { w.nil(); });
    add([](Writer& w) { w.boolean(true); });
    for (const std::uint64_t u : {5ull, 200ull, 60000ull, 70000ull, 1ull << 40}) add([u](Writer& w) { w.uinteger(u); });
    for (const std::int64_t i : {-5ll, -100ll, -30000ll, -70000ll, -(1ll << 40)}) add([i](Writer& w) { w.integer(i); });
    add([](Writer& w) { w.float32(1.5f); });
    add([](Writer& w) { w.float64(-2.5); });
    for (const std::size_t n : {3u, 40u, 300u, 70000u}) {
        add([n](Writer& w) { w.string(std::string(n, 's')); });
        add([n](Writer& w) { w.binary(Bytes(n, 0xbb)); });
        add([n](Writer& w) { w.ext(3, Bytes(n, 0xee)); });
    }
    add([](Writer& w) { w.ext(3, Bytes(4, 0xee)); });
    add([](Writer& w) { w.arrayHeader(20); for (int k = 0; k < 20; ++k) w.integer(-k); });
    add([](Writer& w) {
        w.mapHeader(2).string("at").arrayHeader(3).float64(1).float64(2).float64(3);
        w.string("deep").arrayHeader(1).mapHeader(1).string("x").binary(Bytes(20, 1));
    });
    return out;
}

TEST(MsgpackMalformed, EveryPrefixOfEveryValueIsCutShortAndNeverReadPast) {
    for (const Bytes& whole : samples()) {
        ASSERT_EQ(checkWhole(whole).error, DecodeError::None);
        for (std::size_t n = 0; n < whole.size(); ++n) {
            // Of a long value, the cuts in its headers and at its end: the middle of a
            // payload is read no differently, and copying 70 kB 70 000 times is slow.
            if (n > 64 && n + 64 < whole.size()) continue;
            const Exact cut(whole, n);
            const auto extent = measureValue(cut.span());
            ASSERT_EQ(extent.failure.error, DecodeError::Truncated) << "prefix of " << n << " of " << whole.size();
            EXPECT_LE(extent.failure.offset, n);
            Reader r(cut.span());
            EXPECT_FALSE(r.skip());
            EXPECT_EQ(r.offset(), 0u);  // a failed skip leaves the cursor where it was
            EXPECT_EQ(r.failure().error, DecodeError::Truncated);
            EXPECT_TRUE(r.peekValue().empty());
        }
    }
}

TEST(MsgpackMalformed, TheReservedByteIsAnErrorAtItsOffset) {
    const Bytes bytes{0x92, 0x01, 0xc1};
    const auto extent = measureValue(bytes);
    EXPECT_EQ(extent.failure.error, DecodeError::ReservedByte);
    EXPECT_EQ(extent.failure.offset, 2u);
    EXPECT_STREQ(describe(DecodeError::ReservedByte), "the reserved byte 0xc1");
}

TEST(MsgpackMalformed, BytesAfterTheValueAreTrailingAtTheirOffset) {
    const Bytes bytes{0x91, 0x01, 0x02};
    const auto f = checkWhole(bytes);
    EXPECT_EQ(f.error, DecodeError::TrailingBytes);
    EXPECT_EQ(f.offset, 2u);
    EXPECT_STREQ(describe(f.error), "trailing bytes after the value");
}

TEST(MsgpackMalformed, AnEmptyInputIsCutShort) {
    EXPECT_EQ(checkWhole({}).error, DecodeError::Truncated);
    Item it;
    EXPECT_EQ(aicore::codec::readItem({}, it), DecodeError::Truncated);
    EXPECT_STREQ(describe(DecodeError::Truncated), "cut short");
}

TEST(MsgpackMalformed, AHugeDeclaredLengthWithFewBytesIsCutShortNotAnAllocation) {
    // str32, bin32 and array32 headers declaring 4 GiB with nothing after them.
    for (const Bytes& bytes : {Bytes{0xdb, 0xff, 0xff, 0xff, 0xff}, Bytes{0xc6, 0xff, 0xff, 0xff, 0xff},
                               Bytes{0xdd, 0xff, 0xff, 0xff, 0xff}, Bytes{0xdf, 0xff, 0xff, 0xff, 0xff},
                               Bytes{0xc9, 0xff, 0xff, 0xff, 0xff, 0x01}}) {
        const Exact exact(bytes, bytes.size());
        EXPECT_EQ(measureValue(exact.span()).failure.error, DecodeError::Truncated);
    }
}

TEST(MsgpackMalformed, NestingAMillionLevelsDeepCostsNoStack) {
    Bytes deep(1'000'000, 0x91);  // [[[[...
    deep.push_back(0xc0);
    EXPECT_EQ(measureValue(deep).size, deep.size());
    deep.pop_back();
    EXPECT_EQ(measureValue(deep).failure.error, DecodeError::Truncated);
}

TEST(MsgpackMalformed, GarbageNeverReadsOutsideItsInput) {
    // A fixed sequence (xorshift), so every run checks the same inputs.
    std::uint64_t state = 0x9e3779b97f4a7c15ull;
    const auto next = [&] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    std::size_t complete = 0;
    for (int round = 0; round < 20000; ++round) {
        const std::size_t n = next() % 24;
        Bytes bytes(n);
        for (auto& b : bytes) b = static_cast<std::uint8_t>(next());
        const Exact exact(bytes, n);
        const auto extent = measureValue(exact.span());
        if (extent.failure) {
            EXPECT_LE(extent.failure.offset, n);
        } else {
            EXPECT_LE(extent.size, n);
            EXPECT_GT(extent.size, 0u);
            ++complete;
        }
        Reader r(exact.span());
        Item it;
        while (r.next(it)) EXPECT_LE(r.offset(), n);
        // Reading stops at a failure: at the end of the input that is Truncated, before it
        // whatever was wrong there.
        EXPECT_NE(r.failure().error, DecodeError::None);
        EXPECT_LE(r.failure().offset, n);
    }
    EXPECT_GT(complete, 0u);  // the inputs were not all rejected at the first byte
}

}  // namespace
