#pragma once
// What the world tests share: quiet configs, small maps, command batches packed and event
// arrays unpacked with msgpack-c (not the host's own codec, so the two cannot agree on a
// mistake), and the frame step.
#include <gtest/gtest.h>
#include <msgpack.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fixed_step.h"
#include "world_sim.h"

namespace aicore::host::testing {

inline constexpr double kDt = kFrameSeconds;

// A quiet world: nobody wanders, nothing is heard or hurt unless a test asks for it.
inline WorldConfig quietConfig(std::uint64_t seed = 7) {
    WorldConfig c;
    c.seed = seed;
    c.playerWanders = false;
    c.npcsWander = false;
    c.noisesPerSecond = 0.0;
    c.damagePerNpcPerSecond = 0.0;
    return c;
}

inline ObstacleMap emptyMap() { return ObstacleMap(100.0f, {}, {}); }

// A wall across the middle: whoever is on the left sees nothing on the right.
inline ObstacleMap wallMap() { return ObstacleMap(100.0f, {}, {{{45.0f, 25.0f}, {55.0f, 75.0f}}}); }

// Builds msgpack command batches the way the runtime sends them.
class Batch {
public:
    Batch() { msgpack_packer_init(&pk_, &bytes_, append); }
    void array(std::size_t n) { msgpack_pack_array(&pk_, n); }
    void map(std::size_t n) { msgpack_pack_map(&pk_, n); }
    void str(std::string_view s) {
        msgpack_pack_str(&pk_, s.size());
        msgpack_pack_str_body(&pk_, s.data(), s.size());
    }
    void uint(std::uint32_t v) { msgpack_pack_uint32(&pk_, v); }
    void number(double v) { msgpack_pack_double(&pk_, v); }
    void position(float x, float y) {
        array(3);
        number(x);
        number(y);
        number(0.0);
    }
    void header(std::size_t fields, std::string_view type, std::uint32_t npc) {
        map(fields);
        str("v");
        uint(1);
        str("type");
        str(type);
        str("npc");
        uint(npc);
    }
    std::span<const std::uint8_t> bytes() const { return bytes_; }

private:
    static int append(void* data, const char* buf, std::size_t len) {
        // Byte by byte: GCC 12 sees a false overflow in vector::insert from a char range.
        auto* v = static_cast<std::vector<std::uint8_t>*>(data);
        for (std::size_t i = 0; i < len; ++i) v->push_back(static_cast<std::uint8_t>(buf[i]));
        return 0;
    }
    std::vector<std::uint8_t> bytes_;
    msgpack_packer pk_{};
};

inline Command moveTo(std::uint32_t npc, Vec2 target, float speed) {
    Command c;
    c.type = CommandType::MoveTo;
    c.npc = npc;
    c.position = {target.x, target.y, 0.0f};
    c.speedMps = speed;
    return c;
}

inline void applyOrFail(WorldSim& sim, const Command& c) {
    std::string reason;
    ASSERT_TRUE(sim.apply(c, reason)) << reason;
}

// The decoded events of the last step, as (type, npc) pairs plus the raw objects' fields.
struct DecodedEvent {
    std::string type;
    std::uint32_t npc = 0;
    double amount = -1.0;    // damaged
    double loudness = -1.0;  // heard_noise
    std::size_t fields = 0;
};

inline std::vector<DecodedEvent> decodeEvents(std::span<const std::uint8_t> bytes) {
    std::vector<DecodedEvent> out;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    std::size_t off = 0;
    const auto* data = reinterpret_cast<const char*>(bytes.data());
    EXPECT_EQ(msgpack_unpack_next(&u, data, bytes.size(), &off), MSGPACK_UNPACK_SUCCESS);
    EXPECT_EQ(off, bytes.size());
    const msgpack_object& root = u.data;
    EXPECT_EQ(root.type, MSGPACK_OBJECT_ARRAY);
    for (std::uint32_t i = 0; i < root.via.array.size; ++i) {
        const msgpack_object& m = root.via.array.ptr[i];
        EXPECT_EQ(m.type, MSGPACK_OBJECT_MAP);
        DecodedEvent e;
        e.fields = m.via.map.size;
        for (std::uint32_t k = 0; k < m.via.map.size; ++k) {
            const auto& kv = m.via.map.ptr[k];
            const std::string key(kv.key.via.str.ptr, kv.key.via.str.size);
            if (key == "v") {
                EXPECT_EQ(kv.val.via.u64, 1u);
            }
            if (key == "type") e.type.assign(kv.val.via.str.ptr, kv.val.via.str.size);
            if (key == "npc") e.npc = static_cast<std::uint32_t>(kv.val.via.u64);
            if (key == "amount") e.amount = kv.val.via.f64;
            if (key == "loudness") e.loudness = kv.val.via.f64;
            if (key == "at") {
                EXPECT_EQ(kv.val.via.array.size, 3u);
            }
        }
        out.push_back(e);
    }
    msgpack_unpacked_destroy(&u);
    return out;
}

}  // namespace aicore::host::testing
