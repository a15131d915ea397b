// Every msgpack type at every width boundary: what the Writer writes, the Reader reads back
// as the same value, in the encoding the msgpack spec (and msgpack-c, and Python's
// msgpack) choose.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "aicore/codec/msgpack_reader.h"
#include "aicore/codec/msgpack_writer.h"

namespace {

using aicore::codec::DecodeError;
using aicore::codec::Item;
using aicore::codec::Reader;
using aicore::codec::Type;
using aicore::codec::Writer;
using Bytes = std::vector<std::uint8_t>;

// Reads the only item of `bytes` (which must be exactly it).
Item only(const Bytes& bytes) {
    Item it;
    EXPECT_EQ(aicore::codec::readItem(bytes, it), DecodeError::None);
    EXPECT_EQ(it.headAndPayload(), bytes.size());
    return it;
}

struct UintCase {
    std::uint64_t value;
    std::uint8_t firstByte;
    std::size_t size;
};

class UintRoundTrip : public testing::TestWithParam<UintCase> {};

TEST_P(UintRoundTrip, UsesTheSmallestEncodingAndReadsBack) {
    const UintCase c = GetParam();
    Bytes out;
    Writer(out).uinteger(c.value);
    ASSERT_EQ(out.size(), c.size);
    EXPECT_EQ(out[0], c.firstByte);
    const Item it = only(out);
    EXPECT_EQ(it.type, Type::Uint);
    EXPECT_EQ(it.u, c.value);
}

INSTANTIATE_TEST_SUITE_P(
    Widths, UintRoundTrip,
    testing::Values(UintCase{0, 0x00, 1}, UintCase{127, 0x7f, 1}, UintCase{128, 0xcc, 2},
                    UintCase{255, 0xcc, 2}, UintCase{256, 0xcd, 3}, UintCase{65535, 0xcd, 3},
                    UintCase{65536, 0xce, 5}, UintCase{0xffffffffull, 0xce, 5},
                    UintCase{0x100000000ull, 0xcf, 9},
                    UintCase{std::numeric_limits<std::uint64_t>::max(), 0xcf, 9}));

struct IntCase {
    std::int64_t value;
    std::uint8_t firstByte;
    std::size_t size;
};

class IntRoundTrip : public testing::TestWithParam<IntCase> {};

TEST_P(IntRoundTrip, UsesTheSmallestEncodingAndReadsBack) {
    const IntCase c = GetParam();
    Bytes out;
    Writer(out).integer(c.value);
    ASSERT_EQ(out.size(), c.size);
    EXPECT_EQ(out[0], c.firstByte);
    const Item it = only(out);
    if (c.value >= 0) {
        EXPECT_EQ(it.type, Type::Uint);
        EXPECT_EQ(it.u, static_cast<std::uint64_t>(c.value));
    } else {
        EXPECT_EQ(it.type, Type::Int);
        EXPECT_EQ(it.i, c.value);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Widths, IntRoundTrip,
    testing::Values(IntCase{5, 0x05, 1}, IntCase{-1, 0xff, 1}, IntCase{-32, 0xe0, 1},
                    IntCase{-33, 0xd0, 2}, IntCase{-128, 0xd0, 2}, IntCase{-129, 0xd1, 3},
                    IntCase{-32768, 0xd1, 3}, IntCase{-32769, 0xd2, 5},
                    IntCase{std::numeric_limits<std::int32_t>::min(), 0xd2, 5},
                    IntCase{std::int64_t{std::numeric_limits<std::int32_t>::min()} - 1, 0xd3, 9},
                    IntCase{std::numeric_limits<std::int64_t>::min(), 0xd3, 9}));

TEST(MsgpackRoundTrip, SignedEncodingsOfNonNegativeValuesReadAsUint) {
    // Other writers may put a positive value in int8..int64: Python reads an int all the same.
    for (const Bytes& bytes : {Bytes{0xd0, 0x05}, Bytes{0xd1, 0x01, 0x00}, Bytes{0xd2, 0, 0, 0, 7},
                               Bytes{0xd3, 0, 0, 0, 0, 0, 0, 0, 9}}) {
        const Item it = only(bytes);
        EXPECT_EQ(it.type, Type::Uint);
        EXPECT_GT(it.u, 0u);
    }
}

TEST(MsgpackRoundTrip, NilAndBooleans) {
    Bytes out;
    Writer(out).nil().boolean(true).boolean(false);
    EXPECT_EQ(out, (Bytes{0xc0, 0xc3, 0xc2}));
    Reader r(out);
    Item it;
    ASSERT_TRUE(r.next(it));
    EXPECT_EQ(it.type, Type::Nil);
    ASSERT_TRUE(r.next(it));
    EXPECT_EQ(it.type, Type::Bool);
    EXPECT_TRUE(it.boolean);
    ASSERT_TRUE(r.next(it));
    EXPECT_EQ(it.type, Type::Bool);
    EXPECT_FALSE(it.boolean);
    EXPECT_TRUE(r.atEnd());
}

TEST(MsgpackRoundTrip, FloatsKeepTheirWidthAndBitsIncludingNonFiniteOnes) {
    for (const double v : {0.0, -0.0, 1.5, -3.25e300, std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::denorm_min()}) {
        Bytes out;
        Writer(out).float64(v);
        ASSERT_EQ(out.size(), 9u);
        EXPECT_EQ(out[0], 0xcb);
        const Item it = only(out);
        EXPECT_EQ(it.type, Type::Float);
        EXPECT_FALSE(it.float32);
        EXPECT_EQ(it.f, v);
        EXPECT_EQ(std::signbit(it.f), std::signbit(v));
    }
    for (const float v : {0.25f, -7.0f, std::numeric_limits<float>::max()}) {
        Bytes out;
        Writer(out).float32(v);
        ASSERT_EQ(out.size(), 5u);
        EXPECT_EQ(out[0], 0xca);
        const Item it = only(out);
        EXPECT_TRUE(it.float32);
        EXPECT_EQ(it.f, static_cast<double>(v));
    }
    Bytes nan;
    Writer(nan).float64(std::numeric_limits<double>::quiet_NaN());
    EXPECT_TRUE(std::isnan(only(nan).f));  // the reader reports it; rejecting it is a rule's job
}

class SizedRoundTrip : public testing::TestWithParam<std::size_t> {};

TEST_P(SizedRoundTrip, StringsAndBinaryOfEveryLengthFormReadBackWhole) {
    const std::size_t n = GetParam();
    std::string text(n, 'x');
    for (std::size_t k = 0; k < n; ++k) text[k] = static_cast<char>('a' + k % 26);
    Bytes out;
    Writer(out).string(text);
    const std::uint8_t expectedStr = n <= 31 ? static_cast<std::uint8_t>(0xa0 | n)
                                     : n <= 0xff   ? 0xd9
                                     : n <= 0xffff ? 0xda
                                                   : 0xdb;
    EXPECT_EQ(out[0], expectedStr);
    Item it = only(out);
    EXPECT_EQ(it.type, Type::Str);
    EXPECT_EQ(it.text(), text);

    const Bytes blob(text.begin(), text.end());
    out.clear();
    Writer(out).binary(blob);
    EXPECT_EQ(out[0], n <= 0xff ? 0xc4 : n <= 0xffff ? 0xc5 : 0xc6);
    it = only(out);
    EXPECT_EQ(it.type, Type::Bin);
    EXPECT_EQ(Bytes(it.bytes().begin(), it.bytes().end()), blob);
}

INSTANTIATE_TEST_SUITE_P(Lengths, SizedRoundTrip,
                         testing::Values(0, 1, 31, 32, 255, 256, 65535, 65536));

class ContainerRoundTrip : public testing::TestWithParam<std::uint32_t> {};

TEST_P(ContainerRoundTrip, ArraysAndMapsOfEveryHeaderFormHoldTheirElements) {
    const std::uint32_t n = GetParam();
    Bytes out;
    Writer w(out);
    w.arrayHeader(n);
    for (std::uint32_t k = 0; k < n; ++k) w.uinteger(k);
    EXPECT_EQ(out[0], n <= 15 ? static_cast<std::uint8_t>(0x90 | n) : n <= 0xffff ? 0xdc : 0xdd);
    Reader r(out);
    Item it;
    ASSERT_TRUE(r.next(it));
    EXPECT_EQ(it.type, Type::Array);
    ASSERT_EQ(it.length, n);
    for (std::uint32_t k = 0; k < n; ++k) {
        ASSERT_TRUE(r.next(it));
        ASSERT_EQ(it.u, k);
    }
    EXPECT_TRUE(r.atEnd());

    out.clear();
    w.mapHeader(n);
    for (std::uint32_t k = 0; k < n; ++k) w.string(std::to_string(k)).integer(-static_cast<std::int64_t>(k) - 1);
    EXPECT_EQ(out[0], n <= 15 ? static_cast<std::uint8_t>(0x80 | n) : n <= 0xffff ? 0xde : 0xdf);
    Reader m(out);
    ASSERT_TRUE(m.next(it));
    EXPECT_EQ(it.type, Type::Map);
    ASSERT_EQ(it.length, n);
    for (std::uint32_t k = 0; k < n; ++k) {
        ASSERT_TRUE(m.next(it));
        ASSERT_EQ(it.text(), std::to_string(k));
        ASSERT_TRUE(m.next(it));
        ASSERT_EQ(it.i, -static_cast<std::int64_t>(k) - 1);
    }
    EXPECT_TRUE(m.atEnd());
    EXPECT_EQ(aicore::codec::measureValue(out).size, out.size());
}

INSTANTIATE_TEST_SUITE_P(Counts, ContainerRoundTrip, testing::Values(0u, 15u, 16u, 65535u, 65536u));

class ExtRoundTrip : public testing::TestWithParam<std::size_t> {};

TEST_P(ExtRoundTrip, ExtensionsKeepTheirTypeAndPayload) {
    const std::size_t n = GetParam();
    const Bytes data(n, 0x5a);
    Bytes out;
    Writer(out).ext(-7, data);
    const Item it = only(out);
    EXPECT_EQ(it.type, Type::Ext);
    EXPECT_EQ(it.extType, -7);
    EXPECT_EQ(Bytes(it.bytes().begin(), it.bytes().end()), data);
    const bool fixed = n == 1 || n == 2 || n == 4 || n == 8 || n == 16;
    EXPECT_EQ(it.header, fixed ? 2u : n <= 0xff ? 3u : n <= 0xffff ? 4u : 6u);
}

INSTANTIATE_TEST_SUITE_P(Sizes, ExtRoundTrip, testing::Values(0, 1, 2, 3, 4, 8, 16, 17, 255, 256, 65536));

TEST(MsgpackRoundTrip, AnEventMapReadsBackFieldByField) {
    Bytes out;
    Writer w(out);
    w.arrayHeader(1).mapHeader(3);
    w.string("v").uinteger(1).string("type").string("heard_noise").string("at");
    w.arrayHeader(3).float64(1.0).float64(2.0).float64(0.0);
    Reader r(out);
    Item it;
    ASSERT_TRUE(r.next(it));
    ASSERT_EQ(it.length, 1u);
    ASSERT_TRUE(r.next(it));
    ASSERT_EQ(it.type, Type::Map);
    ASSERT_TRUE(r.next(it));
    EXPECT_EQ(it.text(), "v");
    ASSERT_TRUE(r.skip());
    ASSERT_TRUE(r.next(it));
    EXPECT_EQ(it.text(), "type");
    ASSERT_TRUE(r.next(it));
    EXPECT_EQ(it.text(), "heard_noise");
    ASSERT_TRUE(r.next(it));
    EXPECT_EQ(it.text(), "at");
    EXPECT_EQ(r.peekValue().size(), 1u + 3 * 9);
    ASSERT_TRUE(r.skip());
    EXPECT_TRUE(r.atEnd());
}

TEST(MsgpackRoundTrip, RawCopiesAnEncodedValueAsItIs) {
    Bytes inner;
    Writer(inner).mapHeader(1).string("k").nil();
    Bytes out;
    Writer(out).arrayHeader(2).raw(inner).raw(inner);
    EXPECT_EQ(aicore::codec::checkWhole(out).error, DecodeError::None);
    EXPECT_EQ(out.size(), 1 + 2 * inner.size());
}

}  // namespace
