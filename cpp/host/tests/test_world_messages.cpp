// Commands in (decoded and validated, then applied) and events out, on the wire.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "world_test_support.h"

using namespace aicore::host;
using namespace aicore::host::testing;

TEST(Commands, TheDocumentedExamplesDecodeAndApply) {
    WorldStorage storage(4);
    WorldSim sim(storage.buffers(), ObstacleMap::standard(), quietConfig());
    ASSERT_TRUE(sim.spawnAt(3, {10.0f, 40.0f}));
    Batch batch;
    batch.array(5);
    batch.header(5, "move_to", 3);
    batch.str("target");
    batch.position(10.0f, 4.0f);
    batch.str("speed");
    batch.number(1.4);
    batch.header(5, "flee", 3);
    batch.str("from");
    batch.position(0.0f, 0.0f);
    batch.str("speed");
    batch.uint(4);  // an integer is a number too
    batch.header(4, "attack", 3);
    batch.str("target");
    batch.str("player");
    batch.header(5, "say", 3);
    batch.str("text");
    batch.str("Come closer.");
    batch.str("line");
    batch.str("vampire_invitation");
    batch.header(4, "emote", 3);
    batch.str("emote");
    batch.str("snarl");
    const CommandReport report = sim.applyCommands(batch.bytes());
    EXPECT_TRUE(report.rejections.empty()) << report.rejections.front();
    EXPECT_EQ(report.applied, 5u);
    EXPECT_EQ(sim.subtitle(3), "Come closer.");
    EXPECT_EQ(sim.lastEmote(3), "snarl");
    EXPECT_EQ(sim.subtitleCount(), 1u);
    EXPECT_EQ(sim.emoteCount(), 1u);
    for (std::size_t t = 0; t < 5; ++t) EXPECT_EQ(sim.stats().applied[t], 1u) << t;
}

TEST(Commands, MalformedCommandsAreRejectedWithAReasonAndTheValidOnesKept) {
    Batch batch;
    batch.array(8);
    batch.header(3, "dance", 0);  // unknown type
    batch.header(4, "move_to", 0);  // missing speed
    batch.str("target");
    batch.position(1.0f, 2.0f);
    batch.header(5, "move_to", 0);  // NaN speed
    batch.str("target");
    batch.position(1.0f, 2.0f);
    batch.str("speed");
    batch.number(std::nan(""));
    batch.header(4, "emote", 0);  // wrong type
    batch.str("emote");
    batch.uint(5);
    batch.header(4, "despawn", 0);  // unknown field
    batch.str("why");
    batch.str("bored");
    batch.map(2);  // wrong version
    batch.str("v");
    batch.uint(2);
    batch.str("type");
    batch.str("despawn");
    batch.number(3.5);  // not a map
    batch.header(3, "despawn", 0);  // valid
    std::vector<Command> out;
    std::vector<std::string> reasons;
    decodeCommands(batch.bytes(), out, reasons);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].type, CommandType::Despawn);
    ASSERT_EQ(reasons.size(), 7u);
    EXPECT_EQ(reasons[0], "unknown type 'dance'");
    EXPECT_EQ(reasons[1], "move_to: missing field 'speed'");
    EXPECT_EQ(reasons[2], "move_to: field 'speed' must be a finite number");
    EXPECT_EQ(reasons[3], "emote: field 'emote' must be a string");
    EXPECT_EQ(reasons[4], "despawn: unknown field 'why'");
    EXPECT_NE(reasons[5].find("version"), std::string::npos);
    EXPECT_EQ(reasons[6], "a command must be a map");

    out.clear();
    reasons.clear();
    const std::uint8_t garbage[] = {0xc1, 0x00};  // 0xc1 is never used by msgpack
    decodeCommands(garbage, out, reasons);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(reasons.size(), 1u);
}

TEST(Commands, ASlotNobodyUsesIsRejected) {
    WorldStorage storage(2);
    WorldSim sim(storage.buffers(), emptyMap(), quietConfig());
    std::string reason;
    EXPECT_FALSE(sim.apply(moveTo(1, {1.0f, 1.0f}, 1.0f), reason));
    EXPECT_EQ(reason, "move_to: no NPC in slot 1");
    EXPECT_FALSE(sim.apply(moveTo(99, {1.0f, 1.0f}, 1.0f), reason));
}

TEST(Events, EachKindIsTheDocumentedMap) {
    const std::vector<WorldEvent> events = {
        {WorldEvent::Kind::PlayerSeen, 4, 0.0f, {}},
        {WorldEvent::Kind::Damaged, 5, 0.25f, {}},
        {WorldEvent::Kind::HeardNoise, 6, 0.5f, {12.0f, 34.0f}},
    };
    std::vector<std::uint8_t> bytes = {0xff};  // replaced, not appended to
    encodeEvents(events, bytes);
    const auto decoded = decodeEvents(bytes);
    ASSERT_EQ(decoded.size(), 3u);
    EXPECT_EQ(decoded[0].type, "player_seen");
    EXPECT_EQ(decoded[0].npc, 4u);
    EXPECT_EQ(decoded[0].fields, 3u);
    EXPECT_EQ(decoded[1].type, "damaged");
    EXPECT_EQ(decoded[1].amount, 0.25);
    EXPECT_EQ(decoded[1].fields, 4u);
    EXPECT_EQ(decoded[2].type, "heard_noise");
    EXPECT_EQ(decoded[2].loudness, 0.5);
    EXPECT_EQ(decoded[2].fields, 5u);

    encodeEvents({}, bytes);
    EXPECT_EQ(bytes, (std::vector<std::uint8_t>{0x90}));  // an empty array
}

TEST(Commands, CutShortBytesAreOneRejectionSayingWhere) {
    Batch batch;
    batch.array(1);
    batch.header(3, "despawn", 0);
    const auto whole = batch.bytes();
    std::vector<Command> out;
    std::vector<std::string> reasons;
    decodeCommands(whole.first(whole.size() - 1), out, reasons);
    EXPECT_TRUE(out.empty());
    ASSERT_EQ(reasons.size(), 1u);
    EXPECT_EQ(reasons[0], "the command batch is not valid msgpack (cut short at byte " +
                              std::to_string(whole.size() - 1) + ")");
}
