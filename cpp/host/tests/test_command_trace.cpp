#include <gtest/gtest.h>
#include <msgpack.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "command_trace.h"
#include "fixed_step.h"

using namespace aicore::host;

namespace {

// Two commands as the runtime sends them: a say with a line id, then a flee.
std::vector<std::uint8_t> twoCommands() {
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    const auto str = [&](const std::string& s) { msgpack_pack_str_with_body(&pk, s.data(), s.size()); };
    msgpack_pack_array(&pk, 2);
    msgpack_pack_map(&pk, 5);
    str("v"); msgpack_pack_uint8(&pk, 1);
    str("type"); str("say");
    str("npc"); msgpack_pack_uint32(&pk, 2);
    str("text"); str("Come closer.");
    str("line"); str("vampire_invitation");
    msgpack_pack_map(&pk, 5);
    str("v"); msgpack_pack_uint8(&pk, 1);
    str("type"); str("flee");
    str("npc"); msgpack_pack_uint32(&pk, 7);
    str("from");
    msgpack_pack_array(&pk, 3);
    for (int i = 0; i < 3; ++i) msgpack_pack_double(&pk, 1.5 * i);
    str("speed"); msgpack_pack_double(&pk, 4.0);
    std::vector<std::uint8_t> out(sb.data, sb.data + sb.size);
    msgpack_sbuffer_destroy(&sb);
    return out;
}

const std::vector<NpcIdentity> kNpcs = {{}, {}, {"vampire", "vampire"}, {}, {}, {}, {}, {"townsfolk", ""}};

}  // namespace

TEST(CommandTrace, EachCommandIsOneLineSayingWhenWhoAndWhat) {
    const auto lines = traceLines(30, kFrameSeconds, twoCommands(), kNpcs);
    ASSERT_EQ(lines.size(), 2u);
    const auto say = nlohmann::json::parse(lines[0]);
    EXPECT_EQ(say["frame"], 30);
    EXPECT_DOUBLE_EQ(say["time_s"].get<double>(), 0.5);
    EXPECT_EQ(say["npc"], 2);
    EXPECT_EQ(say["kind"], "vampire");
    EXPECT_EQ(say["type"], "say");
    EXPECT_EQ(say["text"], "Come closer.");
    EXPECT_EQ(say["line"], "vampire_invitation");
    EXPECT_EQ(say["archetype"], "vampire");
    EXPECT_FALSE(say.contains("v"));
    // When, who and what come first, so the file reads left to right.
    EXPECT_EQ(lines[0].rfind("{\"frame\":30,\"time_s\":0.5,\"npc\":2,\"kind\":\"vampire\",\"type\":\"say\"", 0), 0u)
        << lines[0];

    const auto flee = nlohmann::json::parse(lines[1]);
    EXPECT_EQ(flee["kind"], "townsfolk");
    EXPECT_EQ(flee["type"], "flee");
    EXPECT_EQ(flee["from"], (nlohmann::json{0.0, 1.5, 3.0}));
    EXPECT_EQ(flee["speed"], 4.0);
    EXPECT_FALSE(flee.contains("archetype"));  // only a say is voiced
}

TEST(CommandTrace, ASlotTheHostDidNotSpawnHasNoKind) {
    const auto lines = traceLines(1, kFrameSeconds, twoCommands(), {});
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_TRUE(nlohmann::json::parse(lines[0])["kind"].is_null());
}

TEST(CommandTrace, BytesThatDoNotDecodeGiveAnErrorLineNotAnException) {
    const std::vector<std::uint8_t> garbage = {0x92, 0xc1};
    const auto lines = traceLines(4, kFrameSeconds, garbage, kNpcs);
    ASSERT_EQ(lines.size(), 1u);
    const auto line = nlohmann::json::parse(lines[0]);
    EXPECT_EQ(line["frame"], 4);
    EXPECT_TRUE(line.contains("error"));
}

TEST(CommandTrace, WritesOneLinePerCommandAndNothingForAnEmptyFrame) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("aicore_trace_test_" + std::to_string(::getpid()) + ".jsonl");
    {
        CommandTrace trace(path);
        const std::vector<std::uint8_t> empty = {0x90};
        trace.record(0, kFrameSeconds, empty, kNpcs);
        trace.record(1, kFrameSeconds, twoCommands(), kNpcs);
        trace.close();
        EXPECT_EQ(trace.lines(), 2u);
    }
    std::ifstream in(path);
    std::string line;
    int count = 0;
    while (std::getline(in, line)) {
        EXPECT_EQ(nlohmann::json::parse(line)["frame"], 1);
        ++count;
    }
    EXPECT_EQ(count, 2);
    std::filesystem::remove(path);
    EXPECT_THROW(CommandTrace(path.parent_path() / "no-such-folder" / "t.jsonl"), std::runtime_error);
}
