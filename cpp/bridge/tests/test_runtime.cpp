// The C ABI end to end: a real embedded interpreter, real scripts, real msgpack.
#include <gtest/gtest.h>
#include <msgpack.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "aicore/aicore.h"

namespace fs = std::filesystem;

namespace {

struct ScriptDir {
    fs::path path;
    explicit ScriptDir(const std::string& name) {
        path = fs::temp_directory_path() / ("aicore_bridge_test_" + name + "_" + std::to_string(::getpid()));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~ScriptDir() { fs::remove_all(path); }
    void write(const std::string& file, const std::string& code) const { std::ofstream(path / file) << code; }
};

struct Runtime {
    aicore_runtime* rt = nullptr;
    std::vector<std::string> logs;

    explicit Runtime(const ScriptDir* scripts = nullptr, double frameBudgetMs = 50.0, double handlerBudgetMs = 5.0) {
        aicore_runtime_config config;
        aicore_runtime_config_init(&config);
        config.python_home = AICORE_TEST_PYTHON_HOME;
        config.python_venv = AICORE_TEST_VENV;
        config.content_root = AICORE_TEST_CONTENT;
        config.max_npcs = 64;
        config.frame_budget_ms = frameBudgetMs;
        config.handler_budget_ms = handlerBudgetMs;
        std::string dir = scripts ? scripts->path.string() : std::string();
        const char* dirs[] = {dir.c_str()};
        config.script_dirs = dirs;
        config.script_dir_count = scripts ? 1 : 0;
        config.log = [](void* user, int, const char* message) {
            static_cast<std::vector<std::string>*>(user)->emplace_back(message);
        };
        config.log_user = &logs;
        const auto r = aicore_runtime_create(&config, &rt);
        if (r != AICORE_OK) ADD_FAILURE() << "create failed: " << aicore_last_create_error();
    }
    // A runtime made from `config` exactly as the test set it.
    explicit Runtime(const aicore_runtime_config& config) {
        const auto r = aicore_runtime_create(&config, &rt);
        if (r != AICORE_OK) ADD_FAILURE() << "create failed: " << aicore_last_create_error();
    }
    ~Runtime() { aicore_runtime_destroy(rt); }

    aicore_metrics metrics() const {
        aicore_metrics m{};
        m.struct_size = sizeof(m);
        aicore_metrics_get(rt, &m);
        return m;
    }

    // Drains commands and returns the `text` of each `say` command, in order.
    std::vector<std::string> saidTexts() {
        std::vector<std::uint8_t> buffer(1 << 16);
        std::size_t written = 0;
        EXPECT_EQ(aicore_drain_commands(rt, buffer.data(), buffer.size(), &written), AICORE_OK);
        msgpack_unpacked u;
        msgpack_unpacked_init(&u);
        std::vector<std::string> out;
        if (msgpack_unpack_next(&u, reinterpret_cast<const char*>(buffer.data()), written, nullptr) ==
                MSGPACK_UNPACK_SUCCESS &&
            u.data.type == MSGPACK_OBJECT_ARRAY) {
            for (std::uint32_t i = 0; i < u.data.via.array.size; ++i) {
                const auto& m = u.data.via.array.ptr[i].via.map;
                for (std::uint32_t k = 0; k < m.size; ++k) {
                    const auto& kv = m.ptr[k];
                    if (std::string(kv.key.via.str.ptr, kv.key.via.str.size) == "text")
                        out.emplace_back(kv.val.via.str.ptr, kv.val.via.str.size);
                }
            }
        }
        msgpack_unpacked_destroy(&u);
        return out;
    }
};

std::vector<std::uint8_t> pack(const std::string& pythonLikeType, std::uint32_t npc) {
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    msgpack_pack_str_with_body(&pk, "v", 1);
    msgpack_pack_uint8(&pk, 1);
    msgpack_pack_str_with_body(&pk, "type", 4);
    msgpack_pack_str_with_body(&pk, pythonLikeType.data(), pythonLikeType.size());
    msgpack_pack_str_with_body(&pk, "npc", 3);
    msgpack_pack_uint32(&pk, npc);
    std::vector<std::uint8_t> out(sb.data, sb.data + sb.size);
    msgpack_sbuffer_destroy(&sb);
    return out;
}

const char* kCounter = R"(
def on_frame(runtime, dt, events):
    runtime.emit({"type": "say", "npc": 0, "text": f"frame {runtime.frame} events {len(events)}"})
)";

}  // namespace

