#include "aicore/vocal/growl.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "aicore/vocal/multiversion.h"
#include "aicore/vocal/sine_oscillator.h"

namespace aicore::vocal {

namespace {
// Below this the detector is treated as silence, so noise cannot run the divider.
constexpr float kGateLevel = 1e-4f;
// Fraction of the envelope the signal must dip below before the next crossing counts.
constexpr float kHysteresis = 0.2f;
constexpr float kAntiDenormal = 1e-18f;
}  // namespace

void Growl::prepare(const ProcessSpec& spec) noexcept {
    sampleRate_ = spec.sampleRate;
    for (auto& d : detector_) {
        d.prepare(spec);
        d.setParameters(BiquadType::LowPass, kDetectorCutoffHz, std::numbers::sqrt2 / 2.0);
    }
    // 30 ms release: holds across one period of the lowest (~35 Hz) voices.
    envelopeRelease_ = static_cast<float>(std::exp(-1.0 / (0.030 * spec.sampleRate)));
    subLevel_.prepare(spec);
    amRateHz_.prepare(spec);
    amDepth_.prepare(spec);
    mix_.prepare(spec);
    reset();
}

void Growl::reset() noexcept {
    random_.seed(seed_);
    for (auto& d : detector_) d.reset();
    subLevel_.reset();
    amRateHz_.reset();
    amDepth_.reset();
    mix_.reset();
    envelope_ = 0.0f;
    flipFlop_ = 1.0f;
    armed_ = false;
    previous_ = 0.0f;
    amPhase_ = 0.0;
    cycleRateScale_ = 1.0f;
    cycleDepthScale_ = 1.0f;
}

void Growl::setSeed(std::uint64_t seed) noexcept {
    seed_ = seed;
    random_.seed(seed);
}

void Growl::setSubLevel(float gain) noexcept { subLevel_.setTargetValue(std::clamp(gain, 0.0f, 4.0f)); }
void Growl::setAmRateHz(float hz) noexcept { amRateHz_.setTargetValue(std::clamp(hz, 1.0f, 200.0f)); }
void Growl::setAmDepth(float depth) noexcept { amDepth_.setTargetValue(std::clamp(depth, 0.0f, 1.0f)); }
void Growl::setRoughness(float amount) noexcept { roughness_ = std::clamp(amount, 0.0f, 1.0f); }
void Growl::setMix(float mix) noexcept { mix_.setTargetValue(std::clamp(mix, 0.0f, 1.0f)); }

AICORE_VOCAL_HOT void Growl::process(float* samples, std::size_t count) noexcept {
    const double inverseRate = 1.0 / sampleRate_;
    for (std::size_t i = 0; i < count; ++i) {
        const float x = samples[i];

        // A DC offset far below the gate keeps the detector's state out of the denormal
        // range when the input falls silent (denormals cost ~100x per operation on x86).
        const float band = detector_[1].processSample(detector_[0].processSample(x + kAntiDenormal));
        const float level = std::abs(band);
        envelope_ = level > envelope_ ? level : envelope_ * envelopeRelease_;
        if (envelope_ > kGateLevel && band < -kHysteresis * envelope_) armed_ = true;
        if (armed_ && previous_ < 0.0f && band >= 0.0f) {
            flipFlop_ = -flipFlop_;
            armed_ = false;
        }
        previous_ = band;
        const float voiced = x + subLevel_.getNextValue() * flipFlop_ * band;

        const float phase = static_cast<float>(amPhase_);
        // (1 - cos) / 2 from the sine table: cos(2 pi p) = sin(2 pi (p + 1/4)).
        const float cosine = sineOfPhase(phase < 0.75f ? phase + 0.25f : phase - 0.75f);
        const float gain = 1.0f - amDepth_.getNextValue() * cycleDepthScale_ * 0.5f * (1.0f - cosine);
        amPhase_ += static_cast<double>(amRateHz_.getNextValue() * cycleRateScale_) * inverseRate;
        if (amPhase_ >= 1.0) {
            amPhase_ -= 1.0;
            cycleRateScale_ = 1.0f + 0.4f * roughness_ * random_.nextBipolarFloat();
            cycleDepthScale_ = 1.0f - 0.5f * roughness_ * random_.nextFloat();
        }

        const float wet = voiced * gain;
        samples[i] = x + mix_.getNextValue() * (wet - x);
    }
    // A silent tail must not decay into denormals.
    if (envelope_ < 1e-20f) envelope_ = 0.0f;
}

}  // namespace aicore::vocal
