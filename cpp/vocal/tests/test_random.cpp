#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "aicore/vocal/random.h"

using namespace aicore::vocal;

static_assert(noexcept(std::declval<Random&>().nextFloat()));
static_assert(noexcept(std::declval<Random&>().seed(1)));

TEST(Random, TheSameSeedGivesTheSameSequenceAndResetRestartsIt) {
    Random a(42), b(42);
    std::vector<std::uint32_t> first;
    for (int i = 0; i < 1000; ++i) {
        first.push_back(a.nextUint32());
        ASSERT_EQ(first.back(), b.nextUint32()) << i;
    }
    a.reset();
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.nextUint32(), first[static_cast<std::size_t>(i)]) << i;
}

TEST(Random, NeighbouringSeedsGiveUnrelatedSequences) {
    Random a(1), b(2);
    int equal = 0;
    for (int i = 0; i < 1000; ++i) equal += a.nextUint32() == b.nextUint32() ? 1 : 0;
    EXPECT_EQ(equal, 0);
}

TEST(Random, UniformFloatsStayInRangeWithTheTheoreticalMeanAndVariance) {
    Random r(7);
    constexpr int n = 1'000'000;
    double sum = 0.0, sumSq = 0.0, bSum = 0.0, bSumSq = 0.0;
    float lo = 1.0f, hi = 0.0f, bLo = 1.0f, bHi = -1.0f;
    for (int i = 0; i < n; ++i) {
        const float u = r.nextFloat();
        const float b = r.nextBipolarFloat();
        lo = std::min(lo, u); hi = std::max(hi, u);
        bLo = std::min(bLo, b); bHi = std::max(bHi, b);
        sum += u; sumSq += static_cast<double>(u) * u;
        bSum += b; bSumSq += static_cast<double>(b) * b;
    }
    EXPECT_GE(lo, 0.0f);
    EXPECT_LT(hi, 1.0f);
    EXPECT_GE(bLo, -1.0f);
    EXPECT_LT(bHi, 1.0f);
    const double mean = sum / n, bMean = bSum / n;
    // Standard error of the mean is ~3e-4 here; the bounds are several of them.
    EXPECT_NEAR(mean, 0.5, 2e-3);
    EXPECT_NEAR(sumSq / n - mean * mean, 1.0 / 12.0, 1e-3);
    EXPECT_NEAR(bMean, 0.0, 3e-3);
    EXPECT_NEAR(bSumSq / n - bMean * bMean, 1.0 / 3.0, 3e-3);
}

TEST(Random, ConsecutiveNumbersAreUncorrelated) {
    Random r(99);
    constexpr int n = 200'000;
    double previous = r.nextBipolarFloat(), lagProduct = 0.0, energy = 0.0;
    for (int i = 0; i < n; ++i) {
        const double x = r.nextBipolarFloat();
        lagProduct += x * previous;
        energy += x * x;
        previous = x;
    }
    EXPECT_LT(std::abs(lagProduct / energy), 0.01);
}
