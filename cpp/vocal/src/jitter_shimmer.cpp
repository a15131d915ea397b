#include "aicore/vocal/jitter_shimmer.h"

#include <algorithm>
#include <cmath>
#include <numbers>

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
    line_.prepare(spec, (2.0 * centreDelay_ + 2.0) / spec.sampleRate);
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

void JitterShimmer::process(float* samples, std::size_t count) noexcept {
    for (std::size_t i = 0; i < count; ++i) {
        if (segmentRemaining_ == 0) startSegment();
        --segmentRemaining_;
        line_.push(samples[i]);
        samples[i] = line_.read(delay_) * gain_;
        delay_ += delayStep_;
        gain_ += gainStep_;
    }
}

}  // namespace aicore::vocal
