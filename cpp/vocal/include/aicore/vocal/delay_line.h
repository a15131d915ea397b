#pragma once
// Fractional delay line, and the echo effect built on it.
//
// The buffer is a power of two so wrapping is a mask, not a modulo or a branch.
// Reads use 3rd-order Lagrange interpolation: flat enough in the speech band
// that a modulated delay (chorus, jitter) does not audibly dull the voice, at
// four taps; linear is offered for callers that prefer its zero overshoot.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "aicore/vocal/process_spec.h"
#include "aicore/vocal/smoothed_value.h"

namespace aicore::vocal {

class DelayLine {
public:
    /// Takes the memory for delays up to maxDelaySeconds.
    void prepare(const ProcessSpec& spec, double maxDelaySeconds);
    void reset() noexcept;

    void push(float x) noexcept {
        write_ = (write_ + 1) & mask_;
        buffer_[write_] = x;
    }

    /// The sample pushed delaySamples pushes ago: read(0) is the latest push.
    /// Clamped to [0, maxDelaySamples()].
    float read(float delaySamples) const noexcept {
        const float d = std::clamp(delaySamples, 0.0f, maxDelay_);
        // Through int: float -> size_t compiles to a branchy sequence on x86-64, float -> int is one instruction.
        const auto i = static_cast<std::size_t>(static_cast<int>(d));
        const float f = d - static_cast<float>(i);
        // The newer neighbour of a delay below one sample has not been pushed yet.
        if (i == 0) return at(0) + f * (at(1) - at(0));
        const float ym1 = at(i - 1), y0 = at(i), y1 = at(i + 1), y2 = at(i + 2);
        const float fm1 = f - 1.0f, fm2 = f - 2.0f, fp1 = f + 1.0f;
        return -f * fm1 * fm2 * (1.0f / 6.0f) * ym1 + fp1 * fm1 * fm2 * 0.5f * y0
               - fp1 * f * fm2 * 0.5f * y1 + fp1 * f * fm1 * (1.0f / 6.0f) * y2;
    }

    float readLinear(float delaySamples) const noexcept {
        const float d = std::clamp(delaySamples, 0.0f, maxDelay_);
        const auto i = static_cast<std::size_t>(static_cast<int>(d));
        const float f = d - static_cast<float>(i);
        return at(i) + f * (at(i + 1) - at(i));
    }

    float maxDelaySamples() const noexcept { return maxDelay_; }

private:
    float at(std::size_t delay) const noexcept { return buffer_[(write_ - delay) & mask_]; }

    std::vector<float> buffer_ = std::vector<float>(4, 0.0f);
    std::size_t mask_ = 3;
    std::size_t write_ = 0;
    float maxDelay_ = 0.0f;
};

/// Echo: delay time, feedback and a dry/wet mix, all smoothed.
class Delay {
public:
    static constexpr double kMaxDelayMs = 2000.0;

    void prepare(const ProcessSpec& spec);
    void reset() noexcept;

    /// Clamped to [1 sample, kMaxDelayMs]. Glides (tape-like) rather than jumps.
    void setDelayMs(float ms) noexcept;
    /// Linear gain of each repeat relative to the one before, clamped to [-0.98, 0.98].
    void setFeedback(float gain) noexcept;
    /// 0 = dry only, 1 = wet only.
    void setMix(float mix) noexcept;

    void process(float* samples, std::size_t count) noexcept;

private:
    DelayLine line_;
    double sampleRate_ = 48000.0;
    float delayMs_ = 250.0f;
    SmoothedValue delaySamples_{12000.0f};
    SmoothedValue feedback_{0.0f};
    SmoothedValue mix_{0.5f};
};

}  // namespace aicore::vocal
