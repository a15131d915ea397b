#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

#include "aicore/vocal/voice_engine.h"
#include "engine_fixture.h"

using namespace aicore::vocal;
using namespace aicore::vocal::testing;

namespace {

constexpr double kRate = 48000.0;
constexpr std::size_t kBlock = 256;

struct Rig {
    ClipBank bank{64};
    VoiceEngine engine;
    std::vector<float> left = std::vector<float>(kBlock), right = std::vector<float>(kBlock);

    explicit Rig(std::size_t voices = 16)
        : engine(testArchetypes(), testEnvironments(), bank, VoiceEngineConfig{voices, 1024, 1024, 0.97f}) {
        engine.prepare({kRate, kBlock, 2});
        setEnvironment("none");
    }
    void setEnvironment(const char* name) {
        VoiceCommand c;
        c.type = VoiceCommand::Type::SetEnvironment;
        c.environment = static_cast<std::uint16_t>(engine.environmentIndex(name));
        ASSERT_TRUE(engine.trySend(c));
    }
    std::uint32_t start(ClipId clip, Vec3 position, int priority = 0, float intensity = 0.0f,
                        std::uint16_t archetype = 0, std::uint64_t seed = 1) {
        VoiceCommand c;
        c.type = VoiceCommand::Type::Start;
        c.voice = engine.newVoiceHandle();
        c.clip = clip;
        c.position = position;
        c.priority = priority;
        c.intensity = intensity;
        c.archetype = archetype;
        c.seed = seed;
        EXPECT_TRUE(engine.trySend(c));
        return c.voice;
    }
    // Renders `blocks` blocks; returns interleaved-by-channel copies.
    std::pair<std::vector<float>, std::vector<float>> render(std::size_t blocks) {
        std::vector<float> l, r;
        for (std::size_t b = 0; b < blocks; ++b) {
            engine.process(left.data(), right.data(), kBlock);
            l.insert(l.end(), left.begin(), left.end());
            r.insert(r.end(), right.begin(), right.end());
        }
        return {l, r};
    }
    std::vector<VoiceNotification> drain() {
        std::vector<VoiceNotification> out;
        VoiceNotification n;
        while (engine.tryReceive(n)) out.push_back(n);
        return out;
    }
};

double energy(const std::vector<float>& x) {
    double e = 0.0;
    for (float v : x) e += static_cast<double>(v) * v;
    return e;
}

bool has(const std::vector<VoiceNotification>& ns, VoiceNotification::Type type, std::uint32_t voice) {
    return std::any_of(ns.begin(), ns.end(), [&](const auto& n) { return n.type == type && n.voice == voice; });
}

}  // namespace

TEST(VoiceEngine, EqualPowerPanningKeepsLoudnessConstantAroundTheListener) {
    Rig rig;
    const ClipId clip = rig.bank.add(buzzClip(kRate, 3.0, 150.0));
    std::vector<double> totals, lefts;
    for (double angle : {0.0, 45.0, 90.0, 135.0, 180.0}) {  // right, front-right, front, ...
        rig.engine.reset();
        rig.setEnvironment("none");
        const double a = angle * std::numbers::pi / 180.0;
        rig.start(clip, Vec3{static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a)), 0.0f});
        auto [l, r] = rig.render(100);
        totals.push_back(energy(l) + energy(r));
        lefts.push_back(energy(l) / (energy(l) + energy(r)));
    }
    for (double t : totals) EXPECT_NEAR(t / totals[2], 1.0, 0.02);
    EXPECT_LT(lefts[0], 0.01);           // hard right
    EXPECT_NEAR(lefts[2], 0.5, 0.01);    // in front
    EXPECT_GT(lefts[4], 0.99);           // hard left
    EXPECT_LT(lefts[1], lefts[2]);
}

