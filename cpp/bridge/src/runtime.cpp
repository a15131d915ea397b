// The C ABI of aicore.h: an engine's one door into the scripting runtime.
//
// Threads: every function but aicore_audio_render runs on the game thread (one at a time).
// The GIL is taken once per aicore_tick (and by create/destroy/spawn); audio rendering
// never touches Python, locks or the heap.
#include <Python.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "aicore/aicore.h"
#include "aicore/vocal/clip_bank.h"
#include "aicore/vocal/presets.h"
#include "aicore/vocal/voice_engine.h"
#include "aicore/vocal/voice_engine_slot.h"
#include "event_validation.h"
#include "message_text.h"
#include "python_interpreter.h"
#include "watchdog.h"

namespace py = pybind11;
using aicore::bridge::ValidatedEvents;
using aicore::bridge::printable;

namespace {

thread_local std::string tlsCreateError;

double microsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

struct aicore_runtime {
    // Configuration (copied: the caller's strings are borrowed only during create).
    std::string contentRoot, saveDir, pythonHome, venv;
    std::vector<std::string> contentRoots;  // all of them, in layering order
    std::vector<std::string> scriptDirs;

    // What content did not load (filled once at create, read through the C ABI).
    struct ContentProblem {
        std::string system, file, field, reason;
        bool hasFile = false, hasField = false;
        std::uint32_t line = 0;
    };
    std::vector<ContentProblem> contentProblems;
    aicore_log_fn log = nullptr;
    void* logUser = nullptr;
    std::uint32_t capacity = 0, channels = 0;
    double frameBudgetMs = 8.0, handlerBudgetMs = 2.0;
    std::uint32_t debugPort = 0;

    // World buffers: owned here, written by the engine, viewed by numpy.
    std::vector<float> position, velocity, heading, health, custom, playerPosition;
    std::vector<std::uint32_t> perception;
    std::vector<std::uint8_t> alive;

    // Messages.
    ValidatedEvents events;               // pending for the next ticks
    std::uint32_t eventsTaken = 0;        // of `events`, how many earlier ticks handed over
    std::uint32_t carriedEvents = 0;      // queued in Python after the last tick
    std::vector<std::uint8_t> eventBatch; // the tick's events as one array, reused per tick
    std::vector<std::uint8_t> commands;   // elements of the pending command array, back to back
    std::uint32_t commandCount = 0;

    aicore_metrics metrics{};
    // Set by every call on the runtime that does not return AICORE_OK (mutable: the const
    // queries report their refusals too).
    mutable std::string lastError;
    std::string kindArchetype;  // aicore_kind_find's answer, valid until the next call

    // Audio: Python starts lines, the audio thread renders. The bank lives as long as the
    // runtime (clips load before audio is prepared and survive a re-prepare; the loader
    // thread never sees it replaced); declared before the engines that borrow from it.
    // aicore_audio_prepare swaps a new engine into `audio` (voice_engine_slot.h).
    aicore::vocal::ClipBank bank{512};
    aicore::vocal::VoiceEngineSlot audio;
    // The ends of the lines a re-prepare cut (game thread; line_events reports them first).
    std::vector<aicore::vocal::VoiceNotification> endedLines;

    // Python side (touched only with the GIL held).
    std::unique_ptr<py::object> runtime;
    // The exception the watchdog raises: held here for as long as the watchdog may raise it
    // (one reference per runtime, released with it — not one leaked per create).
    std::unique_ptr<py::object> timeoutType;
    std::unique_ptr<aicore::bridge::Watchdog> watchdog;
    // Shared with the scheduler, which marks each handler in it (engine_bridge/core/budget.py).
    alignas(64) std::uint64_t gate[aicore::bridge::kGateWords] = {};

