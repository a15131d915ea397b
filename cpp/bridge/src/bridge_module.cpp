// _aicore_bridge, the module Python sees of the bridge: one Bridge object per runtime,
// handed to the Runtime as its world buffers, audio, deadline and log sink. Scripts never
// import it; the names are python_names.h's.
#include "bridge_module.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "aicore/vocal/clip.h"
#include "python_names.h"
#include "runtime_state.h"

namespace aicore::bridge {

namespace names = python_names;

// The embedded module scripts never import directly: the Runtime receives a Bridge object.
// Created once per process and kept in sys.modules (never in a C++ static: the interpreter
// outlives every C++ object, so a static py::object would be released at exit without it).
void ensureBridgeModule() {
    static py::module_::module_def def;
    static bool created = false;
    if (created) return;
    created = true;
    {
        py::module_ mod = py::module_::create_extension_module(names::bridge_module::kModule, "AI Core bridge (private)", &def);
        py::class_<aicore_runtime, std::unique_ptr<aicore_runtime, py::nodelete>>(mod, names::bridge_module::kClass)
            .def(names::bridge::kWorldBuffers,
                 [](aicore_runtime& rt) {
                     auto view = [](void* data, std::size_t bytes) {
                         return py::memoryview::from_memory(data, static_cast<py::ssize_t>(bytes), false);
                     };
                     py::dict d;
                     d[names::world_buffers::kPosition] = view(rt.position.data(), rt.position.size() * sizeof(float));
                     d[names::world_buffers::kVelocity] = view(rt.velocity.data(), rt.velocity.size() * sizeof(float));
                     d[names::world_buffers::kHeading] = view(rt.heading.data(), rt.heading.size() * sizeof(float));
                     d[names::world_buffers::kHealth] = view(rt.health.data(), rt.health.size() * sizeof(float));
                     d[names::world_buffers::kPerception] = view(rt.perception.data(), rt.perception.size() * sizeof(std::uint32_t));
                     d[names::world_buffers::kCustom] = view(rt.custom.data(), rt.custom.size() * sizeof(float));
                     d[names::world_buffers::kAlive] = view(rt.alive.data(), rt.alive.size());
                     d[names::world_buffers::kPlayerPosition] = view(rt.playerPosition.data(), 3 * sizeof(float));
                     return d;
                 })
            .def_property_readonly(names::bridge::kCapacity, [](const aicore_runtime& rt) { return rt.capacity; })
            .def_property_readonly(names::bridge::kChannels, [](const aicore_runtime& rt) { return rt.channels; })
            .def(names::bridge::kLog, [](const aicore_runtime& rt, int level, const std::string& msg) { rt.logMessage(level, msg); })
            .def(names::bridge::kAddClip,
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
            .def(names::bridge::kRetireClip,
                 [](aicore_runtime& rt, std::tuple<std::uint32_t, std::uint32_t> clip) {
                     // Loader thread: a voice still playing the clip fades it out and gives it
                     // back; the next add_clip's collect() frees it once nothing reads it.
                     rt.bank.retire({std::get<0>(clip), std::get<1>(clip)});
                 })
            .def(names::bridge::kClipCount,
                 [](const aicore_runtime& rt) {
                     // Any thread: clips stored, live or retired and not yet freed (only the
                     // loader thread adds and frees, so this never races a free).
                     return rt.bank.size();
                 })
            .def(names::bridge::kPlayClip,
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
            .def_property_readonly(names::bridge::kGate,
                                   [](aicore_runtime& rt) {
                                       return py::memoryview::from_buffer(
                                           rt.gate, {static_cast<py::ssize_t>(aicore::bridge::kGateWords)},
                                           {static_cast<py::ssize_t>(sizeof(std::uint64_t))});
                                   })
            .def(names::bridge::kEnter, [](aicore_runtime&) {})  // aicore_tick tells the watchdog the thread
            .def(names::bridge::kCancelPending, [](aicore_runtime& rt) {
                // An interrupt raised but not delivered must not hit the next handler.
                if (rt.watchdog) rt.watchdog->cancelPendingInterrupt();
            })
            .def(names::bridge::kLineEvents, [](aicore_runtime& rt) {
                std::vector<std::tuple<std::string, std::uint32_t, std::uint64_t>> out;
                static const char* kinds[] = {"started", "finished", "stolen", "rejected"};
                // First the ends of lines cut by a re-prepare (their engine is gone), then the
                // live engine's. sampleTime counts from each engine's prepare.
                for (const auto& n : rt.endedLines) out.emplace_back(kinds[static_cast<int>(n.type)], n.voice, n.sampleTime);
                rt.endedLines.clear();
                aicore::vocal::VoiceNotification n;
                aicore::vocal::VoiceEngine* engine = rt.audio.engine();
                while (engine != nullptr && engine->tryReceive(n))
                    out.emplace_back(kinds[static_cast<int>(n.type)], n.voice, n.sampleTime);
                return out;
            });
        py::module_::import("sys").attr("modules")[names::bridge_module::kModule] = mod;
    }
}

}  // namespace aicore::bridge