TEST(VoiceEngine, DistanceAttenuatesByTheInverseDistanceRolloff) {
    Rig rig;
    const ClipId clip = rig.bank.add(buzzClip(kRate, 3.0, 150.0));
    auto levelAt = [&](float distance) {
        rig.engine.reset();
        rig.setEnvironment("none");
        rig.start(clip, Vec3{0.0f, distance, 0.0f});
        auto [l, r] = rig.render(100);
        return energy(l) + energy(r);
    };
    const double near = levelAt(1.0f), four = levelAt(4.0f), eight = levelAt(8.0f);
    // ref 1 m, rolloff 1: gain 1/d, so energy 1/d^2.
    EXPECT_NEAR(10 * std::log10(near / four), 20 * std::log10(4.0), 0.2);
    EXPECT_NEAR(10 * std::log10(four / eight), 20 * std::log10(2.0), 0.2);
}

TEST(VoiceEngine, StartedAndFinishedAreNotifiedAndTheSlotIsFreed) {
    Rig rig;
    const ClipId clip = rig.bank.add(buzzClip(kRate, 0.5, 150.0));
    const auto v = rig.start(clip, Vec3{0, 2, 0});
    rig.render(1);
    EXPECT_TRUE(has(rig.drain(), VoiceNotification::Type::Started, v));
    EXPECT_EQ(rig.engine.activeVoices(), 1u);
    rig.render(200);  // 0.5 s line + tail < 1.07 s
    EXPECT_TRUE(has(rig.drain(), VoiceNotification::Type::Finished, v));
    EXPECT_EQ(rig.engine.activeVoices(), 0u);
}

TEST(VoiceEngine, StealsTheLowestPriorityOldestVoiceAndRefusesWhenAllOutrankTheNewLine) {
    Rig rig(4);
    const ClipId clip = rig.bank.add(buzzClip(kRate, 5.0, 150.0));
    const auto a = rig.start(clip, {}, 1), b = rig.start(clip, {}, 2), c = rig.start(clip, {}, 3),
               d = rig.start(clip, {}, 1);
    rig.render(2);
    rig.drain();
    const auto e = rig.start(clip, {}, 2);  // steals a: priority 1 and older than d
    rig.render(1);
    auto ns = rig.drain();
    EXPECT_TRUE(has(ns, VoiceNotification::Type::Stolen, a));
    EXPECT_TRUE(has(ns, VoiceNotification::Type::Started, e));
    const auto f = rig.start(clip, {}, 0);  // everyone outranks priority 0
    rig.render(1);
    ns = rig.drain();
    EXPECT_TRUE(has(ns, VoiceNotification::Type::Rejected, f));
    EXPECT_FALSE(has(ns, VoiceNotification::Type::Stolen, b));
    EXPECT_FALSE(has(ns, VoiceNotification::Type::Stolen, c));
    EXPECT_FALSE(has(ns, VoiceNotification::Type::Stolen, d));
    EXPECT_EQ(rig.engine.activeVoices(), 4u);
}

TEST(VoiceEngine, AFullCommandQueueIsReportedNotWaitedOn) {
    ClipBank bank(4);
    VoiceEngine engine(testArchetypes(), testEnvironments(), bank, VoiceEngineConfig{4, 8, 8, 0.97f});
    engine.prepare({kRate, kBlock, 2});
    VoiceCommand c;
    c.type = VoiceCommand::Type::SetListener;
    int sent = 0;
    while (engine.trySend(c)) ++sent;
    EXPECT_EQ(sent, 8);
    std::vector<float> l(kBlock), r(kBlock);
    engine.process(l.data(), r.data(), kBlock);
    EXPECT_TRUE(engine.trySend(c));
}