TEST(Runtime, CreatesDestroysAndCreatesAgainInOneProcessWithoutRestartingPython) {
    for (int i = 0; i < 3; ++i) {
        Runtime r;
        ASSERT_NE(r.rt, nullptr);
        EXPECT_EQ(aicore_tick(r.rt, 1.0 / 60.0), AICORE_OK);
    }
}

TEST(Runtime, RejectsAConfigThatWasNotInitialised) {
    aicore_runtime_config config{};
    aicore_runtime* rt = nullptr;
    EXPECT_EQ(aicore_runtime_create(&config, &rt), AICORE_INVALID_ARGUMENT);
    EXPECT_EQ(rt, nullptr);
    EXPECT_NE(std::string(aicore_last_create_error()).find("aicore_runtime_config_init"), std::string::npos);
}

TEST(Runtime, PythonSeesTheWorldBuffersAsViewsOverTheSameMemory) {
    ScriptDir dir("views");
    dir.write("views.py", R"(
def on_frame(runtime, dt, events):
    w = runtime.world
    address = w.position.__array_interface__["data"][0]
    runtime.emit({"type": "say", "npc": 0, "text": f"{address} {w.position[5, 1]:.2f}"})
    w.custom[5, 2] = 42.5  # written by Python, read by the engine
)");
    Runtime r(&dir);
    aicore_world world{};
    ASSERT_EQ(aicore_world_get(r.rt, &world), AICORE_OK);
    world.position[5 * 3 + 1] = 7.25f;  // written by the engine, read by Python
    ASSERT_EQ(aicore_tick(r.rt, 0.016), AICORE_OK);
    const auto said = r.saidTexts();
    ASSERT_EQ(said.size(), 1u);
    EXPECT_EQ(said[0], std::to_string(reinterpret_cast<std::uintptr_t>(world.position)) + " 7.25");
    EXPECT_EQ(world.custom[5 * world.custom_channels + 2], 42.5f);
}

TEST(Runtime, EventsReachScriptsAndMalformedOnesAreRejectedWithAReason) {
    ScriptDir dir("events");
    dir.write("counter.py", kCounter);
    Runtime r(&dir);
    const auto good = pack("player_seen", 3);
    ASSERT_EQ(aicore_push_events(r.rt, good.data(), good.size()), AICORE_OK);
    const auto unknown = pack("teleport", 3);
    EXPECT_EQ(aicore_push_events(r.rt, unknown.data(), unknown.size()), AICORE_BAD_MESSAGE);
    EXPECT_STREQ(aicore_runtime_last_error(r.rt), "event 0: unknown type 'teleport'");
    const auto missing = pack("damaged", 3);  // no amount
    EXPECT_EQ(aicore_push_events(r.rt, missing.data(), missing.size()), AICORE_BAD_MESSAGE);
    EXPECT_STREQ(aicore_runtime_last_error(r.rt), "event 0: damaged: missing field 'amount'");
    const std::uint8_t garbage[] = {0xc1, 0xff, 0x00};
    EXPECT_EQ(aicore_push_events(r.rt, garbage, sizeof(garbage)), AICORE_BAD_MESSAGE);
    ASSERT_EQ(aicore_tick(r.rt, 0.016), AICORE_OK);
    EXPECT_EQ(r.saidTexts(), std::vector<std::string>{"frame 0 events 1"});
    const auto m = r.metrics();
    EXPECT_EQ(m.events_in, 1u);
    EXPECT_EQ(m.rejected_messages, 3u);
}

