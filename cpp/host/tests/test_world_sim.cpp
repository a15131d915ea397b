// The sim: movement, perception, flee and attack, determinism, despawn.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "world_test_support.h"

using namespace aicore::host;
using namespace aicore::host::testing;

TEST(WorldSim, MoveToAPointBehindAnObstacleArrivesWithoutEverBeingInsideIt) {
    WorldStorage storage(4);
    WorldConfig config = quietConfig();
    WorldSim sim(storage.buffers(), wallMap(), config);
    sim.placePlayer({90.0f, 90.0f});
    ASSERT_TRUE(sim.spawnAt(0, {35.0f, 50.0f}));
    const Vec2 target{65.0f, 50.0f};
    applyOrFail(sim, moveTo(0, target, 2.0f));

    const WorldBuffers b = storage.buffers();
    bool arrived = false;
    for (int frame = 0; frame < 60 * 60 && !arrived; ++frame) {
        sim.step(kDt);
        const Vec2 p = sim.position(0);
        ASSERT_FALSE(sim.map().blocked(p, config.agentRadiusM - 0.01f))
            << "frame " << frame << " at " << p.x << "," << p.y;
        EXPECT_FLOAT_EQ(b.position[0], p.x);
        EXPECT_FLOAT_EQ(b.position[1], p.y);
        arrived = distance(p, target) < 0.05f;
    }
    EXPECT_TRUE(arrived) << "stopped at " << sim.position(0).x << "," << sim.position(0).y;
    // The wall is 50 m long and the walk goes round it: more than the straight 30 m.
    EXPECT_EQ(sim.stats().applied[static_cast<std::size_t>(CommandType::MoveTo)], 1u);
}

TEST(WorldSim, NpcsRoamingTheStandardMapNeverEndInsideAnObstacle) {
    WorldStorage storage(40);
    WorldConfig config;
    config.seed = 99;
    WorldSim sim(storage.buffers(), ObstacleMap::standard(), config);
    for (std::uint32_t s = 0; s < 40; ++s) ASSERT_TRUE(sim.spawn(s));
    // Every 2 s a third of them is sent somewhere (often into an obstacle's middle), some
    // flee, some attack; the rest wander on their own.
    const std::vector<Vec2> targets = {{50, 50}, {20, 75}, {68, 65}, {20, 14}, {55, 85}, {84, 50}};
    for (int frame = 0; frame < 60 * 40; ++frame) {
        if (frame % 120 == 0) {
            for (std::uint32_t s = 0; s < 40; s += 3) {
                Command c = moveTo(s, targets[(s + frame / 120) % targets.size()], 3.0f);
                if ((s + frame / 120) % 5 == 0) c.type = CommandType::Flee;
                if ((s + frame / 120) % 7 == 0) {
                    c.type = CommandType::Attack;
                    c.targetsPlayer = true;
                }
                applyOrFail(sim, c);
            }
        }
        sim.step(kDt);
        for (std::uint32_t s = 0; s < 40; ++s)
            ASSERT_FALSE(sim.map().blocked(sim.position(s), config.agentRadiusM - 0.01f))
                << "npc " << s << " frame " << frame;
        ASSERT_FALSE(sim.map().blocked(sim.playerPosition(), config.agentRadiusM - 0.01f));
    }
}

TEST(WorldSim, PerceptionNeedsRangeAndLineOfSightAndPlayerSeenFiresOnceWhenItRises) {
    for (const bool walled : {true, false}) {
        WorldStorage storage(2);
        WorldSim sim(storage.buffers(), walled ? wallMap() : emptyMap(), quietConfig());
        sim.placePlayer({60.0f, 50.0f});
        ASSERT_TRUE(sim.spawnAt(0, {40.0f, 50.0f}));   // 20 m away: in range
        ASSERT_TRUE(sim.spawnAt(1, {10.0f, 50.0f}));   // 50 m away: out of range
        const WorldBuffers b = storage.buffers();
        sim.step(kDt);
        EXPECT_EQ(b.perception[1] & kPerceivesPlayer, 0u);
        const auto events = decodeEvents(sim.events());
        if (walled) {
            EXPECT_EQ(b.perception[0] & kPerceivesPlayer, 0u);
            EXPECT_TRUE(events.empty());
        } else {
            EXPECT_EQ(b.perception[0] & kPerceivesPlayer, kPerceivesPlayer);
            ASSERT_EQ(events.size(), 1u);
            EXPECT_EQ(events[0].type, "player_seen");
            EXPECT_EQ(events[0].npc, 0u);
            EXPECT_EQ(events[0].fields, 3u);
            sim.step(kDt);  // still seen: the flag stays, the event does not repeat
            EXPECT_EQ(b.perception[0] & kPerceivesPlayer, kPerceivesPlayer);
            EXPECT_EQ(sim.eventCount(), 0u);
        }
        EXPECT_FLOAT_EQ(b.playerPosition[0], 60.0f);
        EXPECT_FLOAT_EQ(b.playerPosition[1], 50.0f);
    }
}

