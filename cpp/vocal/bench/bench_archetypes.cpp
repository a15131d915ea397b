// Cost of one voice through each shipped archetype, per block, at 48 kHz.
// Target (docs/vocal.md): <= 20 us per voice per 512-sample block for every archetype.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "aicore/vocal/archetype_voice.h"
#include "aicore/vocal/environment.h"
#include "aicore/vocal/presets.h"
#include "shipped_lines.h"

using namespace aicore::vocal;

namespace {

constexpr double kRate = 48000.0;
const char* const kArchetypes[] = {"vampire", "zombie", "werewolf", "wraith", "ghoul"};

void BM_ArchetypeVoice(benchmark::State& state, const std::string& name) {
    const auto block = static_cast<std::size_t>(state.range(0));
    const auto preset = loadArchetypePreset(std::string(AICORE_CONTENT_DIR) + "/vocal/archetypes/" + name + ".json");
    ArchetypeVoice voice;
    voice.prepare({kRate, static_cast<std::uint32_t>(block), 1});
    voice.setPreset(&preset);
    voice.setIntensity(1.0f);
    std::vector<float> out(block), layer(block);
    // The archetype's own shipped lines, end to end: continuous speech, not a test buzz.
    const Clip clip = bench::shippedSpeech(name);
    voice.start(&clip);
    for (auto _ : state) {
        if (voice.clipFinished()) voice.start(&clip);
        voice.process(out.data(), layer.data(), block);
        benchmark::DoNotOptimize(out.data());
        benchmark::DoNotOptimize(layer.data());
    }
    const double blockSeconds = static_cast<double>(block) / kRate;
    state.counters["realtime_pct"] = benchmark::Counter(
        blockSeconds / 100.0, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_Environment(benchmark::State& state, const std::string& name) {
    const auto block = static_cast<std::size_t>(state.range(0));
    const auto rooms = loadEnvironmentPresets(std::string(AICORE_CONTENT_DIR) + "/vocal/environments.json");
    const EnvironmentPreset* room = nullptr;
    for (const auto& r : rooms)
        if (r.name == name) room = &r;
    Environment env;
    env.prepare({kRate, static_cast<std::uint32_t>(block), 1});
    env.setPreset(room);
    std::vector<float> in(block, 0.1f), l(block), r(block), direct(block, 0.1f);
    for (auto _ : state) {
        env.processReverb(in.data(), l.data(), r.data(), block);
        env.processDirect(direct.data(), nullptr, block);
        benchmark::DoNotOptimize(l.data());
    }
}

const bool kRegistered = [] {
    for (const char* name : kArchetypes) {
        benchmark::RegisterBenchmark((std::string("BM_ArchetypeVoice/") + name).c_str(), BM_ArchetypeVoice, name)
            ->Arg(64)->Arg(128)->Arg(256)->Arg(512)->Unit(benchmark::kMicrosecond);
    }
    for (const char* name : {"open", "cave", "underwater"}) {
        benchmark::RegisterBenchmark((std::string("BM_Environment/") + name).c_str(), BM_Environment, name)
            ->Arg(512)->Unit(benchmark::kMicrosecond);
    }
    return true;
}();

}  // namespace
