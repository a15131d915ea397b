#pragma once
// Ring modulator (bipolar, audio-rate carrier) and tremolo (unipolar, LFO-rate).
//
// Ring: y = x * ((1 - depth) + depth * sin(carrier)). At depth 1 the input's
// own frequencies vanish and only the sum and difference tones remain, the
// metallic "robot" voice; lower depths leak the voice back in.
// Tremolo: y = x * (1 - depth * (1 + sin(rate)) / 2), so the gain swings
// between 1 and 1 - depth and never inverts the signal.
// Both carriers come from SineOscillator, whose error is far below float
// resolution, so the carrier itself adds no sidebands of its own.
#include <cstddef>

#include "aicore/vocal/process_spec.h"
#include "aicore/vocal/sine_oscillator.h"
#include "aicore/vocal/smoothed_value.h"

namespace aicore::vocal {

class RingModulator {
public:
    void prepare(const ProcessSpec& spec) noexcept;
    void reset() noexcept;

    /// Carrier frequency, clamped to [0, 20000] Hz; glides when changed.
    void setCarrierHz(float hz) noexcept;
    /// 0 = carrier off (unity gain), 1 = full ring modulation.
    void setDepth(float depth) noexcept;
    /// 0 = dry only, 1 = wet only.
    void setMix(float mix) noexcept;

    void process(float* samples, std::size_t count) noexcept;

private:
    SineOscillator carrier_{150.0f};
    SmoothedValue depth_{1.0f};
    SmoothedValue mix_{1.0f};
};

class Tremolo {
public:
    void prepare(const ProcessSpec& spec) noexcept;
    void reset() noexcept;

    /// Modulation rate, clamped to [0, 200] Hz; glides when changed.
    void setRateHz(float hz) noexcept;
    /// Gain swing: 0 = none, 1 = down to silence at each trough.
    void setDepth(float depth) noexcept;

    void process(float* samples, std::size_t count) noexcept;

private:
    SineOscillator lfo_{5.0f};
    SmoothedValue depth_{0.5f};
};

}  // namespace aicore::vocal
