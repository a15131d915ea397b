// ~500 lines, one concept: the five archetypes' processing chains share one prepare/process/
// reset shape and their tuning tables; split per archetype, the shared chain would be repeated.
#include "aicore/vocal/archetype_voice.h"

#include <algorithm>
#include <cmath>

#include "aicore/vocal/multiversion.h"
#include "aicore/vocal/sine_oscillator.h"  // sineOfPhase

namespace aicore::vocal {

namespace {

constexpr double kIntensityRampMs = 50.0;
constexpr double kLayerRmsWindowMs = 1000.0;
constexpr double kReversedGrainSeconds = 0.25;
constexpr double kHeartbeatHz = 1.1;
constexpr float kMaxLayerGain = 20.0f;

float dbToGain(double db) noexcept { return static_cast<float>(std::pow(10.0, db / 20.0)); }

// Lub-dub: two raised-cosine bumps per beat. The cosine is sineOfPhase a quarter cycle on
// (error < 1e-7): a libm cos per sample was most of the infrasound layer's cost.
float heartbeatEnvelope(double phase) noexcept {
    if (phase >= 0.36) return 0.0f;  // the rest of the beat is still (most of it)
    auto bump = [](double p, double start, double width) {
        const double t = (p - start) / width;
        if (t < 0.0 || t >= 1.0) return 0.0f;
        const auto quarterOn = static_cast<float>(t < 0.75 ? t + 0.25 : t - 0.75);
        return 0.5f - 0.5f * sineOfPhase(quarterOn);
    };
    return bump(phase, 0.0, 0.14) + 0.7f * bump(phase, 0.22, 0.14);
}

// Up to four biquads as one cascade in one sample loop (Biquad's transposed direct form II,
// band after band): band b at sample i and band b - 1 at sample i + 1 are independent, so
// the bands' recursions overlap instead of adding up.
template <std::size_t Bands>
[[gnu::always_inline]] inline void runCascade(const Biquad* filters, std::array<float, 2>* state, float* x, std::size_t n) noexcept {
    std::array<BiquadCoefficients, Bands> c;
    std::array<float, Bands> z1, z2;
    for (std::size_t b = 0; b < Bands; ++b) {
        c[b] = filters[b].coefficients();
        z1[b] = state[b][0];
        z2[b] = state[b][1];
    }
    for (std::size_t i = 0; i < n; ++i) {
        float v = x[i];
        for (std::size_t b = 0; b < Bands; ++b) {
            const float y = c[b].b0 * v + z1[b];
            // Biquad::process adds z2 last; adding it first takes an add off the recursion
            // (y -> z1 -> y is then three dependent operations, not four).
            z1[b] = (c[b].b1 * v + z2[b]) - c[b].a1 * y;
            z2[b] = c[b].b2 * v - c[b].a2 * y;
            v = y;
        }
        x[i] = v;
    }
    // In the pauses between words the input is exact zeros and the state decays towards
    // denormals, which are slow on x86 and would slow every block after this one: a state
    // below 1e-20 (far below any audible level) is zero.
    const auto flushed = [](float z) { return std::abs(z) < 1e-20f ? 0.0f : z; };
    for (std::size_t b = 0; b < Bands; ++b) state[b] = {flushed(z1[b]), flushed(z2[b])};
}

}  // namespace

void ArchetypeVoice::prepare(const ProcessSpec& spec) {
    spec_ = spec;
    const ProcessSpec chunkSpec{spec.sampleRate, static_cast<std::uint32_t>(kSteadyChunk), 1};
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
    const double meanSquareCoeff = 1.0 - std::exp(-1.0 / (0.001 * kLayerRmsWindowMs * spec.sampleRate));
    for (std::size_t n = 0; n <= kLayerInterval; ++n)
        meanSquareDecay_[n] = static_cast<float>(std::pow(1.0 - meanSquareCoeff, static_cast<double>(n)));
    for (std::size_t k = 0; k < kLayerInterval; ++k)
        squareWeight_[k] = static_cast<float>(
            meanSquareCoeff * std::pow(1.0 - meanSquareCoeff, static_cast<double>(kLayerInterval - 1 - k)));
    heartbeatStep_ = kHeartbeatHz / spec.sampleRate;
    reversedGrain_ = std::floor(kReversedGrainSeconds * spec.sampleRate);

    wet_.assign(kSteadyChunk, 0.0f);
    dry_.assign(kSteadyChunk, 0.0f);
    scratch_.assign(kSteadyChunk, 0.0f);
    blend_.assign(kSteadyChunk, 0.0f);

    latency_ = shifter_.latencySamples();
    reset();
}

void ArchetypeVoice::reset() noexcept {
    shifter_.reset();
    for (auto& band : eq_) band.reset();
    for (auto& state : eqState_) state = {0.0f, 0.0f};
    layerFilterState_[0] = {0.0f, 0.0f};
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
    reversedPhase_ = {0.0, std::fmod(0.5 * reversedGrain_, std::max(reversedGrain_, 1.0))};
    meanSquareVoice_ = meanSquareLayer_ = 0.0f;
    layerGain_.setCurrentAndTargetValue(0.0f);
    intensitySmoothed_.setCurrentAndTargetValue(intensityTarget_);
    clip_ = nullptr;
    dryPosition_ = clipPosition_ = 0;
    dryFraction_ = 0.0;
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
    layerLevel_ = dbToGain(p.subliminalLevelDb);
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

AICORE_VOCAL_HOT void ArchetypeVoice::readDry(float* out, std::size_t n) noexcept {
    // out == nullptr: the dry voice is not heard (full blend), so only its place advances.
    const std::size_t silent = std::min(dryLag_, n);
    if (out != nullptr) std::fill(out, out + silent, 0.0f);
    dryLag_ -= silent;
    std::size_t k = silent;
    if (clip_ != nullptr && dryPosition_ < clip_->samples.size()) {
        const std::size_t size = clip_->samples.size();
        if (clip_->sampleRate == spec_.sampleRate) {
            const std::size_t m = std::min(n - k, size - dryPosition_);
            if (out != nullptr) std::copy_n(clip_->samples.data() + dryPosition_, m, out + k);
            dryPosition_ += m;
            k += m;
        } else {
            // A clip at another rate (the shipped lines are 22.05 kHz; the runtime hands them
            // over as they are) is resampled as it is read, at the rate the shifter reads it,
            // so the dry voice of a far NPC keeps its speed and stays aligned with the wet one.
            // Linear: the dry path is only heard below a tenth of intensity, i.e. far away.
            const double step = clip_->sampleRate / spec_.sampleRate;
            // Output samples whose right-hand neighbour lies in the clip: one branchless,
            // vectorisable loop over positions dryFraction_ + j * step from dryPosition_.
            const double room = static_cast<double>(size - 1 - dryPosition_) - dryFraction_;
            // (One fewer than fits, a margin against rounding; the loop below reads the rest.)
            const auto inside = room < step ? std::size_t{0} : static_cast<std::size_t>(room / step);
            const std::size_t m = std::min(n - k, inside);
            if (out != nullptr) {
                const float* x = clip_->samples.data() + dryPosition_;
                const double start = dryFraction_;
                float* o = out + k;
                const int count = static_cast<int>(m);
                for (int j = 0; j < count; ++j) {
                    const double position = start + static_cast<double>(j) * step;
                    const int i = static_cast<int>(position);
                    const auto f = static_cast<float>(position - static_cast<double>(i));
                    o[j] = x[i] + f * (x[i + 1] - x[i]);
                }
            }
            const double advanced = dryFraction_ + static_cast<double>(m) * step;
            const double whole = std::floor(advanced);
            dryPosition_ += static_cast<std::size_t>(whole);
            dryFraction_ = advanced - whole;
            k += m;
            // The last sample, faded towards the silence after it.
            while (k < n && dryPosition_ < size) {
                if (out != nullptr) {
                    const float now = clip_->samples[dryPosition_];
                    const float next = dryPosition_ + 1 < size ? clip_->samples[dryPosition_ + 1] : 0.0f;
                    out[k] = now + static_cast<float>(dryFraction_) * (next - now);
                }
                ++k;
                dryFraction_ += step;
                const double w = std::floor(dryFraction_);
                dryPosition_ += static_cast<std::size_t>(w);
                dryFraction_ -= w;
            }
        }
    }
    if (out != nullptr) std::fill(out + k, out + n, 0.0f);
}

AICORE_VOCAL_HOT void ArchetypeVoice::readReversed(float* out, std::size_t n) noexcept {
    // Two readers half a grain apart, each playing its grain backwards under a triangle
    // window; the windows sum to one, so the layer has no grain-rate flutter. Within a
    // grain a reader's clip index falls by one per sample and its window is linear, so each
    // stretch up to the grain's end is one vectorisable loop over contiguous samples.
    const auto& samples = clip_->samples;
    const auto size = static_cast<double>(samples.size());
    const double g = reversedGrain_;
    std::fill(out, out + n, 0.0f);
    for (double& phase : reversedPhase_) {
        // phase is the reader's place in its grain: (position + offset) mod g, stepped rather
        // than recomputed with fmod; every value is an integer or a half, so stepping is exact.
        std::size_t k = 0;
        while (k < n) {
            const double t = phase;
            const auto run = static_cast<std::size_t>(
                std::max(1.0, std::min(static_cast<double>(n - k), std::ceil(g - t))));
            // Sample j of the run reads clip index first - j under window 1 - |slope0 + j * slope|.
            const double first = (layerPosition_ + static_cast<double>(k) - t) + (g - 1.0 - t);
            const auto windowStart = static_cast<float>(2.0 * t / g - 1.0);
            const auto windowStep = static_cast<float>(2.0 / g);
            // Only the samples whose index lies in the clip: first - j >= 0 and first - j < size.
            const double lowest = std::max(0.0, std::floor(first - size) + 1.0);
            const double highest = std::min(static_cast<double>(run), std::floor(first) + 1.0);
            if (lowest < highest) {
                const auto from = static_cast<int>(lowest), to = static_cast<int>(highest);
                // Clip index floor(first) - j; the pointer starts at the first one read.
                const float* source = samples.data() + (static_cast<std::ptrdiff_t>(std::floor(first)) - from);
                float* dest = out + k;
                for (int j = from; j < to; ++j) {
                    const float window = 1.0f - std::fabs(windowStart + static_cast<float>(j) * windowStep);
                    dest[j] += window * source[from - j];
                }
            }
            phase += static_cast<double>(run);
            if (phase >= g) phase -= g;
            k += run;
        }
    }
    layerPosition_ += static_cast<double>(n);
}

AICORE_VOCAL_HOT void ArchetypeVoice::levelLayer(const float* voice, float* out, std::size_t n) noexcept {
    // Hold the layer at its level relative to the voice's running RMS: the ratio is what
    // the preset promises (never above -26 dB), whatever the line's loudness.
    const float* weight = squareWeight_.data() + (kLayerInterval - n);
    // Eight partial sums each: without -ffast-math a single float sum cannot be vectorised,
    // and eight fill an AVX2 register.
    std::array<float, 8> voiceSums{}, layerSums{};
    std::size_t k = 0;
    for (; k + 8 <= n; k += 8)
        for (std::size_t l = 0; l < 8; ++l) {
            voiceSums[l] += weight[k + l] * voice[k + l] * voice[k + l];
            layerSums[l] += weight[k + l] * out[k + l] * out[k + l];
        }
    for (; k < n; ++k) {
        voiceSums[0] += weight[k] * voice[k] * voice[k];
        layerSums[0] += weight[k] * out[k] * out[k];
    }
    float voicePower = 0.0f, layerPower = 0.0f;
    for (std::size_t l = 0; l < 8; ++l) {
        voicePower += voiceSums[l];
        layerPower += layerSums[l];
    }
    meanSquareVoice_ = meanSquareDecay_[n] * meanSquareVoice_ + voicePower;
    meanSquareLayer_ = meanSquareDecay_[n] * meanSquareLayer_ + layerPower;
    const float level = layerLevel_;
    const float ratio = meanSquareLayer_ > 1e-12f ? std::sqrt(meanSquareVoice_ / meanSquareLayer_) : 0.0f;
    layerGain_.setTargetValue(std::min(level * ratio, kMaxLayerGain) * intensitySmoothed_.getCurrentValue());
    // SmoothedValue's ramp is linear, so stepping it per sample equals this line.
    const float start = layerGain_.getCurrentValue();
    const float step = (layerGain_.skip(n) - start) / static_cast<float>(n);
    const int count = static_cast<int>(n);  // int: size_t -> float does not vectorise
    for (int j = 0; j < count; ++j) out[j] *= start + static_cast<float>(j + 1) * step;
}

AICORE_VOCAL_HOT void ArchetypeVoice::renderSubliminal(const float* voice, float* out, std::size_t n) noexcept {
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
            infrasound_.fill(out, n);
            // The beat's envelope (bumps ~130 ms long) is evaluated every kControlInterval
            // samples and ramped linearly between: within 1e-4 of the curve, for a
            // twentieth of the cost.
            for (std::size_t done = 0; done < n; done += kControlInterval) {
                const std::size_t m = std::min(kControlInterval, n - done);
                const float from = heartbeatEnvelope(heartbeatPhase_);
                heartbeatPhase_ += heartbeatStep_ * static_cast<double>(m);
                if (heartbeatPhase_ >= 1.0) heartbeatPhase_ -= 1.0;
                const float step = (heartbeatEnvelope(heartbeatPhase_) - from) / static_cast<float>(m);
                float* o = out + done;
                const int count = static_cast<int>(m);  // int: size_t -> float does not vectorise
                for (int k = 0; k < count; ++k) o[k] *= from + static_cast<float>(k) * step;
            }
            break;
        case SubliminalLayer::Reversed:
            readReversed(out, n);
            runCascade<1>(&layerFilter_, layerFilterState_.data(), out, n);
            break;
        case SubliminalLayer::None:
            break;
    }
    // The level follows the voice every kLayerInterval samples, however long the chunk (a
    // gliding intensity's 32-sample chunks are one step each).
    for (std::size_t done = 0; done < n; done += kLayerInterval)
        levelLayer(voice + done, out + done, std::min(kLayerInterval, n - done));
}

AICORE_VOCAL_HOT void ArchetypeVoice::processEq(float* samples, std::size_t n) noexcept {
    switch (preset_->eqBandCount) {
        case 0: break;
        case 1: runCascade<1>(eq_.data(), eqState_.data(), samples, n); break;
        case 2: runCascade<2>(eq_.data(), eqState_.data(), samples, n); break;
        case 3: runCascade<3>(eq_.data(), eqState_.data(), samples, n); break;
        default: runCascade<4>(eq_.data(), eqState_.data(), samples, n); break;
    }
}

AICORE_VOCAL_HOT void ArchetypeVoice::processChunk(float* voice, float* subliminal, std::size_t n) noexcept {
    const bool moving = intensitySmoothed_.isSmoothing();
    if (moving) {
        for (std::size_t k = 0; k < n; ++k)
            blend_[k] = std::min(1.0f, intensitySmoothed_.getNextValue() / kDryBlendEnd);
        applyParameters(intensitySmoothed_.getCurrentValue());
    }

    float* wet = wet_.data();
    if (clip_ != nullptr) {
        shifter_.process(wet, n);
    } else {
        std::fill(wet, wet + n, 0.0f);
    }

    if (preset_ != nullptr) {
        const auto& p = *preset_;
        processEq(wet, n);
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
        if (gain != 1.0f)
            for (std::size_t k = 0; k < n; ++k) wet[k] *= gain;
    }
    const float settledBlend = std::min(1.0f, intensitySmoothed_.getTargetValue() / kDryBlendEnd);
    if (!moving && settledBlend == 1.0f) {
        // The full monster (most voices, most blocks): the dry voice is not heard, so it is
        // not read, only kept in step.
        readDry(nullptr, n);
        std::copy_n(wet, n, voice);
        clipPosition_ += n;
        renderSubliminal(voice, subliminal, n);
        return;
    }
    float* dry = dry_.data();
    readDry(dry, n);
    if (moving) {
        for (std::size_t k = 0; k < n; ++k) voice[k] = dry[k] + (wet[k] - dry[k]) * blend_[k];
    } else {
        const float blend = std::min(1.0f, intensitySmoothed_.getTargetValue() / kDryBlendEnd);
        for (std::size_t k = 0; k < n; ++k) voice[k] = dry[k] + (wet[k] - dry[k]) * blend;
    }
    clipPosition_ += n;
    renderSubliminal(voice, subliminal, n);
}

void ArchetypeVoice::process(float* voiceOut, float* subliminalOut, std::size_t count) noexcept {
    std::size_t done = 0;
    while (done < count) {
        // While intensity glides, the chain follows it every kControlInterval samples; once
        // it has settled nothing is re-derived, and longer chunks save per-call overhead.
        const std::size_t chunk = intensitySmoothed_.isSmoothing() ? kControlInterval : kSteadyChunk;
        const std::size_t n = std::min(chunk, count - done);
        processChunk(voiceOut + done, subliminalOut + done, n);
        done += n;
    }
}

}  // namespace aicore::vocal
