#pragma once
// Fractional delay line, and the echo effect built on it.
//
// The buffer is a power of two so wrapping is a mask, not a modulo or a branch; guard
// slots past its end mirror its first ones, so the four taps of any read are contiguous
// (one address computation instead of four masked ones), and so are the taps of a run of
// kTapRun reads a sample apart (a modulated tap is read a vector at a time).
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
        if (write_ < kGuard) buffer_[write_ + mask_ + 1] = x;
    }

    /// Pushes count samples, oldest first (the same as count calls of push()).
    void push(const float* x, std::size_t count) noexcept;

    /// The sample pushed delaySamples pushes ago: read(0) is the latest push.
    /// Clamped to [0, maxDelaySamples()].
    float read(float delaySamples) const noexcept {
        const float d = std::clamp(delaySamples, 0.0f, maxDelay_);
        // Through int: float -> size_t compiles to a branchy sequence on x86-64, float -> int is one instruction.
        const auto i = static_cast<std::size_t>(static_cast<int>(d));
        const float f = d - static_cast<float>(i);
        // The newer neighbour of a delay below one sample has not been pushed yet.
        if (i == 0) return at(0) + f * (at(1) - at(0));
        const float* taps = tapsAround(i);
        return lagrange(f, taps[3], taps[2], taps[1], taps[0]);
    }

    /// 3rd-order Lagrange through ym1, y0, y1, y2 (delays i - 1 .. i + 2) at fraction f
    /// past y0, in Horner form (Farrow structure): half the multiplies of the product form.
    static float lagrange(float f, float ym1, float y0, float y1, float y2) noexcept {
        const float c1 = y1 - 0.5f * y0 - (1.0f / 3.0f) * ym1 - (1.0f / 6.0f) * y2;
        const float c2 = 0.5f * (ym1 + y1) - y0;
        const float c3 = (1.0f / 6.0f) * (y2 - ym1) + 0.5f * (y0 - y1);
        return y0 + f * (c1 + f * (c2 + f * c3));
    }

    /// Interpolation weights of a delay that holds still for a while (an echo's), so that
    /// each read is four taps and four multiplies; read(FixedTap) equals read() within
    /// float rounding (exactly at whole-sample delays).
    struct FixedTap {
        std::size_t delay = 1;
        float wm1 = 0.0f, w0 = 1.0f, w1 = 0.0f, w2 = 0.0f;
    };
    /// delaySamples must be at least 1 after clamping to maxDelaySamples().
    FixedTap fixedTap(float delaySamples) const noexcept {
        const float d = std::clamp(delaySamples, 1.0f, maxDelay_);
        FixedTap t;
        t.delay = static_cast<std::size_t>(static_cast<int>(d));
        const float f = d - static_cast<float>(t.delay);
        const float fm1 = f - 1.0f, fm2 = f - 2.0f, fp1 = f + 1.0f;
        t.wm1 = -f * fm1 * fm2 * (1.0f / 6.0f);
        t.w0 = fp1 * fm1 * fm2 * 0.5f;
        t.w1 = fp1 * f * fm2 * 0.5f;
        t.w2 = fp1 * f * fm1 * (1.0f / 6.0f);
        return t;
    }
    float read(const FixedTap& t) const noexcept {
        const float* taps = tapsAround(t.delay);
        return t.wm1 * taps[3] + t.w0 * taps[2] - t.w1 * taps[1] + t.w2 * taps[0];
    }

    float readLinear(float delaySamples) const noexcept {
        const float d = std::clamp(delaySamples, 0.0f, maxDelay_);
        const auto i = static_cast<std::size_t>(static_cast<int>(d));
        const float f = d - static_cast<float>(i);
        return at(i) + f * (at(i + 1) - at(i));
    }

    /// A modulated tap, block-wise: out[j] += (firstGain + j * gainStep) * read(firstDelay + j * delayStep)
    /// for j < count. Delays must lie in [1, maxDelaySamples()] (a chorus tap is always several
    /// samples late); outside it the delay is clamped. delayStep near -1 (a tap read at
    /// nearly the rate it is written, as in a chorus of pushed blocks) is the fast case.
    void addModulatedTap(float firstDelay, float delayStep, float firstGain, float gainStep, float* out,
                         std::size_t count) const noexcept;

    float maxDelaySamples() const noexcept { return maxDelay_; }

    /// Longest run of a modulated tap read as contiguous vectors.
    static constexpr std::size_t kTapRun = 32;

private:
    static constexpr std::size_t kGuard = kTapRun + 3;

    float at(std::size_t delay) const noexcept { return buffer_[(write_ - delay) & mask_]; }
    /// The taps at delays delay + 2, + 1, 0 and - 1, in that (ascending-address) order.
    const float* tapsAround(std::size_t delay) const noexcept { return &buffer_[(write_ - delay - 2) & mask_]; }

    std::vector<float> buffer_ = std::vector<float>(4 + kGuard, 0.0f);
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