TEST(VoiceEngine, StopFadesOutWithoutAClick) {
    Rig rig;
    const ClipId clip = rig.bank.add(buzzClip(kRate, 3.0, 150.0));
    const auto v = rig.start(clip, Vec3{0, 1, 0});
    auto [before, unused] = rig.render(40);
    VoiceCommand stop;
    stop.type = VoiceCommand::Type::Stop;
    stop.voice = v;
    stop.fadeMs = 30.0f;
    ASSERT_TRUE(rig.engine.trySend(stop));
    auto [after, unused2] = rig.render(20);
    float natural = 0.0f, fadeJump = 0.0f;
    for (std::size_t i = 1; i < before.size(); ++i) natural = std::max(natural, std::fabs(before[i] - before[i - 1]));
    fadeJump = std::fabs(after[0] - before.back());
    for (std::size_t i = 1; i < after.size(); ++i) fadeJump = std::max(fadeJump, std::fabs(after[i] - after[i - 1]));
    EXPECT_LE(fadeJump, natural * 1.01f);
    EXPECT_LT(std::fabs(after.back()), 1e-3f);  // only the first room's reverb tail remains
    EXPECT_TRUE(has(rig.drain(), VoiceNotification::Type::Finished, v));
}

TEST(VoiceEngine, TheSameCommandsAtTheSameBlocksGiveBitIdenticalOutput) {
    auto run = [] {
        Rig rig;
        rig.setEnvironment("crypt");
        const ClipId clip = rig.bank.add(buzzClip(kRate, 2.0, 130.0));
        std::vector<float> out;
        for (std::size_t b = 0; b < 300; ++b) {
            if (b % 40 == 0) rig.start(clip, Vec3{std::sin(b * 0.1f) * 5, 3, 0}, 0, -1.0f, b % 3, b);
            auto [l, r] = rig.render(1);
            out.insert(out.end(), l.begin(), l.end());
            out.insert(out.end(), r.begin(), r.end());
        }
        return out;
    };
    const auto first = run(), second = run();
    EXPECT_EQ(first, second);
    EXPECT_GT(energy(first), 1.0);
}

TEST(VoiceEngine, ALimiterKeepsOneHundredTwentyEightLoudVoicesBelowTheCeiling) {
    ClipBank bank(4);
    VoiceEngine engine(testArchetypes(), testEnvironments(), bank, VoiceEngineConfig{128, 1024, 1024, 0.97f});
    engine.prepare({kRate, kBlock, 2});
    const ClipId clip = bank.add(buzzClip(kRate, 1.0, 110.0, 0.9f));
    for (int i = 0; i < 128; ++i) {
        VoiceCommand c;
        c.type = VoiceCommand::Type::Start;
        c.voice = engine.newVoiceHandle();
        c.clip = clip;
        c.archetype = static_cast<std::uint16_t>(i % 3);
        c.position = Vec3{0.1f * static_cast<float>(i % 5), 0.5f, 0.0f};
        c.intensity = 1.0f;
        ASSERT_TRUE(engine.trySend(c));
    }
    std::vector<float> l(kBlock), r(kBlock);
    float peak = 0.0f;
    for (int b = 0; b < 150; ++b) {
        engine.process(l.data(), r.data(), kBlock);
        for (std::size_t k = 0; k < kBlock; ++k) peak = std::max({peak, std::fabs(l[k]), std::fabs(r[k])});
    }
    EXPECT_EQ(engine.activeVoices(), 128u);
    EXPECT_LE(peak, 0.97f);
    EXPECT_GT(peak, 0.5f);
}

TEST(VoiceEngine, AClipFreedWhileItPlaysFadesOutWithoutCrashOrClick) {
    Rig rig;
    const ClipId clip = rig.bank.add(buzzClip(kRate, 3.0, 150.0));
    const auto v = rig.start(clip, Vec3{0, 1, 0});
    auto [before, u1] = rig.render(40);
    rig.bank.retire(clip);
    EXPECT_EQ(rig.bank.collect(), 0u) << "the voice still holds it";
    auto [after, u2] = rig.render(10);
    float natural = 0.0f, jump = std::fabs(after[0] - before.back());
    for (std::size_t i = 1; i < before.size(); ++i) natural = std::max(natural, std::fabs(before[i] - before[i - 1]));
    for (std::size_t i = 1; i < after.size(); ++i) jump = std::max(jump, std::fabs(after[i] - after[i - 1]));
    EXPECT_LE(jump, natural * 1.01f);
    EXPECT_TRUE(has(rig.drain(), VoiceNotification::Type::Finished, v));
    EXPECT_EQ(rig.bank.collect(), 1u);
}
