#include "aicore/vocal/offline_render.h"

#include <algorithm>
#include <cmath>

#include "aicore/vocal/archetype_voice.h"
#include "aicore/vocal/environment.h"

namespace aicore::vocal {

RenderedStems renderOffline(const Clip& clip, const ArchetypePreset& archetype,
                            const EnvironmentPreset& environment, const RenderSettings& settings) {
    const std::size_t block = std::max<std::size_t>(1, settings.blockSize);
    const ProcessSpec spec{clip.sampleRate, static_cast<std::uint32_t>(block), 1};

    ArchetypeVoice voice;
    voice.prepare(spec);
    voice.setSeed(settings.seed);
    voice.setPreset(&archetype);
    voice.setIntensity(settings.intensity);
    voice.start(&clip);

    Environment room;
    room.prepare(spec);
    room.setPreset(&environment);

    const std::size_t latency = voice.latencySamples();
    const auto tail = static_cast<std::size_t>(std::max(0.0, settings.tailSeconds) * clip.sampleRate);
    const std::size_t wanted = clip.size() + tail;
    const std::size_t total = wanted + latency;

    RenderedStems out;
    out.latencySamples = latency;
    out.voice.assign(total, 0.0f);
    out.subliminal.assign(total, 0.0f);
    out.reverbLeft.assign(total, 0.0f);
    out.reverbRight.assign(total, 0.0f);
    std::vector<float> send(block);

    for (std::size_t done = 0; done < total; done += block) {
        const std::size_t n = std::min(block, total - done);
        float* v = out.voice.data() + done;
        float* s = out.subliminal.data() + done;
        voice.process(v, s, n);
        // The room hears voice and layer together; the direct paths stay separate stems.
        for (std::size_t k = 0; k < n; ++k) send[k] = v[k] + s[k];
        room.processReverb(send.data(), out.reverbLeft.data() + done, out.reverbRight.data() + done, n);
        room.processDirect(v, s, n);
    }
    auto trim = [&](std::vector<float>& x) {
        x.erase(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(latency));
        x.resize(wanted);
    };
    trim(out.voice);
    trim(out.subliminal);
    trim(out.reverbLeft);
    trim(out.reverbRight);
    return out;
}

}  // namespace aicore::vocal
