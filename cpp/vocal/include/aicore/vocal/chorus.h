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
//
// The LFOs, the drift and every smoothed setting move slowly (<= 20 Hz), so they are
// evaluated at a control rate, every kControlInterval samples, and each voice's delay and
// gain are ramped linearly in between (for a 5 Hz, 3 ms sweep the ramp stays within 0.004
// samples of the sine). The grid runs on across process() calls, so how a host splits its
// blocks changes the output only by float rounding. The sample loop is then one
// interpolated tap per voice (DelayLine::addModulatedTap), a vector at a time.
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

    /// Samples between two evaluations of the LFOs, drift and settings.
    static constexpr std::size_t kControlInterval = 32;

private:
    void updateVoiceGains() noexcept;
    /// Advances the drift's random walk by count samples.
    void advanceDrift(std::size_t count, float rateHz) noexcept;
    /// Delay, gain and mix of every voice from the current LFO, drift and settings.
    void evaluateControls(std::array<float, kMaxVoices>& delays, std::array<float, kMaxVoices>& gains,
                          float& mix) const noexcept;
    /// Moves the controls one interval on and sets the ramps towards them.
    void startInterval() noexcept;

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

    // Ramps of the current control interval: value at its start and step per sample.
    std::size_t intervalPosition_ = kControlInterval;  // samples of the interval already done
    std::array<float, kMaxVoices> delayStart_{}, delayStep_{}, gainStart_{}, gainStep_{};
    float mixStart_ = 0.0f, mixStep_ = 0.0f;
};

}  // namespace aicore::vocal
