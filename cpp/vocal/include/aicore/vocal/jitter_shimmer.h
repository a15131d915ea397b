#pragma once
// Jitter (random pitch micro-variation) and shimmer (random amplitude variation).
//
// Pitch is moved with a short modulated delay, because a delay whose length
// changes at slope s plays its input back at frequency ratio (1 - s): no
// pitch detector, no latency beyond a millisecond or so, and exactly the input
// when the jitter is zero. The delay walks between random targets in straight
// segments of random length around 1 / rate, so within a segment the pitch
// offset is constant and the slope is capped at the one giving the set cents.
// Shimmer is a random gain target per segment, reached linearly, so the
// envelope moves but never steps. Targets are drawn once per segment, which is
// where the occasional pow() lives; the per-sample path is adds and the read.
#include <cstddef>
#include <cstdint>

#include "aicore/vocal/delay_line.h"
#include "aicore/vocal/process_spec.h"
#include "aicore/vocal/random.h"

namespace aicore::vocal {

class JitterShimmer {
public:
    static constexpr float kMaxJitterCents = 50.0f;
    static constexpr float kMaxShimmerDb = 12.0f;
    static constexpr float kMinRateHz = 20.0f;
    static constexpr float kMaxRateHz = 400.0f;

    void prepare(const ProcessSpec& spec);
    /// Clears state and restarts the random stream of the seed.
    void reset() noexcept;

    void setSeed(std::uint64_t seed) noexcept;
    /// Largest pitch deviation, in cents, clamped to [0, kMaxJitterCents].
    void setJitterCents(float cents) noexcept;
    /// Largest gain deviation, in dB either way, clamped to [0, kMaxShimmerDb].
    void setShimmerDb(float db) noexcept;
    /// How often new random targets are drawn (mean segment length 1 / rate), clamped to
    /// [kMinRateHz, kMaxRateHz]. All three settings take effect from the next segment, which
    /// is itself a ramp, so no change can click.
    void setRateHz(float hz) noexcept;

    void process(float* samples, std::size_t count) noexcept;

    /// The fixed delay the block adds, in samples (the centre of the delay walk).
    float latencySamples() const noexcept { return centreDelay_; }

private:
    void startSegment() noexcept;

    double sampleRate_ = 48000.0;
    std::uint64_t seed_ = 0;
    Random random_;
    DelayLine line_;
    float jitterCents_ = 0.0f;
    float shimmerDb_ = 0.0f;
    float rateHz_ = 50.0f;
    std::size_t maxBlock_ = 1;
    float centreDelay_ = 0.0f;
    float maxExcursion_ = 0.0f;
    float delay_ = 0.0f;
    float delayStep_ = 0.0f;
    float targetDelay_ = 0.0f;
    float gain_ = 1.0f;
    float targetGain_ = 1.0f;
    float gainStep_ = 0.0f;
    std::uint32_t segmentRemaining_ = 0;
};

}  // namespace aicore::vocal
