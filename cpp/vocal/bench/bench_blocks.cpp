#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "aicore/vocal/chorus.h"
#include "aicore/vocal/delay_line.h"
#include "aicore/vocal/growl.h"
#include "aicore/vocal/jitter_shimmer.h"
#include "aicore/vocal/noise_generator.h"
#include "aicore/vocal/random.h"
#include "aicore/vocal/ring_modulator.h"
#include "aicore/vocal/smoothed_value.h"
#include "aicore/vocal/waveshaper.h"

using namespace aicore::vocal;

namespace {

constexpr double kRate = 48000.0;

// Voice-like input: noise is the worst case for branches (zero-crossing detectors, envelopes).
std::vector<float> voiceLikeBlock(std::size_t n) {
    Random r(1);
    std::vector<float> x(n);
    for (auto& v : x) v = 0.3f * r.nextBipolarFloat();
    return x;
}

// Runs a prepared block on a fresh copy of the input every iteration, so state
// such as envelopes and delay lines sees realistic signal rather than its own output.
template <typename Block, typename Configure>
void runBlock(benchmark::State& state, Configure configure) {
    const auto block = static_cast<std::size_t>(state.range(0));
    Block b;
    b.prepare({kRate, static_cast<std::uint32_t>(block), 1});
    configure(b);
    b.reset();
    const auto input = voiceLikeBlock(block);
    std::vector<float> buf(block);
    for (auto _ : state) {
        std::copy(input.begin(), input.end(), buf.begin());
        b.process(buf.data(), buf.size());
        benchmark::DoNotOptimize(buf.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(block));
}

}  // namespace

static void BM_SmoothedValueRamp(benchmark::State& state) {
    const auto block = static_cast<std::size_t>(state.range(0));
    SmoothedValue v;
    v.prepare({kRate, static_cast<std::uint32_t>(block), 1}, 50.0);
    std::vector<float> buf(block);
    float target = 1.0f;
    for (auto _ : state) {
        if (!v.isSmoothing()) v.setTargetValue(target = -target);
        for (auto& s : buf) s = v.getNextValue();
        benchmark::DoNotOptimize(buf.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(block));
}
BENCHMARK(BM_SmoothedValueRamp)->Arg(64)->Arg(128)->Arg(256)->Arg(512);

static void BM_DelayProcessBlock(benchmark::State& state) {
    runBlock<Delay>(state, [](Delay& d) {
        d.setDelayMs(250.0f);
        d.setFeedback(0.5f);
        d.setMix(0.4f);
    });
}
BENCHMARK(BM_DelayProcessBlock)->Arg(64)->Arg(128)->Arg(256)->Arg(512);

static void BM_WaveshaperProcessBlock(benchmark::State& state) {
    runBlock<Waveshaper>(state, [](Waveshaper& w) {
        w.setDriveDb(18.0f);
        w.setAsymmetry(0.4f);
        w.setMix(0.8f);
    });
}
BENCHMARK(BM_WaveshaperProcessBlock)->Arg(64)->Arg(128)->Arg(256)->Arg(512);

static void BM_GrowlProcessBlock(benchmark::State& state) {
    runBlock<Growl>(state, [](Growl& g) {
        g.setSubLevel(0.8f);
        g.setAmRateHz(45.0f);
        g.setAmDepth(0.6f);
        g.setRoughness(0.5f);
        g.setMix(1.0f);
    });
}
BENCHMARK(BM_GrowlProcessBlock)->Arg(64)->Arg(128)->Arg(256)->Arg(512);

static void BM_JitterShimmerProcessBlock(benchmark::State& state) {
    runBlock<JitterShimmer>(state, [](JitterShimmer& j) {
        j.setJitterCents(20.0f);
        j.setShimmerDb(2.0f);
        j.setSeed(3);
    });
}
BENCHMARK(BM_JitterShimmerProcessBlock)->Arg(64)->Arg(128)->Arg(256)->Arg(512);

static void BM_ChorusFourVoicesProcessBlock(benchmark::State& state) {
    runBlock<Chorus>(state, [](Chorus& c) {
        c.setVoices(4);
        c.setRateHz(0.9f);
        c.setDepthMs(3.0f);
        c.setBaseDelayMs(12.0f);
        c.setMix(0.5f);
    });
}
BENCHMARK(BM_ChorusFourVoicesProcessBlock)->Arg(64)->Arg(128)->Arg(256)->Arg(512);

static void BM_RingModulatorProcessBlock(benchmark::State& state) {
    runBlock<RingModulator>(state, [](RingModulator& r) {
        r.setCarrierHz(90.0f);
        r.setDepth(1.0f);
        r.setMix(0.7f);
    });
}
BENCHMARK(BM_RingModulatorProcessBlock)->Arg(64)->Arg(128)->Arg(256)->Arg(512);

static void BM_TremoloProcessBlock(benchmark::State& state) {
    runBlock<Tremolo>(state, [](Tremolo& t) {
        t.setRateHz(6.0f);
        t.setDepth(0.5f);
    });
}
BENCHMARK(BM_TremoloProcessBlock)->Arg(64)->Arg(128)->Arg(256)->Arg(512);

static void BM_NoiseGeneratorPinkBandPassBlock(benchmark::State& state) {
    runBlock<NoiseGenerator>(state, [](NoiseGenerator& n) {
        n.setColour(NoiseColour::Pink);
        n.setBandPassEnabled(true);
        n.setLevelDb(-30.0f);
    });
}
BENCHMARK(BM_NoiseGeneratorPinkBandPassBlock)->Arg(64)->Arg(128)->Arg(256)->Arg(512);

static void BM_NoiseGeneratorFollowingSidechainBlock(benchmark::State& state) {
    const auto block = static_cast<std::size_t>(state.range(0));
    NoiseGenerator n;
    n.prepare({kRate, static_cast<std::uint32_t>(block), 1});
    n.setColour(NoiseColour::Pink);
    n.setLevelDb(-24.0f);
    n.reset();
    const auto sidechain = voiceLikeBlock(block);
    std::vector<float> out(block);
    for (auto _ : state) {
        n.process(sidechain.data(), out.data(), out.size());
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(block));
}
BENCHMARK(BM_NoiseGeneratorFollowingSidechainBlock)->Arg(64)->Arg(128)->Arg(256)->Arg(512);
