// VoiceEngineSlot: the audio thread keeps rendering while the game thread replaces the
// engine. Run under ThreadSanitizer by the tsan preset (its filter matches "VoiceEngine").
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "aicore/vocal/voice_engine_slot.h"
#include "engine_fixture.h"

using namespace aicore::vocal;
using namespace aicore::vocal::testing;

namespace {

constexpr double kRate = 48000.0;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

std::unique_ptr<VoiceEngine> preparedEngine(ClipBank& bank, double rate, std::uint32_t block, std::size_t voices = 8) {
    auto engine = std::make_unique<VoiceEngine>(testArchetypes(), testEnvironments(), bank,
                                                VoiceEngineConfig{voices, 64, 256, 0.97f});
    engine->prepare({rate, block, 2});
    return engine;
}

VoiceCommand startCommand(std::uint32_t voice, ClipId clip) {
    VoiceCommand c;
    c.type = VoiceCommand::Type::Start;
    c.voice = voice;
    c.clip = clip;
    c.position = Vec3{0.0f, 1.0f, 0.0f};
    c.intensity = 0.5f;
    return c;
}

std::size_t count(const std::vector<VoiceNotification>& ns, VoiceNotification::Type type, std::uint32_t voice) {
    return static_cast<std::size_t>(
        std::count_if(ns.begin(), ns.end(), [&](const auto& n) { return n.type == type && n.voice == voice; }));
}

}  // namespace

TEST(VoiceEngineSlot, BeforeAnyEngineItWritesSilenceAndSaysSo) {
    VoiceEngineSlot slot;
    std::vector<float> left(300, kNaN), right(300, kNaN);
    EXPECT_EQ(slot.render(left.data(), right.data(), left.size()), VoiceEngineSlot::Render::NotPrepared);
    EXPECT_TRUE(std::all_of(left.begin(), left.end(), [](float v) { return v == 0.0f; }));
    EXPECT_TRUE(std::all_of(right.begin(), right.end(), [](float v) { return v == 0.0f; }));
    EXPECT_EQ(slot.busyRenders(), 0u);
    EXPECT_EQ(slot.engine(), nullptr);
}

TEST(VoiceEngineSlot, OnlyAPreparedEngineCanBeSwappedIn) {
    ClipBank bank(2);
    VoiceEngineSlot slot;
    auto unprepared = std::make_unique<VoiceEngine>(testArchetypes(), testEnvironments(), bank);
    EXPECT_THROW(slot.trySwap(unprepared), std::invalid_argument);
    std::unique_ptr<VoiceEngine> none;
    EXPECT_THROW(slot.trySwap(none), std::invalid_argument);
    EXPECT_EQ(slot.engine(), nullptr);
}

TEST(VoiceEngineSlot, RendersAnyNumberOfFramesInBlocksOfTheEnginesSize) {
    // The slot's output for 1000 frames at once equals the engine's own, rendered by hand in
    // blocks of 64: every sample is written and nothing is skipped or repeated.
    constexpr std::size_t kBlock = 64, kFrames = 1000;
    ClipBank bank(4);
    const ClipId clip = bank.add(buzzClip(kRate, 1.0, 140.0));
    auto reference = preparedEngine(bank, kRate, kBlock);
    ASSERT_TRUE(reference->trySend(startCommand(1, clip)));
    std::vector<float> expectL(kFrames), expectR(kFrames);
    for (std::size_t done = 0; done < kFrames; done += kBlock) {
        const std::size_t n = std::min(kBlock, kFrames - done);
        reference->process(expectL.data() + done, expectR.data() + done, n);
    }

    VoiceEngineSlot slot;
    auto engine = preparedEngine(bank, kRate, kBlock);
    ASSERT_TRUE(engine->trySend(startCommand(1, clip)));
    ASSERT_TRUE(slot.trySwap(engine));
    EXPECT_EQ(engine, nullptr) << "nothing was live before";
    std::vector<float> left(kFrames, kNaN), right(kFrames, kNaN);
    EXPECT_EQ(slot.render(left.data(), right.data(), 0), VoiceEngineSlot::Render::Rendered);
    EXPECT_TRUE(std::isnan(left[0])) << "0 frames write nothing";
    EXPECT_EQ(slot.render(left.data(), right.data(), kFrames), VoiceEngineSlot::Render::Rendered);
    EXPECT_EQ(left, expectL);
    EXPECT_EQ(right, expectR);
    EXPECT_GT(std::fabs(left[kFrames - 1]) + std::fabs(left[kFrames / 2]), 0.0f) << "a voice was playing";
}

