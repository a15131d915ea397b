#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "aicore/vocal/chorus.h"
#include "aicore/vocal/random.h"
#include "signal_probe.h"

using namespace aicore::vocal;
namespace probe = aicore::vocal::probe;

static_assert(noexcept(std::declval<Chorus&>().process(nullptr, 0)));

namespace {

Chorus prepared(ChorusMode mode, int voices, float rateHz, float depthMs, float baseMs, float mix) {
    Chorus c;
    c.prepare({probe::kRate, 512, 1});
    c.setMode(mode);
    c.setVoices(voices);
    c.setRateHz(rateHz);
    c.setDepthMs(depthMs);
    c.setBaseDelayMs(baseMs);
    c.setMix(mix);
    c.setSeed(21);
    c.reset();
    return c;
}

}  // namespace

TEST(Chorus, MixZeroOutputEqualsTheInput) {
    Random r(4);
    std::vector<float> x(9600);
    for (auto& v : x) v = 0.5f * r.nextBipolarFloat();
    for (const auto mode : {ChorusMode::Chorus, ChorusMode::Doubler}) {
        auto c = prepared(mode, 4, 1.5f, 3.0f, 12.0f, 0.0f);
        auto y = x;
        c.process(y.data(), y.size());
        EXPECT_EQ(x, y);
    }
}

TEST(Chorus, DepthSpreadsASineIntoSidebandsOnTheLfoRateGrid) {
    constexpr double f = 1000.0, rate = 5.0;
    const auto offCarrierShare = [&](float depthMs, double* onGridShare) {
        auto c = prepared(ChorusMode::Chorus, 3, static_cast<float>(rate), depthMs, 10.0f, 1.0f);
        auto y = probe::sine(f, 0.5, 96000 + 4800);
        c.process(y.data(), y.size());
        const std::size_t from = 4800;  // past the base delay's silent start
        const double total = std::pow(probe::rms(y.data() + from, y.size() - from), 2.0);
        const double carrier = std::pow(probe::toneAmplitude(y, from, f), 2.0) / 2.0;
        double grid = carrier;
        for (int k = 1; k <= 30; ++k)
            grid += (std::pow(probe::toneAmplitude(y, from, f + k * rate), 2.0) +
                     std::pow(probe::toneAmplitude(y, from, f - k * rate), 2.0)) / 2.0;
        *onGridShare = grid / total;
        return 1.0 - carrier / total;
    };
    double grid0 = 0.0, grid1 = 0.0;
    EXPECT_LT(offCarrierShare(0.0f, &grid0), 1e-4);
    EXPECT_GT(offCarrierShare(1.0f, &grid1), 0.2);
    // What leaves the carrier lands on f +- k * rate: modulation, not noise.
    EXPECT_NEAR(grid1, 1.0, 0.02);
}

TEST(Chorus, DoublerDelaysAClickByTheBaseDelay) {
    auto c = prepared(ChorusMode::Doubler, 2, 0.5f, 0.0f, 25.0f, 1.0f);
    std::vector<float> x(4800, 0.0f);
    x[0] = 1.0f;
    c.process(x.data(), x.size());
    const auto peak = std::max_element(x.begin(), x.end());
    EXPECT_EQ(peak - x.begin(), 1200);  // 25 ms at 48 kHz
    EXPECT_FLOAT_EQ(*peak, 1.0f);
}

TEST(Chorus, DoublerDriftIsSeededAndResetReplaysIt) {
    auto a = prepared(ChorusMode::Doubler, 2, 3.0f, 4.0f, 20.0f, 0.5f);
    auto b = prepared(ChorusMode::Doubler, 2, 3.0f, 4.0f, 20.0f, 0.5f);
    const auto x = probe::sine(300.0, 0.5, 24000);
    auto ya = x, yb = x;
    a.process(ya.data(), ya.size());
    b.process(yb.data(), yb.size());
    EXPECT_EQ(ya, yb);
    a.reset();
    auto yc = x;
    a.process(yc.data(), yc.size());
    EXPECT_EQ(ya, yc);
}

TEST(Chorus, ChangingTheVoiceCountFadesInsteadOfClicking) {
    auto c = prepared(ChorusMode::Chorus, 2, 0.7f, 2.0f, 12.0f, 1.0f);
    auto x = probe::sine(200.0, 0.5, 48000);
    c.process(x.data(), 24000);
    c.setVoices(4);
    c.process(x.data() + 24000, 24000);
    // A 200 Hz sine at 0.5 moves at most ~0.013 per sample; a voice switched in
    // at full gain would jump by up to a quarter of the amplitude.
    float largestStep = 0.0f;
    for (std::size_t i = 12000; i < x.size(); ++i) largestStep = std::max(largestStep, std::abs(x[i] - x[i - 1]));
    EXPECT_LT(largestStep, 0.02f);
}
