// The mixer at 1..128 voices, and the command queue. Target (docs/vocal.md): 128 voices
// in <= 15% of one core at 48 kHz, i.e. about 12 us per voice per 512-sample block.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "aicore/vocal/spsc_queue.h"
#include "aicore/vocal/voice_engine.h"

using namespace aicore::vocal;

namespace {

constexpr double kRate = 48000.0;

Clip speechLikeClip() {
    std::vector<float> x(static_cast<std::size_t>(4.0 * kRate));
    double phase = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double t = static_cast<double>(i) / kRate;
        phase += (120.0 + 30.0 * std::sin(4.4 * t)) / kRate;
        phase -= std::floor(phase);
        const double syllable = std::max(0.0, std::sin(18.8 * t));
        double s = 0.0;
        for (int h = 1; h <= 10; ++h) s += std::sin(6.283185307179586 * h * phase) / h;
        x[i] = static_cast<float>(0.2 * s * syllable);
    }
    return analyseClip(std::move(x), kRate);
}

void BM_VoiceEngineMix(benchmark::State& state) {
    const auto voices = static_cast<std::size_t>(state.range(0));
    const auto block = static_cast<std::size_t>(state.range(1));
    std::vector<ArchetypePreset> archetypes;
    for (const auto& e : std::filesystem::directory_iterator(std::string(AICORE_CONTENT_DIR) + "/vocal/archetypes"))
        archetypes.push_back(loadArchetypePreset(e.path().string()));
    auto environments = loadEnvironmentPresets(std::string(AICORE_CONTENT_DIR) + "/vocal/environments.json");
    ClipBank bank(4);
    const ClipId clip = bank.add(speechLikeClip());
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
            c.clip = clip;
            c.archetype = static_cast<std::uint16_t>(started % archetypes.size());
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
