#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "aicore/vocal/spsc_queue.h"

using aicore::vocal::SpscQueue;

TEST(SpscQueue, HoldsExactlyItsCapacityAndReportsFullWithoutWaiting) {
    SpscQueue<int> q(4);
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(q.try_push(i));
    EXPECT_FALSE(q.try_push(99));
    EXPECT_EQ(q.sizeApprox(), 4u);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(q.try_pop(), i);
    EXPECT_FALSE(q.try_pop().has_value());
}

TEST(SpscQueue, WrapsAroundManyTimesInOrder) {
    SpscQueue<std::uint32_t> q(3);
    std::uint32_t next = 0, expected = 0;
    for (int round = 0; round < 1000; ++round) {
        while (q.try_push(next)) ++next;
        while (auto v = q.try_pop()) ASSERT_EQ(*v, expected++);
    }
    EXPECT_EQ(next, expected);
}

TEST(SpscQueue, TwoThreadsPassAMillionItemsInOrderWithNoneLost) {
    constexpr std::uint64_t kCount = 1'000'000;
    SpscQueue<std::uint64_t> q(1024);
    std::thread producer([&] {
        for (std::uint64_t i = 0; i < kCount;) {
            if (q.try_push(i)) ++i;
        }
    });
    std::uint64_t expected = 0, sum = 0;
    while (expected < kCount) {
        if (auto v = q.try_pop()) {
            ASSERT_EQ(*v, expected);
            sum += *v;
            ++expected;
        }
    }
    producer.join();
    EXPECT_EQ(sum, kCount * (kCount - 1) / 2);
}
