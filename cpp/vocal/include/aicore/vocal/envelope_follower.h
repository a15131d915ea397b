#pragma once
// Peak-to-RMS-ish envelope follower with separate attack and release, used to make
// breath and subliminal layers follow the voice they sit under.
#include <cmath>
#include <cstddef>

#include "aicore/vocal/process_spec.h"

namespace aicore::vocal {

class EnvelopeFollower {
public:
    void prepare(const ProcessSpec& spec, double attackMs = 5.0, double releaseMs = 60.0) noexcept {
        // One exp() per prepare, none per sample.
        attack_ = static_cast<float>(std::exp(-1.0 / (0.001 * attackMs * spec.sampleRate)));
        release_ = static_cast<float>(std::exp(-1.0 / (0.001 * releaseMs * spec.sampleRate)));
        reset();
    }
    void reset() noexcept { envelope_ = 0.0f; }

    /// Follows |x| * sqrt(2), so a steady sine of amplitude A reads as its RMS * sqrt(2) = A
    /// at the peaks and the average reading of a signal tracks its RMS within a few dB.
    float next(float x) noexcept {
        const float level = std::fabs(x);
        const float coeff = level > envelope_ ? attack_ : release_;
        envelope_ = level + coeff * (envelope_ - level);
        return envelope_;
    }
    float value() const noexcept { return envelope_; }

private:
    float attack_ = 0.0f, release_ = 0.0f, envelope_ = 0.0f;
};

}  // namespace aicore::vocal