TEST(Runtime, DrainReportsTheSizeItNeedsWhenTheBufferIsTooSmall) {
    ScriptDir dir("drain");
    dir.write("counter.py", kCounter);
    Runtime r(&dir);
    ASSERT_EQ(aicore_tick(r.rt, 0.016), AICORE_OK);
    std::uint8_t tiny[4];
    std::size_t written = 0;
    EXPECT_EQ(aicore_drain_commands(r.rt, tiny, sizeof(tiny), &written), AICORE_FULL);
    EXPECT_GT(written, sizeof(tiny));
    EXPECT_EQ(r.saidTexts().size(), 1u) << "a refused drain keeps the commands";
}

// Each way a script can fail: the tick still succeeds, the error is counted, and the other
// script keeps running in the same and the following frames.
class ScriptFailure : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(ScriptFailure, NeverKillsTheHostAndTheNextFramesRun) {
    const auto [name, body] = GetParam();
    ScriptDir dir(name);
    dir.write("a_counter.py", kCounter);
    dir.write("b_broken.py", std::string("def on_frame(runtime, dt, events):\n") + body + "\n");
    Runtime r(&dir, 40.0);
    for (int frame = 0; frame < 3; ++frame) {
        const auto t0 = std::chrono::steady_clock::now();
        ASSERT_EQ(aicore_tick(r.rt, 0.016), AICORE_OK) << name;
        const auto said = r.saidTexts();
        ASSERT_EQ(said.size(), 1u) << name;
        EXPECT_EQ(said[0], "frame " + std::to_string(frame) + " events 0");
        (void)t0;
    }
    EXPECT_GE(r.metrics().script_errors, 3u) << name;
    bool reported = false;
    for (const auto& line : r.logs) reported |= line.find("b_broken") != std::string::npos;
    EXPECT_TRUE(reported) << name << ": the failure was not reported";
}

INSTANTIATE_TEST_SUITE_P(
    EveryFailureMode, ScriptFailure,
    ::testing::Values(std::make_pair("exception", "    raise ValueError('boom')"),
                      std::make_pair("system_exit", "    raise SystemExit(3)"),
                      std::make_pair("keyboard_interrupt", "    raise KeyboardInterrupt"),
                      std::make_pair("recursion", "    def f(n):\n        return f(n + 1)\n    f(0)"),
                      std::make_pair("memory", "    b = bytearray(1 << 62)"),
                      std::make_pair("runaway_loop", "    while True:\n        pass"),
                      std::make_pair("runaway_swallowing", "    while True:\n        try:\n            pass\n        except Exception:\n            pass")),
    [](const auto& info) { return std::string(info.param.first); });

TEST(Runtime, RendersTheVoiceOfALineAScriptStarts) {
    ScriptDir dir("voice");
    dir.write("speaker.py", R"(
import numpy as np

def on_frame(runtime, dt, events):
    if runtime.frame == 0:
        t = np.arange(24000) / 24000.0
        tone = (0.3 * np.sin(2 * np.pi * 140 * t)).astype(np.float32)
        clip = runtime.audio.add_clip(tone, 24000.0)
        voice = runtime.audio.play_clip(clip, "ghoul", (0.0, 1.0, 0.0), 1.0, 0, 1)
        runtime.emit({"type": "say", "npc": 0, "text": str(voice)})
)");
    // Analysing a clip on the game thread is the clip worker's job in a real game; this
    // script does it in on_frame, so it gets a budget for it (CPU time, so a busy machine
    // does not matter).
    Runtime r(&dir, 50.0, 1000.0);
    ASSERT_EQ(aicore_audio_prepare(r.rt, 24000.0, 256), AICORE_OK);
    ASSERT_EQ(aicore_tick(r.rt, 0.016), AICORE_OK);
    const auto said = r.saidTexts();
    ASSERT_EQ(said.size(), 1u);
    EXPECT_GT(std::stol(said[0]), 0);
    std::vector<float> left(256), right(256);
    double energy = 0.0;
    for (int b = 0; b < 40; ++b) {
        ASSERT_EQ(aicore_audio_render(r.rt, left.data(), right.data(), 256), AICORE_OK);
        for (float x : left) energy += x * x;
    }
    EXPECT_GT(energy, 1.0);
    EXPECT_EQ(r.metrics().active_voices, 1u);
}

