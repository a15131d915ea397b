#include "aicore/vocal/waveshaper.h"

#include <cmath>
#include <numbers>

#include "aicore/vocal/multiversion.h"

namespace aicore::vocal {

void Waveshaper::prepare(const ProcessSpec& spec) noexcept {
    // 10 Hz corner: below the lowest voice fundamental, fast enough to follow bias changes.
    dcCoefficient_ = static_cast<float>(1.0 - 2.0 * std::numbers::pi * 10.0 / spec.sampleRate);
    driveGain_.prepare(spec);
    bias_.prepare(spec);
    mix_.prepare(spec);
    compensation_.prepare(spec);
    reset();
}

void Waveshaper::reset() noexcept {
    driveGain_.reset();
    bias_.reset();
    mix_.reset();
    compensation_.reset();
    dcInput_ = 0.0f;
    dcOutput_ = 0.0f;
}

void Waveshaper::setDriveDb(float db) noexcept {
    driveGain_.setTargetValue(std::pow(10.0f, std::clamp(db, kMinDriveDb, kMaxDriveDb) / 20.0f));
}

void Waveshaper::setAsymmetry(float amount) noexcept {
    bias_.setTargetValue(kMaxBias * std::clamp(amount, 0.0f, 1.0f));
}

void Waveshaper::setMix(float mix) noexcept { mix_.setTargetValue(std::clamp(mix, 0.0f, 1.0f)); }

AICORE_VOCAL_HOT void Waveshaper::process(float* samples, std::size_t count) noexcept {
    constexpr float ref = kCompensationReferenceLevel;
    const auto makeupFor = [](float drive, float compensation) noexcept {
        return 1.0f + compensation * (ref / curve(drive * ref) - 1.0f);
    };
    float drive = driveGain_.getCurrentValue();
    float makeup = makeupFor(drive, compensation_.getCurrentValue());
    float dcIn = dcInput_, dcOut = dcOutput_;
    const float r = dcCoefficient_;
    for (std::size_t i = 0; i < count; ++i) {
        // The makeup division is only paid while drive or compensation is actually moving.
        if (driveGain_.isSmoothing() || compensation_.isSmoothing()) {
            drive = driveGain_.getNextValue();
            makeup = makeupFor(drive, compensation_.getNextValue());
        }
        const float bias = bias_.getNextValue();
        const float x = samples[i];
        const float shaped = (curve(drive * x + bias) - curve(bias)) * makeup;
        const float wet = shaped - dcIn + r * dcOut;
        dcIn = shaped;
        dcOut = wet;
        samples[i] = x + mix_.getNextValue() * (wet - x);
    }
    dcInput_ = dcIn;
    // Keeps a silent tail from decaying into denormals.
    dcOutput_ = std::abs(dcOut) < 1e-15f ? 0.0f : dcOut;
}

}  // namespace aicore::vocal
