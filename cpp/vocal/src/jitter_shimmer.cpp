#include "aicore/vocal/jitter_shimmer.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "aicore/vocal/multiversion.h"

namespace aicore::vocal {

namespace {
// Delay slope giving a pitch offset of `cents`: 1 - 2^(cents/1200), linearised (< 0.1 % error at 50 cents).
float slopeForCents(float cents) noexcept { return cents * static_cast<float>(std::numbers::ln2 / 1200.0); }
// Segments last between these fractions of 1 / rate, so the variation has no audible period.
constexpr float kShortestSegment = 0.5f;
constexpr float kSegmentSpread = 1.0f;
}  // namespace

void JitterShimmer::prepare(const ProcessSpec& spec) {
    sampleRate_ = spec.sampleRate;
    // The walk's reach: the largest slope held for the longest segment, halved
    // because a target may lie either side of the centre.
    const double longestSegment = (kShortestSegment + kSegmentSpread) * spec.sampleRate / kMinRateHz;
    maxExcursion_ = static_cast<float>(std::ceil(0.5 * slopeForCents(kMaxJitterCents) * longestSegment));
    centreDelay_ = maxExcursion_ + 2.0f;  // stays in the four-tap interpolation region
    // A whole block is pushed before it is read (process()), so the line also holds one block.
    maxBlock_ = std::max<std::size_t>(1, spec.maximumBlockSize);
    line_.prepare(spec, (2.0 * centreDelay_ + 2.0 + static_cast<double>(maxBlock_)) / spec.sampleRate);
    reset();
}

void JitterShimmer::reset() noexcept {
    random_.seed(seed_);
    line_.reset();
    delay_ = targetDelay_ = centreDelay_;
    delayStep_ = 0.0f;
    gain_ = targetGain_ = 1.0f;
    gainStep_ = 0.0f;
    segmentRemaining_ = 0;
}

void JitterShimmer::setSeed(std::uint64_t seed) noexcept {
    seed_ = seed;
    random_.seed(seed);
}

void JitterShimmer::setJitterCents(float cents) noexcept { jitterCents_ = std::clamp(cents, 0.0f, kMaxJitterCents); }
void JitterShimmer::setShimmerDb(float db) noexcept { shimmerDb_ = std::clamp(db, 0.0f, kMaxShimmerDb); }
void JitterShimmer::setRateHz(float hz) noexcept { rateHz_ = std::clamp(hz, kMinRateHz, kMaxRateHz); }

void JitterShimmer::startSegment() noexcept {
    // Land exactly on the previous targets so float rounding cannot drift the walk.
    delay_ = targetDelay_;
    gain_ = targetGain_;
    const float meanLength = static_cast<float>(sampleRate_) / rateHz_;
    const float length = std::max(1.0f, std::round(meanLength * (kShortestSegment + kSegmentSpread * random_.nextFloat())));
    segmentRemaining_ = static_cast<std::uint32_t>(length);

    // Capping the change at slope * length is what bounds the pitch offset by the set cents.
    const float maxChange = slopeForCents(jitterCents_) * length;
    const float reach = std::min(maxExcursion_, 0.5f * slopeForCents(jitterCents_) * meanLength * (kShortestSegment + kSegmentSpread));
    const float wanted = centreDelay_ + reach * random_.nextBipolarFloat();
    targetDelay_ = std::clamp(wanted, delay_ - maxChange, delay_ + maxChange);
    delayStep_ = (targetDelay_ - delay_) / length;

    targetGain_ = std::pow(10.0f, shimmerDb_ * random_.nextBipolarFloat() / 20.0f);
    gainStep_ = (targetGain_ - gain_) / length;
}

AICORE_VOCAL_HOT void JitterShimmer::process(float* samples, std::size_t count) noexcept {
    // Block-wise rather than a push and a read per sample: the block is pushed first, then
    // each straight piece of the delay walk is read as one modulated tap. Measured from the
    // block's last sample, sample j's delay is delay(j) + (n - 1 - j), a slope of
    // delayStep - 1: the delay line's fast case, contiguous vector reads with no per-sample
    // tap addressing (the per-sample form was a tenth of a voice's cost).
    while (count > 0) {
        const std::size_t n = std::min(count, maxBlock_);
        line_.push(samples, n);
        std::fill(samples, samples + n, 0.0f);
        std::size_t j = 0;
        while (j < n) {
            if (segmentRemaining_ == 0) startSegment();
            const std::size_t run = std::min<std::size_t>(segmentRemaining_, n - j);
            line_.addModulatedTap(delay_ + static_cast<float>(n - 1 - j), delayStep_ - 1.0f, gain_, gainStep_,
                                  samples + j, run);
            delay_ += static_cast<float>(run) * delayStep_;
            gain_ += static_cast<float>(run) * gainStep_;
            segmentRemaining_ -= static_cast<std::uint32_t>(run);
            j += run;
        }
        samples += n;
        count -= n;
    }
}

}  // namespace aicore::vocal
