// The custom channels the sim writes for the NPC decision models: light from the day-night
// cycle (channel 1), hunger that rises and drops on a blow (channel 0), deterministic, and
// only the channels the runtime has.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <vector>

#include "day_cycle.h"
#include "world_test_support.h"

using namespace aicore::host;
using namespace aicore::host::testing;

namespace {

float channel(const WorldBuffers& b, std::uint32_t slot, std::uint32_t c) {
    return b.custom[std::size_t{slot} * b.customChannels + c];
}

// A day of one minute: an hour is 2.5 s of game time, 150 frames.
WorldConfig shortDay(double startHour) {
    WorldConfig c = quietConfig();
    c.dayLengthSeconds = 60.0;
    c.startHourOfDay = startHour;
    return c;
}

}  // namespace

TEST(DayCycle, DarkAtMidnightBrightAtNoonAndMonotoneBetween) {
    EXPECT_FLOAT_EQ(lightAtHour(0.0), 0.0f);
    EXPECT_FLOAT_EQ(lightAtHour(12.0), 1.0f);
    EXPECT_NEAR(lightAtHour(6.0), 0.5f, 1e-6f);
    EXPECT_NEAR(lightAtHour(18.0), 0.5f, 1e-6f);
    for (double h = 0.0; h < 12.0; h += 0.25) EXPECT_LT(lightAtHour(h), lightAtHour(h + 0.25)) << h;
    for (double h = 12.0; h < 24.0; h += 0.25) EXPECT_GT(lightAtHour(h), lightAtHour(h + 0.25)) << h;
    // The hour wraps round the day, both ways.
    EXPECT_DOUBLE_EQ(hourOfDay(18.0, 1200.0, 300.0), 0.0);     // a quarter day after 18:00
    EXPECT_DOUBLE_EQ(hourOfDay(18.0, 1200.0, 1200.0), 18.0);   // a whole day later
    EXPECT_DOUBLE_EQ(hourOfDay(23.0, 2400.0, 2400.0 * 3 + 100), 0.0);
}

TEST(WorldChannels, LightFollowsTheDayOnEveryNpcFromDarkToBrightAndBack) {
    WorldStorage storage(3);
    WorldSim sim(storage.buffers(), emptyMap(), shortDay(0.0));
    for (std::uint32_t s = 0; s < 3; ++s) ASSERT_TRUE(sim.spawn(s));
    const WorldBuffers b = storage.buffers();
    EXPECT_FLOAT_EQ(channel(b, 0, kLightChannel), 0.0f);  // spawned at midnight: dark
    float previous = -1.0f;
    // Midnight to noon: 30 s, 1800 frames; the light rises every frame and is every NPC's.
    for (int frame = 0; frame < 1800; ++frame) {
        sim.step(kDt);
        const float light = channel(b, 0, kLightChannel);
        ASSERT_GT(light, previous) << "frame " << frame;
        for (std::uint32_t s = 1; s < 3; ++s) ASSERT_EQ(channel(b, s, kLightChannel), light);
        EXPECT_EQ(light, sim.light());
        previous = light;
    }
    EXPECT_NEAR(sim.hourOfDay(), 12.0, 1e-6);
    EXPECT_NEAR(channel(b, 0, kLightChannel), 1.0f, 1e-6f);  // noon: full daylight
    for (int frame = 0; frame < 1800; ++frame) {
        sim.step(kDt);
        ASSERT_LT(channel(b, 0, kLightChannel), previous) << "frame " << frame;
        previous = channel(b, 0, kLightChannel);
    }
    EXPECT_NEAR(channel(b, 2, kLightChannel), 0.0f, 1e-6f);  // midnight again
}

TEST(WorldChannels, TheDefaultRunStartsAtDuskAndTheLightFalls) {
    WorldStorage storage(1);
    WorldSim sim(storage.buffers(), emptyMap(), quietConfig());
    ASSERT_TRUE(sim.spawn(0));
    const WorldBuffers b = storage.buffers();
    EXPECT_NEAR(channel(b, 0, kLightChannel), 0.5f, 1e-6f);
    for (int frame = 0; frame < 600; ++frame) sim.step(kDt);  // the host's default 10 s
    EXPECT_LT(channel(b, 0, kLightChannel), 0.5f);
    EXPECT_GT(channel(b, 0, kLightChannel), 0.4f);  // a 20 minute day: dusk, not night
}