TEST(WorldSim, FleeIncreasesTheDistanceFromWhatItFlees) {
    WorldStorage storage(1);
    WorldSim sim(storage.buffers(), ObstacleMap::standard(), quietConfig());
    sim.placePlayer({5.0f, 95.0f});
    ASSERT_TRUE(sim.spawnAt(0, {44.0f, 44.0f}));  // beside the well
    const Vec2 from{40.0f, 40.0f};
    Command c = moveTo(0, from, 4.0f);
    c.type = CommandType::Flee;
    applyOrFail(sim, c);
    const float before = distance(sim.position(0), from);
    for (int frame = 0; frame < 120; ++frame) sim.step(kDt);
    EXPECT_GT(distance(sim.position(0), from), before + 5.0f);
}

TEST(WorldSim, FleeingIntoACornerStillGainsGround) {
    WorldStorage storage(1);
    WorldSim sim(storage.buffers(), ObstacleMap::standard(), quietConfig());
    ASSERT_TRUE(sim.spawnAt(0, {97.0f, 97.0f}));
    Command c = moveTo(0, {90.0f, 90.0f}, 4.0f);
    c.type = CommandType::Flee;
    applyOrFail(sim, c);
    const float before = distance(sim.position(0), {90.0f, 90.0f});
    for (int frame = 0; frame < 180; ++frame) sim.step(kDt);
    EXPECT_GT(distance(sim.position(0), {90.0f, 90.0f}), before);
}

TEST(WorldSim, AttackRunsToThePlayerAndHitsOnceInReach) {
    WorldStorage storage(1);
    WorldSim sim(storage.buffers(), ObstacleMap::standard(), quietConfig());
    sim.placePlayer({40.0f, 60.0f});
    ASSERT_TRUE(sim.spawnAt(0, {25.0f, 52.0f}));  // 17 m: under 6 s at a run
    Command c;
    c.type = CommandType::Attack;
    c.npc = 0;
    c.targetsPlayer = true;
    applyOrFail(sim, c);
    for (int frame = 0; frame < 60 * 9; ++frame) sim.step(kDt);
    EXPECT_LE(sim.distanceToPlayer(0), 1.5f);
    EXPECT_GE(sim.stats().playerHits, 1u);
}

TEST(WorldSim, AttackOnAnotherNpcDamagesItAndReportsDamagedEvents) {
    WorldStorage storage(2);
    WorldSim sim(storage.buffers(), emptyMap(), quietConfig());
    sim.placePlayer({90.0f, 90.0f});
    ASSERT_TRUE(sim.spawnAt(0, {10.0f, 10.0f}));
    ASSERT_TRUE(sim.spawnAt(1, {20.0f, 10.0f}));
    Command c;
    c.type = CommandType::Attack;
    c.npc = 0;
    c.targetNpc = 1;
    applyOrFail(sim, c);
    bool damagedSeen = false;
    for (int frame = 0; frame < 60 * 6; ++frame) {
        sim.step(kDt);
        for (const auto& e : decodeEvents(sim.events())) {
            if (e.type == "damaged" && e.npc == 1) {
                damagedSeen = true;
                EXPECT_NEAR(e.amount, 0.1, 1e-6);
                EXPECT_EQ(storage.buffers().perception[1] & kIsDamaged, kIsDamaged);
            }
        }
    }
    EXPECT_TRUE(damagedSeen);
    EXPECT_LT(storage.buffers().health[1], 1.0f);
    // An NPC does not attack itself.
    c.targetNpc = 0;
    std::string reason;
    EXPECT_FALSE(sim.apply(c, reason));
}

TEST(WorldSim, DespawnFreesTheSlotAndClearsItsBuffers) {
    WorldStorage storage(3);
    WorldSim sim(storage.buffers(), ObstacleMap::standard(), quietConfig());
    for (std::uint32_t s = 0; s < 3; ++s) ASSERT_TRUE(sim.spawn(s));
    sim.step(kDt);
    Batch batch;
    batch.array(2);
    batch.header(3, "despawn", 1);
    batch.header(3, "despawn", 1);  // the second names a slot that is no longer used
    const CommandReport report = sim.applyCommands(batch.bytes());
    ASSERT_EQ(report.despawned, std::vector<std::uint32_t>{1});
    EXPECT_EQ(report.applied, 1u);
    ASSERT_EQ(report.rejections.size(), 1u);
    EXPECT_EQ(report.rejections[0], "despawn: no NPC in slot 1");
    EXPECT_FALSE(sim.active(1));
    EXPECT_EQ(sim.activeCount(), 2u);
    const WorldBuffers b = storage.buffers();
    EXPECT_EQ(b.position[3], 0.0f);
    EXPECT_EQ(b.health[1], 0.0f);
    sim.step(kDt);
    EXPECT_EQ(b.position[3], 0.0f);  // stays clear while free
    ASSERT_TRUE(sim.spawn(1));      // and can be given to a new NPC
    EXPECT_EQ(b.health[1], 1.0f);
    EXPECT_FALSE(sim.spawn(1));     // but not twice
}

