#pragma once
// Chorus (2-4 LFO-swept voices) and doubler (one slowly drifting copy).
//
// Each voice reads the shared delay line at base + depth * (1 + sin) / 2. The
// voices' LFO phases are fixed per voice (0, 1/2, 1/4, 3/4 of a cycle), not
// recomputed from the voice count, so adding a voice never makes the others
// jump; voice gains ramp, so the count can change without a click. The
// doubler replaces the first voice's LFO with a random drift (a new target
// every ~1/rate seconds, reached linearly): a second take is late by a little
// that wanders, not by a periodic wobble. Mode changes crossfade the delay
// curves, which is a glide, not a jump.
#include <array>
#include <cstddef>
#include <cstdint>

#include "aicore/vocal/delay_line.h"
#include "aicore/vocal/process_spec.h"
#include "aicore/vocal/random.h"
#include "aicore/vocal/smoothed_value.h"

namespace aicore::vocal {

enum class ChorusMode { Chorus, Doubler };

class Chorus {
public:
    static constexpr std::size_t kMaxVoices = 4;
    static constexpr float kMaxBaseDelayMs = 50.0f;
    static constexpr float kMaxDepthMs = 20.0f;

    void prepare(const ProcessSpec& spec);
    /// Clears state and restarts the doubler's random drift from the seed.
    void reset() noexcept;

    void setSeed(std::uint64_t seed) noexcept;
    void setMode(ChorusMode mode) noexcept;
    /// Chorus voices, clamped to [2, kMaxVoices]; the doubler always uses one.
    void setVoices(int voices) noexcept;
    /// LFO rate (chorus) or drift rate (doubler), clamped to [0.01, 20] Hz.
    void setRateHz(float hz) noexcept;
    /// Peak-to-peak sweep of each voice's delay, clamped to [0, kMaxDepthMs].
    void setDepthMs(float ms) noexcept;
    /// Shortest delay of the sweep, clamped to [0.1, kMaxBaseDelayMs].
    void setBaseDelayMs(float ms) noexcept;
    /// 0 = dry only, 1 = wet only.
    void setMix(float mix) noexcept;

    void process(float* samples, std::size_t count) noexcept;

private:
    void updateVoiceGains() noexcept;

    double sampleRate_ = 48000.0;
    std::uint64_t seed_ = 0;
    Random random_;
    DelayLine line_;
    ChorusMode mode_ = ChorusMode::Chorus;
    std::size_t voices_ = 2;
    float depthMs_ = 2.0f;
    float baseDelayMs_ = 15.0f;
    SmoothedValue rateHz_{0.8f};
    SmoothedValue depthSamples_{96.0f};
    SmoothedValue baseSamples_{720.0f};
    SmoothedValue mix_{0.5f};
    SmoothedValue doublerBlend_{0.0f};
    std::array<SmoothedValue, kMaxVoices> voiceGain_{};
    double lfoPhase_ = 0.0;
    float drift_ = 0.5f;
    float driftStep_ = 0.0f;
    float driftTarget_ = 0.5f;
    std::uint32_t driftRemaining_ = 0;
};

}  // namespace aicore::vocal
