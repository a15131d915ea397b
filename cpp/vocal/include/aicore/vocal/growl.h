#pragma once
// Growl: an octave-down sub-harmonic plus a rough low-frequency amplitude modulation ("rasp").
//
// Sub-harmonic: the classic analogue octave divider. A flip-flop toggles on
// every upward zero crossing of the low-passed voice, so it runs at f0 / 2;
// multiplying it with that same low-passed signal gives energy at f0 / 2 (and
// its odd multiples) that follows the voice's level. Because the flip-flop
// only toggles where the signal it multiplies is zero, the product has no
// steps and needs no anti-click filter. Hysteresis, relative to the signal's
// own envelope, stops a strong second harmonic from adding extra crossings.
//
// Rasp: gain = 1 - depth * (1 - cos) / 2, a raised cosine at the AM rate
// (vocal-fold "fry" sits around 20-80 Hz). Roughness redraws each cycle's
// length and depth at random; a cycle starts where the modulator is 0 (gain
// 1), so those redraws never step the gain.
#include <cstddef>
#include <cstdint>

#include "aicore/vocal/biquad.h"
#include "aicore/vocal/process_spec.h"
#include "aicore/vocal/random.h"
#include "aicore/vocal/smoothed_value.h"

namespace aicore::vocal {

class Growl {
public:
    /// Upper edge of the octave detector; voice fundamentals sit below it.
    static constexpr double kDetectorCutoffHz = 400.0;

    void prepare(const ProcessSpec& spec) noexcept;
    /// Clears state and restarts the random stream of the seed.
    void reset() noexcept;

    void setSeed(std::uint64_t seed) noexcept;
    /// Linear gain of the octave-down voice added to the input, clamped to [0, 4].
    void setSubLevel(float gain) noexcept;
    /// Rate of the rasp modulation, clamped to [1, 200] Hz.
    void setAmRateHz(float hz) noexcept;
    /// 0 = no modulation, 1 = gain dips to silence once per cycle.
    void setAmDepth(float depth) noexcept;
    /// 0 = a steady raised cosine, 1 = cycle length +-40 % and depth down to half, at random.
    void setRoughness(float amount) noexcept;
    /// 0 = dry only, 1 = wet only.
    void setMix(float mix) noexcept;

    void process(float* samples, std::size_t count) noexcept;

private:
    double sampleRate_ = 48000.0;
    std::uint64_t seed_ = 0;
    Random random_;
    Biquad detector_[2];
    SmoothedValue subLevel_{0.5f};
    SmoothedValue amRateHz_{40.0f};
    SmoothedValue amDepth_{0.5f};
    SmoothedValue mix_{1.0f};
    float roughness_ = 0.3f;
    float envelope_ = 0.0f;
    float envelopeRelease_ = 0.999f;
    float flipFlop_ = 1.0f;
    bool armed_ = false;
    float previous_ = 0.0f;
    double amPhase_ = 0.0;
    float cycleRateScale_ = 1.0f;
    float cycleDepthScale_ = 1.0f;
};

}  // namespace aicore::vocal
