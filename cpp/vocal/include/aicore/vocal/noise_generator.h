#pragma once
// Breath: seeded white or pink noise, optionally band-passed, at a set RMS level,
// optionally shaped by the envelope of another signal (the voice it breathes with).
//
// Pink is Paul Kellet's "refined" filter on white noise: six one-pole sections
// and a direct term, within +-0.05 dB of 1/f above ~10 Hz, cheaper than
// Voss-McCartney and with no random-length stalls. The level is an RMS level
// of the output, whatever the colour and band: the power gain of the whole
// colour + band-pass chain is integrated from its transfer function whenever
// those settings change (once, at the start of the next block), so a designer
// sets -30 dB and gets -30 dB. The frequency grid, its cosines and the pink
// filter's power response are tabulated in prepare(), so that integration is
// ~15 flops a point (a few microseconds), not a sin/cos and complex divisions.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "aicore/vocal/biquad.h"
#include "aicore/vocal/process_spec.h"
#include "aicore/vocal/random.h"
#include "aicore/vocal/smoothed_value.h"

namespace aicore::vocal {

enum class NoiseColour { White, Pink };

class NoiseGenerator {
public:
    /// Takes the memory for the power-response tables.
    void prepare(const ProcessSpec& spec);
    /// Clears state and restarts the random stream of the seed.
    void reset() noexcept;

    void setSeed(std::uint64_t seed) noexcept;
    void setColour(NoiseColour colour) noexcept;
    /// RMS level of the output in dBFS; when following an envelope, the level
    /// reached while the sidechain's envelope is 1 (full scale). Clamped to [-120, 12].
    void setLevelDb(float db) noexcept;
    void setBandPassEnabled(bool enabled) noexcept;
    /// Clamped by the biquad to [1 Hz, 0.49 * sample rate].
    void setBandPassCentreHz(float hz) noexcept;
    /// Clamped to [0.1, 20].
    void setBandPassQ(float q) noexcept;
    /// Envelope follower: attack smooths onsets, release is how long the peak is held
    /// (time constants, clamped to [0.1, 5000] ms).
    void setAttackMs(float ms) noexcept;
    void setReleaseMs(float ms) noexcept;

    /// Writes (does not add) count samples of free-running noise.
    void process(float* out, std::size_t count) noexcept;
    /// Writes count samples of noise scaled by the envelope of sidechain.
    /// sidechain and out may be the same buffer.
    void process(const float* sidechain, float* out, std::size_t count) noexcept;

    /// The chain's gain from unit-variance white noise to the output, before level (for tests).
    float normalisationGain() const noexcept { return normalisation_; }

private:
    /// One loop per sample for colour, band, envelope and level, specialised at compile
    /// time: their recursions are independent, so in one loop they overlap in the pipeline
    /// instead of each paying its own latency per sample.
    template <bool Pink, bool BandPass, bool Follow>
    void render(const float* sidechain, float* out, std::size_t count) noexcept;
    template <bool Follow>
    void dispatch(const float* sidechain, float* out, std::size_t count) noexcept;
    void updateNormalisation() noexcept;
    void updateLevelTarget() noexcept;
    void updateBandPass() noexcept;

    double sampleRate_ = 48000.0;
    std::uint64_t seed_ = 0;
    Random random_;
    NoiseColour colour_ = NoiseColour::Pink;
    bool bandPassEnabled_ = true;
    float bandPassCentreHz_ = 2500.0f;
    float bandPassQ_ = 0.7f;
    Biquad bandPass_;  // designs the coefficients; the state below runs them in render()
    float bandPassState_[2] = {};
    float levelDb_ = -30.0f;
    float normalisation_ = 1.0f;
    bool normalisationDirty_ = true;
    SmoothedValue gain_{0.0f};
    float pink_[7] = {};
    float peak_ = 0.0f;
    float envelope_ = 0.0f;
    float attack_ = 0.0f;
    float release_ = 0.0f;
    float attackMs_ = 5.0f;
    float releaseMs_ = 80.0f;
    // Integration grid over [0, pi]: trapezoid weight (already divided by pi), cos w,
    // cos 2w, and |H_pink(w)|^2 at each point.
    std::vector<double> gridWeight_, gridCos_, gridCos2_, pinkPower_;
};

}  // namespace aicore::vocal
