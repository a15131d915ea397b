// The audio thread's side of VoiceEngineSlot, proven real-time safe: this thread renders
// inside realtime sections (blocks shorter and longer than the engine's, before any engine
// and while swaps are on) while a game thread starts lines, builds new engines and swaps
// them in, freeing the old ones on its own side.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "aicore/vocal/clip_bank.h"
#include "aicore/vocal/presets.h"
#include "aicore/vocal/voice_engine_slot.h"
#include "realtime_guard.h"

namespace aicore::vocal::testing {

namespace {

Clip toneClip() {
    std::vector<float> x(12000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.2f * static_cast<float>((i % 160) < 80 ? 1 : -1);
    return analyseClip(std::move(x), 24000.0);
}

}  // namespace

std::size_t runVoiceEngineSlot(RealtimeGuard& guard) {
    std::vector<ArchetypePreset> archetypes;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(AICORE_CONTENT_DIR) + "/vocal/archetypes"))
        archetypes.push_back(loadArchetypePreset(entry.path().string()));
    const auto environments = loadEnvironmentPresets(std::string(AICORE_CONTENT_DIR) + "/vocal/environments.json");
    ClipBank bank(4);
    const ClipId clip = bank.add(toneClip());
    VoiceEngineSlot slot;

    constexpr int kSwaps = 40;
    std::atomic<std::size_t> rendered{0};
    std::atomic<int> swaps{0};
    std::atomic<bool> done{false};
    std::thread game([&] {
        const double rates[] = {48000.0, 44100.0, 24000.0};
        const std::uint32_t blocks[] = {256, 64, 512};
        std::vector<VoiceNotification> endings;
        for (int k = 0; k < kSwaps; ++k) {
            // Paced by the audio thread's progress, not the clock.
            const std::size_t seen = rendered.load();
            while (rendered.load() < seen + 8) std::this_thread::yield();
            if (VoiceEngine* live = slot.engine()) {
                for (std::uint16_t a = 0; a < 4; ++a) {
                    VoiceCommand c;
                    c.voice = slot.newVoiceHandle();
                    c.clip = clip;
                    c.archetype = static_cast<std::uint16_t>(a % archetypes.size());
                    c.position = Vec3{static_cast<float>(a), 2.0f, 0.0f};
                    live->trySend(c);
                }
                VoiceNotification n;
                while (live->tryReceive(n)) {
                }
            }
            auto engine = std::make_unique<VoiceEngine>(archetypes, environments, bank, VoiceEngineConfig{16, 256, 256, 0.97f});
            engine->prepare({rates[k % 3], blocks[k % 3], 2});
            if (!slot.trySwap(engine, std::chrono::seconds(30))) break;  // never, with that patience
            if (engine) engine->abandonAll(endings);
            endings.clear();
            swaps.fetch_add(1);
        }
        done = true;
    });

    std::vector<float> left(2048), right(2048);
    const std::size_t sizes[] = {256, 1000, 17, 2048, 0};
    std::size_t calls = 0;
    for (std::size_t b = 0; !done.load(); ++b) {
        {
            RealtimeSection section(guard);
            slot.render(left.data(), right.data(), sizes[b % std::size(sizes)]);
        }
        ++calls;
        rendered.fetch_add(1);
    }
    game.join();
    return swaps.load() == kSwaps ? calls : 0;
}

}  // namespace aicore::vocal::testing
