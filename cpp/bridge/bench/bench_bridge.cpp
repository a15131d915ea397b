// The cost of crossing the C ABI: a frame with no designer logic (GIL once, the world views,
// one msgpack batch each way) at 100 / 1 000 / 10 000 NPC slots, and message throughput.
// Targets (issue): <= 10 us per frame at 1 000 NPCs; >= 1 M small messages/s.
#include <benchmark/benchmark.h>
#include <msgpack.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "aicore/aicore.h"

namespace {

aicore_runtime* makeRuntime(std::uint32_t npcs, const char* scriptDir = nullptr) {
    aicore_runtime_config config;
    aicore_runtime_config_init(&config);
    config.python_home = AICORE_BENCH_PYTHON_HOME;
    config.python_venv = AICORE_BENCH_VENV;
    config.max_npcs = npcs;
    const char* dirs[] = {scriptDir};
    config.script_dirs = dirs;
    config.script_dir_count = scriptDir ? 1 : 0;
    config.log = [](void*, int, const char*) {};
    aicore_runtime* rt = nullptr;
    if (aicore_runtime_create(&config, &rt) != AICORE_OK) std::abort();
    return rt;
}

std::vector<std::uint8_t> eventBatch(std::uint32_t count) {
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, count);
    for (std::uint32_t i = 0; i < count; ++i) {
        msgpack_pack_map(&pk, 3);
        msgpack_pack_str_with_body(&pk, "v", 1);
        msgpack_pack_uint8(&pk, 1);
        msgpack_pack_str_with_body(&pk, "type", 4);
        msgpack_pack_str_with_body(&pk, "player_seen", 11);
        msgpack_pack_str_with_body(&pk, "npc", 3);
        msgpack_pack_uint32(&pk, i);
    }
    std::vector<std::uint8_t> out(sb.data, sb.data + sb.size);
    msgpack_sbuffer_destroy(&sb);
    return out;
}

void BM_BridgeFrame(benchmark::State& state) {
    const auto npcs = static_cast<std::uint32_t>(state.range(0));
    aicore_runtime* rt = makeRuntime(npcs);
    aicore_world world{};
    aicore_world_get(rt, &world);
    const auto events = eventBatch(4);
    std::vector<std::uint8_t> commands(1 << 16);
    std::size_t written = 0;
    double bridgeUs = 0.0, gcUs = 0.0;
    for (auto _ : state) {
        world.position[0] += 0.01f;  // the engine writes; Python sees it without a copy
        aicore_push_events(rt, events.data(), events.size());
        aicore_tick(rt, 1.0 / 60.0);
        aicore_drain_commands(rt, commands.data(), commands.size(), &written);
        aicore_metrics m{};
        m.struct_size = sizeof m;
        aicore_metrics_get(rt, &m);
        bridgeUs += m.last_bridge_us;
        gcUs += m.last_gc_us;
    }
    state.counters["bridge_us"] = benchmark::Counter(bridgeUs, benchmark::Counter::kAvgIterations);
    state.counters["gc_us"] = benchmark::Counter(gcUs, benchmark::Counter::kAvgIterations);
    aicore_runtime_destroy(rt);
}
BENCHMARK(BM_BridgeFrame)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

void BM_PushEvents(benchmark::State& state) {
    aicore_runtime* rt = makeRuntime(1024);
    const auto batch = eventBatch(static_cast<std::uint32_t>(state.range(0)));
    int pushes = 0;
    for (auto _ : state) {
        aicore_push_events(rt, batch.data(), batch.size());
        if (++pushes == 64) {  // let the pending queue drain, outside the measurement
            state.PauseTiming();
            aicore_tick(rt, 0.0);
            pushes = 0;
            state.ResumeTiming();
        }
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    aicore_runtime_destroy(rt);
}
BENCHMARK(BM_PushEvents)->Arg(1000);

void BM_CommandsRoundTrip(benchmark::State& state) {
    // A script emits N small commands a frame; the engine drains them: Python's encode plus
    // the ABI's copy, per command.
    const auto dir = std::filesystem::temp_directory_path() / "aicore_bench_commands";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "emitter.py") << "import msgpack\n"
                                         "def on_frame(runtime, dt, events):\n"
                                         "    c = {'v': 1, 'type': 'emote', 'npc': 1, 'emote': 'snarl'}\n"
                                         "    runtime._commands.extend([c] * " << state.range(0) << ")\n";
    aicore_runtime* rt = makeRuntime(1024, dir.string().c_str());
    std::vector<std::uint8_t> buffer(1 << 22);
    std::size_t written = 0;
    for (auto _ : state) {
        aicore_tick(rt, 0.0);
        aicore_drain_commands(rt, buffer.data(), buffer.size(), &written);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    aicore_runtime_destroy(rt);
    std::filesystem::remove_all(dir);
}
BENCHMARK(BM_CommandsRoundTrip)->Arg(1000)->Unit(benchmark::kMicrosecond);

}  // namespace
