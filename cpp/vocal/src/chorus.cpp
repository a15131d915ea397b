#include "aicore/vocal/chorus.h"

#include <algorithm>
#include <cmath>

#include "aicore/vocal/multiversion.h"
#include "aicore/vocal/sine_oscillator.h"

namespace aicore::vocal {

void Chorus::prepare(const ProcessSpec& spec) {
    sampleRate_ = spec.sampleRate;
    // A control interval of extra reach: its samples are pushed before they are read.
    line_.prepare(spec, (kMaxBaseDelayMs + kMaxDepthMs) * 0.001 +
                            (4.0 + static_cast<double>(kControlInterval)) / spec.sampleRate);
    rateHz_.prepare(spec);
    // Delay settings glide slowly: a fast change of a delay is a pitch bend.
    depthSamples_.prepare(spec, 100.0);
    baseSamples_.prepare(spec, 100.0);
    mix_.prepare(spec);
    doublerBlend_.prepare(spec, 100.0);
    for (auto& g : voiceGain_) g.prepare(spec, 50.0);
    // Delays are kept in ms so that they mean the same at every sample rate.
    setDepthMs(depthMs_);
    setBaseDelayMs(baseDelayMs_);
    updateVoiceGains();
    reset();
}

void Chorus::reset() noexcept {
    random_.seed(seed_);
    line_.reset();
    rateHz_.reset();
    depthSamples_.reset();
    baseSamples_.reset();
    mix_.reset();
    doublerBlend_.reset();
    for (auto& g : voiceGain_) g.reset();
    lfoPhase_ = 0.0;
    drift_ = driftTarget_ = 0.5f;
    driftStep_ = 0.0f;
    driftRemaining_ = 0;
    intervalPosition_ = kControlInterval;
}

void Chorus::setSeed(std::uint64_t seed) noexcept {
    seed_ = seed;
    random_.seed(seed);
}

void Chorus::setMode(ChorusMode mode) noexcept {
    mode_ = mode;
    doublerBlend_.setTargetValue(mode == ChorusMode::Doubler ? 1.0f : 0.0f);
    updateVoiceGains();
}

void Chorus::setVoices(int voices) noexcept {
    voices_ = static_cast<std::size_t>(std::clamp(voices, 2, static_cast<int>(kMaxVoices)));
    updateVoiceGains();
}

void Chorus::updateVoiceGains() noexcept {
    const std::size_t active = mode_ == ChorusMode::Doubler ? 1 : voices_;
    for (std::size_t v = 0; v < kMaxVoices; ++v)
        voiceGain_[v].setTargetValue(v < active ? 1.0f / static_cast<float>(active) : 0.0f);
}

void Chorus::setRateHz(float hz) noexcept { rateHz_.setTargetValue(std::clamp(hz, 0.01f, 20.0f)); }

void Chorus::setDepthMs(float ms) noexcept {
    depthMs_ = std::clamp(ms, 0.0f, kMaxDepthMs);
    depthSamples_.setTargetValue(static_cast<float>(depthMs_ * 0.001 * sampleRate_));
}

void Chorus::setBaseDelayMs(float ms) noexcept {
    baseDelayMs_ = std::clamp(ms, 0.1f, kMaxBaseDelayMs);
    baseSamples_.setTargetValue(static_cast<float>(baseDelayMs_ * 0.001 * sampleRate_));
}

void Chorus::setMix(float mix) noexcept { mix_.setTargetValue(std::clamp(mix, 0.0f, 1.0f)); }

void Chorus::advanceDrift(std::size_t count, float rateHz) noexcept {
    while (count > 0) {
        if (driftRemaining_ == 0) {
            drift_ = driftTarget_;
            const float length = std::max(
                1.0f, std::round(static_cast<float>(sampleRate_) / rateHz * (0.5f + random_.nextFloat())));
            driftRemaining_ = static_cast<std::uint32_t>(length);
            driftTarget_ = random_.nextFloat();
            driftStep_ = (driftTarget_ - drift_) / length;
        }
        const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(count, driftRemaining_));
        drift_ += driftStep_ * static_cast<float>(n);
        driftRemaining_ -= n;
        count -= n;
    }
}

