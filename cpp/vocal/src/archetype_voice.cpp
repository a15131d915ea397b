#include "aicore/vocal/archetype_voice.h"

#include <algorithm>
#include <cmath>

namespace aicore::vocal {

namespace {

constexpr double kIntensityRampMs = 50.0;
constexpr double kLayerRmsWindowMs = 1000.0;
constexpr double kReversedGrainSeconds = 0.25;
constexpr double kHeartbeatHz = 1.1;
constexpr float kMaxLayerGain = 20.0f;

float dbToGain(double db) noexcept { return static_cast<float>(std::pow(10.0, db / 20.0)); }

// Lub-dub: two raised-cosine bumps per beat.
float heartbeatEnvelope(double phase) noexcept {
    auto bump = [](double p, double start, double width) {
        const double t = (p - start) / width;
        if (t < 0.0 || t >= 1.0) return 0.0f;
        return static_cast<float>(0.5 - 0.5 * std::cos(6.283185307179586 * t));
    };
    return bump(phase, 0.0, 0.14) + 0.7f * bump(phase, 0.22, 0.14);
}

}  // namespace

void ArchetypeVoice::prepare(const ProcessSpec& spec) {
    spec_ = spec;
    const ProcessSpec chunkSpec{spec.sampleRate, static_cast<std::uint32_t>(kControlInterval), 1};
    shifter_.prepare(chunkSpec);
    for (auto& band : eq_) band.prepare(chunkSpec);
    drive_.prepare(chunkSpec);
    growl_.prepare(chunkSpec);
    jitter_.prepare(chunkSpec);
    ring_.prepare(chunkSpec);
    tremolo_.prepare(chunkSpec);
    chorus_.prepare(chunkSpec);
    delay_.prepare(chunkSpec);
    breath_.prepare(chunkSpec);
    layerNoise_.prepare(chunkSpec);
    infrasound_.prepare(chunkSpec);
    layerFilter_.prepare(chunkSpec);
    intensitySmoothed_.prepare(spec, kIntensityRampMs);
    layerGain_.prepare(spec, kLayerRmsWindowMs / 3.0);
    meanSquareCoeff_ = static_cast<float>(1.0 - std::exp(-1.0 / (0.001 * kLayerRmsWindowMs * spec.sampleRate)));
    heartbeatStep_ = kHeartbeatHz / spec.sampleRate;
    reversedGrain_ = std::floor(kReversedGrainSeconds * spec.sampleRate);

    wet_.assign(kControlInterval, 0.0f);
    dry_.assign(kControlInterval, 0.0f);
    scratch_.assign(kControlInterval, 0.0f);
    blend_.assign(kControlInterval, 0.0f);

    latency_ = shifter_.latencySamples();
    reset();
}

void ArchetypeVoice::reset() noexcept {
    shifter_.reset();
    for (auto& band : eq_) band.reset();
    drive_.reset();
    growl_.reset();
    jitter_.reset();
    ring_.reset();
    tremolo_.reset();
    chorus_.reset();
    delay_.reset();
    breath_.reset();
    layerNoise_.reset();
    infrasound_.reset();
    layerFilter_.reset();
    heartbeatPhase_ = 0.0;
    layerPosition_ = 0.0;
    meanSquareVoice_ = meanSquareLayer_ = 0.0f;
    layerGain_.setCurrentAndTargetValue(0.0f);
    intensitySmoothed_.setCurrentAndTargetValue(intensityTarget_);
    clip_ = nullptr;
    dryPosition_ = clipPosition_ = 0;
    dryLag_ = latency_;
    if (preset_ != nullptr) applyParameters(intensityTarget_);
}

void ArchetypeVoice::setSeed(std::uint64_t seed) noexcept {
    seed_ = seed;
    // Each random block gets its own stream, so enabling one never shifts another's noise.
    growl_.setSeed(seed * 6 + 1);
    jitter_.setSeed(seed * 6 + 2);
    chorus_.setSeed(seed * 6 + 3);
    breath_.setSeed(seed * 6 + 4);
    layerNoise_.setSeed(seed * 6 + 5);
}

void ArchetypeVoice::setPreset(const ArchetypePreset* preset) noexcept {
    preset_ = preset;
    if (preset_ == nullptr) return;
    const auto& p = *preset_;
    // The jitter stage's centre delay is latency whenever it is in the chain; the dry path
    // is delayed by the same amount so the intensity crossfade never combs.
    latency_ = shifter_.latencySamples() +
               (p.jitterEnabled ? static_cast<std::size_t>(std::lround(jitter_.latencySamples())) : 0);
    chorus_.setVoices(p.chorusVoices);
    breath_.setColour(NoiseColour::Pink);
    breath_.setBandPassEnabled(true);
    const double centre = std::sqrt(p.breathLowHz * p.breathHighHz);
    breath_.setBandPassCentreHz(static_cast<float>(centre));
    breath_.setBandPassQ(static_cast<float>(centre / (p.breathHighHz - p.breathLowHz)));

    switch (p.subliminal) {
        case SubliminalLayer::Whisper:
            layerNoise_.setColour(NoiseColour::White);
            layerNoise_.setBandPassEnabled(true);
            layerNoise_.setBandPassCentreHz(3200.0f);
            layerNoise_.setBandPassQ(0.9f);
            break;
        case SubliminalLayer::Breath:
            layerNoise_.setColour(NoiseColour::Pink);
            layerNoise_.setBandPassEnabled(true);
            layerNoise_.setBandPassCentreHz(700.0f);
            layerNoise_.setBandPassQ(0.6f);
            break;
        case SubliminalLayer::Infrasound:
            infrasound_.setFrequencyHz(static_cast<float>(p.subliminalFrequencyHz));
            break;
        case SubliminalLayer::Reversed:
            // Reversed speech, thinned to its upper band: a ghost of the words.
            layerFilter_.setParameters(BiquadType::HighPass, 600.0, 0.7);
            break;
        case SubliminalLayer::None:
            break;
    }
    layerNoise_.setLevelDb(0.0f);
    applyParameters(intensitySmoothed_.getCurrentValue());
}

void ArchetypeVoice::setIntensity(float intensity) noexcept {
    intensityTarget_ = std::clamp(intensity, 0.0f, 1.0f);
    intensitySmoothed_.setTargetValue(intensityTarget_);
}

void ArchetypeVoice::start(const Clip* clip) noexcept {
    reset();
    clip_ = clip;
    if (clip_ != nullptr) shifter_.start(clip_, 0);
}

void ArchetypeVoice::stop() noexcept { clip_ = nullptr; }

bool ArchetypeVoice::clipFinished() const noexcept {
    return clip_ == nullptr || (dryPosition_ >= clip_->samples.size() && shifter_.finished());
}

void ArchetypeVoice::applyParameters(float intensity) noexcept {
    if (preset_ == nullptr) return;
    const auto& p = *preset_;
    const double i = intensity;
    const double nyquistSafe = 0.45 * spec_.sampleRate;

    shifter_.setPitchRatio(static_cast<float>(std::exp2(p.pitchSemitones * i / 12.0)));
    shifter_.setFormantRatio(static_cast<float>(std::pow(p.formantRatio, i)));

    for (std::size_t b = 0; b < p.eqBandCount; ++b) {
        const EqBand& band = p.eq[b];
        double freq = band.frequencyHz;
        // Cut filters glide in from the edge of the band, in log frequency.
        if (band.type == BiquadType::HighPass) freq = std::pow(20.0, 1.0 - i) * std::pow(freq, i);
        if (band.type == BiquadType::LowPass)
            freq = std::pow(nyquistSafe, 1.0 - i) * std::pow(std::min(freq, nyquistSafe), i);
        eq_[b].setParameters(band.type, freq, band.q, band.gainDb * i);
    }

    const auto f = [](double x) { return static_cast<float>(x); };
    drive_.setDriveDb(f(p.driveDb * i));
    drive_.setAsymmetry(f(p.driveAsymmetry * i));
    drive_.setMix(f(p.driveMix * i));

    growl_.setSubLevel(f(p.growlSubLevel * i));
    growl_.setAmRateHz(f(p.growlRateHz));
    growl_.setAmDepth(f(p.growlDepth * i));
    growl_.setMix(f(p.growlMix * i));

    jitter_.setJitterCents(f(p.jitterCents * i));
    jitter_.setShimmerDb(f(p.shimmerDb * i));

    ring_.setCarrierHz(f(p.ringFrequencyHz));
    ring_.setDepth(f(p.ringDepth * i));
    ring_.setMix(f(p.ringMix * i));
    tremolo_.setRateHz(f(p.ringFrequencyHz));
    tremolo_.setDepth(f(p.ringDepth * p.ringMix * i));

    chorus_.setRateHz(f(p.chorusRateHz));
    chorus_.setDepthMs(f(p.chorusDepthMs));
    chorus_.setBaseDelayMs(f(p.chorusDelayMs));
    chorus_.setMix(f(p.chorusMix * i));

    delay_.setDelayMs(f(p.delayTimeMs));
    delay_.setFeedback(f(p.delayFeedback));
    delay_.setMix(f(p.delayMix * i));

    breath_.setLevelDb(f(p.breathLevelDb + 20.0 * std::log10(std::max(i, 1e-4))));
}

float ArchetypeVoice::readDry() noexcept {
    if (dryLag_ > 0) {
        --dryLag_;
        return 0.0f;
    }
    if (clip_ == nullptr || dryPosition_ >= clip_->samples.size()) return 0.0f;
    return clip_->samples[dryPosition_++];
}

float ArchetypeVoice::readReversed() noexcept {
    // Two readers half a grain apart, each playing its grain backwards under a triangle
    // window; the windows sum to one, so the layer has no grain-rate flutter.
    const auto& samples = clip_->samples;
    const double g = reversedGrain_;
    float sum = 0.0f;
    for (const double offset : {0.0, 0.5 * g}) {
        const double t = std::fmod(layerPosition_ + offset, g);
        const double base = layerPosition_ + offset - t - offset;
        const double index = base + (g - 1.0 - t);
        const float window = static_cast<float>(1.0 - std::fabs(2.0 * t / g - 1.0));
        if (index >= 0.0 && index < static_cast<double>(samples.size()))
            sum += window * samples[static_cast<std::size_t>(index)];
    }
    layerPosition_ += 1.0;
    return sum;
}

void ArchetypeVoice::renderSubliminal(const float* voice, float* out, std::size_t n) noexcept {
    const auto layer = preset_ == nullptr ? SubliminalLayer::None : preset_->subliminal;
    if (layer == SubliminalLayer::None || clip_ == nullptr) {
        std::fill(out, out + n, 0.0f);
        return;
    }
    switch (layer) {
        case SubliminalLayer::Whisper:
        case SubliminalLayer::Breath:
            layerNoise_.process(voice, out, n);
            break;
        case SubliminalLayer::Infrasound:
            for (std::size_t k = 0; k < n; ++k) {
                out[k] = infrasound_.next() * heartbeatEnvelope(heartbeatPhase_);
                heartbeatPhase_ += heartbeatStep_;
                if (heartbeatPhase_ >= 1.0) heartbeatPhase_ -= 1.0;
            }
            break;
        case SubliminalLayer::Reversed:
            for (std::size_t k = 0; k < n; ++k) out[k] = readReversed();
            layerFilter_.process(out, n);
            break;
        case SubliminalLayer::None:
            break;
    }
    // Hold the layer at its level relative to the voice's running RMS: the ratio is what
    // the preset promises (never above -26 dB), whatever the line's loudness.
    for (std::size_t k = 0; k < n; ++k) {
        meanSquareVoice_ += meanSquareCoeff_ * (voice[k] * voice[k] - meanSquareVoice_);
        meanSquareLayer_ += meanSquareCoeff_ * (out[k] * out[k] - meanSquareLayer_);
    }
    const float level = dbToGain(preset_->subliminalLevelDb);
    const float ratio = meanSquareLayer_ > 1e-12f ? std::sqrt(meanSquareVoice_ / meanSquareLayer_) : 0.0f;
    layerGain_.setTargetValue(std::min(level * ratio, kMaxLayerGain) * intensitySmoothed_.getCurrentValue());
    for (std::size_t k = 0; k < n; ++k) out[k] *= layerGain_.getNextValue();
}

void ArchetypeVoice::processChunk(float* voice, float* subliminal, std::size_t n) noexcept {
    const bool moving = intensitySmoothed_.isSmoothing();
    for (std::size_t k = 0; k < n; ++k)
        blend_[k] = std::min(1.0f, intensitySmoothed_.getNextValue() / kDryBlendEnd);
    if (moving) applyParameters(intensitySmoothed_.getCurrentValue());

    float* wet = wet_.data();
    if (clip_ != nullptr) {
        shifter_.process(wet, n);
    } else {
        std::fill(wet, wet + n, 0.0f);
    }

    if (preset_ != nullptr) {
        const auto& p = *preset_;
        for (std::size_t b = 0; b < p.eqBandCount; ++b) eq_[b].process(wet, n);
        if (p.driveEnabled) drive_.process(wet, n);
        if (p.growlEnabled) growl_.process(wet, n);
        if (p.jitterEnabled) jitter_.process(wet, n);
        if (p.ringEnabled) {
            if (p.ringMode == RingMode::Ring) ring_.process(wet, n);
            else tremolo_.process(wet, n);
        }
        if (p.chorusEnabled) chorus_.process(wet, n);
        if (p.delayEnabled) delay_.process(wet, n);
        if (p.breathEnabled) {
            breath_.process(wet, scratch_.data(), n);
            for (std::size_t k = 0; k < n; ++k) wet[k] += scratch_[k];
        }
        const float gain = dbToGain(p.outputGainDb * intensitySmoothed_.getCurrentValue());
        for (std::size_t k = 0; k < n; ++k) wet[k] *= gain;
    }
    for (std::size_t k = 0; k < n; ++k) {
        const float d = readDry();
        voice[k] = d + (wet[k] - d) * blend_[k];
    }
    clipPosition_ += n;
    renderSubliminal(voice, subliminal, n);
}

void ArchetypeVoice::process(float* voiceOut, float* subliminalOut, std::size_t count) noexcept {
    std::size_t done = 0;
    while (done < count) {
        const std::size_t n = std::min(kControlInterval, count - done);
        processChunk(voiceOut + done, subliminalOut + done, n);
        done += n;
    }
}

}  // namespace aicore::vocal
