// The slot map: which engine NPC holds which world-buffer slot, and stale handles.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "aicore/engine_glue/slot_map.h"

using aicore::glue::ClaimProblem;
using aicore::glue::NpcHandle;
using aicore::glue::SlotMap;

TEST(SlotMap, AClaimedSlotResolvesFromItsHandleAndBack) {
    SlotMap map(4);
    const auto claim = map.claim(2);
    ASSERT_TRUE(claim.handle);
    EXPECT_EQ(map.slotOf(*claim.handle), 2u);
    EXPECT_EQ(map.handleIn(2), claim.handle);
    EXPECT_FALSE(map.handleIn(1));
    EXPECT_EQ(map.liveCount(), 1u);
}

TEST(SlotMap, ASlotOutOfRangeOrAlreadyHeldIsRefusedWithWhy) {
    SlotMap map(2);
    EXPECT_EQ(map.claim(2).problem, ClaimProblem::OutOfRange);
    EXPECT_FALSE(map.claim(2).handle);
    ASSERT_TRUE(map.claim(1).handle);
    const auto again = map.claim(1);
    EXPECT_FALSE(again.handle);
    EXPECT_EQ(again.problem, ClaimProblem::Taken);
    EXPECT_EQ(map.liveCount(), 1u);
}

TEST(SlotMap, AReleasedSlotIsReusedAndTheOldHandleGoesStale) {
    SlotMap map(1);
    const NpcHandle first = *map.claim(0).handle;
    EXPECT_TRUE(map.release(first));
    EXPECT_FALSE(map.live(first));
    EXPECT_FALSE(map.release(first));  // twice: nothing to do
    const NpcHandle second = *map.claim(0).handle;
    EXPECT_EQ(second.slot, first.slot);
    EXPECT_NE(second, first);
    EXPECT_FALSE(map.slotOf(first));   // the old component cannot reach the new NPC
    EXPECT_FALSE(map.release(first));  // nor free it
    EXPECT_TRUE(map.live(second));
}

TEST(SlotMap, ADefaultHandleIsNeverLive) {
    SlotMap map(1);
    ASSERT_TRUE(map.claim(0).handle);
    EXPECT_FALSE(map.live(NpcHandle{}));
    EXPECT_FALSE(map.live(NpcHandle{7, 1}));
}

TEST(SlotMap, CapacityIsTheWorldsAndEverySlotCanBeHeldAtOnce) {
    SlotMap map(3);
    EXPECT_EQ(map.capacity(), 3u);
    for (std::uint32_t s = 0; s < 3; ++s) ASSERT_TRUE(map.claim(s).handle) << s;
    EXPECT_EQ(map.liveCount(), 3u);
}

TEST(SlotMap, SlotsTheRuntimeFreedAreReleasedAndTheirHandlesReported) {
    SlotMap map(4);
    const NpcHandle a = *map.claim(0).handle;
    const NpcHandle b = *map.claim(2).handle;
    const NpcHandle c = *map.claim(3).handle;
    const std::vector<std::uint8_t> alive = {1, 0, 0, 1};  // a script freed slot 2
    std::vector<NpcHandle> freed;
    map.releaseDead(alive, freed);
    ASSERT_EQ(freed.size(), 1u);
    EXPECT_EQ(freed[0], b);
    EXPECT_FALSE(map.live(b));
    EXPECT_TRUE(map.live(a));
    EXPECT_TRUE(map.live(c));
    freed.clear();
    map.releaseDead(alive, freed);
    EXPECT_TRUE(freed.empty());  // reported once
}
