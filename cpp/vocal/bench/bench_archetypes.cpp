// Cost of one voice through each shipped archetype, per block, at 48 kHz.
// Target (docs/vocal.md): <= 20 us per voice per 512-sample block for every archetype.
#include <benchmark/benchmark.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "aicore/vocal/archetype_voice.h"
#include "aicore/vocal/environment.h"
#include "aicore/vocal/presets.h"

using namespace aicore::vocal;

namespace {

constexpr double kRate = 48000.0;
const char* const kArchetypes[] = {"vampire", "zombie", "werewolf", "wraith", "ghoul"};

// Three seconds of a speech-like buzz with pauses, analysed like a loaded clip.
const Clip& speechClip() {
    static const Clip clip = [] {
        std::vector<float> x(static_cast<std::size_t>(3.0 * kRate));
        double phase = 0.0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double t = static_cast<double>(i) / kRate;
            phase += (120.0 + 30.0 * std::sin(2.0 * std::numbers::pi * 0.7 * t)) / kRate;
            phase -= std::floor(phase);
            const double syllable = std::max(0.0, std::sin(2.0 * std::numbers::pi * 3.0 * t));
            double s = 0.0;
            for (int h = 1; h <= 10; ++h) s += std::sin(2.0 * std::numbers::pi * h * phase) / h;
            x[i] = static_cast<float>(0.2 * s * syllable);
        }
        return analyseClip(std::move(x), kRate);
    }();
    return clip;
}

void BM_ArchetypeVoice(benchmark::State& state, const std::string& name) {
    const auto block = static_cast<std::size_t>(state.range(0));
    const auto preset = loadArchetypePreset(std::string(AICORE_CONTENT_DIR) + "/vocal/archetypes/" + name + ".json");
    ArchetypeVoice voice;
    voice.prepare({kRate, static_cast<std::uint32_t>(block), 1});
    voice.setPreset(&preset);
    voice.setIntensity(1.0f);
    std::vector<float> out(block), layer(block);
    const Clip& clip = speechClip();
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
