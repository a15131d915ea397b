#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "aicore/vocal/biquad.h"
#include "aicore/vocal/reverb.h"

using namespace aicore::vocal;

namespace {

constexpr double kRate = 48000.0;

struct Stereo {
    std::vector<float> left, right;
};

Reverb prepared(double rt60, double damping = 0.0, double size = 0.5) {
    Reverb r;
    r.setSize(size);
    r.setDecaySeconds(rt60);
    r.setDamping(damping);
    r.setPreDelayMs(0.0);
    r.setOcclusionCutoffHz(20000.0);
    r.prepare({kRate, 512, 1});
    return r;
}

Stereo run(Reverb& r, const std::vector<float>& in, std::size_t block = 512) {
    Stereo out{std::vector<float>(in.size()), std::vector<float>(in.size())};
    for (std::size_t pos = 0; pos < in.size(); pos += block) {
        const std::size_t n = std::min(block, in.size() - pos);
        r.process(in.data() + pos, out.left.data() + pos, out.right.data() + pos, n);
    }
    return out;
}

std::vector<float> impulse(std::size_t n) {
    std::vector<float> x(n, 0.0f);
    x[0] = 1.0f;
    return x;
}

std::vector<float> noise(std::size_t n, std::uint32_t seed) {
    std::vector<float> out(n);
    for (auto& v : out) {
        seed = seed * 1664525u + 1013904223u;
        v = 0.5f * (static_cast<float>(seed >> 8) / 8388608.0f - 1.0f);
    }
    return out;
}

std::vector<float> filtered(std::vector<float> x, BiquadType type, double hz) {
    Biquad a, b;
    a.prepare({kRate, 512, 1});
    b.prepare({kRate, 512, 1});
    a.setParameters(type, hz, 0.5412);
    b.setParameters(type, hz, 1.3066);
    a.process(x.data(), x.size());
    b.process(x.data(), x.size());
    return x;
}

// RT60 the way an acoustician measures it: Schroeder's backward-integrated energy decay
// curve, a least-squares line between -5 and -35 dB, extrapolated to -60 dB.
double schroederRt60(const std::vector<float>& ir) {
    std::vector<double> edc(ir.size());
    double acc = 0.0;
    for (std::size_t i = ir.size(); i-- > 0;) {
        acc += static_cast<double>(ir[i]) * ir[i];
        edc[i] = acc;
    }
    double sx = 0, sy = 0, sxx = 0, sxy = 0, count = 0;
    for (std::size_t i = 0; i < edc.size(); ++i) {
        const double db = 10.0 * std::log10(edc[i] / edc[0]);
        if (db > -5.0) continue;
        if (db < -35.0) break;
        const double t = static_cast<double>(i) / kRate;
        sx += t;
        sy += db;
        sxx += t * t;
        sxy += t * db;
        ++count;
    }
    const double slope = (count * sxy - sx * sy) / (count * sxx - sx * sx);
    return -60.0 / slope;
}

double energy(const std::vector<float>& x) {
    double e = 0.0;
    for (float v : x) e += static_cast<double>(v) * v;
    return e;
}

double correlation(const std::vector<float>& a, const std::vector<float>& b) {
    double ab = 0.0, aa = 0.0, bb = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        ab += static_cast<double>(a[i]) * b[i];
        aa += static_cast<double>(a[i]) * a[i];
        bb += static_cast<double>(b[i]) * b[i];
    }
    return ab / std::sqrt(aa * bb);
}

std::size_t onset(const std::vector<float>& x) {
    float peak = 0.0f;
    for (float v : x) peak = std::max(peak, std::abs(v));
    for (std::size_t i = 0; i < x.size(); ++i)
        if (std::abs(x[i]) > 1e-4f * peak) return i;
    return x.size();
}

}  // namespace

TEST(Reverb, MeasuredRt60MatchesTheSettingWithinFifteenPercent) {
    for (double rt60 : {0.5, 1.5, 4.0}) {
        Reverb r = prepared(rt60);
        const auto out = run(r, impulse(static_cast<std::size_t>((1.2 * rt60 + 0.3) * kRate)));
        EXPECT_NEAR(schroederRt60(out.left), rt60, 0.15 * rt60) << rt60;
        EXPECT_NEAR(schroederRt60(out.right), rt60, 0.15 * rt60) << rt60;
    }
}

TEST(Reverb, Rt60HoldsAtEverySize) {
    for (double size : {0.0, 1.0}) {
        Reverb r = prepared(1.0, 0.0, size);
        const auto out = run(r, impulse(static_cast<std::size_t>(1.6 * kRate)));
        EXPECT_NEAR(schroederRt60(out.left), 1.0, 0.15) << size;
    }
}

TEST(Reverb, PreDelayHoldsTheFirstReflectionBackByExactlyItsLength) {
    Reverb direct = prepared(1.0);
    const std::size_t base = onset(run(direct, impulse(24000)).left);
    Reverb delayed = prepared(1.0);
    delayed.setPreDelayMs(50.0);
    delayed.reset();
    const auto out = run(delayed, impulse(24000));
    EXPECT_GE(onset(out.left), 2400u);
    EXPECT_GE(onset(out.right), 2400u);
    EXPECT_NEAR(static_cast<double>(onset(out.left)), static_cast<double>(base + 2400), 1.0);
}

