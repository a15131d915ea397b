#pragma once
// Shared set-up for engine tests: a few archetypes and rooms, and speech-like clips.
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "aicore/vocal/clip.h"
#include "aicore/vocal/presets.h"

namespace aicore::vocal::testing {

inline Clip buzzClip(double rate, double seconds, double f0, float level = 0.3f) {
    std::vector<float> x(static_cast<std::size_t>(seconds * rate));
    double phase = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        phase += f0 / rate;
        phase -= std::floor(phase);
        double s = 0.0;
        for (int h = 1; h <= 8; ++h) s += std::sin(2.0 * std::numbers::pi * h * phase) / h;
        x[i] = static_cast<float>(level * s);
    }
    return analyseClip(std::move(x), rate);
}

inline std::vector<ArchetypePreset> testArchetypes() {
    return {parseArchetypePreset(R"({"name": "plain"})", "plain.json"),
            parseArchetypePreset(R"({"name": "beast", "pitch": {"semitones": -6, "formant_ratio": 0.8},
                "growl": {"sub_level": 0.4, "depth": 0.7}, "drive": {"drive_db": 12},
                "jitter": {"cents": 20}, "chorus": {"mix": 0.3}, "delay": {"time_ms": 150, "feedback": 0.4, "mix": 0.3},
                "breath": {"level_db": -36}, "subliminal": {"layer": "infrasound", "level_db": -32}})", "beast.json"),
            parseArchetypePreset(R"({"name": "ghost", "pitch": {"semitones": 4, "formant_ratio": 1.2},
                "ring": {"mode": "tremolo", "frequency_hz": 6, "depth": 0.5, "mix": 1},
                "subliminal": {"layer": "reversed", "level_db": -30}})", "ghost.json")};
}

inline std::vector<EnvironmentPreset> testEnvironments() {
    return parseEnvironmentPresets(R"({"environments": {
        "none": {"reverb": "off"}, "open": {"size": 0.15, "decay_s": 0.4, "wet_db": -20},
        "crypt": {"size": 0.6, "decay_s": 2.4, "wet_db": -11},
        "underwater": {"size": 0.5, "decay_s": 1.6, "occlusion_hz": 650, "wet_db": -10}}})", "environments.json");
}

}  // namespace aicore::vocal::testing
