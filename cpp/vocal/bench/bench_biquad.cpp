#include <benchmark/benchmark.h>

#include <vector>

#include "aicore/vocal/biquad.h"

using namespace aicore::vocal;

static void BM_BiquadProcessBlock(benchmark::State& state) {
    const auto block = static_cast<std::size_t>(state.range(0));
    Biquad b;
    b.prepare({48000.0, static_cast<std::uint32_t>(block), 1});
    b.setParameters(BiquadType::Peak, 1200.0, 1.0, 6.0);
    std::vector<float> buf(block, 0.25f);
    for (auto _ : state) {
        b.process(buf.data(), buf.size());
        benchmark::DoNotOptimize(buf.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<long>(block));
}
BENCHMARK(BM_BiquadProcessBlock)->Arg(64)->Arg(128)->Arg(256)->Arg(512);