TEST(WorldSim, TheSameSeedGivesIdenticalTrajectoriesAndAnotherSeedDoesNot) {
    const auto run = [](std::uint64_t seed) {
        WorldStorage storage(20);
        WorldConfig config;
        config.seed = seed;
        WorldSim sim(storage.buffers(), ObstacleMap::standard(), config);
        for (std::uint32_t s = 0; s < 20; ++s) sim.spawn(s);
        std::vector<float> trace;
        std::vector<std::uint8_t> events;
        for (int frame = 0; frame < 600; ++frame) {
            if (frame == 300) {
                std::string reason;
                sim.apply(moveTo(3, {50.0f, 50.0f}, 2.0f), reason);
            }
            sim.step(kDt);
            const WorldBuffers b = storage.buffers();
            trace.insert(trace.end(), b.position, b.position + 60);
            trace.insert(trace.end(), b.playerPosition, b.playerPosition + 3);
            events.insert(events.end(), sim.events().begin(), sim.events().end());
        }
        return std::make_pair(trace, events);
    };
    const auto a = run(42);
    const auto b = run(42);
    EXPECT_EQ(a.first, b.first);
    EXPECT_EQ(a.second, b.second);
    EXPECT_NE(a.first, run(43).first);
}

TEST(WorldSim, NoisesAndDamageArriveAsProtocolEventsAndSetTheirFlags) {
    WorldStorage storage(10);
    WorldConfig config = quietConfig();
    config.noisesPerSecond = 1e9;        // every frame
    config.damagePerNpcPerSecond = 1e9;  // every NPC every frame
    config.hearingRadiusM = 500.0f;      // heard across the map
    WorldSim sim(storage.buffers(), ObstacleMap::standard(), config);
    for (std::uint32_t s = 0; s < 10; ++s) ASSERT_TRUE(sim.spawn(s));
    sim.step(kDt);
    const auto events = decodeEvents(sim.events());
    ASSERT_EQ(events.size(), sim.eventCount());
    int damaged = 0;
    int heard = 0;
    for (const auto& e : events) {
        if (e.type == "damaged") {
            ++damaged;
            EXPECT_EQ(e.fields, 4u);
            EXPECT_GT(e.amount, 0.0);
            EXPECT_LE(e.amount, 0.2 + 1e-6);
        } else if (e.type == "heard_noise") {
            ++heard;
            EXPECT_EQ(e.fields, 5u);
            EXPECT_GT(e.loudness, 0.0);
            EXPECT_LE(e.loudness, 1.0);
        }
    }
    EXPECT_EQ(damaged, 10);
    EXPECT_EQ(heard, 10);
    const WorldBuffers b = storage.buffers();
    for (std::uint32_t s = 0; s < 10; ++s) {
        EXPECT_EQ(b.perception[s] & (kIsDamaged | kHearsNoise), kIsDamaged | kHearsNoise);
        EXPECT_LT(b.health[s], 1.0f);
    }
}

TEST(WorldSim, EveryMoveToAcrossTheStandardMapArrives) {
    // 60 walks between spread-out points, many of them straight through an obstacle.
    WorldStorage storage(60);
    const WorldConfig config = quietConfig(3);
    WorldSim sim(storage.buffers(), ObstacleMap::standard(), config);
    const ObstacleMap& map = sim.map();
    std::vector<Vec2> targets;
    std::uint32_t state = 12345;
    const auto next = [&] {
        state = state * 1664525u + 1013904223u;
        return static_cast<float>(state >> 8) / 16777216.0f * 96.0f + 2.0f;
    };
    for (std::uint32_t s = 0; s < 60; ++s) {
        Vec2 from{next(), next()};
        Vec2 to{next(), next()};
        while (map.blocked(from, 1.0f)) from = {next(), next()};
        while (map.blocked(to, 1.0f)) to = {next(), next()};
        ASSERT_TRUE(sim.spawnAt(s, from));
        applyOrFail(sim, moveTo(s, to, 4.0f));
        targets.push_back(to);
    }
    std::vector<bool> arrived(60, false);
    for (int frame = 0; frame < 60 * 60; ++frame) {
        sim.step(kDt);
        for (std::uint32_t s = 0; s < 60; ++s)
            if (distance(sim.position(s), targets[s]) < 0.05f) arrived[s] = true;
    }
    for (std::uint32_t s = 0; s < 60; ++s)
        EXPECT_TRUE(arrived[s]) << "npc " << s << " stuck at " << sim.position(s).x << ","
                                << sim.position(s).y << " going to " << targets[s].x << ","
                                << targets[s].y;
}
