#include "aicore/vocal/delay_line.h"

#include <bit>
#include <cmath>
#include <cstring>

#include "aicore/vocal/multiversion.h"

namespace aicore::vocal {

void DelayLine::prepare(const ProcessSpec& spec, double maxDelaySeconds) {
    const double maxDelay = std::ceil(std::max(0.0, maxDelaySeconds) * spec.sampleRate);
    // Three spare slots: the Lagrange read touches delay + 2, and the write slot.
    const auto needed = static_cast<std::size_t>(maxDelay) + 4;
    const std::size_t size = std::bit_ceil(needed);
    buffer_.assign(size + kGuard, 0.0f);
    mask_ = size - 1;
    maxDelay_ = static_cast<float>(maxDelay);
    reset();
}

void DelayLine::reset() noexcept {
    std::fill(buffer_.begin(), buffer_.end(), 0.0f);
    write_ = 0;
}

AICORE_VOCAL_HOT void DelayLine::push(const float* x, std::size_t count) noexcept {
    const std::size_t size = mask_ + 1;
    while (count > 0) {
        // Up to the end of the ring in one copy, then wrap.
        const std::size_t first = (write_ + 1) & mask_;
        const std::size_t n = std::min(count, size - first);
        std::memcpy(&buffer_[first], x, n * sizeof(float));
        if (first < kGuard) {
            const std::size_t mirrored = std::min(n, kGuard - first);
            std::memcpy(&buffer_[size + first], x, mirrored * sizeof(float));
        }
        write_ = (first + n - 1) & mask_;
        x += n;
        count -= n;
    }
}

namespace {

// A run whose integer delay falls by exactly one per sample: sample m's taps are
// taps[m .. m + 3], so the loop is plain vector loads (it auto-vectorises; no gathers).
[[gnu::always_inline]] inline void addSlidingRun(const float* __restrict taps, float f0, float fStep, float g0, float gStep,
                   float* __restrict out, int count) noexcept {
    for (int m = 0; m < count; ++m) {
        const auto mf = static_cast<float>(m);
        const float y = DelayLine::lagrange(f0 + mf * fStep, taps[m + 3], taps[m + 2], taps[m + 1], taps[m]);
        out[m] += (g0 + mf * gStep) * y;
    }
}

}  // namespace

AICORE_VOCAL_HOT void DelayLine::addModulatedTap(float firstDelay, float delayStep, float firstGain, float gainStep, float* out,
                                std::size_t count) const noexcept {
    const float* buffer = buffer_.data();
    // Sample j reads delay firstDelay + j * delayStep; against the write position that
    // is an integer step of -1 per sample plus a fractional drift of delayStep + 1.
    const float drift = delayStep + 1.0f;
    constexpr auto longestRun = static_cast<float>(kTapRun);
    std::size_t j = 0;
    while (j < count) {
        const float unclamped = firstDelay + static_cast<float>(j) * delayStep;
        const float d = std::min(std::max(unclamped, 1.0f), maxDelay_);
        const auto i = static_cast<std::size_t>(static_cast<int>(d));
        const float f = d - static_cast<float>(i);
        // Samples until the fraction leaves [0, 1) (the integer delay then steps by other than
        // one); a few 1e-7 of overshoot from rounding only extrapolates the cubic that far.
        float reach = longestRun;
        if (drift > 0.0f) reach = std::min(reach, (1.0f - f) / drift + 1.0f);
        else if (drift < 0.0f) reach = std::min(reach, f / -drift + 1.0f);
        std::size_t run = std::min(count - j, static_cast<std::size_t>(reach));
        // A run that would touch the clamp limits is read one sample at a time.
        const float last = firstDelay + static_cast<float>(j + run - 1) * delayStep;
        if (std::min(unclamped, last) < 1.0f || std::max(unclamped, last) > maxDelay_) run = 1;
        addSlidingRun(buffer + ((write_ - i - 2) & mask_), f, drift, firstGain + static_cast<float>(j) * gainStep,
                      gainStep, out + j, static_cast<int>(run));
        j += run;
    }
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

AICORE_VOCAL_HOT void Delay::process(float* samples, std::size_t count) noexcept {
    // A fading echo tail must not recirculate as denormals (slow on x86) for the minute before it underflows.
    const auto flushed = [](float x) { return std::abs(x) < 1e-20f ? 0.0f : x; };
    // Read before the push: the line's newest sample is then one step old, hence -1.
    const float steadyDelay = std::clamp(delaySamples_.getTargetValue() - 1.0f, 0.0f, line_.maxDelaySamples());
    if (!delaySamples_.isSmoothing() && !feedback_.isSmoothing() && !mix_.isSmoothing() && steadyDelay >= 1.0f) {
        // Settled (the usual case): the interpolation weights are fixed for the block, so
        // each sample is four taps and a push.
        const float feedback = feedback_.getTargetValue(), mix = mix_.getTargetValue();
        const DelayLine::FixedTap tap = line_.fixedTap(steadyDelay);
        for (std::size_t i = 0; i < count; ++i) {
            const float x = samples[i];
            const float wet = line_.read(tap);
            line_.push(flushed(x + feedback * wet));
            samples[i] = x + mix * (wet - x);
        }
        return;
    }
    for (std::size_t i = 0; i < count; ++i) {
        const float x = samples[i];
        const float wet = line_.read(delaySamples_.getNextValue() - 1.0f);
        const float recirculated = x + feedback_.getNextValue() * wet;
        line_.push(flushed(recirculated));
        samples[i] = x + mix_.getNextValue() * (wet - x);
    }
}

}  // namespace aicore::vocal
