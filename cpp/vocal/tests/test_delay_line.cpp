#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>
#include <vector>

#include "aicore/vocal/delay_line.h"
#include "signal_probe.h"

using namespace aicore::vocal;
namespace probe = aicore::vocal::probe;

static_assert(noexcept(std::declval<Delay&>().process(nullptr, 0)));
static_assert(noexcept(std::declval<DelayLine&>().read(1.0f)));

namespace {

// Phase of the sinusoid at hz in x, in radians, from a Hann-windowed DFT bin.
double phaseAt(const std::vector<float>& x, std::size_t from, double hz) {
    double re = 0.0, im = 0.0;
    const auto n = x.size() - from;
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i);
        const double hann = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * t / static_cast<double>(n));
        const double w = 2.0 * std::numbers::pi * hz * static_cast<double>(from + i) / probe::kRate;
        re += hann * x[from + i] * std::cos(w);
        im -= hann * x[from + i] * std::sin(w);
    }
    return std::atan2(im, re);
}

}  // namespace

TEST(DelayLine, AnImpulseComesOutExactlyNSamplesLater) {
    DelayLine line;
    line.prepare({probe::kRate, 512, 1}, 0.05);
    for (const int n : {1, 7, 480, 2400}) {
        line.reset();
        for (int i = 0; i < 3000; ++i) {
            line.push(i == 0 ? 1.0f : 0.0f);
            ASSERT_EQ(line.read(static_cast<float>(n)), i == n ? 1.0f : 0.0f) << "delay " << n << " sample " << i;
        }
    }
}

TEST(DelayLine, AFractionalDelayShiftsASineByTheExpectedPhase) {
    constexpr double hz = 1000.0;
    const auto in = probe::sine(hz, 0.5, 9600);
    DelayLine line;
    line.prepare({probe::kRate, 512, 1}, 0.01);
    for (const double d : {10.25, 37.6, 100.5}) {
        line.reset();
        std::vector<float> out(in.size()), outLinear(in.size());
        for (std::size_t i = 0; i < in.size(); ++i) {
            line.push(in[i]);
            out[i] = line.read(static_cast<float>(d));
            outLinear[i] = line.readLinear(static_cast<float>(d));
        }
        const double expected = -2.0 * std::numbers::pi * hz * d / probe::kRate;
        const double measured = phaseAt(out, 480, hz) - phaseAt(in, 480, hz);
        EXPECT_NEAR(std::remainder(measured - expected, 2.0 * std::numbers::pi), 0.0, 1e-3) << d;
        // Lagrange keeps the level; linear interpolation is a gentle low-pass between taps.
        EXPECT_NEAR(probe::dB(probe::toneAmplitude(out, 480, hz) / 0.5), 0.0, 0.01) << d;
        EXPECT_NEAR(phaseAt(outLinear, 480, hz) - phaseAt(out, 480, hz), 0.0, 1e-3) << d;
    }
}

TEST(Delay, EachEchoIsTheFeedbackGainTimesTheOneBefore) {
    Delay delay;
    delay.prepare({probe::kRate, 512, 1});
    delay.setDelayMs(10.0f);  // 480 samples
    delay.setFeedback(0.6f);
    delay.setMix(1.0f);
    delay.reset();
    std::vector<float> x(2400, 0.0f);
    x[0] = 1.0f;
    delay.process(x.data(), x.size());
    EXPECT_FLOAT_EQ(x[480], 1.0f);
    EXPECT_FLOAT_EQ(x[960], 0.6f);
    EXPECT_FLOAT_EQ(x[1440], 0.36f);
    EXPECT_FLOAT_EQ(x[1920], 0.216f);
    double elsewhere = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i)
        if (i % 480 != 0) elsewhere += std::abs(x[i]);
    EXPECT_EQ(elsewhere, 0.0);
}

TEST(Delay, MixZeroIsTheDrySignalAndHalfMixIsAnEvenBlend) {
    Delay delay;
    delay.prepare({probe::kRate, 512, 1});
    delay.setDelayMs(5.0f);
    delay.setFeedback(0.0f);
    delay.setMix(0.0f);
    delay.reset();
    std::vector<float> x(1000, 0.0f);
    x[0] = 1.0f;
    delay.process(x.data(), x.size());
    EXPECT_EQ(x[0], 1.0f);
    EXPECT_EQ(x[240], 0.0f);
    delay.setMix(0.5f);
    delay.reset();
    std::fill(x.begin(), x.end(), 0.0f);
    x[0] = 1.0f;
    delay.process(x.data(), x.size());
    EXPECT_FLOAT_EQ(x[0], 0.5f);
    EXPECT_FLOAT_EQ(x[240], 0.5f);
}

TEST(Delay, AStepInDelayTimeGlidesInsteadOfJumping) {
    Delay delay;
    delay.prepare({probe::kRate, 512, 1});
    delay.setDelayMs(20.0f);
    delay.setMix(1.0f);
    delay.reset();
    auto x = probe::sine(200.0, 0.5, 24000);
    delay.process(x.data(), 12000);
    delay.setDelayMs(21.0f);
    delay.process(x.data() + 12000, 12000);
    // A 200 Hz sine at 0.5 moves at most 2*pi*200/48000*0.5 = 0.013 per sample; a
    // 48-sample jump in read position would move it by up to 0.5.
    float largestStep = 0.0f;
    for (std::size_t i = 12001; i < x.size(); ++i) largestStep = std::max(largestStep, std::abs(x[i] - x[i - 1]));
    EXPECT_LT(largestStep, 0.015f);
}