TEST(WorldChannels, HungerStartsSpreadRisesWithGameTimeAndStopsAtStarving) {
    WorldStorage storage(8);
    WorldConfig config = quietConfig();
    WorldSim sim(storage.buffers(), emptyMap(), config);
    for (std::uint32_t s = 0; s < 8; ++s) ASSERT_TRUE(sim.spawn(s));
    const WorldBuffers b = storage.buffers();
    std::vector<float> start;
    for (std::uint32_t s = 0; s < 8; ++s) {
        const float h = channel(b, s, kHungerChannel);
        EXPECT_GE(h, 0.0f);
        EXPECT_LT(h, config.initialHungerMax);
        EXPECT_EQ(h, sim.hunger(s));
        start.push_back(h);
    }
    EXPECT_NE(start[0], start[1]);  // not in lockstep
    for (int frame = 0; frame < 60 * 60; ++frame) sim.step(kDt);  // a minute
    std::vector<float> risen;
    for (std::uint32_t s = 0; s < 8; ++s) {
        const float rise = channel(b, s, kHungerChannel) - start[s];
        // 60 s of a 300 s starve, each NPC's rate within 30 % of the average.
        EXPECT_GT(rise, 0.2f * (1.0f - config.hungerRateSpread) - 1e-4f) << s;
        EXPECT_LT(rise, 0.2f * (1.0f + config.hungerRateSpread) + 1e-4f) << s;
        risen.push_back(rise);
    }
    EXPECT_NE(risen[0], risen[1]);  // each its own rate
    for (int frame = 0; frame < 60 * 60 * 10; ++frame) sim.step(kDt);  // ten more minutes
    for (std::uint32_t s = 0; s < 8; ++s) EXPECT_EQ(channel(b, s, kHungerChannel), 1.0f) << s;
}

TEST(WorldChannels, ABlowThatLandsFeedsTheAttacker) {
    WorldStorage storage(2);
    WorldConfig config = quietConfig();
    config.initialHungerMax = 1e-6f;  // both start sated
    config.hungerSecondsToStarve = 10.0;
    WorldSim sim(storage.buffers(), emptyMap(), config);
    sim.placePlayer({90.0f, 90.0f});
    ASSERT_TRUE(sim.spawnAt(0, {10.0f, 10.0f}));
    ASSERT_TRUE(sim.spawnAt(1, {11.0f, 10.0f}));  // within reach
    for (int frame = 0; frame < 60 * 8; ++frame) sim.step(kDt);  // 8 s of a 10 s starve
    const WorldBuffers b = storage.buffers();
    const float hungry = channel(b, 0, kHungerChannel);
    const float victim = channel(b, 1, kHungerChannel);
    EXPECT_GT(hungry, 0.5f);
    Command c;
    c.type = CommandType::Attack;
    c.npc = 0;
    c.targetNpc = 1;
    applyOrFail(sim, c);
    sim.step(kDt);  // the first blow lands at once
    EXPECT_EQ(sim.stats().feeds, 1u);
    EXPECT_LT(b.health[1], 1.0f);
    EXPECT_NEAR(channel(b, 0, kHungerChannel), hungry - config.hungerFedPerBlow, 0.01f);
    EXPECT_GT(channel(b, 1, kHungerChannel), victim);  // the victim did not eat
    // The next blows, a second apart, take it down to 0 and not below.
    float lowest = 1.0f;
    for (int frame = 0; frame < 60 * 3; ++frame) {
        sim.step(kDt);
        lowest = std::min(lowest, channel(b, 0, kHungerChannel));
    }
    EXPECT_GE(sim.stats().feeds, 3u);
    EXPECT_EQ(lowest, 0.0f);
    EXPECT_LT(channel(b, 0, kHungerChannel), 0.2f);
}

TEST(WorldChannels, HittingThePlayerFeedsToo) {
    WorldStorage storage(1);
    WorldConfig config = quietConfig();
    config.initialHungerMax = 1e-6f;
    config.hungerSecondsToStarve = 4.0;
    WorldSim sim(storage.buffers(), emptyMap(), config);
    sim.placePlayer({50.0f, 50.0f});
    ASSERT_TRUE(sim.spawnAt(0, {50.0f, 51.0f}));
    for (int frame = 0; frame < 60 * 5; ++frame) sim.step(kDt);
    EXPECT_EQ(sim.hunger(0), 1.0f);
    Command c;
    c.type = CommandType::Attack;
    c.npc = 0;
    c.targetsPlayer = true;
    applyOrFail(sim, c);
    sim.step(kDt);
    EXPECT_EQ(sim.stats().playerHits, 1u);
    EXPECT_NEAR(sim.hunger(0), 1.0f - config.hungerFedPerBlow, 0.01f);
}