TEST(VoiceEngineSlot, ASwappedOutEngineEndsItsLinesAndGivesItsClipsBack) {
    ClipBank bank(4);
    const ClipId clip = bank.add(buzzClip(kRate, 2.0, 150.0));
    VoiceEngineSlot slot;
    auto first = preparedEngine(bank, kRate, 128);
    ASSERT_TRUE(slot.trySwap(first));
    VoiceEngine& old = *slot.engine();
    const std::uint32_t playing = slot.newVoiceHandle();
    ASSERT_TRUE(old.trySend(startCommand(playing, clip)));
    std::vector<float> left(128), right(128);
    ASSERT_EQ(slot.render(left.data(), right.data(), 128), VoiceEngineSlot::Render::Rendered);
    const std::uint32_t queued = slot.newVoiceHandle();  // sent, never applied by a render
    ASSERT_TRUE(old.trySend(startCommand(queued, clip)));

    auto engine = preparedEngine(bank, 44100.0, 256);
    VoiceEngine* fresh = engine.get();
    ASSERT_TRUE(slot.trySwap(engine));
    EXPECT_EQ(engine.get(), &old);
    EXPECT_EQ(slot.engine(), fresh);
    std::vector<VoiceNotification> endings;
    engine->abandonAll(endings);
    EXPECT_EQ(count(endings, VoiceNotification::Type::Started, playing), 1u) << "not yet received: kept";
    EXPECT_EQ(count(endings, VoiceNotification::Type::Stolen, playing), 1u);
    EXPECT_EQ(count(endings, VoiceNotification::Type::Rejected, queued), 1u);
    EXPECT_EQ(engine->activeVoices(), 0u);
    engine.reset();
    // The new engine's handles continue the old one's: no voice is named twice.
    EXPECT_GT(slot.newVoiceHandle(), queued);
    // Nothing holds the clip any more, so retiring frees it at once.
    bank.retire(clip);
    EXPECT_EQ(bank.collect(), 1u);
}

TEST(VoiceEngineSlot, AnEngineDestroyedWithVoicesInFlightGivesTheirClipsBack) {
    ClipBank bank(4);
    const ClipId clip = bank.add(buzzClip(kRate, 2.0, 150.0));
    {
        auto engine = preparedEngine(bank, kRate, 128);
        ASSERT_TRUE(engine->trySend(startCommand(engine->newVoiceHandle(), clip)));
        std::vector<float> left(128), right(128);
        engine->process(left.data(), right.data(), 128);
        ASSERT_EQ(engine->activeVoices(), 1u);
    }
    bank.retire(clip);
    EXPECT_EQ(bank.collect(), 1u);
}

