#pragma once
// Sine without a libm call per sample, for LFOs and ring-modulator carriers.
//
// A phase accumulator (in cycles, double so slow LFOs do not drift) feeds an
// odd Taylor polynomial on a quarter-wave-folded argument: error < 1e-7, far
// below float audio resolution, so a carrier's own distortion cannot show up
// as spurious sidebands. Unlike a rotating-phasor oscillator, a frequency
// change costs nothing (no sin/cos to recompute), so frequency can be smoothed
// per sample.
#include <cmath>

#include "aicore/vocal/process_spec.h"
#include "aicore/vocal/smoothed_value.h"

namespace aicore::vocal {

/// sin(2*pi*phase) for phase in [0, 1).
inline float sineOfPhase(float phase) noexcept {
    // sin(2*pi*p) = -sin(2*pi*(p - 0.5)); then fold into [-1/4, 1/4] with sin(pi - t) = sin(t).
    float x = 0.5f - phase;
    if (x > 0.25f) x = 0.5f - x;
    else if (x < -0.25f) x = -0.5f - x;
    const float t = x * 6.28318530717958647692f;
    const float t2 = t * t;
    return t * (1.0f + t2 * (-1.0f / 6.0f + t2 * (1.0f / 120.0f + t2 * (-1.0f / 5040.0f
               + t2 * (1.0f / 362880.0f + t2 * (-1.0f / 39916800.0f))))));
}

class SineOscillator {
public:
    explicit SineOscillator(float frequencyHz = 0.0f) noexcept : frequencyHz_(frequencyHz) {}

    void prepare(const ProcessSpec& spec) noexcept {
        inverseSampleRate_ = 1.0 / spec.sampleRate;
        nyquistHz_ = static_cast<float>(0.5 * spec.sampleRate);
        frequencyHz_.prepare(spec);
        reset();
    }

    /// Restarts at the start phase; the frequency stops gliding.
    void reset() noexcept {
        phase_ = startPhase_;
        frequencyHz_.reset();
    }

    /// Smoothed, so a change glides instead of stepping.
    /// Clamped to +-Nyquist so one wrap per sample always keeps the phase in range.
    void setFrequencyHz(float hz) noexcept {
        frequencyHz_.setTargetValue(hz > nyquistHz_ ? nyquistHz_ : (hz < -nyquistHz_ ? -nyquistHz_ : hz));
    }
    /// Phase (in cycles, [0, 1)) that reset() returns to.
    void setStartPhase(float cycles) noexcept { startPhase_ = cycles - std::floor(cycles); }

    float next() noexcept {
        const float y = sineOfPhase(static_cast<float>(phase_));
        phase_ += static_cast<double>(frequencyHz_.getNextValue()) * inverseSampleRate_;
        if (phase_ >= 1.0) phase_ -= 1.0;
        else if (phase_ < 0.0) phase_ += 1.0;
        return y;
    }

private:
    double inverseSampleRate_ = 1.0 / 48000.0;
    float nyquistHz_ = 24000.0f;
    double phase_ = 0.0;
    double startPhase_ = 0.0;
    SmoothedValue frequencyHz_;
};

}  // namespace aicore::vocal
