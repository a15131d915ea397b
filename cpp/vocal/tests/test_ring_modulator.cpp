#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>
#include <vector>

#include "aicore/vocal/ring_modulator.h"
#include "signal_probe.h"

using namespace aicore::vocal;
namespace probe = aicore::vocal::probe;

static_assert(noexcept(std::declval<RingModulator&>().process(nullptr, 0)));
static_assert(noexcept(std::declval<Tremolo&>().process(nullptr, 0)));

namespace {

std::vector<float> ringModulated(float carrierHz, float depth, float mix, double inputHz) {
    RingModulator rm;
    rm.prepare({probe::kRate, 512, 1});
    rm.setCarrierHz(carrierHz);
    rm.setDepth(depth);
    rm.setMix(mix);
    rm.reset();
    auto y = probe::sine(inputHz, 0.5, 48000);
    rm.process(y.data(), y.size());
    return y;
}

}  // namespace

TEST(RingModulator, ASineMovesToSumAndDifferenceFrequenciesAndItselfVanishes) {
    const auto y = ringModulated(300.0f, 1.0f, 1.0f, 1000.0);
    EXPECT_NEAR(probe::toneAmplitude(y, 0, 700.0), 0.25, 0.25 * 0.01);
    EXPECT_NEAR(probe::toneAmplitude(y, 0, 1300.0), 0.25, 0.25 * 0.01);
    EXPECT_LT(probe::dB(probe::toneAmplitude(y, 0, 1000.0) / 0.5), -90.0);
    EXPECT_LT(probe::dB(probe::toneAmplitude(y, 0, 1600.0) / 0.5), -90.0);  // a clean carrier adds no f +- 2c
}

TEST(RingModulator, HalfDepthLeaksHalfTheInputBackIn) {
    const auto y = ringModulated(300.0f, 0.5f, 1.0f, 1000.0);
    EXPECT_NEAR(probe::toneAmplitude(y, 0, 1000.0), 0.25, 0.25 * 0.01);
    EXPECT_NEAR(probe::toneAmplitude(y, 0, 700.0), 0.125, 0.125 * 0.01);
    EXPECT_NEAR(probe::toneAmplitude(y, 0, 1300.0), 0.125, 0.125 * 0.01);
}

TEST(RingModulator, MixZeroIsTheDrySignal) {
    EXPECT_EQ(ringModulated(300.0f, 1.0f, 0.0f, 1000.0), probe::sine(1000.0, 0.5, 48000));
}

TEST(Tremolo, TheRmsEnvelopeSwingsAtTheRateByTheDepth) {
    constexpr double rate = 4.0, depth = 0.6;
    Tremolo t;
    t.prepare({probe::kRate, 512, 1});
    t.setRateHz(static_cast<float>(rate));
    t.setDepth(static_cast<float>(depth));
    t.reset();
    auto y = probe::sine(2000.0, 0.5, 96000);
    t.process(y.data(), y.size());
    // RMS over windows of exactly two carrier cycles (1 ms): the envelope a meter shows.
    std::vector<float> envelope;
    for (std::size_t i = 0; i + 48 <= y.size(); i += 48)
        envelope.push_back(static_cast<float>(probe::rms(y.data() + i, 48) * std::numbers::sqrt2));
    const auto [lo, hi] = std::minmax_element(envelope.begin(), envelope.end());
    EXPECT_NEAR(*hi, 0.5, 0.005);
    EXPECT_NEAR(*lo, 0.5 * (1.0 - depth), 0.005);
    // The envelope is a sinusoid at the rate (sampled at 1 kHz), with nothing at twice it.
    EXPECT_NEAR(probe::toneAmplitude(envelope.data(), envelope.size(), rate, 1000.0), 0.5 * depth / 2.0, 0.005);
    EXPECT_LT(probe::toneAmplitude(envelope.data(), envelope.size(), 2.0 * rate, 1000.0), 0.002);
}

TEST(Tremolo, ADepthStepRampsInsteadOfClicking) {
    Tremolo t;
    t.prepare({probe::kRate, 512, 1});
    t.setRateHz(5.0f);
    t.setDepth(0.0f);
    t.reset();
    std::vector<float> dc(9600, 0.5f);
    t.process(dc.data(), 4800);
    t.setDepth(1.0f);
    t.process(dc.data() + 4800, 4800);
    float largestStep = 0.0f;
    for (std::size_t i = 1; i < dc.size(); ++i) largestStep = std::max(largestStep, std::abs(dc[i] - dc[i - 1]));
    // The 20 ms ramp spreads a swing of at most 0.5 over 960 samples.
    EXPECT_LT(largestStep, 0.002f);
}
