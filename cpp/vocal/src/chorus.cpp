#include "aicore/vocal/chorus.h"

#include <algorithm>
#include <cmath>

#include "aicore/vocal/sine_oscillator.h"

namespace aicore::vocal {

void Chorus::prepare(const ProcessSpec& spec) {
    sampleRate_ = spec.sampleRate;
    line_.prepare(spec, (kMaxBaseDelayMs + kMaxDepthMs) * 0.001 + 4.0 / spec.sampleRate);
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

void Chorus::process(float* samples, std::size_t count) noexcept {
    const double inverseRate = 1.0 / sampleRate_;
    // Voices that are silent for the whole block cost nothing (a 2-voice doubler is half
    // the price of 4 voices).
    std::array<bool, kMaxVoices> active{};
    for (std::size_t v = 0; v < kMaxVoices; ++v)
        active[v] = voiceGain_[v].isSmoothing() || voiceGain_[v].getTargetValue() != 0.0f;
    for (std::size_t i = 0; i < count; ++i) {
        const float rate = rateHz_.getNextValue();
        const float depth = depthSamples_.getNextValue();
        const float base = baseSamples_.getNextValue();
        const float blend = doublerBlend_.getNextValue();

        if (driftRemaining_ == 0) {
            drift_ = driftTarget_;
            const float length = std::max(1.0f, std::round(static_cast<float>(sampleRate_) / rate * (0.5f + random_.nextFloat())));
            driftRemaining_ = static_cast<std::uint32_t>(length);
            driftTarget_ = random_.nextFloat();
            driftStep_ = (driftTarget_ - drift_) / length;
        }
        --driftRemaining_;
        drift_ += driftStep_;

        line_.push(samples[i]);
        // The voice phases are quarter cycles apart, so two polynomials give all four sines.
        const float phase = static_cast<float>(lfoPhase_);
        const float sine = sineOfPhase(phase);
        const float cosine = sineOfPhase(phase < 0.75f ? phase + 0.25f : phase - 0.75f);
        const std::array<float, kMaxVoices> lfo = {sine, -sine, cosine, -cosine};
        float wet = 0.0f;
        for (std::size_t v = 0; v < kMaxVoices; ++v) {
            if (!active[v]) continue;
            const float gain = voiceGain_[v].getNextValue();
            float sweep = 0.5f * (1.0f + lfo[v]);
            if (v == 0) sweep += blend * (drift_ - sweep);
            wet += gain * line_.read(base + depth * sweep);
        }
        lfoPhase_ += static_cast<double>(rate) * inverseRate;
        if (lfoPhase_ >= 1.0) lfoPhase_ -= 1.0;

        const float x = samples[i];
        samples[i] = x + mix_.getNextValue() * (wet - x);
    }
}

}  // namespace aicore::vocal