namespace {

aicore_runtime* createWithContent(aicore_runtime_config& config, std::vector<std::string>* logs) {
    config.python_home = AICORE_TEST_PYTHON_HOME;
    config.python_venv = AICORE_TEST_VENV;
    config.max_npcs = 8;
    config.log = [](void* user, int, const char* message) {
        static_cast<std::vector<std::string>*>(user)->emplace_back(message);
    };
    config.log_user = logs;
    aicore_runtime* rt = nullptr;
    if (aicore_runtime_create(&config, &rt) != AICORE_OK) ADD_FAILURE() << aicore_last_create_error();
    return rt;
}

}  // namespace

TEST(ContentRoots, ALayeredRootsBrokenFileIsOneProblemNamingItsFileAndField) {
    ScriptDir overlay("content_overlay");
    fs::create_directories(overlay.path / "dialogue");
    overlay.write("dialogue/lamplighter.toml", "[[line]]\nid = \"x\"\ntopic = \"greeting\"\n");
    const std::string root = overlay.path.string();
    const char* roots[] = {root.c_str()};
    aicore_runtime_config config;
    aicore_runtime_config_init(&config);
    config.content_root = AICORE_TEST_CONTENT;
    config.content_roots = roots;
    config.content_root_count = 1;
    std::vector<std::string> logs;
    aicore_runtime* rt = createWithContent(config, &logs);
    ASSERT_NE(rt, nullptr);
    ASSERT_EQ(aicore_runtime_content_problem_count(rt), 1u);
    aicore_content_problem p{};
    ASSERT_EQ(aicore_runtime_content_problem(rt, 0, &p), AICORE_OK);
    EXPECT_STREQ(p.system, "dialogue");
    ASSERT_NE(p.file, nullptr);
    EXPECT_EQ(fs::path(p.file).filename(), "lamplighter.toml");
    ASSERT_NE(p.field, nullptr);
    EXPECT_STREQ(p.field, "text");
    EXPECT_EQ(aicore_runtime_content_problem(rt, 1, &p), AICORE_INVALID_ARGUMENT);
    aicore_runtime_destroy(rt);
}

TEST(ContentRoots, EachSystemThatCannotStartIsAProblemWithoutAFile) {
    ScriptDir empty("content_empty");
    const std::string root = empty.path.string();
    const char* roots[] = {root.c_str()};
    aicore_runtime_config config;
    aicore_runtime_config_init(&config);
    config.content_roots = roots;  // no content_root: the roots alone are the content
    config.content_root_count = 1;
    std::vector<std::string> logs;
    aicore_runtime* rt = createWithContent(config, &logs);
    ASSERT_NE(rt, nullptr);
    std::vector<std::string> off;
    for (std::uint32_t i = 0; i < aicore_runtime_content_problem_count(rt); ++i) {
        aicore_content_problem p{};
        ASSERT_EQ(aicore_runtime_content_problem(rt, i, &p), AICORE_OK);
        EXPECT_EQ(p.file, nullptr);
        EXPECT_NE(std::string(p.reason), "");
        off.emplace_back(p.system);
    }
    EXPECT_EQ(off, (std::vector<std::string>{"voice_lines", "dialogue", "story", "knowledge"}));
    aicore_runtime_destroy(rt);
}

