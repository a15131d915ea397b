#include <gtest/gtest.h>

#include <cmath>

#include "aicore/vocal/smoothed_value.h"

using namespace aicore::vocal;

namespace {
SmoothedValue prepared(double rampMs, float start) {
    SmoothedValue v(start);
    v.prepare({48000.0, 512, 1}, rampMs);
    return v;
}
}  // namespace

TEST(SmoothedValue, ReachesTheTargetInExactlyTheRampLength) {
    auto v = prepared(10.0, 0.0f);  // 480 samples at 48 kHz
    ASSERT_EQ(v.rampLengthSamples(), 480u);
    v.setTargetValue(1.0f);
    for (int i = 1; i < 480; ++i) {
        ASSERT_LT(v.getNextValue(), 1.0f) << i;
        ASSERT_TRUE(v.isSmoothing()) << i;
    }
    EXPECT_EQ(v.getNextValue(), 1.0f);
    EXPECT_FALSE(v.isSmoothing());
    EXPECT_EQ(v.getNextValue(), 1.0f);
}

TEST(SmoothedValue, NoStepIsLargerThanTheDistanceOverTheRampLength) {
    auto v = prepared(20.0, -3.0f);  // 960 samples
    v.setTargetValue(5.0f);
    const float bound = 8.0f / 960.0f * 1.0001f;
    float previous = v.getCurrentValue();
    for (int i = 0; i < 2000; ++i) {
        const float x = v.getNextValue();
        ASSERT_LE(std::abs(x - previous), bound) << i;
        previous = x;
    }
    EXPECT_EQ(previous, 5.0f);
}

TEST(SmoothedValue, RetargetingMidRampArrivesOneRampLengthAfterTheChange) {
    auto v = prepared(10.0, 0.0f);
    v.setTargetValue(1.0f);
    for (int i = 0; i < 200; ++i) v.getNextValue();
    v.setTargetValue(-1.0f);
    for (int i = 1; i < 480; ++i) ASSERT_GT(v.getNextValue(), -1.0f) << i;
    EXPECT_EQ(v.getNextValue(), -1.0f);
}

TEST(SmoothedValue, SkipLandsWhereTheSameNumberOfCallsWould) {
    auto a = prepared(10.0, 0.0f), b = prepared(10.0, 0.0f);
    a.setTargetValue(2.0f);
    b.setTargetValue(2.0f);
    for (int i = 0; i < 100; ++i) a.getNextValue();
    EXPECT_NEAR(b.skip(100), a.getCurrentValue(), 1e-5f);
    EXPECT_TRUE(b.isSmoothing());
    EXPECT_EQ(b.skip(10'000), 2.0f);
    EXPECT_FALSE(b.isSmoothing());
}

TEST(SmoothedValue, SetCurrentAndTargetValueAndResetJumpWithoutARamp) {
    auto v = prepared(10.0, 0.0f);
    v.setCurrentAndTargetValue(0.7f);
    EXPECT_FALSE(v.isSmoothing());
    EXPECT_EQ(v.getNextValue(), 0.7f);
    v.setTargetValue(0.1f);
    v.reset();
    EXPECT_FALSE(v.isSmoothing());
    EXPECT_EQ(v.getNextValue(), 0.1f);
}
