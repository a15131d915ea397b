// The C ABI of aicore.h: an engine's one door into the scripting runtime. The state behind
// the handle is runtime_state.h's; its Python half starts and stops in python_side.cpp; what
// Python sees of the bridge is bridge_module.cpp.
//
// Threads: every function but aicore_audio_render runs on the game thread (one at a time).
// The GIL is taken once per aicore_tick (and by create/destroy/spawn); audio rendering
// never touches Python, locks or the heap.
#include <Python.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "aicore/aicore.h"
#include "aicore/codec/msgpack_reader.h"
#include "aicore/codec/msgpack_writer.h"
#include "aicore/vocal/presets.h"
#include "event_validation.h"
#include "message_text.h"
#include "python_names.h"
#include "python_side.h"
#include "runtime_state.h"
#include "watched_call.h"

using aicore::bridge::printable;
using aicore::bridge::ValidatedEvents;
using aicore::bridge::WatchedCall;
using aicore::bridge::callCpuLimitMs;
using aicore::bridge::callWallLimitMs;
namespace names = aicore::bridge::python_names;

namespace {

thread_local std::string tlsCreateError;

double microsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

// At most this many of the pending events enter the scripts' queue per tick (the scheduler
// then delivers them within the frame budget): decoding thousands at once would eat the frame.
constexpr std::uint32_t kEventsPerTick = 1024;

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

// sync_endpoint is one transport://address, or several separated by commas (gateways
// sharing one database): each must be one.
bool isEndpointList(const std::string& endpoints) {
    std::size_t begin = 0;
    while (true) {
        const std::size_t end = endpoints.find(',', begin);
        const std::size_t length = end == std::string::npos ? std::string::npos : end - begin;
        if (endpoints.substr(begin, length).find("://") == std::string::npos) return false;
        if (end == std::string::npos) return true;
        begin = end + 1;
    }
}

}  // namespace

