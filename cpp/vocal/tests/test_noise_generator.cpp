#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>
#include <vector>

#include "aicore/vocal/noise_generator.h"
#include "signal_probe.h"

using namespace aicore::vocal;
namespace probe = aicore::vocal::probe;

static_assert(noexcept(std::declval<NoiseGenerator&>().process(nullptr, 0)));
static_assert(noexcept(std::declval<NoiseGenerator&>().process(nullptr, nullptr, 0)));

namespace {

NoiseGenerator prepared(NoiseColour colour, float levelDb, bool bandPass, float centreHz = 1500.0f, float q = 1.0f) {
    NoiseGenerator g;
    g.prepare({probe::kRate, 512, 1});
    g.setColour(colour);
    g.setLevelDb(levelDb);
    g.setBandPassEnabled(bandPass);
    g.setBandPassCentreHz(centreHz);
    g.setBandPassQ(q);
    g.setSeed(17);
    g.reset();
    return g;
}

std::vector<float> generated(NoiseGenerator& g, std::size_t n) {
    std::vector<float> y(n);
    // In blocks, as a host would call it.
    for (std::size_t i = 0; i < n; i += 512) g.process(y.data() + i, std::min<std::size_t>(512, n - i));
    return y;
}

// Welch estimate: Hann-windowed 4096-sample frames, power averaged over frames and over
// nine neighbouring bins around centreHz (Goertzel per bin).
double bandPower(const std::vector<float>& y, double centreHz) {
    constexpr std::size_t frame = 4096;
    const double binHz = probe::kRate / frame;
    const auto centreBin = static_cast<int>(std::lround(centreHz / binHz));
    std::vector<double> windowed(frame);
    double total = 0.0;
    int estimates = 0;
    for (std::size_t start = 0; start + frame <= y.size(); start += frame) {
        for (std::size_t i = 0; i < frame; ++i)
            windowed[i] = y[start + i] * (0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / frame));
        for (int bin = centreBin - 4; bin <= centreBin + 4; ++bin) {
            const double c = 2.0 * std::cos(2.0 * std::numbers::pi * bin / frame);
            double s1 = 0.0, s2 = 0.0;
            for (const double v : windowed) {
                const double s = v + c * s1 - s2;
                s2 = s1;
                s1 = s;
            }
            total += s1 * s1 + s2 * s2 - c * s1 * s2;
            ++estimates;
        }
    }
    return total / estimates;
}

// Least-squares slope of band power in dB against octaves, over 250 Hz .. 8 kHz.
double slopeDbPerOctave(const std::vector<float>& y) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int n = 0;
    for (double f = 250.0; f <= 8000.0; f *= 2.0) {
        const double x = std::log2(f / 250.0);
        const double p = 10.0 * std::log10(bandPower(y, f));
        sx += x; sy += p; sxx += x * x; sxy += x * p;
        ++n;
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

}  // namespace

TEST(NoiseGenerator, PinkNoiseFallsThreeDecibelsPerOctaveAndWhiteIsFlat) {
    auto pink = prepared(NoiseColour::Pink, -20.0f, false);
    auto white = prepared(NoiseColour::White, -20.0f, false);
    EXPECT_NEAR(slopeDbPerOctave(generated(pink, 48000 * 4)), -3.01, 0.25);
    EXPECT_NEAR(slopeDbPerOctave(generated(white, 48000 * 4)), 0.0, 0.25);
}

TEST(NoiseGenerator, TheOutputLevelMatchesTheSetDecibelsForEveryColourAndBand) {
    struct Case { NoiseColour colour; float db; bool bandPass; float centreHz; float q; };
    for (const Case c : {Case{NoiseColour::White, -20.0f, false, 1000.0f, 1.0f},
                         Case{NoiseColour::Pink, -20.0f, false, 1000.0f, 1.0f},
                         Case{NoiseColour::White, -35.0f, true, 3000.0f, 2.0f},
                         Case{NoiseColour::Pink, -35.0f, true, 600.0f, 4.0f},
                         Case{NoiseColour::Pink, -10.0f, true, 2500.0f, 0.7f}}) {
        auto g = prepared(c.colour, c.db, c.bandPass, c.centreHz, c.q);
        const auto y = generated(g, 96000);
        EXPECT_NEAR(probe::dB(probe::rms(y.data(), y.size())), c.db, 1.0)
            << static_cast<int>(c.colour) << " " << c.db << " " << c.bandPass << " " << c.centreHz;
    }
}

TEST(NoiseGenerator, FollowingASilentSidechainIsSilent) {
    auto g = prepared(NoiseColour::Pink, 0.0f, true);
    const std::vector<float> silence(48000, 0.0f);
    std::vector<float> out(silence.size(), 1.0f);
    g.process(silence.data(), out.data(), out.size());
    for (std::size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], 0.0f) << i;
}

TEST(NoiseGenerator, BreathFollowsTheSidechainUpAndBackDownToSilence) {
    auto g = prepared(NoiseColour::White, -20.0f, true, 2000.0f, 1.0f);
    auto sidechain = probe::sine(200.0, 0.5, 48000);
    std::fill(sidechain.begin() + 24000, sidechain.end(), 0.0f);
    std::vector<float> out(sidechain.size());
    g.process(sidechain.data(), out.data(), out.size());
    // While the voice sounds at 0.5 (-6 dB), the breath sits ~6 dB under its set level.
    const double during = probe::dB(probe::rms(out.data() + 4800, 19200));
    EXPECT_NEAR(during, -20.0 + probe::dB(0.5), 1.0);
    // 400 ms after the voice stops (five 80 ms release constants) it has died away.
    const double after = probe::dB(probe::rms(out.data() + 43200, 4800));
    EXPECT_LT(after, during - 40.0);
}

TEST(NoiseGenerator, TheSameSeedGivesBitIdenticalNoiseAndResetReplaysIt) {
    auto a = prepared(NoiseColour::Pink, -20.0f, true);
    auto b = prepared(NoiseColour::Pink, -20.0f, true);
    const auto ya = generated(a, 9600);
    EXPECT_EQ(ya, generated(b, 9600));
    a.reset();
    EXPECT_EQ(ya, generated(a, 9600));
    b.setSeed(18);
    b.reset();
    EXPECT_NE(ya, generated(b, 9600));
}