void Chorus::evaluateControls(std::array<float, kMaxVoices>& delays, std::array<float, kMaxVoices>& gains,
                              float& mix) const noexcept {
    const float depth = depthSamples_.getCurrentValue();
    const float base = baseSamples_.getCurrentValue();
    const float blend = doublerBlend_.getCurrentValue();
    // The voice phases are quarter cycles apart, so two polynomials give all four sines.
    const auto phase = static_cast<float>(lfoPhase_);
    const float sine = sineOfPhase(phase);
    const float cosine = sineOfPhase(phase < 0.75f ? phase + 0.25f : phase - 0.75f);
    const std::array<float, kMaxVoices> lfo = {sine, -sine, cosine, -cosine};
    for (std::size_t v = 0; v < kMaxVoices; ++v) {
        float sweep = 0.5f * (1.0f + lfo[v]);
        if (v == 0) sweep += blend * (drift_ - sweep);
        delays[v] = base + depth * sweep;
        gains[v] = voiceGain_[v].getCurrentValue();
    }
    mix = mix_.getCurrentValue();
}

void Chorus::startInterval() noexcept {
    constexpr auto interval = static_cast<float>(kControlInterval);
    evaluateControls(delayStart_, gainStart_, mixStart_);

    const float rateBefore = rateHz_.getCurrentValue();
    const float rate = rateHz_.skip(kControlInterval);
    depthSamples_.skip(kControlInterval);
    baseSamples_.skip(kControlInterval);
    doublerBlend_.skip(kControlInterval);
    mix_.skip(kControlInterval);
    for (auto& g : voiceGain_) g.skip(kControlInterval);
    lfoPhase_ += 0.5 * static_cast<double>(rateBefore + rate) * static_cast<double>(kControlInterval) /
                 sampleRate_;
    lfoPhase_ -= std::floor(lfoPhase_);
    advanceDrift(kControlInterval, rate);

    std::array<float, kMaxVoices> delayEnd{}, gainEnd{};
    float mixEnd = 0.0f;
    evaluateControls(delayEnd, gainEnd, mixEnd);
    for (std::size_t v = 0; v < kMaxVoices; ++v) {
        delayStep_[v] = (delayEnd[v] - delayStart_[v]) / interval;
        gainStep_[v] = (gainEnd[v] - gainStart_[v]) / interval;
    }
    mixStep_ = (mixEnd - mixStart_) / interval;
    intervalPosition_ = 0;
}

AICORE_VOCAL_HOT void Chorus::process(float* samples, std::size_t count) noexcept {
    while (count > 0) {
        if (intervalPosition_ == kControlInterval) startInterval();
        const std::size_t n = std::min(count, kControlInterval - intervalPosition_);
        // The run is pushed first, so sample j of it is n - 1 - j pushes older than the
        // latest: a voice's delay ramp gains that offset and falls by one per sample.
        line_.push(samples, n);
        const auto position = static_cast<float>(intervalPosition_);
        // Mix 0 is the exact input: the voices need not be read at all.
        if (mixStart_ != 0.0f || mixStep_ != 0.0f) {
            std::array<float, kControlInterval> wet{};
            const auto older = static_cast<float>(n - 1);
            for (std::size_t v = 0; v < kMaxVoices; ++v) {
                // A voice that is silent for the whole interval costs nothing.
                if (gainStart_[v] == 0.0f && gainStep_[v] == 0.0f) continue;
                line_.addModulatedTap(delayStart_[v] + position * delayStep_[v] + older, delayStep_[v] - 1.0f,
                                      gainStart_[v] + position * gainStep_[v], gainStep_[v], wet.data(), n);
            }
            const int runLength = static_cast<int>(n);  // int: size_t -> float does not vectorise
            for (int j = 0; j < runLength; ++j) {
                const float mix = mixStart_ + (position + static_cast<float>(j)) * mixStep_;
                const float x = samples[j];
                samples[j] = x + mix * (wet[j] - x);
            }
        }
        intervalPosition_ += n;
        samples += n;
        count -= n;
    }
}

}  // namespace aicore::vocal