TEST(Reverb, DampingMakesHighsDecayFasterThanLows) {
    const auto lowAndHigh = [](double damping) {
        Reverb r = prepared(2.0, damping);
        const auto ir = run(r, impulse(static_cast<std::size_t>(2.6 * kRate))).left;
        return std::pair{schroederRt60(filtered(ir, BiquadType::LowPass, 400.0)),
                         schroederRt60(filtered(ir, BiquadType::HighPass, 8000.0))};
    };
    const auto [lowFlat, highFlat] = lowAndHigh(0.0);
    EXPECT_NEAR(highFlat / lowFlat, 1.0, 0.15);
    const auto [lowDamped, highDamped] = lowAndHigh(0.8);
    EXPECT_NEAR(lowDamped, 2.0, 0.3);
    EXPECT_LT(highDamped, 0.6 * lowDamped);
}

TEST(Reverb, OcclusionRemovesEnergyAboveItsCutoffAndKeepsTheLows) {
    const auto in = noise(48000, 42u);
    Reverb open = prepared(1.0);
    const auto openOut = run(open, in).left;
    Reverb occluded = prepared(1.0);
    occluded.setOcclusionCutoffHz(800.0);
    occluded.reset();
    const auto occludedOut = run(occluded, in).left;
    const double highDrop =
        10.0 * std::log10(energy(filtered(occludedOut, BiquadType::HighPass, 4000.0)) /
                          energy(filtered(openOut, BiquadType::HighPass, 4000.0)));
    const double lowDrop =
        10.0 * std::log10(energy(filtered(occludedOut, BiquadType::LowPass, 200.0)) /
                          energy(filtered(openOut, BiquadType::LowPass, 200.0)));
    EXPECT_LT(highDrop, -20.0);
    EXPECT_NEAR(lowDrop, 0.0, 1.0);
}

TEST(Reverb, LeftAndRightAreDecorrelated) {
    Reverb r = prepared(1.5);
    const auto ir = run(r, impulse(48000));
    EXPECT_LT(std::abs(correlation(ir.left, ir.right)), 0.5);
    Reverb r2 = prepared(1.5);
    const auto wet = run(r2, noise(48000, 3u));
    EXPECT_LT(std::abs(correlation(wet.left, wet.right)), 0.5);
}

TEST(Reverb, WetGainFollowsItsSettingSmoothlyWithoutAJump) {
    const auto in = noise(48000, 11u);
    Reverb r = prepared(1.0);
    Stereo out{std::vector<float>(in.size()), std::vector<float>(in.size())};
    const std::size_t change = 24000;
    r.process(in.data(), out.left.data(), out.right.data(), change);
    r.setWetDb(-40.0);
    r.process(in.data() + change, out.left.data() + change, out.right.data() + change,
              in.size() - change);
    const auto rmsAround = [&](std::size_t from, std::size_t count) {
        double e = 0.0;
        for (std::size_t i = from; i < from + count; ++i)
            e += static_cast<double>(out.left[i]) * out.left[i];
        return std::sqrt(e / static_cast<double>(count));
    };
    const double before = rmsAround(change - 480, 480);
    // 2 ms after the change the gain has barely started to move: no step.
    EXPECT_GT(rmsAround(change, 96), 0.5 * before);
    // 0.4 s later it has arrived (8 time constants).
    EXPECT_NEAR(20.0 * std::log10(rmsAround(in.size() - 4800, 4800) / before), -40.0, 3.0);
}

TEST(Reverb, DecayChangesMidTailAreSmoothAndTakeEffect) {
    Reverb r = prepared(4.0);
    const auto in = impulse(4 * 48000);
    Stereo out{std::vector<float>(in.size()), std::vector<float>(in.size())};
    const std::size_t change = 24000;
    r.process(in.data(), out.left.data(), out.right.data(), change);
    r.setDecaySeconds(0.5);
    r.process(in.data() + change, out.left.data() + change, out.right.data() + change,
              in.size() - change);
    std::vector<float> tail(out.left.begin() + change + 9600, out.left.end());
    EXPECT_NEAR(schroederRt60(tail), 0.5, 0.075);
    float largest = 0.0f;
    for (std::size_t i = change - 4800; i < change + 4800; ++i)
        largest = std::max(largest, std::abs(out.left[i] - out.left[i - 1]));
    float before = 0.0f;
    for (std::size_t i = change - 9600; i < change - 4800; ++i)
        before = std::max(before, std::abs(out.left[i] - out.left[i - 1]));
    EXPECT_LE(largest, 1.5f * before);
}

TEST(Reverb, SizeLengthensTheLinesAsDistinctPrimesAfterReset) {
    Reverb r = prepared(1.0, 0.0, 0.0);
    std::vector<std::size_t> small;
    for (std::size_t i = 0; i < Reverb::kLines; ++i) small.push_back(r.lineLengthSamples(i));
    r.setSize(1.0);
    EXPECT_EQ(r.lineLengthSamples(0), small[0]);  // pending until reset
    r.reset();
    for (std::size_t i = 0; i < Reverb::kLines; ++i) {
        EXPECT_GT(r.lineLengthSamples(i), 3 * small[i]) << i;
        for (std::size_t d = 2; d * d <= r.lineLengthSamples(i); ++d) {
            ASSERT_NE(r.lineLengthSamples(i) % d, 0u) << i;
        }
        if (i > 0) {
            EXPECT_GT(r.lineLengthSamples(i), r.lineLengthSamples(i - 1));
        }
    }
}

TEST(Reverb, SilenceAfterATailStaysQuietAndFinite) {
    Reverb r = prepared(0.3);
    auto in = noise(4800, 5u);
    in.resize(10 * 48000, 0.0f);
    const auto out = run(r, in);
    for (float v : out.left) ASSERT_TRUE(std::isfinite(v));
    double e = 0.0;
    for (std::size_t i = out.left.size() - 4800; i < out.left.size(); ++i)
        e += std::abs(out.left[i]);
    EXPECT_LT(e, 1e-6);
}
