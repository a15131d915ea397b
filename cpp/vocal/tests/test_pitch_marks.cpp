#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "aicore/vocal/clip.h"
#include "aicore/vocal/pitch_marks.h"
#include "speech_signals.h"

using namespace aicore::vocal;
using namespace speech_signals;

namespace {

constexpr double kRate = 48000.0;

void expectWellFormed(const Clip& clip) {
    ASSERT_FALSE(clip.marks.empty());
    EXPECT_EQ(clip.marks.front().position, 0u);
    EXPECT_EQ(clip.marks.back().position, clip.size() - 1);
    std::size_t longest = 0;
    for (std::size_t k = 1; k < clip.marks.size(); ++k) {
        ASSERT_GT(clip.marks[k].position, clip.marks[k - 1].position) << k;
        longest = std::max(longest, clip.marks[k].position - clip.marks[k - 1].position);
    }
    EXPECT_EQ(longest, clip.longestMarkIntervalSamples);
    EXPECT_LE(longest, static_cast<std::size_t>(kRate / 60.0));
}

}  // namespace

TEST(PitchAnalysis, YinFindsTheF0OfASteadyVowelWithinHalfAPercent) {
    const auto x = vowel(140.0, 1.0, kRate);
    const auto track = estimatePitch(x, kRate);
    ASSERT_EQ(track.hopSamples, 240u);
    std::size_t voiced = 0;
    for (std::size_t f = 10; f + 10 < track.f0Hz.size(); ++f) {
        ASSERT_TRUE(track.voiced(f)) << f;
        EXPECT_NEAR(track.f0Hz[f], 140.0, 0.7) << f;
        ++voiced;
    }
    EXPECT_GT(voiced, 150u);
}

TEST(PitchAnalysis, YinFollowsAGlideAcrossTheSpeechRange) {
    const auto x = vowel(90.0, 1.0, kRate, kVowelA, 360.0);
    const auto track = estimatePitch(x, kRate);
    for (std::size_t f = 10; f + 10 < track.f0Hz.size(); f += 5) {
        const double expected = 90.0 + 270.0 * static_cast<double>(f * track.hopSamples) / kRate;
        ASSERT_TRUE(track.voiced(f)) << f;
        EXPECT_NEAR(track.f0Hz[f] / expected, 1.0, 0.02) << f;
    }
}

TEST(PitchAnalysis, NoiseAndSilenceAreUnvoiced) {
    const auto noise = estimatePitch(whiteNoise(48000, 7u, 0.3f), kRate);
    const auto voicedNoise =
        std::count_if(noise.f0Hz.begin(), noise.f0Hz.end(), [](float f) { return f > 0.0f; });
    EXPECT_LT(static_cast<double>(voicedNoise), 0.05 * static_cast<double>(noise.f0Hz.size()));

    const auto silence = estimatePitch(std::vector<float>(24000, 0.0f), kRate);
    for (float f : silence.f0Hz) EXPECT_EQ(f, 0.0f);
}

TEST(PitchMarks, VoicedMarksSitOneGlottalPeriodApartOnTheWaveformPeaks) {
    const Clip clip = analyseClip(vowel(140.0, 1.0, kRate), kRate);
    expectWellFormed(clip);
    const double period = kRate / 140.0;
    std::size_t checked = 0;
    for (std::size_t k = 1; k < clip.marks.size(); ++k) {
        const auto& a = clip.marks[k - 1];
        const auto& b = clip.marks[k];
        if (a.position < 4800 || b.position > 43200) continue;
        ASSERT_TRUE(a.voiced && b.voiced) << k;
        EXPECT_NEAR(static_cast<double>(b.position - a.position), period, 1.0) << k;
        // The mark is its period's extremum: no sample within a quarter period is larger.
        const float peak = std::abs(clip.samples[b.position]);
        for (std::size_t i = b.position - 80; i <= b.position + 80; ++i)
            ASSERT_LE(std::abs(clip.samples[i]), peak + 1e-6f) << k;
        ++checked;
    }
    EXPECT_GT(checked, 100u);
}

TEST(PitchMarks, MarksFollowAGlidingPitchPeriodByPeriod) {
    const Clip clip = analyseClip(vowel(100.0, 1.0, kRate, kVowelA, 250.0), kRate);
    expectWellFormed(clip);
    std::size_t checked = 0;
    for (std::size_t k = 1; k < clip.marks.size(); ++k) {
        const auto a = static_cast<double>(clip.marks[k - 1].position);
        const auto b = static_cast<double>(clip.marks[k].position);
        if (a < 4800.0 || b > 43200.0) continue;
        const double mid = 0.5 * (a + b);
        const double f0 = 100.0 + 150.0 * mid / kRate;
        EXPECT_NEAR((b - a) / (kRate / f0), 1.0, 0.02) << k;
        ++checked;
    }
    EXPECT_GT(checked, 100u);
}

TEST(PitchMarks, UnvoicedStretchesGetFiveMillisecondPseudoPeriods) {
    std::vector<float> x = whiteNoise(24000, 99u, 0.2f);
    const auto v = vowel(150.0, 0.5, kRate);
    x.insert(x.end(), v.begin(), v.end());
    const Clip clip = analyseClip(std::move(x), kRate);
    expectWellFormed(clip);
    std::size_t unvoiced = 0, voiced = 0;
    for (std::size_t k = 1; k < clip.marks.size(); ++k) {
        const auto& a = clip.marks[k - 1];
        const auto& b = clip.marks[k];
        if (b.position < 20000 && !a.voiced && !b.voiced) {
            EXPECT_NEAR(static_cast<double>(b.position - a.position), 240.0, 2.0);
            ++unvoiced;
        }
        if (a.position > 30000 && b.position < 44000 && a.voiced && b.voiced) ++voiced;
    }
    EXPECT_GT(unvoiced, 70u);
    EXPECT_GT(voiced, 40u);
}

TEST(PitchMarks, TinyAndEmptyClipsAreHandled) {
    EXPECT_TRUE(analyseClip({}, kRate).marks.empty());
    const Clip one = analyseClip({0.5f}, kRate);
    ASSERT_EQ(one.marks.size(), 1u);
    EXPECT_EQ(one.marks[0].position, 0u);
    const Clip shortClip = analyseClip(std::vector<float>(100, 0.1f), kRate);
    expectWellFormed(shortClip);
}
