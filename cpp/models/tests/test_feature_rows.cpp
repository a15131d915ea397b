// FeatureRows against a plain per-NPC loop (allies by testing every pair), on seeded
// random worlds with crowds, free slots, unknown kinds, NaN and far-away positions.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "aicore/models/feature_rows.h"

namespace aicore::models {
namespace {

constexpr int kArchetypes = 7;
constexpr int kFlags = 6;

FeatureColumns layout() {
    FeatureColumns c;
    c.archetype0 = 0;
    c.archetypes = kArchetypes;
    c.health = 7;
    c.hunger = 8;
    c.distance = 9;
    c.bearingSin = 10;
    c.bearingCos = 11;
    c.sees = 12;
    c.since = 13;
    c.allies = 14;
    c.light = 15;
    c.flag0 = 16;
    c.flags = kFlags;
    c.width = 22;
    return c;
}

struct World {
    std::size_t capacity;
    std::vector<float> position, heading, health, custom;
    std::vector<std::uint32_t> perception;
    std::vector<std::uint8_t> alive;
    std::vector<std::int32_t> kinds, archetypes;
    std::vector<double> lastSeen;
    std::vector<float> flags = {1, 0, 1, 0, 0, 1};
    float player[3] = {50.0f, 40.0f, 0.0f};

    explicit World(std::size_t n, unsigned seed) : capacity(n) {
        std::mt19937 rng(seed);
        std::uniform_real_distribution<float> spot(0.0f, 100.0f), turn(-3.2f, 3.2f), unit(0, 1);
        position.resize(3 * n);
        for (std::size_t i = 0; i < n; ++i) {
            // A third stand in a horde of a few cells; the rest are spread out.
            const bool horde = i % 3 == 0;
            position[3 * i] = horde ? 20.0f + unit(rng) * 10.0f : spot(rng);
            position[3 * i + 1] = horde ? 20.0f + unit(rng) * 10.0f : spot(rng);
            position[3 * i + 2] = unit(rng);
            heading.push_back(turn(rng));
            health.push_back(unit(rng) * 1.4f - 0.2f);
            custom.push_back(unit(rng));
            custom.push_back(unit(rng));
            perception.push_back(i % 4 == 0 ? 1u : 2u);
            alive.push_back(i % 11 == 0 ? 0 : 1);
            kinds.push_back(i % 13 == 0 ? -1 : static_cast<std::int32_t>(i % 3));
            archetypes.push_back(i % 9 == 0 ? -1 : static_cast<std::int32_t>(i % kArchetypes));
            lastSeen.push_back(i % 5 == 0 ? -std::numeric_limits<double>::infinity() : unit(rng) * 90);
        }
        position[3 * 5] = std::numeric_limits<float>::quiet_NaN();  // a broken engine write
        position[3 * 7] = 1.0e30f;                                   // far beyond any level
        position[3 * 8] = player[0];                                 // on the player
        position[3 * 8 + 1] = player[1];
        position[3 * 8 + 2] = player[2];
    }

