#pragma once
// Second-order IIR section with the RBJ "Audio EQ Cookbook" designs.
//
// Transposed direct form II: two state variables per channel and good
// numerical behaviour in float for the low, speech-band frequencies we use.
#include <array>
#include <cstddef>

#include "aicore/vocal/process_spec.h"

namespace aicore::vocal {

enum class BiquadType { LowPass, HighPass, BandPass, Notch, Peak, LowShelf, HighShelf, AllPass };

struct BiquadCoefficients {
    // Normalised so that a0 == 1.
    float b0 = 1.0f, b1 = 0.0f, b2 = 0.0f, a1 = 0.0f, a2 = 0.0f;

    /// RBJ cookbook design. gainDb is used by Peak and the shelves only.
    static BiquadCoefficients design(BiquadType type, double sampleRate, double frequencyHz,
                                     double q, double gainDb = 0.0) noexcept;

    /// |H(e^jw)| at frequencyHz, linear.
    double magnitudeAt(double frequencyHz, double sampleRate) const noexcept;
};

class Biquad {
public:
    static constexpr std::size_t kMaxChannels = 2;

    void prepare(const ProcessSpec& spec) noexcept;
    void reset() noexcept;

    /// Designs new coefficients; safe to call from the audio thread (no allocation).
    void setParameters(BiquadType type, double frequencyHz, double q, double gainDb = 0.0) noexcept;
    void setCoefficients(const BiquadCoefficients& c) noexcept { coeffs_ = c; }
    const BiquadCoefficients& coefficients() const noexcept { return coeffs_; }

    /// In-place processing of one channel's samples.
    void process(float* samples, std::size_t count, std::size_t channel = 0) noexcept {
        auto& s = state_[channel];
        const auto c = coeffs_;
        float z1 = s[0], z2 = s[1];
        for (std::size_t i = 0; i < count; ++i) {
            const float x = samples[i];
            const float y = c.b0 * x + z1;
            z1 = c.b1 * x - c.a1 * y + z2;
            z2 = c.b2 * x - c.a2 * y;
            samples[i] = y;
        }
        s[0] = z1;
        s[1] = z2;
    }

    float processSample(float x, std::size_t channel = 0) noexcept {
        auto& s = state_[channel];
        const float y = coeffs_.b0 * x + s[0];
        s[0] = coeffs_.b1 * x - coeffs_.a1 * y + s[1];
        s[1] = coeffs_.b2 * x - coeffs_.a2 * y;
        return y;
    }

private:
    double sampleRate_ = 48000.0;
    BiquadCoefficients coeffs_{};
    std::array<std::array<float, 2>, kMaxChannels> state_{};
};

}  // namespace aicore::vocal
