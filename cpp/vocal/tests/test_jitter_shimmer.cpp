#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "aicore/vocal/jitter_shimmer.h"
#include "signal_probe.h"

using namespace aicore::vocal;
namespace probe = aicore::vocal::probe;

static_assert(noexcept(std::declval<JitterShimmer&>().process(nullptr, 0)));

namespace {

constexpr double kToneHz = 200.0;

struct CycleStats {
    double centsDeviation = 0.0;  // standard deviation of each cycle's frequency, in cents
    double centsPeak = 0.0;       // largest absolute deviation
    double levelDeviationDb = 0.0;
};

// Per-cycle frequency from interpolated upward zero crossings and per-cycle peak level:
// what a perturbation analysis (Praat's jitter and shimmer) reads from a voice.
CycleStats measureCycles(const std::vector<float>& y, std::size_t from) {
    std::vector<double> crossings;
    for (std::size_t i = from + 1; i < y.size(); ++i)
        if (y[i - 1] < 0.0f && y[i] >= 0.0f)
            crossings.push_back(static_cast<double>(i - 1) + y[i - 1] / (y[i - 1] - y[i]));
    std::vector<double> cents, levels;
    for (std::size_t k = 1; k < crossings.size(); ++k) {
        const double hz = probe::kRate / (crossings[k] - crossings[k - 1]);
        cents.push_back(1200.0 * std::log2(hz / kToneHz));
        float peak = 0.0f;
        for (auto i = static_cast<std::size_t>(crossings[k - 1]); i < static_cast<std::size_t>(crossings[k]); ++i)
            peak = std::max(peak, std::abs(y[i]));
        levels.push_back(probe::dB(peak));
    }
    const auto deviation = [](const std::vector<double>& v) {
        double mean = 0.0, sq = 0.0;
        for (const double x : v) mean += x;
        mean /= static_cast<double>(v.size());
        for (const double x : v) sq += (x - mean) * (x - mean);
        return std::sqrt(sq / static_cast<double>(v.size()));
    };
    CycleStats s;
    s.centsDeviation = deviation(cents);
    for (const double c : cents) s.centsPeak = std::max(s.centsPeak, std::abs(c));
    s.levelDeviationDb = deviation(levels);
    return s;
}

std::vector<float> perturbed(float cents, float db, std::uint64_t seed = 3) {
    JitterShimmer js;
    js.prepare({probe::kRate, 512, 1});
    js.setJitterCents(cents);
    js.setShimmerDb(db);
    js.setRateHz(50.0f);
    js.setSeed(seed);
    js.reset();
    auto y = probe::sine(kToneHz, 0.5, 96000);
    js.process(y.data(), y.size());
    return y;
}

}  // namespace

TEST(JitterShimmer, PitchDeviationGrowsWithJitterAndIsZeroWithout) {
    const auto none = measureCycles(perturbed(0.0f, 0.0f), 4800);
    const auto some = measureCycles(perturbed(10.0f, 0.0f), 4800);
    const auto lots = measureCycles(perturbed(40.0f, 0.0f), 4800);
    EXPECT_LT(none.centsDeviation, 0.05);
    EXPECT_GT(some.centsDeviation, 1.0);
    EXPECT_GT(lots.centsDeviation, 3.0 * some.centsDeviation);
    // The set value is the largest deviation (plus a little interpolation ripple).
    EXPECT_LT(some.centsPeak, 10.0 * 1.1);
    EXPECT_LT(lots.centsPeak, 40.0 * 1.1);
    // Jitter alone leaves the level alone.
    EXPECT_LT(lots.levelDeviationDb, 0.05);
}

TEST(JitterShimmer, LevelDeviationGrowsWithShimmerAndIsZeroWithout) {
    const auto none = measureCycles(perturbed(0.0f, 0.0f), 4800);
    const auto some = measureCycles(perturbed(0.0f, 1.0f), 4800);
    const auto lots = measureCycles(perturbed(0.0f, 6.0f), 4800);
    EXPECT_LT(none.levelDeviationDb, 0.01);
    EXPECT_GT(some.levelDeviationDb, 0.1);
    EXPECT_GT(lots.levelDeviationDb, 3.0 * some.levelDeviationDb);
    EXPECT_LT(lots.centsDeviation, 0.05);
}

TEST(JitterShimmer, WithNothingSetTheOutputIsTheInputDelayedByTheLatency) {
    JitterShimmer js;
    js.prepare({probe::kRate, 512, 1});
    const auto latency = static_cast<std::size_t>(js.latencySamples());
    ASSERT_EQ(static_cast<float>(latency), js.latencySamples());
    EXPECT_LT(latency, 96u);  // well under the 2 ms a voice chain can hide
    const auto x = probe::sine(kToneHz, 0.5, 4800);
    auto y = x;
    js.process(y.data(), y.size());
    for (std::size_t i = latency; i < y.size(); ++i) ASSERT_EQ(y[i], x[i - latency]) << i;
}

TEST(JitterShimmer, TheSameSeedGivesBitIdenticalOutputAndAnotherSeedDoesNot) {
    EXPECT_EQ(perturbed(20.0f, 3.0f, 11), perturbed(20.0f, 3.0f, 11));
    EXPECT_NE(perturbed(20.0f, 3.0f, 11), perturbed(20.0f, 3.0f, 12));
}

TEST(JitterShimmer, ResetReplaysTheSameVariation) {
    JitterShimmer js;
    js.prepare({probe::kRate, 512, 1});
    js.setJitterCents(25.0f);
    js.setShimmerDb(2.0f);
    js.setSeed(8);
    js.reset();
    const auto x = probe::sine(kToneHz, 0.5, 9600);
    auto first = x, second = x;
    js.process(first.data(), first.size());
    js.reset();
    js.process(second.data(), second.size());
    EXPECT_EQ(first, second);
}