    void logMessage(int level, const std::string& message) const {
        if (log != nullptr) {
            log(logUser, level, message.c_str());
        } else {
            std::fprintf(stderr, "aicore: %s\n", message.c_str());
        }
    }
    aicore_result fail(aicore_result code, std::string message) const {
        lastError = std::move(message);
        return code;
    }
};

namespace {

// The embedded module scripts never import directly: the Runtime receives a Bridge object.
// Created once per process and kept in sys.modules (never in a C++ static: the interpreter
// outlives every C++ object, so a static py::object would be released at exit without it).
void ensureBridgeModule() {
    static py::module_::module_def def;
    static bool created = false;
    if (created) return;
    created = true;
    {
        py::module_ mod = py::module_::create_extension_module("_aicore_bridge", "AI Core bridge (private)", &def);
        py::class_<aicore_runtime, std::unique_ptr<aicore_runtime, py::nodelete>>(mod, "Bridge")
            .def("world_buffers",
                 [](aicore_runtime& rt) {
                     auto view = [](void* data, std::size_t bytes) {
                         return py::memoryview::from_memory(data, static_cast<py::ssize_t>(bytes), false);
                     };
                     py::dict d;
                     d["position"] = view(rt.position.data(), rt.position.size() * sizeof(float));
                     d["velocity"] = view(rt.velocity.data(), rt.velocity.size() * sizeof(float));
                     d["heading"] = view(rt.heading.data(), rt.heading.size() * sizeof(float));
                     d["health"] = view(rt.health.data(), rt.health.size() * sizeof(float));
                     d["perception"] = view(rt.perception.data(), rt.perception.size() * sizeof(std::uint32_t));
                     d["custom"] = view(rt.custom.data(), rt.custom.size() * sizeof(float));
                     d["alive"] = view(rt.alive.data(), rt.alive.size());
                     d["player_position"] = view(rt.playerPosition.data(), 3 * sizeof(float));
                     return d;
                 })
            .def_property_readonly("capacity", [](const aicore_runtime& rt) { return rt.capacity; })
            .def_property_readonly("channels", [](const aicore_runtime& rt) { return rt.channels; })
            .def("log", [](const aicore_runtime& rt, int level, const std::string& msg) { rt.logMessage(level, msg); })
            .def("add_clip",
                 [](aicore_runtime& rt, py::array_t<float, py::array::c_style | py::array::forcecast> samples,
                    double sampleRate) -> py::object {
                     // Loader thread (the runtime's clip worker): analysis runs without the GIL.
                     // The bank is never replaced, so this needs nothing from the audio
                     // side: a clip loaded before aicore_audio_prepare plays after it.
                     std::vector<float> data(samples.data(), samples.data() + samples.size());
                     aicore::vocal::ClipId id;
                     {
                         py::gil_scoped_release release;
                         rt.bank.collect();
                         id = rt.bank.add(aicore::vocal::analyseClip(std::move(data), sampleRate));
                     }
                     if (!id.valid()) return py::none();
                     return py::make_tuple(id.slot, id.generation);
                 })
            .def("free_clip",
                 [](aicore_runtime& rt, std::tuple<std::uint32_t, std::uint32_t> clip) {
                     rt.bank.retire({std::get<0>(clip), std::get<1>(clip)});
                 })
            .def("play_clip",
                 [](aicore_runtime& rt, std::tuple<std::uint32_t, std::uint32_t> clip, const std::string& archetype,
                    std::tuple<float, float, float> position, float intensity, int priority,
                    std::uint64_t seed) -> long long {
                     // Game thread, like aicore_audio_prepare: the engine cannot change meanwhile.
                     aicore::vocal::VoiceEngine* engine = rt.audio.engine();
                     if (engine == nullptr) return -1;  // audio not prepared: the line is silent
                     const std::size_t index = engine->archetypeIndex(archetype);
                     if (index == SIZE_MAX) throw py::value_error("unknown archetype '" + archetype + "'");
                     aicore::vocal::VoiceCommand c;
                     c.type = aicore::vocal::VoiceCommand::Type::Start;
                     c.voice = rt.audio.newVoiceHandle();  // unique across re-prepares
                     c.clip = {std::get<0>(clip), std::get<1>(clip)};
                     c.archetype = static_cast<std::uint16_t>(index);
                     c.position = {std::get<0>(position), std::get<1>(position), std::get<2>(position)};
                     c.intensity = intensity;
                     c.priority = priority;
                     c.seed = seed;
                     return engine->trySend(c) ? static_cast<long long>(c.voice) : -1;
                 })
            .def_property_readonly("gate",
                                   [](aicore_runtime& rt) {
                                       return py::memoryview::from_buffer(
                                           rt.gate, {static_cast<py::ssize_t>(aicore::bridge::kGateWords)},
                                           {static_cast<py::ssize_t>(sizeof(std::uint64_t))});
                                   })
            .def("enter", [](aicore_runtime&) {})  // aicore_tick tells the watchdog the thread
            .def("cancel_pending", [](aicore_runtime& rt) {
                // An interrupt raised but not delivered must not hit the next handler.
                if (rt.watchdog) rt.watchdog->cancelPendingInterrupt();
            })
            .def("line_events", [](aicore_runtime& rt) {
                std::vector<std::tuple<std::string, std::uint32_t, std::uint64_t>> out;
                static const char* names[] = {"started", "finished", "stolen", "rejected"};
                // First the ends of lines cut by a re-prepare (their engine is gone), then the
                // live engine's. sampleTime counts from each engine's prepare.
                for (const auto& n : rt.endedLines) out.emplace_back(names[static_cast<int>(n.type)], n.voice, n.sampleTime);
                rt.endedLines.clear();
                aicore::vocal::VoiceNotification n;
                aicore::vocal::VoiceEngine* engine = rt.audio.engine();
                while (engine != nullptr && engine->tryReceive(n))
                    out.emplace_back(names[static_cast<int>(n.type)], n.voice, n.sampleTime);
                return out;
            });
        py::module_::import("sys").attr("modules")["_aicore_bridge"] = mod;
    }
}

// A call into Python under the watchdog, from begin to end of scope (GIL held throughout).
// With a debugger attached a handler may sit at a breakpoint for minutes: that is not a
// runaway, so nothing is watched then.
class WatchedCall {
public:
    WatchedCall(aicore_runtime& rt, double cpuLimitMs, double wallLimitMs) : rt_(rt) {
        if (rt_.debugPort == 0 && rt_.watchdog) rt_.watchdog->begin(PyThreadState_Get()->thread_id, cpuLimitMs, wallLimitMs);
    }
    ~WatchedCall() {
        if (rt_.debugPort == 0 && rt_.watchdog) rt_.watchdog->end();
    }
    WatchedCall(const WatchedCall&) = delete;
    WatchedCall& operator=(const WatchedCall&) = delete;

private:
    aicore_runtime& rt_;
};

// A tick's (or spawn's) backstop, for runtime code between handlers: the scheduler defers
// work at the frame budget itself, and each handler has its own budget.
double callCpuLimitMs(const aicore_runtime& rt) { return std::max(100.0, 20.0 * rt.frameBudgetMs); }
double callWallLimitMs(const aicore_runtime& rt) { return std::max(500.0, 50.0 * rt.frameBudgetMs); }

// At most this many of the pending events enter the scripts' queue per tick (the scheduler
// then delivers them within the frame budget): decoding thousands at once would eat the frame.
constexpr std::uint32_t kEventsPerTick = 1024;

aicore_result createPythonSide(aicore_runtime& rt) {
    const aicore::bridge::InterpreterStatus status = aicore::bridge::ensureInterpreter(rt.pythonHome, rt.venv);
    if (status.code != AICORE_OK) return rt.fail(status.code, status.message);
    py::gil_scoped_acquire gil;
    try {
        ensureBridgeModule();
        py::object bridgeObj = py::cast(&rt, py::return_value_policy::reference);
        py::module_ worldMod = py::module_::import("engine_bridge.core.world");
        py::object world = worldMod.attr("World").attr("from_buffers")(bridgeObj.attr("world_buffers")(), rt.capacity,
                                                                       rt.channels);
        rt.timeoutType =
            std::make_unique<py::object>(py::module_::import("engine_bridge.core.errors").attr("ScriptTimeoutError"));
        const std::string runtimeDir =
            py::module_::import("os.path")
                .attr("dirname")(py::module_::import("engine_bridge").attr("__file__"))
                .cast<std::string>();
        rt.watchdog = std::make_unique<aicore::bridge::Watchdog>(rt.timeoutType->ptr(), rt.gate, runtimeDir);
        // Scripts load (module code, class bodies) under the gate's load budget, set by the
        // runtime; the creation as a whole has only a distant backstop.
        WatchedCall watched(rt, 60'000.0, 120'000.0);
        py::object runtimeCls = py::module_::import("engine_bridge.core.runtime").attr("Runtime");
        py::list dirs;
        for (const auto& d : rt.scriptDirs) dirs.append(d);
        py::list contentRoots;
        for (const auto& d : rt.contentRoots) contentRoots.append(d);
        rt.runtime = std::make_unique<py::object>(runtimeCls(
            world, py::arg("script_dirs") = dirs, py::arg("content_roots") = contentRoots,
            py::arg("save_dir") = rt.saveDir.empty() ? py::object(py::none()) : py::object(py::str(rt.saveDir)),
            py::arg("audio") = bridgeObj, py::arg("log_sink") = bridgeObj.attr("log"), py::arg("deadline") = bridgeObj,
            py::arg("handler_budget_s") = rt.handlerBudgetMs / 1000.0,
            py::arg("frame_budget_s") = rt.frameBudgetMs / 1000.0));
        if (rt.debugPort > 0) {
            py::module_::import("engine_bridge.tooling.debugging").attr("listen")(rt.debugPort);
        }
        // Content systems that are off, content files left out, and scripts that failed to
        // load ("scripts"): fixed at create.
        for (const auto& problem : rt.runtime->attr("problems")()) {
            const auto t = problem.cast<py::tuple>();
            aicore_runtime::ContentProblem p;
            p.system = t[0].cast<std::string>();
            p.hasFile = !t[1].is_none();
            if (p.hasFile) p.file = t[1].cast<std::string>();
            p.line = t[2].is_none() ? 0u : t[2].cast<std::uint32_t>();
            p.hasField = !t[3].is_none();
            if (p.hasField) p.field = t[3].cast<std::string>();
            p.reason = t[4].cast<std::string>();
            rt.contentProblems.push_back(std::move(p));
        }
    } catch (py::error_already_set& e) {
        return rt.fail(AICORE_PYTHON_ERROR, std::string("the Python runtime could not start: ") + e.what());
    }
    return AICORE_OK;
}

// Stops a runtime's Python side: the watchdog first (without the GIL: its thread may be
// waiting for it), then Runtime.close() (its threads, its log routing, its script modules),
// the references this runtime holds, and the garbage cycles they leave (the runtime's own
// objects are cyclic; left to the collector, the next create would gc.freeze() them).
void releasePythonSide(aicore_runtime& rt) {
    rt.watchdog.reset();
    if (!rt.runtime && !rt.timeoutType) return;
    py::gil_scoped_acquire gil;
    if (rt.runtime) {
        // Detach the Python side first: its log routing calls back into this runtime.
        try {
            rt.runtime->attr("close")();
        } catch (py::error_already_set& e) {
            rt.logMessage(AICORE_LOG_ERROR, std::string("closing the runtime: ") + e.what());
        }
        rt.runtime.reset();
    }
    rt.timeoutType.reset();
    try {
        py::module_::import("gc").attr("collect")();  // runs even while another runtime keeps gc off
    } catch (py::error_already_set&) {
    }
}

// A config's path: UTF-8 (the caller's bytes, checked), made absolute against the working
// directory now, so that a later chdir of the game does not move it.
bool takePath(const char* in, const char* what, std::string& out) {
    out = in != nullptr ? std::string(in) : std::string();
    if (out.empty()) return true;
    if (!aicore::bridge::isValidUtf8(out)) {
        tlsCreateError = std::string(what) + " '" + printable(out) + "' is not UTF-8";
        return false;
    }
    std::error_code ec;
    const std::filesystem::path absolute = std::filesystem::absolute(out, ec);
    if (!ec) out = absolute.lexically_normal().string();
    return true;
}

bool isFolder(const std::string& path) {
    std::error_code ec;
    return std::filesystem::is_directory(path, ec);
}

// The message for a kind no loaded script defines, with the kinds that are: a misspelling
// is obvious next to the right name (GIL held).
std::string unknownKindMessage(const aicore_runtime& rt, const char* kind) {
    std::string defined;
    for (const py::handle name : rt.runtime->attr("defined_kinds"))
        defined += (defined.empty() ? "" : ", ") + printable(name.cast<std::string>(), 64);
    return std::string("no loaded NPC script defines kind '") + printable(kind, 64) + "' (defined: " +
           (defined.empty() ? "none" : defined) + ")";
}

// Why `kind` cannot be spawned, or AICORE_OK (GIL held): AICORE_NOT_FOUND for a kind no
// loaded script defines, AICORE_SCRIPT_ERROR for one whose script failed to load.
aicore_result kindRefusal(const aicore_runtime& rt, const char* kind, std::string& why) {
    const py::object refusal = rt.runtime->attr("spawn_refusal")(kind);
    if (refusal.is_none()) return AICORE_OK;
    if (refusal.attr("code").cast<std::string>() == "script_error") {
        const std::string file = printable(refusal.attr("file").cast<std::string>());
        const py::object line = refusal.attr("line");
        why = "kind '" + printable(kind, 64) + "' is declared in " + file +
              ", which failed to load: " + file + (line.is_none() ? "" : ":" + py::str(line).cast<std::string>()) +
              ": " + refusal.attr("reason").cast<std::string>() + " (fix the script: it is reloaded when saved)";
        return AICORE_SCRIPT_ERROR;
    }
    why = unknownKindMessage(rt, kind);
    return AICORE_NOT_FOUND;
}

}  // namespace

extern "C" {

void aicore_runtime_config_init(aicore_runtime_config* config) {
    if (config == nullptr) return;
    std::memset(config, 0, sizeof(*config));
    config->struct_size = sizeof(*config);
    config->max_npcs = 1024;
    config->custom_channels = 4;
    config->frame_budget_ms = 10.0;
    config->handler_budget_ms = 5.0;
}

const char* aicore_last_create_error(void) { return tlsCreateError.c_str(); }

aicore_result aicore_runtime_create(const aicore_runtime_config* config, aicore_runtime** out) {
    tlsCreateError.clear();
    if (out != nullptr) *out = nullptr;
    // A config from before content_roots was added (C ABI 1.0) is still accepted.
    constexpr std::size_t kFirstConfigSize = offsetof(aicore_runtime_config, content_roots);
    if (out == nullptr || config == nullptr || config->struct_size < kFirstConfigSize) {
        tlsCreateError = "config and out must be non-NULL and the config initialised with aicore_runtime_config_init";
        return AICORE_INVALID_ARGUMENT;
    }
    if (config->max_npcs == 0 || config->max_npcs > (1u << 20) || config->custom_channels > 64) {
        tlsCreateError = "max_npcs must be 1..1048576 and custom_channels at most 64";
        return AICORE_INVALID_ARGUMENT;
    }
    auto rt = std::make_unique<aicore_runtime>();
    if (!takePath(config->content_root, "content_root", rt->contentRoot)) return AICORE_INVALID_ARGUMENT;
    if (!rt->contentRoot.empty()) rt->contentRoots.push_back(rt->contentRoot);
    if (config->struct_size >= offsetof(aicore_runtime_config, content_root_count) + sizeof(uint32_t) &&
        config->content_roots != nullptr) {
        for (std::uint32_t i = 0; i < config->content_root_count; ++i) {
            std::string root;
            if (!takePath(config->content_roots[i], "content_roots[i]", root)) return AICORE_INVALID_ARGUMENT;
            if (!root.empty()) rt->contentRoots.push_back(std::move(root));
        }
    }
    if (rt->contentRoot.empty() && !rt->contentRoots.empty()) rt->contentRoot = rt->contentRoots.front();
    if (!takePath(config->save_dir, "save_dir", rt->saveDir) ||
        !takePath(config->python_home, "python_home", rt->pythonHome) ||
        !takePath(config->python_venv, "python_venv", rt->venv))
        return AICORE_INVALID_ARGUMENT;
    for (std::uint32_t i = 0; i < config->script_dir_count && config->script_dirs != nullptr; ++i) {
        std::string dir;
        if (!takePath(config->script_dirs[i], "script_dirs[i]", dir)) return AICORE_INVALID_ARGUMENT;
        if (!dir.empty()) rt->scriptDirs.push_back(std::move(dir));
    }
    // A folder the config names must exist: running without the content or the scripts the
    // engine meant would look like a working game.
    for (const auto& root : rt->contentRoots) {
        if (!isFolder(root)) {
            tlsCreateError = "content root '" + printable(root) + "' is not a folder";
            return AICORE_NOT_FOUND;
        }
    }
    for (const auto& dir : rt->scriptDirs) {
        if (!isFolder(dir)) {
            tlsCreateError = "script folder '" + printable(dir) + "' is not a folder";
            return AICORE_NOT_FOUND;
        }
    }
    rt->log = config->log;
    rt->logUser = config->log_user;
    rt->capacity = config->max_npcs;
    rt->channels = config->custom_channels;
    rt->frameBudgetMs = config->frame_budget_ms > 0 ? config->frame_budget_ms : 10.0;
    rt->handlerBudgetMs = config->handler_budget_ms > 0 ? config->handler_budget_ms : 5.0;
    rt->debugPort = config->debug_port;
    const std::size_t n = rt->capacity;
    rt->position.assign(n * 3, 0.0f);
    rt->velocity.assign(n * 3, 0.0f);
    rt->heading.assign(n, 0.0f);
    rt->health.assign(n, 1.0f);
    rt->perception.assign(n, 0u);
    rt->custom.assign(n * std::max<std::uint32_t>(rt->channels, 1), 0.0f);
    rt->alive.assign(n, 0);
    rt->playerPosition.assign(3, 0.0f);
    rt->metrics.struct_size = sizeof(aicore_metrics);

    const aicore_result r = createPythonSide(*rt);
    if (r != AICORE_OK) {
        tlsCreateError = rt->lastError;
        releasePythonSide(*rt);
        return r;
    }
    *out = rt.release();
    return AICORE_OK;
}

void aicore_runtime_destroy(aicore_runtime* rt) {
    if (rt == nullptr) return;
    std::unique_ptr<aicore_runtime> owned(rt);
    releasePythonSide(*owned);
}

uint32_t aicore_runtime_content_problem_count(const aicore_runtime* rt) {
    return rt ? static_cast<uint32_t>(rt->contentProblems.size()) : 0u;
}

aicore_result aicore_runtime_content_problem(const aicore_runtime* rt, uint32_t index, aicore_content_problem* out) {
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (out == nullptr || index >= rt->contentProblems.size())
        return rt->fail(AICORE_INVALID_ARGUMENT, "aicore_runtime_content_problem: index " + std::to_string(index) +
                                                     " is not below the count, " +
                                                     std::to_string(rt->contentProblems.size()) + ", or out is NULL");
    const auto& p = rt->contentProblems[index];
    out->system = p.system.c_str();
    out->file = p.hasFile ? p.file.c_str() : nullptr;
    out->line = p.line;
    out->field = p.hasField ? p.field.c_str() : nullptr;
    out->reason = p.reason.c_str();
    return AICORE_OK;
}

const char* aicore_runtime_last_error(const aicore_runtime* rt) { return rt ? rt->lastError.c_str() : ""; }

aicore_result aicore_world_get(aicore_runtime* rt, aicore_world* out) {
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (out == nullptr) return rt->fail(AICORE_INVALID_ARGUMENT, "aicore_world_get: out is NULL");
    out->capacity = rt->capacity;
    out->custom_channels = rt->channels;
    out->position = rt->position.data();
    out->velocity = rt->velocity.data();
    out->heading = rt->heading.data();
    out->health = rt->health.data();
    out->perception = rt->perception.data();
    out->custom = rt->custom.data();
    out->alive = rt->alive.data();
    out->player_position = rt->playerPosition.data();
    return AICORE_OK;
}

aicore_result aicore_npc_spawn(aicore_runtime* rt, const char* kind, uint32_t* out_slot) {
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (kind == nullptr || out_slot == nullptr)
        return rt->fail(AICORE_INVALID_ARGUMENT, "aicore_npc_spawn: kind and out_slot must not be NULL");
    if (!aicore::bridge::isValidUtf8(kind))
        return rt->fail(AICORE_INVALID_ARGUMENT, "aicore_npc_spawn: kind '" + printable(kind, 64) + "' is not UTF-8");
    std::uint32_t slot = 0;
    while (slot < rt->capacity && rt->alive[slot] != 0) ++slot;
    if (slot == rt->capacity) return rt->fail(AICORE_FULL, "every NPC slot is in use (max_npcs)");
    py::gil_scoped_acquire gil;
    try {
        // Refused before a slot is taken: a kind no script defines, or one whose script failed.
        std::string why;
        if (const aicore_result refused = kindRefusal(*rt, kind, why); refused != AICORE_OK)
            return rt->fail(refused, "aicore_npc_spawn: " + why);
        WatchedCall watched(*rt, callCpuLimitMs(*rt), callWallLimitMs(*rt));  // on_spawn is script code
        rt->runtime->attr("spawn")(slot, kind);
    } catch (py::error_already_set& e) {
        return rt->fail(AICORE_SCRIPT_ERROR, e.what());
    }
    rt->alive[slot] = 1;
    ++rt->metrics.npcs;
    *out_slot = slot;
    return AICORE_OK;
}

aicore_result aicore_kind_find(aicore_runtime* rt, const char* kind, const char** out_archetype) {
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (kind == nullptr) return rt->fail(AICORE_INVALID_ARGUMENT, "aicore_kind_find: kind is NULL");
    if (!aicore::bridge::isValidUtf8(kind))
        return rt->fail(AICORE_NOT_FOUND, "no loaded NPC script defines kind '" + printable(kind, 64) +
                                              "' (it is not UTF-8)");
    py::gil_scoped_acquire gil;
    try {
        const py::object archetype = rt->runtime->attr("kind_archetype")(kind);
        if (archetype.is_none()) {
            std::string why;
            // A kind whose script failed to load is not found either; the reason says so.
            const aicore_result refused = kindRefusal(*rt, kind, why);
            return rt->fail(AICORE_NOT_FOUND, refused == AICORE_OK ? unknownKindMessage(*rt, kind) : why);
        }
        rt->kindArchetype = archetype.cast<std::string>();
    } catch (py::error_already_set& e) {
        return rt->fail(AICORE_ERROR, e.what());
    }
    if (out_archetype != nullptr) *out_archetype = rt->kindArchetype.c_str();
    return AICORE_OK;
}

aicore_result aicore_npc_despawn(aicore_runtime* rt, uint32_t slot) {
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (slot >= rt->capacity)
        return rt->fail(AICORE_INVALID_ARGUMENT, "aicore_npc_despawn: slot " + std::to_string(slot) +
                                                     " is out of range (max_npcs is " + std::to_string(rt->capacity) + ")");
    if (rt->alive[slot] == 0) return rt->fail(AICORE_NOT_FOUND, "slot " + std::to_string(slot) + " is not in use");
    py::gil_scoped_acquire gil;
    try {
        rt->runtime->attr("despawn")(slot);
    } catch (py::error_already_set& e) {
        rt->logMessage(AICORE_LOG_ERROR, e.what());
    }
    rt->alive[slot] = 0;
    --rt->metrics.npcs;
    return AICORE_OK;
}

aicore_result aicore_push_events(aicore_runtime* rt, const uint8_t* data, size_t size) {
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (data == nullptr && size > 0) return rt->fail(AICORE_INVALID_ARGUMENT, "aicore_push_events: data is NULL, size is not 0");
    const std::uint32_t acceptedBefore = rt->events.acceptedCount, rejectedBefore = rt->events.rejectedCount;
    rt->events.firstRejection.clear();
    aicore::bridge::validateEvents(data, size, rt->events);
    rt->metrics.events_in += rt->events.acceptedCount - acceptedBefore;
    const std::uint32_t rejected = rt->events.rejectedCount - rejectedBefore;
    if (rejected > 0) {
        rt->metrics.rejected_messages += rejected;
        return rt->fail(AICORE_BAD_MESSAGE, rt->events.firstRejection);
    }
    return AICORE_OK;
}

aicore_result aicore_tick(aicore_runtime* rt, double dt_seconds) {
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (!(dt_seconds >= 0.0)) return rt->fail(AICORE_INVALID_ARGUMENT, "aicore_tick: dt_seconds must be 0 or more");
    const auto t0 = std::chrono::steady_clock::now();
    double scriptSeconds = 0.0, gcSeconds = 0.0;
    aicore_result result = AICORE_OK;
    bool interrupted = false;  // something escaped the scripts' guards: the frame was cut short
    {
        py::gil_scoped_acquire gil;
        WatchedCall watched(*rt, callCpuLimitMs(*rt), callWallLimitMs(*rt));
        // Most frames carry no event: then the runtime gets b"" and decodes nothing. A burst
        // enters the scripts' queue kEventsPerTick at a time, so that decoding it never
        // eats the frame; the rest waits here, in order.
        std::vector<std::uint8_t>& batch = rt->eventBatch;
        batch.clear();
        ValidatedEvents& pending = rt->events;
        const std::uint32_t handed = std::min(pending.acceptedCount - rt->eventsTaken, kEventsPerTick);
        if (handed > 0) {
            const std::size_t begin = rt->eventsTaken == 0 ? 0 : pending.ends[rt->eventsTaken - 1];
            const std::size_t end = pending.ends[rt->eventsTaken + handed - 1];
            aicore::bridge::appendArrayHeader(batch, handed);
            batch.insert(batch.end(), pending.accepted.begin() + static_cast<std::ptrdiff_t>(begin),
                         pending.accepted.begin() + static_cast<std::ptrdiff_t>(end));
            rt->eventsTaken += handed;
        }
        if (rt->eventsTaken == pending.acceptedCount) {
            pending.accepted.clear();
            pending.ends.clear();
            pending.acceptedCount = 0;
            rt->eventsTaken = 0;
        }
        try {
            py::bytes events(reinterpret_cast<const char*>(batch.data()), batch.size());
            py::tuple out = rt->runtime->attr("tick")(dt_seconds, events);
            scriptSeconds = out[1].cast<double>();
            gcSeconds = out[2].cast<double>();
            // Read in place: the tuple keeps the bytes alive, no copy into a std::string.
            char* data = nullptr;
            Py_ssize_t size = 0;
            if (PyBytes_AsStringAndSize(out[0].ptr(), &data, &size) != 0) throw py::error_already_set();
            std::uint32_t count = 0;
            std::size_t header = 0;
            const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);
            const auto length = static_cast<std::size_t>(size);
            if (aicore::bridge::readArrayHeader(bytes, length, count, header) && count > 0) {
                rt->commands.insert(rt->commands.end(), bytes + header, bytes + length);
                rt->commandCount += count;
                rt->metrics.commands_out += count;
            }
        } catch (py::error_already_set& e) {
            // Scripts are guarded one by one in Python; reaching here means something escaped
            // them (the tick's backstop interrupt between handlers, say). What the frame did
            // not deliver went back to the queue (Scheduler._deliver_events): the frame is
            // cut short, nothing is lost, and the caller is told.
            ++rt->metrics.script_errors;
            interrupted = true;
            rt->lastError = std::string("the tick was interrupted; its remaining work waits for the next tick: ") + e.what();
            rt->logMessage(AICORE_LOG_ERROR, std::string("tick: ") + e.what());
        }
        try {
            rt->metrics.script_errors =
                std::max<std::uint64_t>(rt->metrics.script_errors, rt->runtime->attr("script_errors").cast<std::uint64_t>());
            rt->metrics.dropped_events = rt->runtime->attr("dropped_events").cast<std::uint64_t>();
            const py::tuple carried = rt->runtime->attr("carried");
            rt->carriedEvents = carried[0].cast<std::uint32_t>();
            if (rt->carriedEvents > 0 || carried[1].cast<std::uint32_t>() > 0) result = AICORE_INCOMPLETE;
        } catch (py::error_already_set& e) {
            rt->logMessage(AICORE_LOG_ERROR, std::string("tick: reading the runtime's state: ") + e.what());
        }
    }
    if (rt->eventsTaken < rt->events.acceptedCount) result = AICORE_INCOMPLETE;
    if (interrupted) {
        result = AICORE_INCOMPLETE;
    } else if (result == AICORE_INCOMPLETE) {
        rt->lastError = "the tick ran out of its frame budget; its remaining work waits for the next tick";
    }
    if (result == AICORE_INCOMPLETE) ++rt->metrics.incomplete_ticks;
    if (aicore::vocal::VoiceEngine* engine = rt->audio.engine()) {
        // The voices are heard where the player stands (the engine writes player_position
        // every frame), not from the world's origin. Same thread as play_clip: one producer.
        aicore::vocal::VoiceCommand listener;
        listener.type = aicore::vocal::VoiceCommand::Type::SetListener;
        listener.position = {rt->playerPosition[0], rt->playerPosition[1], rt->playerPosition[2]};
        listener.forward = {0.0f, 1.0f, 0.0f};
        engine->trySend(listener);
    }
    ++rt->metrics.frames;
    rt->metrics.last_tick_us = microsSince(t0);
    rt->metrics.last_gc_us = gcSeconds * 1e6;
    // The garbage collection runs inside the Python call but is not crossing the boundary:
    // it is reported on its own so that neither figure hides the other.
    rt->metrics.last_bridge_us = rt->metrics.last_tick_us - (scriptSeconds + gcSeconds) * 1e6;
    return result;
}

aicore_result aicore_drain_commands(aicore_runtime* rt, uint8_t* buffer, size_t capacity, size_t* written) {
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (written == nullptr || (buffer == nullptr && capacity > 0))
        return rt->fail(AICORE_INVALID_ARGUMENT, "aicore_drain_commands: written is NULL, or buffer is NULL with a capacity");
    std::vector<std::uint8_t> header;
    aicore::bridge::appendArrayHeader(header, rt->commandCount);
    const std::size_t need = header.size() + rt->commands.size();
    *written = need;
    if (capacity < need) return rt->fail(AICORE_FULL, "buffer too small: " + std::to_string(need) + " bytes needed");
    std::memcpy(buffer, header.data(), header.size());
    if (!rt->commands.empty()) std::memcpy(buffer + header.size(), rt->commands.data(), rt->commands.size());
    rt->commands.clear();
    rt->commandCount = 0;
    return AICORE_OK;
}

aicore_result aicore_audio_prepare(aicore_runtime* rt, double sample_rate, uint32_t max_block) {
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (!(sample_rate >= 8000.0 && sample_rate <= 192000.0) || max_block == 0 || max_block > 8192)
        return rt->fail(AICORE_INVALID_ARGUMENT, "aicore_audio_prepare: sample_rate must be 8000..192000 and max_block 1..8192");
    // Built and prepared here, off the audio thread, while the old engine (if any) renders on.
    std::unique_ptr<aicore::vocal::VoiceEngine> engine;
    try {
        std::vector<aicore::vocal::ArchetypePreset> archetypes;
        std::vector<aicore::vocal::EnvironmentPreset> environments;
        const std::filesystem::path root(rt->contentRoot);
        if (!rt->contentRoot.empty() && std::filesystem::is_directory(root / "vocal" / "archetypes")) {
            for (const auto& e : std::filesystem::directory_iterator(root / "vocal" / "archetypes"))
                if (e.path().extension() == ".json") archetypes.push_back(aicore::vocal::loadArchetypePreset(e.path().string()));
            environments = aicore::vocal::loadEnvironmentPresets((root / "vocal" / "environments.json").string());
        }
        engine = std::make_unique<aicore::vocal::VoiceEngine>(std::move(archetypes), std::move(environments), rt->bank,
                                                              aicore::vocal::VoiceEngineConfig{});
        engine->prepare({sample_rate, max_block, 2});
    } catch (const std::exception& e) {
        return rt->fail(AICORE_NOT_FOUND, std::string("voice content could not load: ") + e.what());
    }
    if (!rt->audio.trySwap(engine))
        return rt->fail(AICORE_BUSY, "aicore_audio_render stayed in one call for over 100 ms; the voice engine was "
                                     "not replaced, call again");
    // `engine` is now the one swapped out, out of the audio thread's reach: its lines will
    // never finish, so they end here (reported by line_events as "stolen", or "rejected" for
    // lines not yet started), and it is freed on this thread.
    if (engine) engine->abandonAll(rt->endedLines);
    return AICORE_OK;
}

aicore_result aicore_audio_render(aicore_runtime* rt, float* left, float* right, uint32_t frames) {
    // Audio thread: no lastError here (a std::string the game thread may be reading).
    if (rt == nullptr || left == nullptr || right == nullptr) return AICORE_INVALID_ARGUMENT;
    switch (rt->audio.render(left, right, frames)) {
        case aicore::vocal::VoiceEngineSlot::Render::Rendered: return AICORE_OK;
        case aicore::vocal::VoiceEngineSlot::Render::Busy: return AICORE_BUSY;
        case aicore::vocal::VoiceEngineSlot::Render::NotPrepared: break;
    }
    return AICORE_INVALID_ARGUMENT;
}

aicore_result aicore_metrics_get(const aicore_runtime* rt, aicore_metrics* out) {
    // The caller's struct_size says which version of the struct it was compiled with: the
    // fields up to active_voices are the first version, later ones are appended, and only
    // what fits is written, so an older engine's smaller struct is never overrun.
    constexpr std::uint32_t kFirstVersionSize = offsetof(aicore_metrics, active_voices) + sizeof(std::uint32_t);
    if (rt == nullptr) return AICORE_INVALID_ARGUMENT;
    if (out == nullptr || out->struct_size < kFirstVersionSize)
        return rt->fail(AICORE_INVALID_ARGUMENT, "aicore_metrics_get: out is NULL or its struct_size is smaller than "
                                                 "the first version of aicore_metrics");
    aicore_metrics m = rt->metrics;
    const aicore::vocal::VoiceEngine* engine = rt->audio.engine();
    m.active_voices = engine != nullptr ? static_cast<std::uint32_t>(engine->activeVoices()) : 0;
    m.busy_renders = rt->audio.busyRenders();
    m.pending_events = (rt->events.acceptedCount - rt->eventsTaken) + rt->carriedEvents;
    const std::size_t size = std::min<std::size_t>(out->struct_size, sizeof m);
    m.struct_size = static_cast<std::uint32_t>(size);
    std::memcpy(out, &m, size);
    return AICORE_OK;
}

}  // extern "C"
