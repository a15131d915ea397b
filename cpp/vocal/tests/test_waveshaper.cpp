#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "aicore/vocal/waveshaper.h"
#include "signal_probe.h"

using namespace aicore::vocal;
namespace probe = aicore::vocal::probe;

static_assert(noexcept(std::declval<Waveshaper&>().process(nullptr, 0)));

namespace {

Waveshaper prepared(float driveDb, float asymmetry, bool compensate) {
    Waveshaper w;
    w.prepare({probe::kRate, 512, 1});
    w.setDriveDb(driveDb);
    w.setAsymmetry(asymmetry);
    w.setCompensationEnabled(compensate);
    w.setMix(1.0f);
    w.reset();
    return w;
}

std::vector<float> shaped(Waveshaper& w, double hz, double amplitude, std::size_t n = 48000) {
    auto x = probe::sine(hz, amplitude, n);
    w.process(x.data(), x.size());
    return x;
}

// Total harmonic distortion (harmonics 2..10 over the fundamental), measured on the settled half.
double thd(const std::vector<float>& y, double hz) {
    const std::size_t from = y.size() / 2;
    double harmonics = 0.0;
    for (int k = 2; k <= 10; ++k) harmonics += std::pow(probe::toneAmplitude(y, from, hz * k), 2.0);
    return std::sqrt(harmonics) / probe::toneAmplitude(y, from, hz);
}

}  // namespace

TEST(Waveshaper, SmallSignalGainEqualsTheDriveGain) {
    for (const float driveDb : {-6.0f, 0.0f, 12.0f, 30.0f}) {
        auto w = prepared(driveDb, 0.0f, false);
        const auto y = shaped(w, 1000.0, 1e-4);
        EXPECT_NEAR(probe::dB(probe::toneAmplitude(y, 24000, 1000.0) / 1e-4), driveDb, 0.05) << driveDb;
    }
}

TEST(Waveshaper, OutputStaysBoundedAndFiniteForHugeInput) {
    auto w = prepared(Waveshaper::kMaxDriveDb, 1.0f, false);
    const auto y = shaped(w, 150.0, 1000.0);
    float peak = 0.0f;
    for (const float v : y) {
        ASSERT_TRUE(std::isfinite(v));
        peak = std::max(peak, std::abs(v));
    }
    // The curve is bounded by 1; biased and DC-blocked, a square-like wave may overshoot to ~2.
    EXPECT_LE(peak, 2.2f);
}

TEST(Waveshaper, DistortionRisesWithDrive) {
    double previous = -1.0;
    for (const float driveDb : {0.0f, 6.0f, 12.0f, 24.0f}) {
        auto w = prepared(driveDb, 0.0f, true);
        const double d = thd(shaped(w, 500.0, 0.3), 500.0);
        EXPECT_GT(d, previous * 1.5) << driveDb;
        previous = d;
    }
    EXPECT_GT(previous, 0.2);  // heavy drive is audibly, not just measurably, distorted
}

TEST(Waveshaper, AsymmetryAddsASecondHarmonicThatSymmetricModeLacks) {
    auto symmetric = prepared(12.0f, 0.0f, true);
    auto asymmetric = prepared(12.0f, 1.0f, true);
    const auto ys = shaped(symmetric, 500.0, 0.3);
    const auto ya = shaped(asymmetric, 500.0, 0.3);
    const auto secondOverFirst = [](const std::vector<float>& y) {
        return probe::dB(probe::toneAmplitude(y, 24000, 1000.0) / probe::toneAmplitude(y, 24000, 500.0));
    };
    EXPECT_LT(secondOverFirst(ys), -90.0);
    EXPECT_GT(secondOverFirst(ya), -30.0);
    // Both are strongly distorted: the difference is the even harmonic, not the amount of drive.
    EXPECT_GT(probe::toneAmplitude(ys, 24000, 1500.0), 0.01);
}

TEST(Waveshaper, CompensationHoldsAReferencePeakAtTheSameLevelWhateverTheDrive) {
    const float ref = Waveshaper::kCompensationReferenceLevel;
    for (const float driveDb : {0.0f, 12.0f, 24.0f, 40.0f}) {
        auto w = prepared(driveDb, 0.0f, true);
        const auto y = shaped(w, 1000.0, ref);
        const float peak = *std::max_element(y.begin() + 24000, y.end());
        EXPECT_NEAR(probe::dB(peak / ref), 0.0, 0.5) << driveDb;
    }
}

TEST(Waveshaper, MixZeroIsTheDrySignal) {
    auto w = prepared(24.0f, 0.5f, true);
    w.setMix(0.0f);
    w.reset();
    const auto x = probe::sine(300.0, 0.5, 4800);
    auto y = x;
    w.process(y.data(), y.size());
    EXPECT_EQ(x, y);
}

TEST(Waveshaper, AStepInDriveRampsInsteadOfClicking) {
    auto w = prepared(0.0f, 0.0f, false);
    // 200 Hz: the sine peaks at sample 60 of each 240, where an unsmoothed step would jump most.
    auto x = probe::sine(200.0, 0.3, 48000);
    const std::size_t stepAt = 60 + 240 * 40;
    w.process(x.data(), stepAt);
    w.setDriveDb(24.0f);
    w.process(x.data() + stepAt, x.size() - stepAt);
    const auto largestStep = [&](std::size_t from, std::size_t to) {
        float s = 0.0f;
        for (std::size_t i = from; i < to; ++i) s = std::max(s, std::abs(x[i] - x[i - 1]));
        return s;
    };
    // During the ramp no sample moves further than the fully driven steady state does.
    EXPECT_LE(largestStep(stepAt, stepAt + 2400), 1.05f * largestStep(24000, 48000));
}
