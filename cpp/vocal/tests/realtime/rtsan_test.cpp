// Real-time proof #1: RealtimeSanitizer's runtime (LLVM 19, linked whole-archive into this
// g++-built test) aborts the process on any allocation, lock or blocking system call made
// inside a realtime section.
#include <gtest/gtest.h>

#include <vector>

#include "realtime_guard.h"

extern "C" {
void __rtsan_init();
void __rtsan_realtime_enter();
void __rtsan_realtime_exit();
}

namespace {

struct RtsanGuard final : aicore::vocal::testing::RealtimeGuard {
    void enter() override { __rtsan_realtime_enter(); }
    void exit() override { __rtsan_realtime_exit(); }
};

}  // namespace

TEST(RealtimeSanitizer, CatchesAnAllocationInARealtimeSection) {
    // Proves the sanitizer is live: without this, a silent no-op runtime would pass below.
    EXPECT_DEATH(
        {
            RtsanGuard guard;
            aicore::vocal::testing::RealtimeSection section(guard);
            std::vector<float> v(64);
            v[1] = 1.0f;
        },
        "Real-time violation");
}

TEST(RealtimeSanitizer, EveryProcessorRunsThousandsOfBlocksWithoutAViolation) {
    RtsanGuard guard;
    const auto calls = aicore::vocal::testing::runEveryProcessor(guard);
    EXPECT_GE(calls, 1000u);
}

int main(int argc, char** argv) {
    __rtsan_init();
    ::testing::InitGoogleTest(&argc, argv);
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    return RUN_ALL_TESTS();
}