extern "C" {

void aicore_runtime_config_init(aicore_runtime_config* config) {
    if (config == nullptr) return;
    std::memset(config, 0, sizeof(*config));
    config->struct_size = sizeof(*config);
    config->max_npcs = AICORE_DEFAULT_MAX_NPCS;
    config->custom_channels = AICORE_DEFAULT_CUSTOM_CHANNELS;
    config->frame_budget_ms = AICORE_DEFAULT_FRAME_BUDGET_MS;
    config->handler_budget_ms = AICORE_DEFAULT_HANDLER_BUDGET_MS;
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
    if (config->max_npcs == 0 || config->max_npcs > AICORE_MAX_NPCS_LIMIT ||
        config->custom_channels > AICORE_MAX_CUSTOM_CHANNELS) {
        tlsCreateError = "max_npcs must be 1.." + std::to_string(AICORE_MAX_NPCS_LIMIT) +
                         " and custom_channels at most " + std::to_string(AICORE_MAX_CUSTOM_CHANNELS);
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
    rt->frameBudgetMs = config->frame_budget_ms > 0 ? config->frame_budget_ms : AICORE_DEFAULT_FRAME_BUDGET_MS;
    rt->handlerBudgetMs = config->handler_budget_ms > 0 ? config->handler_budget_ms : AICORE_DEFAULT_HANDLER_BUDGET_MS;
    rt->debugPort = config->debug_port;
    // profile and autosave_seconds came with saves: an older config ends before them.
    if (config->struct_size >= offsetof(aicore_runtime_config, autosave_seconds) + sizeof(double)) {
        if (config->profile != nullptr && !aicore::bridge::isValidUtf8(config->profile)) {
            tlsCreateError = "profile '" + printable(config->profile, 64) + "' is not UTF-8";
            return AICORE_INVALID_ARGUMENT;
        }
        rt->profile = config->profile != nullptr ? config->profile : "";
        rt->autosaveSeconds = config->autosave_seconds > 0 ? config->autosave_seconds : 0.0;
    }
    // sync_endpoint and sync_keys_dir came with cloud sync: an older config ends before them.
    if (config->struct_size >= offsetof(aicore_runtime_config, sync_keys_dir) + sizeof(const char*)) {
        if (config->sync_endpoint != nullptr && !aicore::bridge::isValidUtf8(config->sync_endpoint)) {
            tlsCreateError = "sync_endpoint '" + printable(config->sync_endpoint, 64) + "' is not UTF-8";
            return AICORE_INVALID_ARGUMENT;
        }
        rt->syncEndpoint = config->sync_endpoint != nullptr ? config->sync_endpoint : "";
        if (!takePath(config->sync_keys_dir, "sync_keys_dir", rt->syncKeysDir)) return AICORE_INVALID_ARGUMENT;
        if (!rt->syncEndpoint.empty() &&
            (!isEndpointList(rt->syncEndpoint) || rt->syncKeysDir.empty())) {
            tlsCreateError = "sync_endpoint '" + printable(rt->syncEndpoint, 64) +
                             "' must be transport://address, with sync_keys_dir set";
            return AICORE_INVALID_ARGUMENT;
        }
    }
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

    const aicore_result r = aicore::bridge::createPythonSide(*rt);
    if (r != AICORE_OK) {
        tlsCreateError = rt->lastError;
        aicore::bridge::releasePythonSide(*rt);
        return r;
    }
    *out = rt.release();
    return AICORE_OK;
}

void aicore_runtime_destroy(aicore_runtime* rt) {
    if (rt == nullptr) return;
    std::unique_ptr<aicore_runtime> owned(rt);
    aicore::bridge::releasePythonSide(*owned);
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
        if (const aicore_result refused = aicore::bridge::kindRefusal(*rt, kind, why); refused != AICORE_OK)
            return rt->fail(refused, "aicore_npc_spawn: " + why);
        WatchedCall watched(*rt, callCpuLimitMs(*rt), callWallLimitMs(*rt));  // on_spawn is script code
        rt->runtime->attr(names::runtime::kSpawn)(slot, kind);
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
        const py::object archetype = rt->runtime->attr(names::runtime::kKindArchetype)(kind);
        if (archetype.is_none()) {
            std::string why;
            // A kind whose script failed to load is not found either; the reason says so.
            const aicore_result refused = aicore::bridge::kindRefusal(*rt, kind, why);
            return rt->fail(AICORE_NOT_FOUND, refused == AICORE_OK ? aicore::bridge::unknownKindMessage(*rt, kind) : why);
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
        rt->runtime->attr(names::runtime::kDespawn)(slot);
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
            aicore::codec::Writer(batch).arrayHeader(handed);
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
            py::tuple out = rt->runtime->attr(names::runtime::kTick)(dt_seconds, events);
            scriptSeconds = out[1].cast<double>();
            gcSeconds = out[2].cast<double>();
            // Read in place: the tuple keeps the bytes alive, no copy into a std::string.
            char* data = nullptr;
            Py_ssize_t size = 0;
            if (PyBytes_AsStringAndSize(out[0].ptr(), &data, &size) != 0) throw py::error_already_set();
            // The runtime's packer wrote one array: its elements are queued as they are.
            const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);
            const auto length = static_cast<std::size_t>(size);
            aicore::codec::Item array;
            if (aicore::codec::readItem({bytes, length}, array) == aicore::codec::DecodeError::None &&
                array.type == aicore::codec::Type::Array && array.length > 0) {
                const auto count = static_cast<std::uint32_t>(array.length);
                rt->commands.insert(rt->commands.end(), bytes + array.header, bytes + length);
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
                std::max<std::uint64_t>(rt->metrics.script_errors, rt->runtime->attr(names::runtime::kScriptErrors).cast<std::uint64_t>());
            rt->metrics.dropped_events = rt->runtime->attr(names::runtime::kDroppedEvents).cast<std::uint64_t>();
            const py::tuple store = rt->runtime->attr(names::runtime::kStoreCounters);
            rt->metrics.store_held_frames = store[0].cast<std::uint64_t>();
            rt->metrics.store_faults = store[1].cast<std::uint64_t>();
            rt->metrics.unjournalled_messages = store[2].cast<std::uint64_t>();
            const py::tuple carried = rt->runtime->attr(names::runtime::kCarried);
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
    aicore::codec::Writer(header).arrayHeader(rt->commandCount);
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