TEST(VoiceEngineSlot, OneThreadRendersWhileAnotherReplacesTheEngineHundredsOfTimes) {
    // The audio thread renders without pause, blocks shorter and longer than the engine's;
    // the game thread starts lines on the live engine and replaces it 200 times (new rate,
    // new block size), some swaps with no patience at all so that they give up whenever a
    // render is in flight. Swaps are paced by the audio thread's progress, not the clock.
    constexpr int kSwaps = 200;
    ClipBank bank(8);
    const ClipId clip = bank.add(buzzClip(kRate, 0.5, 160.0));
    VoiceEngineSlot slot;
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> renders{0}, busy{0}, unprepared{0}, nonFinite{0};

    std::thread audio([&] {
        std::vector<float> left(1100), right(1100);
        const std::size_t sizes[] = {256, 1, 1100, 0, 300, 64};
        bool rendered = false;
        for (std::size_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
            const auto n = static_cast<std::ptrdiff_t>(sizes[i % std::size(sizes)]);
            std::fill(left.begin(), left.end(), kNaN);
            std::fill(right.begin(), right.end(), kNaN);
            const auto r = slot.render(left.data(), right.data(), static_cast<std::size_t>(n));
            if (r == VoiceEngineSlot::Render::Busy) busy.fetch_add(1, std::memory_order_relaxed);
            // Once an engine is live there is always one: never "not prepared" again.
            if (r == VoiceEngineSlot::Render::NotPrepared && rendered) unprepared.fetch_add(1);
            rendered = rendered || r == VoiceEngineSlot::Render::Rendered;
            const auto finite = [](float v) { return std::isfinite(v); };
            if (!std::all_of(left.begin(), left.begin() + n, finite) || !std::all_of(right.begin(), right.begin() + n, finite))
                nonFinite.fetch_add(1, std::memory_order_relaxed);
            renders.fetch_add(1, std::memory_order_release);
        }
    });

    const double rates[] = {48000.0, 44100.0, 22050.0, 96000.0};
    const std::uint32_t blocks[] = {64, 128, 256, 512};
    int swapped = 0, gaveUp = 0, patientSwaps = 0;
    std::vector<VoiceNotification> endings;
    std::uint64_t startsSent = 0, startsEnded = 0;
    for (int k = 0; k < kSwaps; ++k) {
        const std::uint64_t seen = renders.load(std::memory_order_acquire);
        while (renders.load(std::memory_order_acquire) < seen + 2) std::this_thread::yield();
        if (VoiceEngine* live = slot.engine()) {
            for (int v = 0; v < 3; ++v) startsSent += live->trySend(startCommand(slot.newVoiceHandle(), clip));
            VoiceNotification n;
            while (live->tryReceive(n)) startsEnded += n.type != VoiceNotification::Type::Started;
        }
        auto engine = preparedEngine(bank, rates[k % 4], blocks[(k / 3) % 4]);
        VoiceEngine* fresh = engine.get();
        VoiceEngine* before = slot.engine();
        // Far more patience than any render needs, however busy the machine: these must swap.
        const bool patient = k % 3 != 2;
        patientSwaps += patient;
        const auto patience = patient ? std::chrono::nanoseconds(std::chrono::seconds(30)) : std::chrono::nanoseconds(0);
        if (slot.trySwap(engine, patience)) {
            ++swapped;
            ASSERT_EQ(slot.engine(), fresh);
            ASSERT_EQ(engine.get(), before);
            if (engine) {
                endings.clear();
                engine->abandonAll(endings);
                for (const auto& n : endings) startsEnded += n.type != VoiceNotification::Type::Started;
            }
        } else {
            ++gaveUp;
            ASSERT_EQ(slot.engine(), before) << "a swap that gave up changed nothing";
            ASSERT_EQ(engine.get(), fresh);
        }
        // `engine` (old or refused) is freed here, on this thread.
    }
    stop = true;
    audio.join();
    {
        auto spare = preparedEngine(bank, kRate, 64);
        ASSERT_TRUE(slot.trySwap(spare));  // the audio thread is gone: nothing to wait for
        endings.clear();
        spare->abandonAll(endings);
        for (const auto& n : endings) startsEnded += n.type != VoiceNotification::Type::Started;
        endings.clear();
        spare->abandonAll(endings);
        EXPECT_TRUE(endings.empty()) << "abandoning twice ends nothing twice";
    }

    EXPECT_EQ(swapped + gaveUp, kSwaps);
    EXPECT_GE(swapped, patientSwaps) << "a patient swap waits out the render in flight";
    EXPECT_EQ(busy.load(), slot.busyRenders());
    EXPECT_EQ(unprepared.load(), 0u);
    EXPECT_EQ(nonFinite.load(), 0u);
    // Every line started on an engine since swapped out has ended (finished, stolen or
    // rejected): none is left "speaking" for ever. Lines still on the last engine were
    // ended by the final swap above.
    EXPECT_EQ(startsEnded, startsSent);
}
