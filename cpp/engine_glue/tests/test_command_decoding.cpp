// The runtime's commands decoded into typed structs; packed here with msgpack-c, not our
// codec. (Every field rule of the schema is exercised by the host's test_command_schema,
// which decodes through this same library.)
#include <gtest/gtest.h>
#include <msgpack.h>

#include <string>
#include <vector>

#include "aicore/engine_glue/command_decoding.h"

using namespace aicore::glue;

namespace {

struct Packer {
    msgpack_sbuffer sb;
    msgpack_packer pk;
    Packer() {
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    }
    ~Packer() { msgpack_sbuffer_destroy(&sb); }
    Packer(const Packer&) = delete;
    Packer& operator=(const Packer&) = delete;
    void str(const std::string& s) { msgpack_pack_str_with_body(&pk, s.data(), s.size()); }
    void head(std::uint32_t fields, const std::string& type, std::uint32_t npc) {
        msgpack_pack_map(&pk, fields);
        str("v");
        msgpack_pack_uint8(&pk, 1);
        str("type");
        str(type);
        str("npc");
        msgpack_pack_uint32(&pk, npc);
    }
    std::vector<std::uint8_t> bytes() const { return {sb.data, sb.data + sb.size}; }
};

}  // namespace

TEST(CommandDecoding, AMoveToKeepsAllThreeCoordinatesAndItsSpeed) {
    Packer p;
    msgpack_pack_array(&p.pk, 2);
    p.head(5, "move_to", 9);
    p.str("target");
    msgpack_pack_array(&p.pk, 3);
    msgpack_pack_double(&p.pk, 1.5);
    msgpack_pack_int32(&p.pk, -2);
    msgpack_pack_float(&p.pk, 3.25f);
    p.str("speed");
    msgpack_pack_double(&p.pk, 1.4);
    p.head(5, "say", 2);
    p.str("text");
    p.str("Good evening.");
    p.str("line");
    p.str("townsfolk_greeting");
    std::vector<Command> out;
    std::vector<std::string> rejections;
    decodeCommands(p.bytes(), out, rejections);
    ASSERT_TRUE(rejections.empty()) << rejections.front();
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].type, CommandType::MoveTo);
    EXPECT_EQ(out[0].npc, 9u);
    EXPECT_FLOAT_EQ(out[0].position.x, 1.5f);
    EXPECT_FLOAT_EQ(out[0].position.y, -2.0f);
    EXPECT_FLOAT_EQ(out[0].position.z, 3.25f);
    EXPECT_FLOAT_EQ(out[0].speedMps, 1.4f);
    EXPECT_EQ(out[1].type, CommandType::Say);
    EXPECT_EQ(out[1].text, "Good evening.");
    EXPECT_EQ(out[1].line, "townsfolk_greeting");
}

TEST(CommandDecoding, DecodingAppendsSoOneVectorServesManyBatches) {
    Packer p;
    p.head(3, "despawn", 1);
    std::vector<Command> out;
    std::vector<std::string> rejections;
    decodeCommands(p.bytes(), out, rejections);
    decodeCommands(p.bytes(), out, rejections);
    EXPECT_EQ(out.size(), 2u);
    decodeCommands({}, out, rejections);  // no bytes: no commands, no rejection
    EXPECT_EQ(out.size(), 2u);
    EXPECT_TRUE(rejections.empty());
}

TEST(CommandDecoding, EveryTypeHasItsSchemaName) {
    for (std::size_t i = 0; i < kCommandTypeCount; ++i)
        EXPECT_EQ(std::string_view(commandTypeName(static_cast<CommandType>(i))),
                  aicore::protocol::kCommands[i].type);
    EXPECT_STREQ(commandTypeName(static_cast<CommandType>(kCommandTypeCount)), "?");
}
