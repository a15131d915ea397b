#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <utility>
#include <vector>

#include "aicore/vocal/growl.h"
#include "signal_probe.h"

using namespace aicore::vocal;
namespace probe = aicore::vocal::probe;

static_assert(noexcept(std::declval<Growl&>().process(nullptr, 0)));

namespace {

// A voiced-like tone: ten harmonics of f0 falling as 1/k.
std::vector<float> harmonicTone(double f0, std::size_t n) {
    std::vector<float> x(n, 0.0f);
    for (int k = 1; k <= 10; ++k)
        for (std::size_t i = 0; i < n; ++i)
            x[i] += static_cast<float>(0.3 / k * std::sin(2.0 * std::numbers::pi * f0 * k * static_cast<double>(i) / probe::kRate));
    return x;
}

Growl prepared(float subLevel, float amRateHz, float amDepth, float roughness) {
    Growl g;
    g.prepare({probe::kRate, 512, 1});
    g.setSubLevel(subLevel);
    g.setAmRateHz(amRateHz);
    g.setAmDepth(amDepth);
    g.setRoughness(roughness);
    g.setMix(1.0f);
    g.setSeed(5);
    g.reset();
    return g;
}

}  // namespace

TEST(Growl, AnOctaveDownAppearsAtHalfTheFundamentalThatTheInputLacks) {
    const auto in = harmonicTone(200.0, 48000);
    auto out = in;
    auto g = prepared(1.0f, 40.0f, 0.0f, 0.0f);
    g.process(out.data(), out.size());
    const std::size_t from = 9600;
    const double inFundamental = probe::toneAmplitude(in, from, 200.0);
    EXPECT_LT(probe::dB(probe::toneAmplitude(in, from, 100.0) / inFundamental), -100.0);
    EXPECT_GT(probe::dB(probe::toneAmplitude(out, from, 100.0) / inFundamental), -12.0);
    // The divider's square wave also fills the other half-integer harmonics.
    EXPECT_GT(probe::dB(probe::toneAmplitude(out, from, 300.0) / inFundamental), -30.0);
    // The voice itself is still there.
    EXPECT_NEAR(probe::dB(probe::toneAmplitude(out, from, 200.0) / inFundamental), 0.0, 3.0);
}

TEST(Growl, SubLevelZeroAddsNoSubHarmonic) {
    const auto in = harmonicTone(200.0, 48000);
    auto out = in;
    auto g = prepared(0.0f, 40.0f, 0.0f, 0.0f);
    g.process(out.data(), out.size());
    for (std::size_t i = 0; i < in.size(); ++i) ASSERT_EQ(out[i], in[i]) << i;
}

TEST(Growl, RaspModulationPutsSidebandsAtTheAmRateWithTheDepthsLevel) {
    constexpr double f = 1000.0, rate = 40.0, depth = 0.5;
    auto out = probe::sine(f, 0.5, 48000);
    auto g = prepared(0.0f, static_cast<float>(rate), static_cast<float>(depth), 0.0f);
    g.process(out.data(), out.size());
    // gain = 1 - d/2 + (d/2) cos: each sideband is (d/4) / (1 - d/2) of the carrier.
    const double expectedDb = probe::dB((depth / 4.0) / (1.0 - depth / 2.0));
    const double carrier = probe::toneAmplitude(out, 0, f);
    EXPECT_NEAR(probe::dB(probe::toneAmplitude(out, 0, f - rate) / carrier), expectedDb, 0.2);
    EXPECT_NEAR(probe::dB(probe::toneAmplitude(out, 0, f + rate) / carrier), expectedDb, 0.2);
    EXPECT_LT(probe::dB(probe::toneAmplitude(out, 0, f + 2.0 * rate) / carrier), -80.0);
}

TEST(Growl, RoughnessSmearsTheModulationSidebands) {
    constexpr double f = 1000.0, rate = 40.0;
    auto steady = probe::sine(f, 0.5, 48000), rough = steady;
    auto a = prepared(0.0f, static_cast<float>(rate), 0.8f, 0.0f);
    auto b = prepared(0.0f, static_cast<float>(rate), 0.8f, 1.0f);
    a.process(steady.data(), steady.size());
    b.process(rough.data(), rough.size());
    EXPECT_LT(probe::toneAmplitude(rough, 0, f + rate), 0.5 * probe::toneAmplitude(steady, 0, f + rate));
}

TEST(Growl, TheSameSeedGivesBitIdenticalOutputAndResetReplaysIt) {
    const auto in = harmonicTone(150.0, 9600);
    auto a = prepared(0.7f, 35.0f, 0.6f, 1.0f);
    auto b = prepared(0.7f, 35.0f, 0.6f, 1.0f);
    auto ya = in, yb = in;
    a.process(ya.data(), ya.size());
    b.process(yb.data(), yb.size());
    EXPECT_EQ(ya, yb);
    a.reset();
    auto yc = in;
    a.process(yc.data(), yc.size());
    EXPECT_EQ(ya, yc);
}
