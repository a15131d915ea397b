#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "aicore/vocal/archetype_voice.h"
#include "aicore/vocal/environment.h"
#include "aicore/vocal/offline_render.h"
#include "aicore/vocal/presets.h"

using namespace aicore::vocal;

namespace {

constexpr double kRate = 48000.0;

// A vowel-like buzz: 140 Hz pulse train with a gentle vibrato, two seconds.
Clip makeVowel() {
    std::vector<float> x(static_cast<std::size_t>(2.0 * kRate));
    double phase = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double t = static_cast<double>(i) / kRate;
        phase += (140.0 + 4.0 * std::sin(2.0 * std::numbers::pi * 5.0 * t)) / kRate;
        phase -= std::floor(phase);
        double s = 0.0;
        for (int h = 1; h <= 12; ++h) s += std::sin(2.0 * std::numbers::pi * h * phase) / h;
        x[i] = static_cast<float>(0.25 * s);
    }
    return analyseClip(std::move(x), kRate);
}

ArchetypePreset monster() {
    return parseArchetypePreset(R"({
        "name": "test-monster", "pitch": {"semitones": -5, "formant_ratio": 0.8},
        "eq": [{"type": "peak", "frequency_hz": 900, "gain_db": 6}, {"type": "highpass", "frequency_hz": 150}],
        "drive": {"drive_db": 12, "mix": 0.5}, "growl": {"sub_level": 0.3, "depth": 0.6},
        "jitter": {"cents": 20, "shimmer_db": 2}, "chorus": {"mix": 0.3},
        "breath": {"level_db": -36}, "subliminal": {"layer": "whisper", "level_db": -30}
    })", "test.json");
}

EnvironmentPreset dryRoom() {
    return parseEnvironmentPresets(R"({"environments": {"none": {"reverb": "off"}}})", "e.json")[0];
}

float maxStep(const std::vector<float>& y, std::size_t from, std::size_t to) {
    float m = 0.0f;
    for (std::size_t i = std::max<std::size_t>(from, 1); i < to; ++i) m = std::max(m, std::fabs(y[i] - y[i - 1]));
    return m;
}

std::vector<float> renderWithIntensity(const Clip& clip, const ArchetypePreset& preset,
                                       const std::vector<float>& intensityPerBlock, std::size_t block) {
    ArchetypeVoice voice;
    voice.prepare({kRate, static_cast<std::uint32_t>(block), 1});
    voice.setPreset(&preset);
    voice.setIntensity(intensityPerBlock.front());
    voice.start(&clip);
    std::vector<float> out(clip.size()), layer(clip.size());
    for (std::size_t b = 0, done = 0; done < out.size(); ++b, done += block) {
        const std::size_t n = std::min(block, out.size() - done);
        // Change mid-block: half the block at one setting, the rest at the next.
        const std::size_t half = n / 2;
        voice.process(out.data() + done, layer.data() + done, half);
        voice.setIntensity(intensityPerBlock[b % intensityPerBlock.size()]);
        voice.process(out.data() + done + half, layer.data() + done + half, n - half);
    }
    return out;
}

}  // namespace

TEST(ArchetypeVoice, AtIntensityZeroTheVoiceIsTheDryClipLatencyCompensated) {
    const Clip clip = makeVowel();
    const auto preset = monster();
    RenderSettings settings;
    settings.intensity = 0.0f;
    const auto stems = renderOffline(clip, preset, dryRoom(), settings);
    ASSERT_EQ(stems.voice.size(), clip.size());
    double peakError = 0.0;
    for (std::size_t i = 0; i < clip.size(); ++i)
        peakError = std::max(peakError, static_cast<double>(std::fabs(stems.voice[i] - clip.samples[i])));
    EXPECT_LT(20.0 * std::log10(peakError + 1e-30), -60.0);
    for (float s : stems.subliminal) ASSERT_EQ(s, 0.0f);
}

