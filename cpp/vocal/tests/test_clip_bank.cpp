#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <thread>
#include <vector>

#include "aicore/vocal/clip_bank.h"

using namespace aicore::vocal;

namespace {

// A clip whose every sample is its serial number: a torn or reused clip cannot hide.
Clip constantClip(float serial, std::size_t length = 2048) {
    Clip c;
    c.samples.assign(length, serial);
    c.sampleRate = 48000.0;
    return c;
}

}  // namespace

TEST(ClipBank, BorrowsLiveClipsAndRefusesRetiredOrStaleOnes) {
    ClipBank bank(2);
    const ClipId a = bank.add(constantClip(1.0f));
    ASSERT_TRUE(a.valid());
    const Clip* clip = bank.borrow(a);
    ASSERT_NE(clip, nullptr);
    EXPECT_EQ(clip->samples[0], 1.0f);
    bank.retire(a);
    EXPECT_TRUE(bank.retired(a));
    EXPECT_EQ(bank.borrow(a), nullptr);
    EXPECT_EQ(bank.collect(), 0u) << "a voice still reads it";
    bank.giveBack(a);
    EXPECT_EQ(bank.collect(), 1u);
    EXPECT_EQ(bank.size(), 0u);
    const ClipId b = bank.add(constantClip(2.0f));
    EXPECT_EQ(b.slot, a.slot);
    EXPECT_EQ(bank.borrow(a), nullptr) << "a stale id must not reach the new clip";
    ASSERT_NE(bank.borrow(b), nullptr);
    bank.giveBack(b);
}

TEST(ClipBank, ReportsFullInsteadOfGrowing) {
    ClipBank bank(1);
    EXPECT_TRUE(bank.add(constantClip(1.0f)).valid());
    EXPECT_FALSE(bank.add(constantClip(2.0f)).valid());
}

TEST(ClipBank, AThreadFreeingClipsWhileTheAudioThreadReadsThemNeverTearsOne) {
    constexpr std::size_t kSlots = 8;
    ClipBank bank(kSlots);
    std::array<std::atomic<std::uint64_t>, kSlots> published{};  // ClipId packed, 0 = none
    auto pack = [](ClipId id) { return (std::uint64_t{id.slot} << 32) | id.generation; };
    auto unpack = [](std::uint64_t v) {
        return ClipId{static_cast<std::uint32_t>(v >> 32), static_cast<std::uint32_t>(v)};
    };
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> reads{0}, refused{0}, torn{0};

    std::thread audio([&] {
        std::size_t k = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            const std::uint64_t packed = published[k++ % kSlots].load(std::memory_order_acquire);
            if (packed == 0) continue;
            const ClipId id = unpack(packed);
            const Clip* clip = bank.borrow(id);
            if (clip == nullptr) {
                refused.fetch_add(1, std::memory_order_relaxed);
                continue;
            }
            const float first = clip->samples.front();
            for (float s : clip->samples)
                if (s != first) torn.fetch_add(1, std::memory_order_relaxed);
            bank.giveBack(id);
            reads.fetch_add(1, std::memory_order_relaxed);
        }
    });

    // The loader: keeps replacing clips, retiring the old one and collecting.
    std::vector<ClipId> live;
    float serial = 1.0f;
    std::size_t freed = 0;
    // At least 20 000 rounds, and on until the audio thread has really read clips while
    // they were being freed (a busy machine may not schedule it at first); bounded anyway.
    for (long round = 0; (round < 20000 || reads.load() < 2000) && round < 20'000'000; ++round) {
        if (live.size() == kSlots - 1) {
            const ClipId old = live.front();
            live.erase(live.begin());
            for (auto& p : published) {
                std::uint64_t expected = pack(old);
                p.compare_exchange_strong(expected, 0);
            }
            bank.retire(old);
        }
        freed += bank.collect();
        const ClipId id = bank.add(constantClip(serial));
        serial += 1.0f;
        if (!id.valid()) continue;
        live.push_back(id);
        published[id.slot].store(pack(id), std::memory_order_release);
    }
    stop = true;
    audio.join();
    EXPECT_EQ(torn.load(), 0u);
    EXPECT_GT(reads.load(), 1000u);
    EXPECT_GT(freed, 1000u);
}
