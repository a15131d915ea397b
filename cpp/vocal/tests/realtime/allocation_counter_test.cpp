#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "allocation_counter.h"
#include "realtime_guard.h"

using aicore::vocal::testing::AllocationCounter;

namespace {

// Sums the counts of every realtime section opened on this thread.
struct CountingGuard final : aicore::vocal::testing::RealtimeGuard {
    AllocationCounter::Counts total;
    void enter() override { AllocationCounter::start(); }
    void exit() override {
        const auto c = AllocationCounter::stop();
        total.allocations += c.allocations;
        total.locks += c.locks;
    }
};

}  // namespace

TEST(AllocationCounter, SeesAVectorAllocationAndAMutexLock) {
    std::mutex m;
    {
        std::lock_guard warmup(m);  // resolves the interposed symbol outside the section
    }
    CountingGuard guard;
    {
        aicore::vocal::testing::RealtimeSection section(guard);
        std::vector<float> v(64);
        std::lock_guard lock(m);
        v[0] = 1.0f;
    }
    EXPECT_GE(guard.total.allocations, 1u);
    EXPECT_EQ(guard.total.locks, 1u);
}

TEST(AllocationCounter, EveryProcessorRunsThousandsOfBlocksWithZeroAllocationsAndLocks) {
    CountingGuard guard;
    const auto calls = aicore::vocal::testing::runEveryProcessor(guard);
    EXPECT_GE(calls, 1000u);
    EXPECT_EQ(guard.total.allocations, 0u);
    EXPECT_EQ(guard.total.locks, 0u);
}
