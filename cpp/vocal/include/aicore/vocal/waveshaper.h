#pragma once
// Saturating waveshaper: drive, asymmetry, level compensation, dry/wet, DC blocker.
//
// The curve is the rational tanh approximation x(27 + x^2) / (27 + 9x^2), hard
// limited to +-1 at |x| = 3 where its slope reaches exactly zero, so the knee
// is smooth. One division per sample instead of a libm tanh, and a bounded
// output by construction (|curve| <= 1 for any input, even inf).
//
// Asymmetry biases the curve's operating point: a biased odd curve is no
// longer odd, which is what produces even harmonics (the "tube" sound). The
// bias also produces a signal-dependent DC offset, which the one-pole DC
// blocker on the wet path removes.
#include <algorithm>
#include <cstddef>

#include "aicore/vocal/process_spec.h"
#include "aicore/vocal/smoothed_value.h"

namespace aicore::vocal {

class Waveshaper {
public:
    static constexpr float kMinDriveDb = -24.0f;
    static constexpr float kMaxDriveDb = 48.0f;
    /// Bias at asymmetry 1, in units of the curve's input.
    static constexpr float kMaxBias = 0.6f;
    /// With compensation on, a sine peaking here leaves at the same peak, whatever the drive.
    static constexpr float kCompensationReferenceLevel = 0.25f;

    /// The saturating curve, odd, bounded to [-1, 1], slope 1 at 0.
    static constexpr float curve(float x) noexcept {
        const float c = std::clamp(x, -3.0f, 3.0f);
        const float c2 = c * c;
        return c * (27.0f + c2) / (27.0f + 9.0f * c2);
    }

    void prepare(const ProcessSpec& spec) noexcept;
    void reset() noexcept;

    /// Gain into the curve, clamped to [kMinDriveDb, kMaxDriveDb].
    void setDriveDb(float db) noexcept;
    /// 0 = symmetric (odd harmonics only), 1 = strongly biased (even harmonics too).
    void setAsymmetry(float amount) noexcept;
    /// Keeps the level of a typical voice peak (kCompensationReferenceLevel) constant as drive changes.
    /// Fades between compensated and raw level, so toggling it does not jump.
    void setCompensationEnabled(bool enabled) noexcept { compensation_.setTargetValue(enabled ? 1.0f : 0.0f); }
    /// 0 = dry only, 1 = wet only.
    void setMix(float mix) noexcept;

    void process(float* samples, std::size_t count) noexcept;

private:
    SmoothedValue driveGain_{1.0f};
    SmoothedValue bias_{0.0f};
    SmoothedValue mix_{1.0f};
    SmoothedValue compensation_{1.0f};
    float dcCoefficient_ = 0.999f;
    float dcInput_ = 0.0f;
    float dcOutput_ = 0.0f;
};

}  // namespace aicore::vocal
