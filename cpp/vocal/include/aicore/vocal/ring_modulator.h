#pragma once
// Ring modulator (bipolar, audio-rate carrier) and tremolo (unipolar, LFO-rate).
//
// Ring: y = x * ((1 - depth) + depth * sin(carrier)). At depth 1 the input's
// own frequencies vanish and only the sum and difference tones remain, the
// metallic "robot" voice; lower depths leak the voice back in.
// Tremolo: y = x * (1 - depth * (1 + sin(rate)) / 2), so the gain swings
// between 1 and 1 - depth and never inverts the signal.
// Both carriers are sineOfPhase's polynomial (error far below float resolution, so the
// carrier adds no sidebands of its own), evaluated a block at a time by BlockSine.
#include <cstddef>

#include "aicore/vocal/process_spec.h"
#include "aicore/vocal/smoothed_value.h"

namespace aicore::vocal {

/// A sine carrier made a block at a time: the phases of a block are start + k * step
/// rather than a running sum, and the polynomial has no branches, so the whole block
/// compiles to vector code (a per-sample oscillator is a serial chain of a dozen ops).
class BlockSine {
public:
    explicit BlockSine(float frequencyHz = 0.0f) noexcept : frequencyHz_(frequencyHz) {}

    void prepare(const ProcessSpec& spec) noexcept;
    /// Restarts at phase 0; the frequency stops gliding.
    void reset() noexcept;
    /// Clamped to [0, Nyquist]; glides over SmoothedValue's default ramp. Within one block a
    /// glide runs at the block's mean frequency.
    void setFrequencyHz(float hz) noexcept;
    /// Writes the next count samples of sin(2 pi phase).
    void fill(float* out, std::size_t count) noexcept;

private:
    double inverseSampleRate_ = 1.0 / 48000.0;
    float nyquistHz_ = 24000.0f;
    double phase_ = 0.0;
    SmoothedValue frequencyHz_;
};

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
    BlockSine carrier_{150.0f};
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
    BlockSine lfo_{5.0f};
    SmoothedValue depth_{0.5f};
};

}  // namespace aicore::vocal
