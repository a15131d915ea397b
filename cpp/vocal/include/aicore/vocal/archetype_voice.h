#pragma once
// One NPC's voice: a clip played through an archetype's chain of blocks.
//
//   clip ─▶ PSOLA (pitch, formants) ─▶ EQ ─▶ drive ─▶ growl ─▶ jitter/shimmer ─▶ ring/tremolo
//        ─▶ chorus ─▶ delay ─▶ + breath ─▶ gain ──┐
//   clip ─▶ latency-matched dry ──────────────────┴─▶ intensity crossfade ─▶ voice stem
//   voice ─▶ subliminal layer (whisper, breath, infrasound or reversed clip) ─▶ subliminal stem
//
// Intensity 0..1 scales every parameter of the chain from neutral to the preset, and in
// its first tenth crossfades from the exact dry clip, so intensity 0 *is* the dry voice.
// The audio thread only calls start(), set*() and process(); prepare() takes the memory.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "aicore/vocal/biquad.h"
#include "aicore/vocal/chorus.h"
#include "aicore/vocal/clip.h"
#include "aicore/vocal/delay_line.h"
#include "aicore/vocal/envelope_follower.h"
#include "aicore/vocal/growl.h"
#include "aicore/vocal/jitter_shimmer.h"
#include "aicore/vocal/noise_generator.h"
#include "aicore/vocal/presets.h"
#include "aicore/vocal/process_spec.h"
#include "aicore/vocal/psola_shifter.h"
#include "aicore/vocal/ring_modulator.h"
#include "aicore/vocal/smoothed_value.h"
#include "aicore/vocal/waveshaper.h"

namespace aicore::vocal {

class ArchetypeVoice {
public:
    /// Parameters are re-derived from the smoothed intensity this often (samples).
    static constexpr std::size_t kControlInterval = 32;
    /// How often the subliminal layer's gain follows the voice's running RMS (a 1 s window
    /// smoothed over a third of a second: 2.7 ms at 48 kHz is still far finer than either).
    static constexpr std::size_t kLayerInterval = 128;
    /// Longest stretch run through the chain in one go once intensity has settled (nothing
    /// is re-derived then, so longer runs only save each block's per-call overhead).
    static constexpr std::size_t kSteadyChunk = 256;
    /// Intensity below which the output crossfades towards the exact dry clip.
    static constexpr float kDryBlendEnd = 0.1f;

    void prepare(const ProcessSpec& spec);
    void reset() noexcept;

    /// The preset is borrowed: it must outlive its use by this voice.
    void setPreset(const ArchetypePreset* preset) noexcept;
    void setSeed(std::uint64_t seed) noexcept;
    /// 0 = dry voice, 1 = full monster; smoothed, safe to change at any sample.
    void setIntensity(float intensity) noexcept;
    float intensity() const noexcept { return intensityTarget_; }

    /// Starts playing a borrowed clip (it must stay alive while the voice plays it).
    void start(const Clip* clip) noexcept;
    void stop() noexcept;
    bool playing() const noexcept { return clip_ != nullptr; }
    /// True once the clip has played out (tails of the delay may still ring; render more).
    bool clipFinished() const noexcept;

    /// Writes count samples of the voice and of its subliminal layer (separate stems).
    void process(float* voiceOut, float* subliminalOut, std::size_t count) noexcept;

    /// Samples between a clip sample and the same sample in the voice stem.
    std::size_t latencySamples() const noexcept { return latency_; }

private:
    void applyParameters(float intensity) noexcept;
    void processChunk(float* voice, float* subliminal, std::size_t n) noexcept;
    void renderSubliminal(const float* voice, float* out, std::size_t n) noexcept;
    /// Holds the layer's level against the voice's running RMS over n <= kLayerInterval samples.
    void levelLayer(const float* voice, float* out, std::size_t n) noexcept;
    void processEq(float* samples, std::size_t n) noexcept;
    void readDry(float* out, std::size_t n) noexcept;
    /// Writes n samples of the reversed-speech layer.
    void readReversed(float* out, std::size_t n) noexcept;

    ProcessSpec spec_{};
    const ArchetypePreset* preset_ = nullptr;
    const Clip* clip_ = nullptr;
    std::uint64_t seed_ = 0;

    PsolaShifter shifter_;
    std::array<Biquad, ArchetypePreset::kMaxEqBands> eq_{};  // designs the EQ's coefficients
    // The EQ's state: processEq() runs the bands as one cascade, sample by sample, so their
    // recursions overlap in the pipeline (one Biquad::process after another cannot).
    std::array<std::array<float, 2>, ArchetypePreset::kMaxEqBands> eqState_{};
    Waveshaper drive_;
    Growl growl_;
    JitterShimmer jitter_;
    RingModulator ring_;
    Tremolo tremolo_;
    Chorus chorus_;
    Delay delay_;
    NoiseGenerator breath_;

    // Subliminal sources.
    NoiseGenerator layerNoise_;
    BlockSine infrasound_;
    double heartbeatPhase_ = 0.0;
    double heartbeatStep_ = 0.0;
    Biquad layerFilter_;  // designs the reversed layer's high-pass; runs on layerFilterState_
    std::array<std::array<float, 2>, 1> layerFilterState_{};
    double reversedGrain_ = 0.0;  // grain length in samples
    double layerPosition_ = 0.0;
    std::array<double, 2> reversedPhase_{};  // each reader's place in its grain (samples)
    float meanSquareVoice_ = 0.0f, meanSquareLayer_ = 0.0f;
    // The running mean squares advance a sub-block at a time: after n samples the state is
    // decay[n] times what it was plus a weighted sum of the squares (weight of sample k of
    // n is squareWeight[kLayerInterval - n + k]): one vectorisable dot product.
    std::array<float, kLayerInterval + 1> meanSquareDecay_{};
    std::array<float, kLayerInterval> squareWeight_{};
    SmoothedValue layerGain_{0.0f};
    float layerLevel_ = 0.0f;  // the preset's layer level, linear

    SmoothedValue intensitySmoothed_{0.0f};
    float intensityTarget_ = 0.0f;
    std::size_t latency_ = 0;
    std::size_t dryPosition_ = 0;    // next clip index of the dry path (may lag by latency)
    double dryFraction_ = 0.0;       // between dryPosition_ and the next sample, for a clip at another rate
    std::size_t dryLag_ = 0;         // samples still to output as silence before the dry clip
    std::size_t clipPosition_ = 0;   // samples of clip time elapsed in the voice

    std::vector<float> wet_, dry_, scratch_, blend_;
};

}  // namespace aicore::vocal
