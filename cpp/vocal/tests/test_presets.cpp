#include <gtest/gtest.h>

#include <string>

#include "aicore/vocal/presets.h"

using namespace aicore::vocal;

namespace {

std::string errorOf(const std::string& json) {
    try {
        parseArchetypePreset(json, "test.json");
    } catch (const PresetError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(ArchetypePreset, ParsesEverySectionIntoTheStruct) {
    const auto p = parseArchetypePreset(R"({
        "name": "vampire", "description": "cold",
        "pitch": {"semitones": -3, "formant_ratio": 0.9},
        "eq": [{"type": "lowshelf", "frequency_hz": 200, "gain_db": 3}],
        "drive": {"drive_db": 6}, "chorus": {"mix": 0.2},
        "subliminal": {"layer": "whisper", "level_db": -30},
        "proximity": {"curve": "linear", "near_m": 2, "far_m": 12}
    })", "vampire.json");
    EXPECT_EQ(p.name, "vampire");
    EXPECT_DOUBLE_EQ(p.pitchSemitones, -3.0);
    EXPECT_DOUBLE_EQ(p.formantRatio, 0.9);
    ASSERT_EQ(p.eqBandCount, 1u);
    EXPECT_EQ(p.eq[0].type, BiquadType::LowShelf);
    EXPECT_TRUE(p.driveEnabled);
    EXPECT_TRUE(p.chorusEnabled);
    EXPECT_FALSE(p.growlEnabled);
    EXPECT_EQ(p.subliminal, SubliminalLayer::Whisper);
    EXPECT_EQ(p.proximityCurve, ProximityCurve::Linear);
}

TEST(ArchetypePreset, ErrorsNameTheFileAndTheField) {
    EXPECT_EQ(errorOf(R"({"name": "x", "pitch": {"semitones": "low"}})"),
              "test.json: pitch.semitones: expected a number, got \"low\"");
    EXPECT_EQ(errorOf(R"({"name": "x", "pitch": {"semitones": 40}})"),
              "test.json: pitch.semitones: must be within [-12, 12], got 40");
    EXPECT_EQ(errorOf(R"({"pitch": {}})"), "test.json: name: is required (a non-empty string)");
    EXPECT_EQ(errorOf(R"({"name": "x", "eq": [{"type": "wobble", "frequency_hz": 100}]})"),
              "test.json: eq[0].type: expected one of allpass, bandpass, highpass, highshelf, "
              "lowpass, lowshelf, notch, peak, got \"wobble\"");
    EXPECT_NE(errorOf(R"({"name": "x", "pitch": {"formnat_ratio": 1}})")
                  .find("test.json: pitch.formnat_ratio: unknown field"),
              std::string::npos);
    EXPECT_NE(errorOf("{not json").find("test.json: (top level): not valid JSON"), std::string::npos);
}

TEST(ArchetypePreset, SubliminalLayersCannotBeLouderThanFivePercentOfTheVoice) {
    EXPECT_EQ(errorOf(R"({"name": "x", "subliminal": {"layer": "breath", "level_db": -20}})"),
              "test.json: subliminal.level_db: must be within [-80, -26], got -20");
}

TEST(ArchetypePreset, ProximityCurvesGoFromFullNearToMinimumFar) {
    auto p = parseArchetypePreset(
        R"({"name": "x", "proximity": {"curve": "linear", "near_m": 2, "far_m": 12, "min_intensity": 0.1}})",
        "t.json");
    EXPECT_DOUBLE_EQ(p.intensityAtDistance(0.5), 1.0);
    EXPECT_DOUBLE_EQ(p.intensityAtDistance(2.0), 1.0);
    EXPECT_NEAR(p.intensityAtDistance(7.0), 0.1 + 0.9 * 0.5, 1e-12);
    EXPECT_DOUBLE_EQ(p.intensityAtDistance(50.0), 0.1);
    for (const char* curve : {"smooth", "inverse"}) {
        auto q = parseArchetypePreset(std::string(R"({"name": "x", "proximity": {"curve": ")") +
                                          curve + R"(", "near_m": 1, "far_m": 20}})",
                                      "t.json");
        double previous = 2.0;
        for (double d = 0.0; d <= 25.0; d += 0.5) {
            const double i = q.intensityAtDistance(d);
            EXPECT_LE(i, previous) << curve << " at " << d;  // never louder further away
            previous = i;
        }
        EXPECT_DOUBLE_EQ(q.intensityAtDistance(1.0), 1.0) << curve;
        EXPECT_NEAR(q.intensityAtDistance(20.0), 0.0, 1e-12) << curve;
    }
}

TEST(EnvironmentPresets, ParseAndValidate) {
    const auto envs = parseEnvironmentPresets(
        R"({"environments": {"cave": {"size": 0.9, "decay_s": 4}, "none": {"reverb": "off"}}})",
        "environments.json");
    ASSERT_EQ(envs.size(), 2u);
    EXPECT_EQ(envs[0].name, "cave");
    EXPECT_DOUBLE_EQ(envs[0].decaySeconds, 4.0);
    EXPECT_FALSE(envs[1].reverbEnabled);
    try {
        parseEnvironmentPresets(R"({"environments": {"crypt": {"decay_s": 0}}})", "environments.json");
        FAIL() << "a zero decay must be rejected";
    } catch (const PresetError& e) {
        EXPECT_STREQ(e.what(),
                     "environments.json: environments.crypt.decay_s: must be within [0.1, 20], got 0");
    }
}
