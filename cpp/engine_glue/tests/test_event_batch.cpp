// Game events encoded as the runtime takes them, read back with msgpack-c (not our codec).
#include <gtest/gtest.h>
#include <msgpack.h>

#include <aicore/protocol_schema.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "aicore/engine_glue/event_batch.h"

using namespace aicore::glue;

namespace {

// One decoded event map: its keys to a printable form of each value.
using Decoded = std::vector<std::map<std::string, std::string>>;

// Appends a printable form of `o` (built with append: GCC 12's -Wrestrict misreads
// chains of operator+ on short strings).
void show(const msgpack_object& o, std::string& out) {
    switch (o.type) {
        case MSGPACK_OBJECT_POSITIVE_INTEGER: out.append(std::to_string(o.via.u64)); return;
        case MSGPACK_OBJECT_NEGATIVE_INTEGER: out.append(std::to_string(o.via.i64)); return;
        case MSGPACK_OBJECT_FLOAT64:
        case MSGPACK_OBJECT_FLOAT32:
            out.push_back('f');
            out.append(std::to_string(o.via.f64));
            return;
        case MSGPACK_OBJECT_BOOLEAN: out.append(o.via.boolean ? "true" : "false"); return;
        case MSGPACK_OBJECT_STR:
            out.push_back('\'');
            out.append(o.via.str.ptr, o.via.str.size);
            out.push_back('\'');
            return;
        case MSGPACK_OBJECT_ARRAY:
            out.push_back('[');
            for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
                if (i > 0) out.push_back(',');
                show(o.via.array.ptr[i], out);
            }
            out.push_back(']');
            return;
        case MSGPACK_OBJECT_MAP:
            out.push_back('{');
            for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
                if (i > 0) out.push_back(',');
                show(o.via.map.ptr[i].key, out);
                out.push_back(':');
                show(o.via.map.ptr[i].val, out);
            }
            out.push_back('}');
            return;
        default: out.push_back('?'); return;
    }
}

std::string show(const msgpack_object& o) {
    std::string out;
    show(o, out);
    return out;
}

Decoded decode(std::span<const std::uint8_t> bytes) {
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    std::size_t offset = 0;
    Decoded out;
    EXPECT_EQ(msgpack_unpack_next(&u, reinterpret_cast<const char*>(bytes.data()), bytes.size(), &offset),
              MSGPACK_UNPACK_SUCCESS);
    EXPECT_EQ(offset, bytes.size()) << "one whole value";
    EXPECT_EQ(u.data.type, MSGPACK_OBJECT_ARRAY);
    for (std::uint32_t i = 0; i < u.data.via.array.size; ++i) {
        const msgpack_object& m = u.data.via.array.ptr[i];
        EXPECT_EQ(m.type, MSGPACK_OBJECT_MAP);
        auto& fields = out.emplace_back();
        for (std::uint32_t k = 0; k < m.via.map.size; ++k)
            fields[std::string(m.via.map.ptr[k].key.via.str.ptr, m.via.map.ptr[k].key.via.str.size)] =
                show(m.via.map.ptr[k].val);
    }
    msgpack_unpacked_destroy(&u);
    return out;
}

}  // namespace

