#pragma once
// Archetype and environment presets: data the game ships (content/vocal/*.json), parsed
// and validated here — off the audio thread — into plain structs the DSP reads.
//
// Every error names the source file and the field ("vampire.json: pitch.semitones: ...")
// so a designer can fix a preset without reading C++.
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "aicore/vocal/biquad.h"

namespace aicore::vocal {

/// Thrown by the parsers, as a structured value: the source, the field path, the problem
/// and the line when known. what() is "<source>: <field>: <problem>" for people; tools read
/// the parts, never the text.
class PresetError : public std::runtime_error {
public:
    PresetError(std::string source, std::string field, std::string problem, int line = 0)
        : std::runtime_error(source + ": " + (field.empty() ? "(top level)" : field) + ": " +
                             problem),
          source_(std::move(source)),
          field_(std::move(field)),
          problem_(std::move(problem)),
          line_(line) {}

    /// The file (or the name given to the text parsed).
    const std::string& source() const noexcept { return source_; }
    /// The field path ("pitch.semitones", "crypt.decay_s"); empty for the file as a whole.
    const std::string& field() const noexcept { return field_; }
    /// What is wrong, without the source or the field.
    const std::string& problem() const noexcept { return problem_; }
    /// The 1-based line, when the parser knows it (a JSON syntax error); else 0.
    int line() const noexcept { return line_; }

private:
    std::string source_;
    std::string field_;
    std::string problem_;
    int line_;
};

struct EqBand {
    BiquadType type = BiquadType::Peak;
    double frequencyHz = 1000.0;
    double q = 0.707;
    double gainDb = 0.0;
};

enum class SubliminalLayer { None, Whisper, Breath, Infrasound, Reversed };
enum class ProximityCurve { Linear, Smooth, Inverse };
enum class RingMode { Ring, Tremolo };

struct ArchetypePreset {
    std::string name;
    std::string description;

    double pitchSemitones = 0.0;
    double formantRatio = 1.0;

    static constexpr std::size_t kMaxEqBands = 4;
    std::array<EqBand, kMaxEqBands> eq{};
    std::size_t eqBandCount = 0;

    bool driveEnabled = false;
    double driveDb = 0.0, driveAsymmetry = 0.0, driveMix = 0.0;

    bool growlEnabled = false;
    double growlSubLevel = 0.0, growlRateHz = 30.0, growlDepth = 0.0, growlMix = 0.0;

    bool jitterEnabled = false;
    double jitterCents = 0.0, shimmerDb = 0.0;

    bool chorusEnabled = false;
    int chorusVoices = 2;
    double chorusRateHz = 0.3, chorusDepthMs = 2.0, chorusDelayMs = 15.0, chorusMix = 0.0;

    bool ringEnabled = false;
    RingMode ringMode = RingMode::Ring;
    double ringFrequencyHz = 30.0, ringDepth = 0.0, ringMix = 0.0;

    bool breathEnabled = false;
    double breathLevelDb = -40.0, breathLowHz = 300.0, breathHighHz = 3000.0;

    bool delayEnabled = false;
    double delayTimeMs = 250.0, delayFeedback = 0.0, delayMix = 0.0;

    SubliminalLayer subliminal = SubliminalLayer::None;
    double subliminalLevelDb = -32.0;  // relative to the voice's RMS; never above -26 dB
    double subliminalFrequencyHz = 18.0;

    ProximityCurve proximityCurve = ProximityCurve::Smooth;
    double proximityNearM = 1.0;   // at or nearer than this: full intensity
    double proximityFarM = 20.0;   // at or beyond this: minimum intensity
    double proximityMinIntensity = 0.0;

    double outputGainDb = 0.0;

    /// Intensity 0..1 for a listener at distanceM, through the preset's curve.
    double intensityAtDistance(double distanceM) const noexcept;
};

struct EnvironmentPreset {
    std::string name;
    bool reverbEnabled = true;
    double size = 0.5;          // 0..1, scales the delay network
    double decaySeconds = 1.0;  // RT60
    double damping = 0.3;       // 0..1, high frequencies decay faster
    double preDelayMs = 10.0;
    double occlusionHz = 20000.0;  // low-pass on the room's sound
    double wetDb = -12.0;
};

/// The loudest a subliminal layer may be relative to the voice (5% of its RMS).
inline constexpr double kSubliminalCeilingDb = -26.0;

ArchetypePreset parseArchetypePreset(const std::string& jsonText, const std::string& source);
ArchetypePreset loadArchetypePreset(const std::string& path);

/// Parses {"environments": {"name": {...}, ...}}.
std::vector<EnvironmentPreset> parseEnvironmentPresets(const std::string& jsonText,
                                                       const std::string& source);
std::vector<EnvironmentPreset> loadEnvironmentPresets(const std::string& path);

}  // namespace aicore::vocal
