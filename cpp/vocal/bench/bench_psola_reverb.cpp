#include <benchmark/benchmark.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "aicore/vocal/clip.h"
#include "aicore/vocal/psola_shifter.h"
#include "aicore/vocal/reverb.h"

using namespace aicore::vocal;

namespace {

constexpr double kRate = 48000.0;

// Two seconds of a 120 Hz buzz through one resonance: voiced throughout, so every grain
// is pitch- and formant-shifted (the expensive path).
const Clip& benchClip() {
    static const Clip clip = [] {
        std::vector<float> x(96000);
        const double r = 0.99, w = 2.0 * std::numbers::pi * 700.0 / kRate;
        double y1 = 0.0, y2 = 0.0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double pulse = i % 400 == 0 ? 1.0 : 0.0;
            const double y = pulse + 2.0 * r * std::cos(w) * y1 - r * r * y2;
            y2 = y1;
            y1 = y;
            x[i] = static_cast<float>(0.05 * y);
        }
        return analyseClip(std::move(x), kRate);
    }();
    return clip;
}

}  // namespace

static void BM_PsolaShifterProcessBlock(benchmark::State& state) {
    const auto block = static_cast<std::size_t>(state.range(0));
    PsolaShifter shifter;
    shifter.prepare({kRate, static_cast<std::uint32_t>(block), 1});
    shifter.setPitchRatio(0.75);
    shifter.setFormantRatio(0.8);
    shifter.start(&benchClip());
    std::vector<float> out(block);
    for (auto _ : state) {
        if (shifter.finished()) shifter.start(&benchClip());
        shifter.process(out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<long>(block));
}
BENCHMARK(BM_PsolaShifterProcessBlock)->Arg(64)->Arg(128)->Arg(256)->Arg(512);

static void BM_ReverbProcessBlock(benchmark::State& state) {
    const auto block = static_cast<std::size_t>(state.range(0));
    Reverb reverb;
    reverb.setSize(0.7);
    reverb.setDecaySeconds(2.5);
    reverb.setDamping(0.4);
    reverb.setPreDelayMs(20.0);
    reverb.setOcclusionCutoffHz(3000.0);
    reverb.prepare({kRate, static_cast<std::uint32_t>(block), 1});
    std::vector<float> in(block, 0.0f), left(block), right(block);
    for (std::size_t i = 0; i < block; ++i)
        in[i] = static_cast<float>(0.25 * std::sin(0.05 * static_cast<double>(i)));
    for (auto _ : state) {
        reverb.process(in.data(), left.data(), right.data(), block);
        benchmark::DoNotOptimize(left.data());
        benchmark::DoNotOptimize(right.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<long>(block));
}
BENCHMARK(BM_ReverbProcessBlock)->Arg(64)->Arg(128)->Arg(256)->Arg(512);
