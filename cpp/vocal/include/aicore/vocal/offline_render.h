#pragma once
// Render one line offline — for tools, tests and the demo — through exactly the real-time
// objects the engine runs (ArchetypeVoice, Environment), block by block.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "aicore/vocal/clip.h"
#include "aicore/vocal/presets.h"

namespace aicore::vocal {

struct RenderSettings {
    float intensity = 1.0f;
    std::uint64_t seed = 0;
    double tailSeconds = 0.0;     // extra time after the clip for tails to ring out
    std::size_t blockSize = 256;  // the audio callback's block size being modelled
};

/// Latency-compensated stems, each clip.size() + tail samples long: sample k of every stem
/// lines up with sample k of the clip.
struct RenderedStems {
    std::vector<float> voice;       // direct voice (after the room's occlusion)
    std::vector<float> subliminal;  // the archetype's subliminal layer (direct)
    std::vector<float> reverbLeft, reverbRight;  // the room's reverb of voice + subliminal
    std::size_t latencySamples = 0;  // what was compensated
};

RenderedStems renderOffline(const Clip& clip, const ArchetypePreset& archetype,
                            const EnvironmentPreset& environment, const RenderSettings& settings);

}  // namespace aicore::vocal
