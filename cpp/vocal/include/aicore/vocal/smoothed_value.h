#pragma once
// Linear parameter ramp, so that a step in a setter never becomes a click.
//
// Linear rather than exponential: the ramp ends in an exact, known number of
// samples (tests and automation can rely on it) and the per-sample cost is one
// add. The ramp length is fixed in prepare() because it is a property of the
// parameter, not of each change.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "aicore/vocal/process_spec.h"

namespace aicore::vocal {

class SmoothedValue {
public:
    static constexpr double kDefaultRampMs = 20.0;

    SmoothedValue() noexcept = default;
    explicit SmoothedValue(float initial) noexcept : current_(initial), target_(initial) {}

    void prepare(const ProcessSpec& spec, double rampLengthMs = kDefaultRampMs) noexcept {
        const double samples = std::round(rampLengthMs * 0.001 * spec.sampleRate);
        rampSamples_ = samples > 0.0 ? static_cast<std::uint32_t>(samples) : 0u;
        reset();
    }

    /// Ends any ramp: the current value jumps to the target.
    void reset() noexcept {
        current_ = target_;
        countdown_ = 0;
    }

    void setTargetValue(float target) noexcept {
        if (target == target_) return;
        target_ = target;
        if (rampSamples_ == 0) {
            current_ = target;
            countdown_ = 0;
            return;
        }
        countdown_ = rampSamples_;
        step_ = (target_ - current_) / static_cast<float>(rampSamples_);
    }

    void setCurrentAndTargetValue(float value) noexcept {
        current_ = target_ = value;
        countdown_ = 0;
    }

    float getNextValue() noexcept {
        if (countdown_ == 0) return target_;
        --countdown_;
        // The last step lands on the target exactly, not on an accumulated float sum.
        current_ = countdown_ == 0 ? target_ : current_ + step_;
        return current_;
    }

    /// Advances numSamples as if getNextValue() had been called that often.
    float skip(std::size_t numSamples) noexcept {
        if (numSamples >= countdown_) {
            current_ = target_;
            countdown_ = 0;
        } else {
            countdown_ -= static_cast<std::uint32_t>(numSamples);
            current_ += step_ * static_cast<float>(numSamples);
        }
        return current_;
    }

    bool isSmoothing() const noexcept { return countdown_ > 0; }
    float getCurrentValue() const noexcept { return current_; }
    float getTargetValue() const noexcept { return target_; }
    std::uint32_t rampLengthSamples() const noexcept { return rampSamples_; }

private:
    float current_ = 0.0f;
    float target_ = 0.0f;
    float step_ = 0.0f;
    std::uint32_t countdown_ = 0;
    std::uint32_t rampSamples_ = 0;
};

}  // namespace aicore::vocal