TEST(WorldChannels, TheSameSeedGivesTheSameHungerAndAnotherSeedDoesNot) {
    const auto run = [](std::uint64_t seed) {
        WorldStorage storage(10);
        WorldConfig config;
        config.seed = seed;
        WorldSim sim(storage.buffers(), ObstacleMap::standard(), config);
        for (std::uint32_t s = 0; s < 10; ++s) sim.spawn(s);
        std::vector<float> channels;
        for (int frame = 0; frame < 300; ++frame) {
            sim.step(kDt);
            const WorldBuffers b = storage.buffers();
            channels.insert(channels.end(), b.custom, b.custom + 10 * b.customChannels);
        }
        return channels;
    };
    const auto a = run(42);
    EXPECT_EQ(a, run(42));
    EXPECT_NE(a, run(43));
}

TEST(WorldChannels, HungerDrawsDoNotMoveAnyoneForTheSameSeed) {
    // Hunger has its own generator: how hungry NPCs start does not change where they walk.
    const auto walk = [](float initialHungerMax) {
        WorldStorage storage(10);
        WorldConfig config;
        config.seed = 5;
        config.initialHungerMax = initialHungerMax;
        WorldSim sim(storage.buffers(), ObstacleMap::standard(), config);
        for (std::uint32_t s = 0; s < 10; ++s) sim.spawn(s);
        for (int frame = 0; frame < 300; ++frame) sim.step(kDt);
        const WorldBuffers b = storage.buffers();
        return std::vector<float>(b.position, b.position + 30);
    };
    EXPECT_EQ(walk(0.5f), walk(0.9f));
}

TEST(WorldChannels, OnlyTheChannelsTheRuntimeHasAreWrittenAndTheRestAreLeftAlone) {
    // Four channels: 2 and 3 belong to the scripts and the game.
    {
        WorldStorage storage(2, 4);
        WorldSim sim(storage.buffers(), emptyMap(), quietConfig());
        const WorldBuffers b = storage.buffers();
        for (std::uint32_t s = 0; s < 2; ++s) {
            b.custom[s * 4 + 2] = 7.0f;
            b.custom[s * 4 + 3] = -3.0f;
        }
        ASSERT_TRUE(sim.spawn(0));
        ASSERT_TRUE(sim.spawn(1));
        for (int frame = 0; frame < 10; ++frame) sim.step(kDt);
        ASSERT_TRUE(sim.despawn(1));
        sim.step(kDt);
        for (std::uint32_t s = 0; s < 2; ++s) {
            EXPECT_EQ(b.custom[s * 4 + 2], 7.0f);
            EXPECT_EQ(b.custom[s * 4 + 3], -3.0f);
        }
        EXPECT_GT(channel(b, 0, kLightChannel), 0.0f);
        // The freed slot's hunger and light are cleared.
        EXPECT_EQ(channel(b, 1, kHungerChannel), 0.0f);
        EXPECT_EQ(channel(b, 1, kLightChannel), 0.0f);
    }
    // One channel: hunger only; light would land on the next slot's hunger.
    {
        WorldStorage storage(2, 1);
        WorldSim sim(storage.buffers(), emptyMap(), quietConfig());
        const WorldBuffers b = storage.buffers();
        b.custom[1] = 0.25f;  // slot 1 is free: its one channel is nobody's but the game's
        ASSERT_TRUE(sim.spawn(0));
        for (int frame = 0; frame < 10; ++frame) sim.step(kDt);
        EXPECT_GT(b.custom[0], 0.0f);
        EXPECT_EQ(b.custom[0], sim.hunger(0));
        EXPECT_EQ(b.custom[1], 0.25f);
    }
}

TEST(WorldChannels, AWorldWithoutCustomChannelsStillRuns) {
    WorldStorage storage(3, 0);
    ASSERT_EQ(storage.buffers().custom, nullptr);
    WorldSim sim(storage.buffers(), ObstacleMap::standard(), WorldConfig{});
    for (std::uint32_t s = 0; s < 3; ++s) ASSERT_TRUE(sim.spawn(s));
    for (int frame = 0; frame < 120; ++frame) sim.step(kDt);
    ASSERT_TRUE(sim.despawn(2));
    sim.step(kDt);
    EXPECT_GT(sim.hunger(0), 0.0f);  // the sim keeps them; there is just nowhere to write
    EXPECT_GT(sim.light(), 0.0f);
}