    WorldColumns columns() const {
        return {position.data(), heading.data(), health.data(), custom.data(), 2,
                perception.data(), alive.data(), player, capacity};
    }
    SlotFacts facts() const {
        SlotFacts f;
        f.kindIds = kinds.data();
        f.archetypeIds = archetypes.data();
        f.lastSeenAt = lastSeen.data();
        f.storyFlags = flags.data();
        f.now = 100.0;
        f.hungerChannel = 0;
        f.lightChannel = 1;
        return f;
    }
};

// The 8 m ground cell of one coordinate; NaN and values beyond any level go to the lowest.
std::int64_t cellIndex(float v) {
    constexpr std::int64_t low = -(std::int64_t{1} << 20) + 1, high = (std::int64_t{1} << 20) - 2;
    const double cell = std::floor(double(v) / 8.0);
    if (std::isnan(cell) || cell < double(low)) return low;  // NaN: the lowest
    return cell > double(high) ? high : static_cast<std::int64_t>(cell);
}

double clip01(double v) { return std::isnan(v) ? 0.0 : std::fmin(1.0, std::fmax(0.0, v)); }

// One NPC's row, written the plain way.
std::vector<float> expectedRow(const World& w, std::size_t s) {
    std::vector<float> row(22, 0.0f);
    if (w.archetypes[s] >= 0) row[static_cast<std::size_t>(w.archetypes[s])] = 1.0f;
    row[7] = static_cast<float>(clip01(w.health[s]));
    row[8] = static_cast<float>(clip01(w.custom[2 * s]));
    row[15] = static_cast<float>(clip01(w.custom[2 * s + 1]));
    const double dx = w.player[0] - double(w.position[3 * s]);
    const double dy = w.player[1] - double(w.position[3 * s + 1]);
    const double dz = w.player[2] - double(w.position[3 * s + 2]);
    row[9] = static_cast<float>(clip01(std::sqrt(dx * dx + dy * dy + dz * dz) / 30.0));
    const double ground = std::hypot(dx, dy);
    if (ground < 1e-6) {
        row[11] = 1.0f;
    } else {
        const double angle = std::atan2(dy, dx) - (double(w.heading[s]) + M_PI / 2);
        row[10] = static_cast<float>(std::isnan(angle) ? 0.0 : std::sin(angle));
        row[11] = static_cast<float>(std::isnan(angle) ? 0.0 : std::cos(angle));
    }
    row[12] = (w.perception[s] & 1u) ? 1.0f : 0.0f;
    row[13] = static_cast<float>(clip01((100.0 - w.lastSeen[s]) / 60.0));
    if (w.kinds[s] >= 0) {
        int allies = 0;
        for (std::size_t o = 0; o < w.capacity; ++o) {
            if (o == s || w.kinds[o] != w.kinds[s] || !w.alive[o]) continue;
            if (std::llabs(cellIndex(w.position[3 * o]) - cellIndex(w.position[3 * s])) <= 1 &&
                std::llabs(cellIndex(w.position[3 * o + 1]) - cellIndex(w.position[3 * s + 1])) <= 1) {
                ++allies;
            }
        }
        row[14] = static_cast<float>(clip01(allies / 8.0));
    }
    for (int f = 0; f < kFlags; ++f) row[16 + f] = w.flags[static_cast<std::size_t>(f)];
    return row;
}

TEST(FeatureRows, EveryRowIsWhatAPerNpcLoopWrites) {
    for (unsigned seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
        World w(400, seed);
        if (seed > 3) {  // no outliers: the crowd fits the dense grid (else: the hash)
            w.position[3 * 5] = 10.0f;
            w.position[3 * 7] = 20.0f;
        }
        FeatureRows rows(layout(), FeatureScales{});
        rows.prepare(w.capacity);
        std::vector<std::int64_t> slots;
        for (std::size_t s = 0; s < w.capacity; s += (seed % 3 == 1 ? 1 : 3)) slots.push_back(std::int64_t(s));
        std::vector<float> out(slots.size() * 22, -7.0f);
        rows.gather(w.columns(), w.facts(), slots.data(), slots.size(), out.data());
        for (std::size_t i = 0; i < slots.size(); ++i) {
            const auto expected = expectedRow(w, static_cast<std::size_t>(slots[i]));
            for (std::size_t col = 0; col < 22; ++col) {
                EXPECT_NEAR(out[i * 22 + col], expected[col], 2e-5)
                    << "seed " << seed << " slot " << slots[i] << " column " << col;
            }
        }
    }
}

TEST(FeatureRows, AHordeIsCountedWhereverItStandsAndTheCountIsCapped) {
    World w(64, 9);
    for (std::size_t i = 0; i < w.capacity; ++i) {
        w.position[3 * i] = 4.0f;
        w.position[3 * i + 1] = 4.0f;
        w.kinds[i] = 0;
        w.alive[i] = 1;
    }
    w.alive[1] = 0;  // the dead are no one's allies
    FeatureRows rows(layout(), FeatureScales{});
    rows.prepare(w.capacity);
    std::vector<std::int64_t> slots = {0, 1};
    std::vector<float> out(2 * 22);
    rows.gather(w.columns(), w.facts(), slots.data(), 2, out.data());
    EXPECT_FLOAT_EQ(out[14], 1.0f);       // 62 others, capped at 8
    EXPECT_FLOAT_EQ(out[22 + 14], 1.0f);  // asked about, a dead one counts the 63 live ones
    // A kind of its own: no allies at all.
    w.kinds[0] = 2;
    rows.gather(w.columns(), w.facts(), slots.data(), 1, out.data());
    EXPECT_FLOAT_EQ(out[14], 0.0f);
}

TEST(FeatureRows, RepeatedGathersForgetTheLastFramesCrowd) {
    World w(32, 4);
    FeatureRows rows(layout(), FeatureScales{});
    rows.prepare(w.capacity);
    std::vector<std::int64_t> slots = {3};
    std::vector<float> first(22), again(22);
    for (int frame = 0; frame < 5; ++frame) rows.gather(w.columns(), w.facts(), slots.data(), 1, first.data());
    for (std::size_t i = 0; i < w.capacity; ++i) w.alive[i] = 0;
    w.alive[3] = 1;
    rows.gather(w.columns(), w.facts(), slots.data(), 1, again.data());
    EXPECT_FLOAT_EQ(again[14], 0.0f);
}

}  // namespace
}  // namespace aicore::models
