#include "aicore/vocal/delay_line.h"

#include <bit>
#include <cmath>

namespace aicore::vocal {

void DelayLine::prepare(const ProcessSpec& spec, double maxDelaySeconds) {
    const double maxDelay = std::ceil(std::max(0.0, maxDelaySeconds) * spec.sampleRate);
    // Three spare slots: the Lagrange read touches delay + 2, and the write slot.
    const auto needed = static_cast<std::size_t>(maxDelay) + 4;
    buffer_.assign(std::bit_ceil(needed), 0.0f);
    mask_ = buffer_.size() - 1;
    maxDelay_ = static_cast<float>(maxDelay);
    reset();
}

void DelayLine::reset() noexcept {
    std::fill(buffer_.begin(), buffer_.end(), 0.0f);
    write_ = 0;
}

void Delay::prepare(const ProcessSpec& spec) {
    sampleRate_ = spec.sampleRate;
    line_.prepare(spec, kMaxDelayMs * 0.001);
    // A longer ramp for time than for gains: a delay change is a pitch glide.
    delaySamples_.prepare(spec, 100.0);
    setDelayMs(delayMs_);  // kept in ms so it means the same at every sample rate
    feedback_.prepare(spec);
    mix_.prepare(spec);
    reset();
}

void Delay::reset() noexcept {
    line_.reset();
    delaySamples_.reset();
    feedback_.reset();
    mix_.reset();
}

void Delay::setDelayMs(float ms) noexcept {
    delayMs_ = ms;
    const auto samples = static_cast<float>(static_cast<double>(ms) * 0.001 * sampleRate_);
    delaySamples_.setTargetValue(std::max(1.0f, std::min(samples, line_.maxDelaySamples())));
}

void Delay::setFeedback(float gain) noexcept { feedback_.setTargetValue(std::clamp(gain, -0.98f, 0.98f)); }

void Delay::setMix(float mix) noexcept { mix_.setTargetValue(std::clamp(mix, 0.0f, 1.0f)); }

void Delay::process(float* samples, std::size_t count) noexcept {
    for (std::size_t i = 0; i < count; ++i) {
        const float x = samples[i];
        // Read before the push: the line's newest sample is then one step old, hence -1.
        const float wet = line_.read(delaySamples_.getNextValue() - 1.0f);
        const float recirculated = x + feedback_.getNextValue() * wet;
        // A fading echo tail must not recirculate as denormals (slow on x86) for the minute before it underflows.
        line_.push(std::abs(recirculated) < 1e-20f ? 0.0f : recirculated);
        samples[i] = x + mix_.getNextValue() * (wet - x);
    }
}

}  // namespace aicore::vocal
