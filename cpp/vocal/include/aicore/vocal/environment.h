#pragma once
// The room a voice is heard in: reverb size, decay, damping, pre-delay and occlusion,
// from an EnvironmentPreset. Switching rooms never clicks: the new room's reverb fades in
// while the old one stops receiving input and rings out its own tail, as a listener
// stepping from a crypt into a corridor would hear.
#include <array>
#include <cstddef>
#include <vector>

#include "aicore/vocal/biquad.h"
#include "aicore/vocal/presets.h"
#include "aicore/vocal/process_spec.h"
#include "aicore/vocal/reverb.h"
#include "aicore/vocal/smoothed_value.h"

namespace aicore::vocal {

class Environment {
public:
    static constexpr double kCrossfadeMs = 60.0;

    void prepare(const ProcessSpec& spec);
    void reset() noexcept;

    /// Borrowed preset (must outlive its use). The first call applies at once; later calls
    /// crossfade over kCrossfadeMs.
    void setPreset(const EnvironmentPreset* preset) noexcept;
    const EnvironmentPreset* preset() const noexcept { return preset_; }

    /// The room's reverb of `send` (mono) into wetLeft/wetRight (overwritten).
    void processReverb(const float* send, float* wetLeft, float* wetRight, std::size_t n) noexcept;

    /// What reaches the listener straight: low-passed in place when the room occludes,
    /// bit-exact when it does not. Two direct stems share one crossfade; `second` may be null.
    void processDirect(float* first, float* second, std::size_t n) noexcept;

private:
    struct Room {
        Reverb reverb;
        SmoothedValue send{0.0f};
        double tailSamples = 0.0;     // decay + pre-delay of the room's preset
        double ringOutSamples = 0.0;  // how long the tail may still sound after its send closed
    };
    void configure(Room& room, const EnvironmentPreset& preset) noexcept;

    ProcessSpec spec_{};
    const EnvironmentPreset* preset_ = nullptr;
    std::array<Room, 2> rooms_{};
    std::size_t current_ = 0;
    Biquad occlusion_;
    SmoothedValue occlusionAmount_{0.0f};
    std::vector<float> send_, left_, right_;
};

}  // namespace aicore::vocal
