#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "aicore/vocal/biquad.h"

using namespace aicore::vocal;

namespace {

constexpr double kRate = 48000.0;

double dB(double linear) { return 20.0 * std::log10(linear); }

// Measures the steady-state gain of a running filter on a sine, the way a listener would.
double measuredGainDb(Biquad& filter, double frequencyHz) {
    const std::size_t n = 48000;
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = static_cast<float>(std::sin(2.0 * std::numbers::pi * frequencyHz * static_cast<double>(i) / kRate));
    filter.reset();
    filter.process(x.data(), n);
    double sumSq = 0.0;
    for (std::size_t i = n / 2; i < n; ++i) sumSq += static_cast<double>(x[i]) * x[i];
    const double rms = std::sqrt(sumSq / static_cast<double>(n / 2));
    return dB(rms * std::sqrt(2.0));
}

Biquad prepared(BiquadType type, double f, double q, double gainDb = 0.0) {
    Biquad b;
    b.prepare({kRate, 512, 1});
    b.setParameters(type, f, q, gainDb);
    return b;
}

}  // namespace

TEST(Biquad, LowPassIsFlatBelowCutoffMinus3dBAtCutoffAndSteepAbove) {
    auto b = prepared(BiquadType::LowPass, 1000.0, std::numbers::sqrt2 / 2.0);
    EXPECT_NEAR(measuredGainDb(b, 100.0), 0.0, 0.1);
    EXPECT_NEAR(measuredGainDb(b, 1000.0), -3.01, 0.1);
    // Second order: at least -12 dB per octave, so -40 dB or lower a decade up
    // (the bilinear transform only adds attenuation towards Nyquist).
    EXPECT_LT(measuredGainDb(b, 10000.0), -40.0);
    EXPECT_GT(measuredGainDb(b, 10000.0), -44.0);
}

TEST(Biquad, HighPassRejectsLowsAndPassesHighs) {
    auto b = prepared(BiquadType::HighPass, 500.0, std::numbers::sqrt2 / 2.0);
    EXPECT_LT(measuredGainDb(b, 50.0), -38.0);
    EXPECT_NEAR(measuredGainDb(b, 500.0), -3.01, 0.1);
    EXPECT_NEAR(measuredGainDb(b, 8000.0), 0.0, 0.1);
}

TEST(Biquad, PeakBoostsByItsGainAtCentreAndLeavesFarBandsAlone) {
    auto b = prepared(BiquadType::Peak, 2000.0, 2.0, 9.0);
    EXPECT_NEAR(measuredGainDb(b, 2000.0), 9.0, 0.1);
    EXPECT_NEAR(measuredGainDb(b, 100.0), 0.0, 0.2);
    EXPECT_NEAR(measuredGainDb(b, 18000.0), 0.0, 0.3);
}

TEST(Biquad, ShelvesReachTheirGainOnTheirSide) {
    auto lo = prepared(BiquadType::LowShelf, 300.0, std::numbers::sqrt2 / 2.0, 6.0);
    EXPECT_NEAR(measuredGainDb(lo, 40.0), 6.0, 0.3);
    EXPECT_NEAR(measuredGainDb(lo, 10000.0), 0.0, 0.2);
    auto hi = prepared(BiquadType::HighShelf, 3000.0, std::numbers::sqrt2 / 2.0, -12.0);
    EXPECT_NEAR(measuredGainDb(hi, 20000.0), -12.0, 0.5);
    EXPECT_NEAR(measuredGainDb(hi, 100.0), 0.0, 0.2);
}

TEST(Biquad, NotchRemovesItsCentreFrequency) {
    auto b = prepared(BiquadType::Notch, 1000.0, 4.0);
    EXPECT_LT(measuredGainDb(b, 1000.0), -40.0);
    EXPECT_NEAR(measuredGainDb(b, 200.0), 0.0, 0.2);
}

TEST(Biquad, BandPassPeaksAtZeroDbOnCentre) {
    auto b = prepared(BiquadType::BandPass, 1500.0, 1.0);
    EXPECT_NEAR(measuredGainDb(b, 1500.0), 0.0, 0.1);
    EXPECT_LT(measuredGainDb(b, 100.0), -20.0);
}

TEST(Biquad, AllPassHasUnitMagnitudeEverywhere) {
    auto b = prepared(BiquadType::AllPass, 1000.0, 0.7);
    for (double f : {50.0, 500.0, 1000.0, 5000.0, 15000.0})
        EXPECT_NEAR(b.coefficients().magnitudeAt(f, kRate), 1.0, 1e-4) << f;
}

TEST(Biquad, AnalyticMagnitudeMatchesTheRunningFilter) {
    auto b = prepared(BiquadType::Peak, 700.0, 1.3, -7.0);
    for (double f : {100.0, 700.0, 3000.0})
        EXPECT_NEAR(dB(b.coefficients().magnitudeAt(f, kRate)), measuredGainDb(b, f), 0.1) << f;
}