TEST(ArchetypeVoice, AtIntensityZeroAClipAtHalfTheRateKeepsItsSpeedAndPitch) {
    // The runtime hands the shipped 22.05 kHz lines to a 48 kHz engine as they are: the dry
    // path (all a far NPC's voice is) must play them at their own speed, not 2.2 times faster.
    constexpr double clipRate = kRate / 2.0;
    std::vector<float> x(static_cast<std::size_t>(1.0 * clipRate));
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = 0.5f * static_cast<float>(std::sin(2.0 * std::numbers::pi * 200.0 * static_cast<double>(i) / clipRate));
    const Clip clip = analyseClip(std::move(x), clipRate);
    const auto preset = monster();
    ArchetypeVoice voice;
    voice.prepare({kRate, 256, 1});
    voice.setPreset(&preset);
    voice.setIntensity(0.0f);
    voice.start(&clip);
    std::vector<float> y(static_cast<std::size_t>(1.5 * kRate)), layer(y.size());
    for (std::size_t done = 0; done < y.size(); done += 256)
        voice.process(y.data() + done, layer.data() + done, std::min<std::size_t>(256, y.size() - done));
    // Sounding for one second of output, not half of one.
    std::size_t last = 0;
    for (std::size_t i = 0; i < y.size(); ++i)
        if (std::fabs(y[i]) > 0.1f) last = i;
    EXPECT_NEAR(static_cast<double>(last) / kRate, 1.0, 0.01);
    // At 200 Hz: 400 zero crossings a second.
    std::size_t crossings = 0;
    const std::size_t from = static_cast<std::size_t>(0.1 * kRate), to = static_cast<std::size_t>(0.9 * kRate);
    for (std::size_t i = from + 1; i < to; ++i) crossings += (y[i - 1] < 0.0f) != (y[i] < 0.0f) ? 1 : 0;
    EXPECT_NEAR(static_cast<double>(crossings) / 0.8, 400.0, 4.0);
}

TEST(ArchetypeVoice, AtFullIntensityTheVoiceIsClearlyNotTheDryClip) {
    const Clip clip = makeVowel();
    const auto stems = renderOffline(clip, monster(), dryRoom(), RenderSettings{});
    double diff = 0.0, ref = 0.0;
    for (std::size_t i = 0; i < clip.size(); ++i) {
        diff += std::pow(stems.voice[i] - clip.samples[i], 2.0);
        ref += std::pow(clip.samples[i], 2.0);
    }
    EXPECT_GT(10.0 * std::log10(diff / ref), -3.0);
}

TEST(ArchetypeVoice, StepChangesOfIntensityMidBlockDoNotClick) {
    const Clip clip = makeVowel();
    const auto preset = monster();
    const std::size_t block = 96;
    // Reference: the largest natural sample-to-sample step of the steady voices.
    const auto dry = renderWithIntensity(clip, preset, {0.0f}, block);
    const auto wet = renderWithIntensity(clip, preset, {1.0f}, block);
    const float natural = std::max(maxStep(dry, 4800, dry.size()), maxStep(wet, 4800, wet.size()));
    // Slam the intensity between 0 and 1 in the middle of every 4th block.
    const auto stepped = renderWithIntensity(clip, preset, {0.0f, 0.0f, 1.0f, 1.0f, 0.3f, 1.0f, 0.0f}, block);
    EXPECT_LE(maxStep(stepped, 4800, stepped.size()), 1.25f * natural);
}

TEST(ArchetypeVoice, TheSameSeedGivesBitIdenticalOutputAndAnotherSeedDoesNot) {
    const Clip clip = makeVowel();
    const auto preset = monster();
    RenderSettings a;
    a.seed = 7;
    const auto first = renderOffline(clip, preset, dryRoom(), a);
    const auto second = renderOffline(clip, preset, dryRoom(), a);
    EXPECT_EQ(first.voice, second.voice);
    EXPECT_EQ(first.subliminal, second.subliminal);
    a.seed = 8;
    const auto other = renderOffline(clip, preset, dryRoom(), a);
    EXPECT_NE(first.voice, other.voice);
}

TEST(Environment, SwitchingRoomsCrossfadesWithoutAClick) {
    const auto rooms = parseEnvironmentPresets(R"({"environments": {
        "corridor": {"size": 0.3, "decay_s": 1.0, "wet_db": -6},
        "cave": {"size": 1.0, "decay_s": 4.0, "wet_db": -3, "pre_delay_ms": 30},
        "underwater": {"occlusion_hz": 600, "decay_s": 1.5, "wet_db": -6}}})", "e.json");
    const std::size_t block = 128;
    Environment env;
    env.prepare({kRate, block, 1});
    const Clip clip = makeVowel();
    auto run = [&](bool switching) {
        env.reset();
        env.setPreset(&rooms[0]);
        std::vector<float> outL(clip.size()), outR(clip.size()), direct(clip.samples);
        for (std::size_t done = 0, b = 0; done + block <= clip.size(); done += block, ++b) {
            if (switching && b % 50 == 25) env.setPreset(&rooms[(b / 50 + 1) % rooms.size()]);
            env.processReverb(clip.samples.data() + done, outL.data() + done, outR.data() + done, block);
            env.processDirect(direct.data() + done, nullptr, block);
        }
        std::vector<float> mix(clip.size());
        for (std::size_t i = 0; i < mix.size(); ++i) mix[i] = direct[i] + outL[i];
        return mix;
    };
    const auto steady = run(false);
    const auto switched = run(true);
    EXPECT_LE(maxStep(switched, 9600, switched.size()), 1.25f * maxStep(steady, 9600, steady.size()));
}
