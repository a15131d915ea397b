#include "aicore/vocal/ring_modulator.h"

#include <algorithm>

namespace aicore::vocal {

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

void RingModulator::process(float* samples, std::size_t count) noexcept {
    for (std::size_t i = 0; i < count; ++i) {
        const float depth = depth_.getNextValue();
        const float x = samples[i];
        const float wet = x * (1.0f - depth + depth * carrier_.next());
        samples[i] = x + mix_.getNextValue() * (wet - x);
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

void Tremolo::process(float* samples, std::size_t count) noexcept {
    for (std::size_t i = 0; i < count; ++i)
        samples[i] *= 1.0f - depth_.getNextValue() * 0.5f * (1.0f + lfo_.next());
}

}  // namespace aicore::vocal
