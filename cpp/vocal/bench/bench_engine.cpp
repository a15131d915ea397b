// The mixer at 1..128 voices, and the command queue. Target (docs/vocal.md): 128 voices
// in <= 15% of one core at 48 kHz, i.e. about 12.5 us per voice per 512-sample block.
// The input is the worst case the game meets: every voice speaking the shipped lines of its
// own archetype (content/voice_lines, continuous speech) at full intensity.
#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "aicore/vocal/spsc_queue.h"
#include "aicore/vocal/voice_engine.h"
#include "shipped_lines.h"

using namespace aicore::vocal;

namespace {

constexpr double kRate = 48000.0;

void BM_VoiceEngineMix(benchmark::State& state) {
    const auto voices = static_cast<std::size_t>(state.range(0));
    const auto block = static_cast<std::size_t>(state.range(1));
    std::vector<ArchetypePreset> archetypes;
    for (const auto& e : std::filesystem::directory_iterator(std::string(AICORE_CONTENT_DIR) + "/vocal/archetypes"))
        archetypes.push_back(loadArchetypePreset(e.path().string()));
    auto environments = loadEnvironmentPresets(std::string(AICORE_CONTENT_DIR) + "/vocal/environments.json");
    ClipBank bank(archetypes.size());
    std::vector<ClipId> clips;  // clips[a]: archetype a's own shipped lines, end to end
    for (const auto& a : archetypes) clips.push_back(bank.add(bench::shippedSpeech(a.name)));
    VoiceEngine engine(archetypes, environments, bank, VoiceEngineConfig{voices, 1024, 1024, 0.97f});
    engine.prepare({kRate, static_cast<std::uint32_t>(block), 2});
    VoiceCommand env;
    env.type = VoiceCommand::Type::SetEnvironment;
    env.environment = static_cast<std::uint16_t>(engine.environmentIndex("crypt"));
    engine.trySend(env);
    std::vector<float> l(block), r(block);
    std::size_t started = 0;
    auto refill = [&] {  // keep every voice talking, spread around the listener
        while (engine.activeVoices() < voices) {
            VoiceCommand c;
            c.type = VoiceCommand::Type::Start;
            c.voice = engine.newVoiceHandle();
            c.archetype = static_cast<std::uint16_t>(started % archetypes.size());
            c.clip = clips[c.archetype];
            c.intensity = 1.0f;  // the full monster, wherever it stands
            const float a = static_cast<float>(started) * 0.7f;
            c.position = Vec3{6.0f * std::cos(a), 6.0f * std::sin(a), 0.0f};
            c.seed = started;
            if (!engine.trySend(c)) break;
            ++started;
            engine.process(l.data(), r.data(), block);  // let the start land
        }
    };
    refill();
    for (auto _ : state) {
        engine.process(l.data(), r.data(), block);
        benchmark::DoNotOptimize(l.data());
        if (engine.activeVoices() < voices) {
            state.PauseTiming();
            refill();
            state.ResumeTiming();
        }
    }
    const double blockSeconds = static_cast<double>(block) / kRate;
    state.counters["core_pct"] = benchmark::Counter(blockSeconds / 100.0,
                                                    benchmark::Counter::kIsIterationInvariantRate |
                                                        benchmark::Counter::kInvert);
    state.counters["us_per_voice"] = benchmark::Counter(
        static_cast<double>(voices), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_VoiceEngineMix)
    ->ArgsProduct({{1, 16, 32, 64, 128}, {256, 512}})
    ->Unit(benchmark::kMicrosecond)
    ->MeasureProcessCPUTime();

void BM_SpscQueuePushPop(benchmark::State& state) {
    SpscQueue<VoiceCommand> q(1024);
    VoiceCommand c;
    for (auto _ : state) {
        q.try_push(c);
        auto out = q.try_pop();
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SpscQueuePushPop);

}  // namespace