TEST(ContentRoots, AConfigFromBeforeContentRootsIsStillAcceptedAndTheirFieldsUnread) {
    aicore_runtime_config config;
    aicore_runtime_config_init(&config);
    config.content_root = AICORE_TEST_CONTENT;
    config.struct_size = offsetof(aicore_runtime_config, content_roots);
    // What an older caller's memory may hold past its struct: never read.
    config.content_roots = reinterpret_cast<const char* const*>(std::uintptr_t{1});
    config.content_root_count = 7;
    std::vector<std::string> logs;
    aicore_runtime* rt = createWithContent(config, &logs);
    ASSERT_NE(rt, nullptr);
    EXPECT_EQ(aicore_runtime_content_problem_count(rt), 0u);
    aicore_runtime_destroy(rt);
}

TEST(Runtime, MetricsWriteOnlyTheFieldsTheCallersStructHas) {
    Runtime r;
    ASSERT_EQ(aicore_tick(r.rt, 0.016), AICORE_OK);
    // An engine built against the first header: its struct ends after active_voices, and
    // whatever it keeps behind that must not be touched.
    constexpr std::uint32_t kFirstVersionSize = offsetof(aicore_metrics, active_voices) + sizeof(std::uint32_t);
    alignas(aicore_metrics) unsigned char memory[sizeof(aicore_metrics) + 16];
    std::memset(memory, 0xAB, sizeof memory);
    std::memcpy(memory, &kFirstVersionSize, sizeof kFirstVersionSize);
    ASSERT_EQ(aicore_metrics_get(r.rt, reinterpret_cast<aicore_metrics*>(memory)), AICORE_OK);
    aicore_metrics old{};
    std::memcpy(&old, memory, kFirstVersionSize);
    EXPECT_EQ(old.struct_size, kFirstVersionSize);
    EXPECT_EQ(old.frames, 1u);
    for (std::size_t i = kFirstVersionSize; i < sizeof memory; ++i)
        ASSERT_EQ(memory[i], 0xAB) << "byte " << i << " past the caller's struct was written";

    aicore_metrics current{};
    current.struct_size = sizeof current;
    ASSERT_EQ(aicore_metrics_get(r.rt, &current), AICORE_OK);
    EXPECT_EQ(current.struct_size, sizeof current);
    EXPECT_GE(current.last_gc_us, 0.0);

    aicore_metrics tooSmall{};
    tooSmall.struct_size = sizeof(std::uint32_t);
    EXPECT_EQ(aicore_metrics_get(r.rt, &tooSmall), AICORE_INVALID_ARGUMENT);
}

TEST(Runtime, GarbageCollectionIsTimedApartFromTheBridgeCrossing) {
    ScriptDir dir("gc");
    // Frame 1 leaves thousands of reference cycles behind: only the collector frees them.
    dir.write("litter.py", R"(
import weakref

class Node:
    pass

probe = []

def on_frame(runtime, dt, events):
    if runtime.frame == 1:
        for _ in range(5000):
            a, b = Node(), Node()
            a.other, b.other = b, a
        probe.append(weakref.ref(a))
    if runtime.frame == 2:
        runtime.emit({"type": "say", "npc": 0, "text": "alive" if probe[0]() else "collected"})
)");
    Runtime r(&dir);
    ASSERT_EQ(aicore_tick(r.rt, 0.016), AICORE_OK);
    const double quietGc = r.metrics().last_gc_us;
    ASSERT_EQ(aicore_tick(r.rt, 0.016), AICORE_OK);
    const aicore_metrics litter = r.metrics();
    // The collection ran after the scripts of the littering frame and was counted as GC,
    // not as crossing; a quiet frame's check costs next to nothing and is no collection.
    EXPECT_GT(litter.last_gc_us, 0.0);
    EXPECT_GE(quietGc, 0.0);
    EXPECT_GE(litter.last_bridge_us, 0.0);
    EXPECT_LE(litter.last_gc_us + litter.last_bridge_us, litter.last_tick_us);
    ASSERT_EQ(aicore_tick(r.rt, 0.016), AICORE_OK);
    EXPECT_EQ(r.saidTexts().back(), "collected");
}

