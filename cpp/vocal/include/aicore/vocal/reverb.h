#pragma once
// Algorithmic reverb: an eight-line feedback delay network (Jot / Stautner-Puckette).
//
//   in -> pre-delay -> 4 series allpass diffusers -> 8 delay lines -> per-line absorption
//        ^                                                          |
//        +------------------- 8x8 Hadamard mix <--------------------+
//   two orthogonal sign patterns over the line outputs -> occlusion low-pass -> wet gain
//
// Each line's loop gain is g = 10^(-3 d / (RT60 fs)) for its length d, so every mode
// of the network decays 60 dB in exactly RT60 (the orthogonal mix neither adds nor
// removes energy). A one-pole in each loop keeps that gain at DC and lowers it towards
// Nyquist, which is what `damping` shortens the high-frequency decay with.
//
// Delay lengths are distinct primes (so mutually prime) spread geometrically and scaled
// by `size`. Size takes effect at the next reset() or prepare(): moving delay taps under
// a recirculating signal either clicks or needs a second network to crossfade into, and
// a room change in a game happens between lines, where a reset is free.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "aicore/vocal/biquad.h"
#include "aicore/vocal/process_spec.h"

namespace aicore::vocal {

class Reverb {
public:
    static constexpr std::size_t kLines = 8;
    static constexpr std::size_t kDiffusers = 4;
    static constexpr double kMaxPreDelayMs = 250.0;
    static constexpr double kMinDecaySeconds = 0.05;
    static constexpr double kMaxDecaySeconds = 30.0;
    static constexpr double kMinOcclusionHz = 40.0;

    /// Sizes every buffer for size 1 and the longest pre-delay; the only allocation.
    void prepare(const ProcessSpec& spec);
    /// Clears the tail, applies a pending setSize() and snaps every smoothed parameter.
    void reset() noexcept;

    /// 0 (booth) .. 1 (hall). Takes effect at the next reset()/prepare(), see above.
    void setSize(double size01) noexcept;
    /// Broadband (DC) RT60. Smoothed over ~50 ms.
    void setDecaySeconds(double rt60Seconds) noexcept;
    /// 0: highs decay as long as lows; 1: at Nyquist they decay 10x faster. Smoothed.
    void setDamping(double damping01) noexcept;
    /// 0 .. kMaxPreDelayMs. Smoothed (a short glide, not a jump).
    void setPreDelayMs(double milliseconds) noexcept;
    /// Low-pass on the wet output, for a voice heard through a wall or a door. Smoothed.
    void setOcclusionCutoffHz(double hz) noexcept;
    /// Wet output gain. Smoothed per sample.
    void setWetDb(double decibels) noexcept;
    void setWet(double linearGain) noexcept;

    double size() const noexcept { return pendingSize_; }
    double decaySeconds() const noexcept { return decaySeconds_; }
    double damping() const noexcept { return damping_; }
    double preDelayMs() const noexcept { return preDelayMs_; }
    double occlusionCutoffHz() const noexcept { return occlusionHz_; }
    /// Length of feedback line `line` in samples, as applied at the last reset().
    std::size_t lineLengthSamples(std::size_t line) const noexcept { return lineLength_[line]; }

    /// Mono in, stereo wet out (no dry signal; the caller mixes). `in` may alias either output.
    void process(const float* in, float* outLeft, float* outRight, std::size_t n) noexcept;

private:
    void applySize() noexcept;
    void updateAbsorptionTargets() noexcept;
    void advanceBlockSmoothing() noexcept;

    double sampleRate_ = 48000.0;
    bool prepared_ = false;

    double pendingSize_ = 0.5;
    double decaySeconds_ = 1.5;
    double damping_ = 0.3;
    double preDelayMs_ = 0.0;
    double occlusionHz_ = 20000.0;

    std::array<std::vector<float>, kLines> lines_{};
    std::array<std::size_t, kLines> lineLength_{};
    std::array<std::size_t, kLines> linePos_{};
    // Per-line absorption y = a*x + b*y1, a = g(1 - b): current values and their targets.
    std::array<float, kLines> absorbA_{}, absorbB_{}, absorbATarget_{}, absorbBTarget_{};
    std::array<float, kLines> absorbState_{};

    std::array<std::vector<float>, kDiffusers> diffusers_{};
    std::array<std::size_t, kDiffusers> diffuserPos_{};

    std::vector<float> preDelay_;
    std::size_t preDelayMask_ = 0;
    std::size_t preDelayWrite_ = 0;
    float preDelaySamples_ = 0.0f, preDelayTarget_ = 0.0f;

    float wet_ = 1.0f, wetTarget_ = 1.0f;
    double occlusionLogHz_ = 0.0, occlusionLogHzTarget_ = 0.0, occlusionLogHzDesigned_ = -1.0;
    Biquad occlusion_;

    float sampleSmoothing_ = 1.0f;  // one-pole coefficient per sample
    float blockSmoothing_ = 1.0f;   // the same time constant, per sub-block
};

}  // namespace aicore::vocal