TEST(EventBatch, EachKindIsTheDocumentedMap) {
    EventBatch batch;
    EXPECT_FALSE(batch.playerSeen(4));
    EXPECT_FALSE(batch.damaged(5, 0.25));
    EXPECT_FALSE(batch.heardNoise(6, {12.0f, 34.0f, 1.5f}, 0.5));
    const CustomValue data[] = {{"gold", std::int64_t{-3}}, {"who", std::string("miller")},
                                {"angry", true}, {"weight", 2.5}};
    EXPECT_FALSE(batch.custom("bell_rung", 7u, data));
    EXPECT_FALSE(batch.custom("dawn", std::nullopt));
    EXPECT_EQ(batch.count(), 5u);
    const Decoded events = decode(batch.bytes());
    ASSERT_EQ(events.size(), 5u);
    EXPECT_EQ(events[0], (std::map<std::string, std::string>{{"v", "1"}, {"type", "'player_seen'"}, {"npc", "4"}}));
    EXPECT_EQ(events[1].at("type"), "'damaged'");
    EXPECT_EQ(events[1].at("amount"), "f0.250000");
    EXPECT_EQ(events[2].at("at"), "[f12.000000,f34.000000,f1.500000]");
    EXPECT_EQ(events[2].at("loudness"), "f0.500000");
    EXPECT_EQ(events[2].size(), 5u);
    EXPECT_EQ(events[3].at("name"), "'bell_rung'");
    EXPECT_EQ(events[3].at("npc"), "7");
    EXPECT_EQ(events[3].at("data"), "{'gold':-3,'who':'miller','angry':true,'weight':f2.500000}");
    EXPECT_EQ(events[4], (std::map<std::string, std::string>{{"v", "1"}, {"type", "'custom'"}, {"name", "'dawn'"}}));
}

TEST(EventBatch, AnEmptyBatchIsAnEmptyArrayAndClearKeepsNothing) {
    EventBatch batch;
    EXPECT_EQ(std::vector<std::uint8_t>(batch.bytes().begin(), batch.bytes().end()), std::vector<std::uint8_t>{0x90});
    batch.playerSeen(1);
    batch.clear();
    EXPECT_TRUE(batch.empty());
    EXPECT_TRUE(decode(batch.bytes()).empty());
}

TEST(EventBatch, WhatTheRuntimeWouldRefuseIsStoppedHereWithItsField) {
    EventBatch batch;
    const auto nan = std::numeric_limits<double>::quiet_NaN();
    auto r = batch.damaged(1, nan);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->problem, EventProblem::NotFinite);
    EXPECT_EQ(r->field, "amount");
    r = batch.damaged(1, 1.5);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->problem, EventProblem::OutOfRange);
    EXPECT_EQ(r->reason, "damaged: amount 1.500000 is outside 0..1");
    r = batch.heardNoise(1, {0.0f, std::numeric_limits<float>::infinity(), 0.0f}, 0.5);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->field, "at");
    r = batch.custom("\xff\xfe", std::nullopt);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->problem, EventProblem::BadString);
    EXPECT_EQ(r->reason, "custom: name is not valid UTF-8");
    r = batch.custom(std::string(aicore::protocol::kMaxStringBytes + 1, 'a'), std::nullopt);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->problem, EventProblem::BadString);
    const CustomValue twice[] = {{"k", true}, {"k", false}};
    EXPECT_TRUE(batch.custom("x", std::nullopt, twice));
    const CustomValue notFinite[] = {{"k", nan}};
    EXPECT_TRUE(batch.custom("x", std::nullopt, notFinite));
    EXPECT_TRUE(batch.empty());  // nothing refused was written
}

TEST(EventBatch, ABatchStopsAtThePushLimitAndSaysSo) {
    EventBatch batch;
    for (std::uint32_t i = 0; i < aicore::protocol::kMaxEventsPerPush; ++i) ASSERT_FALSE(batch.playerSeen(i));
    const auto r = batch.playerSeen(0);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->problem, EventProblem::BatchFull);
    EXPECT_EQ(decode(batch.bytes()).size(), aicore::protocol::kMaxEventsPerPush);
}

TEST(EventBatch, Utf8IsCheckedAsPythonReadsIt) {
    EXPECT_TRUE(isValidUtf8("h\xc3\xa9llo \xf0\x9f\x94\x94"));
    EXPECT_FALSE(isValidUtf8("\xc0\xaf"));          // overlong
    EXPECT_FALSE(isValidUtf8("\xed\xa0\x80"));      // a surrogate
    EXPECT_FALSE(isValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_FALSE(isValidUtf8("\xe2\x82"));          // cut short
}