TEST(Runtime, KindFindTellsALoadedKindFromAMisspeltOne) {
    ScriptDir dir("kinds");
    dir.write("bell.py", R"(
from engine_bridge.api import Npc

class Bell(Npc):
    kind = "bell"
    archetype = "wraith"

class Stone(Npc):
    kind = "stone"
)");
    Runtime r(&dir);
    const char* archetype = nullptr;
    ASSERT_EQ(aicore_kind_find(r.rt, "bell", &archetype), AICORE_OK);
    EXPECT_STREQ(archetype, "wraith");
    ASSERT_EQ(aicore_kind_find(r.rt, "stone", &archetype), AICORE_OK);
    EXPECT_STREQ(archetype, "");
    EXPECT_EQ(aicore_kind_find(r.rt, "stone", nullptr), AICORE_OK);
    EXPECT_EQ(aicore_kind_find(r.rt, "bel", &archetype), AICORE_NOT_FOUND);
    const std::string why = aicore_runtime_last_error(r.rt);
    EXPECT_NE(why.find("'bel'"), std::string::npos) << why;
    EXPECT_NE(why.find("defined: bell, stone"), std::string::npos) << why;
    EXPECT_EQ(aicore_kind_find(r.rt, nullptr, &archetype), AICORE_INVALID_ARGUMENT);
    EXPECT_EQ(aicore_kind_find(nullptr, "bell", &archetype), AICORE_INVALID_ARGUMENT);
}

TEST(Runtime, ADefaultConfiguredRuntimeHasTheDocumentedDefaults) {
    // aicore.h documents these numbers next to the config's fields; the macros name them.
    aicore_runtime_config config;
    aicore_runtime_config_init(&config);
    EXPECT_EQ(config.max_npcs, 1024u);
    EXPECT_EQ(config.custom_channels, 4u);
    EXPECT_EQ(config.frame_budget_ms, 10.0);
    EXPECT_EQ(config.handler_budget_ms, 5.0);
    EXPECT_EQ(config.max_npcs, AICORE_DEFAULT_MAX_NPCS);
    EXPECT_EQ(config.custom_channels, AICORE_DEFAULT_CUSTOM_CHANNELS);
    EXPECT_EQ(config.frame_budget_ms, AICORE_DEFAULT_FRAME_BUDGET_MS);
    EXPECT_EQ(config.handler_budget_ms, AICORE_DEFAULT_HANDLER_BUDGET_MS);

    ScriptDir dir("defaults");
    dir.write("budgets.py", R"(
def on_frame(runtime, dt, events):
    s = runtime.scheduler
    runtime.emit({"type": "say", "npc": 0, "text": f"{s.frame_budget_s} {s.handler_budget_s}"})
)");
    const std::string scripts = dir.path.string();
    const char* dirs[] = {scripts.c_str()};
    config.python_home = AICORE_TEST_PYTHON_HOME;
    config.python_venv = AICORE_TEST_VENV;
    config.content_root = AICORE_TEST_CONTENT;
    config.script_dirs = dirs;
    config.script_dir_count = 1;
    // A budget of 0 (or less) means the default too.
    for (const double budget : {-1.0, 0.0, AICORE_DEFAULT_FRAME_BUDGET_MS}) {
        config.frame_budget_ms = budget;
        config.handler_budget_ms = budget < 0.5 ? budget : AICORE_DEFAULT_HANDLER_BUDGET_MS;
        Runtime r(config);
        ASSERT_NE(r.rt, nullptr);
        aicore_world world{};
        ASSERT_EQ(aicore_world_get(r.rt, &world), AICORE_OK);
        EXPECT_EQ(world.capacity, 1024u);
        EXPECT_EQ(world.custom_channels, 4u);
        ASSERT_EQ(aicore_tick(r.rt, 1.0 / 60.0), AICORE_OK);
        EXPECT_EQ(r.saidTexts(), std::vector<std::string>{"0.01 0.005"}) << "budget " << budget;
    }
}
