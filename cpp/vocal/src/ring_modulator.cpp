#include "aicore/vocal/ring_modulator.h"

#include <algorithm>
#include <cmath>

#include "aicore/vocal/multiversion.h"

namespace aicore::vocal {

namespace {

// Carriers and gain ramps are made in stack chunks of this many samples (no allocation).
constexpr std::size_t kChunk = 64;

// sineOfPhase() with its quarter-wave fold (x -> +-(0.5 - |x|) beyond +-1/4) written as
// min and copysign, bit for bit the same values, so a loop of it vectorises.
[[gnu::always_inline]] inline float sineOfPhaseBranchless(float phase) noexcept {
    const float x = 0.5f - phase;
    const float folded = std::copysign(std::min(std::fabs(x), 0.5f - std::fabs(x)), x);
    const float t = folded * 6.28318530717958647692f;
    const float t2 = t * t;
    return t * (1.0f + t2 * (-1.0f / 6.0f + t2 * (1.0f / 120.0f + t2 * (-1.0f / 5040.0f
               + t2 * (1.0f / 362880.0f + t2 * (-1.0f / 39916800.0f))))));
}

// A smoothed value's next count samples as a line from its current value: SmoothedValue's
// ramp is linear, so this is the same ramp (ending on its target a little early or late
// within the chunk when the ramp ends inside it).
void fillRamp(SmoothedValue& value, float* out, std::size_t count) noexcept {
    const float start = value.getCurrentValue();
    const float step = (value.skip(count) - start) / static_cast<float>(count);
    // An int counter: size_t -> float has no vector conversion on x86-64.
    const int n = static_cast<int>(count);
    for (int k = 0; k < n; ++k) out[k] = start + static_cast<float>(k + 1) * step;
}

}  // namespace

void BlockSine::prepare(const ProcessSpec& spec) noexcept {
    inverseSampleRate_ = 1.0 / spec.sampleRate;
    nyquistHz_ = static_cast<float>(0.5 * spec.sampleRate);
    frequencyHz_.prepare(spec);
    reset();
}

void BlockSine::reset() noexcept {
    phase_ = 0.0;
    frequencyHz_.reset();
}

void BlockSine::setFrequencyHz(float hz) noexcept { frequencyHz_.setTargetValue(std::clamp(hz, 0.0f, nyquistHz_)); }

AICORE_VOCAL_HOT void BlockSine::fill(float* out, std::size_t count) noexcept {
    const float startHz = frequencyHz_.getCurrentValue();
    const float endHz = frequencyHz_.skip(count);
    const double step = 0.5 * (static_cast<double>(startHz) + static_cast<double>(endHz)) * inverseSampleRate_;
    // Phases in float, re-anchored from the double phase every kAnchor samples: the offset
    // from the anchor stays below kAnchor / 2 cycles, where float resolves ~2e-6 of a cycle
    // even for a carrier near Nyquist (and ~1e-9 for an LFO).
    constexpr std::size_t kAnchor = 32;
    const auto stepFloat = static_cast<float>(step);
    for (std::size_t done = 0; done < count; done += kAnchor) {
        const int n = static_cast<int>(std::min(kAnchor, count - done));
        const double anchor = phase_ + static_cast<double>(done) * step;
        const auto start = static_cast<float>(anchor - std::floor(anchor));
        float* o = out + done;
        for (int k = 0; k < n; ++k) {
            const float p = start + static_cast<float>(k) * stepFloat;
            // 0 <= p < kAnchor: truncation through int is floor, and vectorises (std::floor does not).
            o[k] = sineOfPhaseBranchless(p - static_cast<float>(static_cast<int>(p)));
        }
    }
    phase_ += static_cast<double>(count) * step;
    phase_ -= std::floor(phase_);
}

void RingModulator::prepare(const ProcessSpec& spec) noexcept {
    carrier_.prepare(spec);
    depth_.prepare(spec);
    mix_.prepare(spec);
    reset();
}

void RingModulator::reset() noexcept {
    carrier_.reset();
    depth_.reset();
    mix_.reset();
}

void RingModulator::setCarrierHz(float hz) noexcept { carrier_.setFrequencyHz(std::clamp(hz, 0.0f, 20000.0f)); }
void RingModulator::setDepth(float depth) noexcept { depth_.setTargetValue(std::clamp(depth, 0.0f, 1.0f)); }
void RingModulator::setMix(float mix) noexcept { mix_.setTargetValue(std::clamp(mix, 0.0f, 1.0f)); }

AICORE_VOCAL_HOT void RingModulator::process(float* samples, std::size_t count) noexcept {
    float carrier[kChunk], depth[kChunk], mix[kChunk];
    for (std::size_t done = 0; done < count; done += kChunk) {
        const std::size_t m = std::min(kChunk, count - done);
        carrier_.fill(carrier, m);
        fillRamp(depth_, depth, m);
        fillRamp(mix_, mix, m);
        float* x = samples + done;
        for (std::size_t k = 0; k < m; ++k) {
            const float wet = x[k] * (1.0f - depth[k] + depth[k] * carrier[k]);
            x[k] = x[k] + mix[k] * (wet - x[k]);
        }
    }
}

void Tremolo::prepare(const ProcessSpec& spec) noexcept {
    lfo_.prepare(spec);
    depth_.prepare(spec);
    reset();
}

void Tremolo::reset() noexcept {
    lfo_.reset();
    depth_.reset();
}

void Tremolo::setRateHz(float hz) noexcept { lfo_.setFrequencyHz(std::clamp(hz, 0.0f, 200.0f)); }
void Tremolo::setDepth(float depth) noexcept { depth_.setTargetValue(std::clamp(depth, 0.0f, 1.0f)); }

AICORE_VOCAL_HOT void Tremolo::process(float* samples, std::size_t count) noexcept {
    float lfo[kChunk], depth[kChunk];
    for (std::size_t done = 0; done < count; done += kChunk) {
        const std::size_t m = std::min(kChunk, count - done);
        lfo_.fill(lfo, m);
        fillRamp(depth_, depth, m);
        float* x = samples + done;
        for (std::size_t k = 0; k < m; ++k) x[k] *= 1.0f - depth[k] * 0.5f * (1.0f + lfo[k]);
    }
}

}  // namespace aicore::vocal
