// vocal._native.VoiceEngine: the real-time voice engine and its clip bank, for Python.
// Commands go through the engine's lock-free queue exactly as the C ABI's will; process()
// releases the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "aicore/vocal/clip_bank.h"
#include "aicore/vocal/voice_engine.h"
#include "engine_binding.h"

namespace py = pybind11;
using namespace aicore::vocal;

namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

Vec3 vec(const std::tuple<float, float, float>& t) {
    return Vec3{std::get<0>(t), std::get<1>(t), std::get<2>(t)};
}

// Owns the bank the engine borrows from; declared first so it outlives the engine.
class PyVoiceEngine {
public:
    PyVoiceEngine(std::vector<ArchetypePreset> archetypes, std::vector<EnvironmentPreset> environments,
                  std::size_t voices, double sampleRate, std::size_t blockSize)
        : bank_(std::make_unique<ClipBank>(voices * 2 + 16)),
          engine_(std::make_unique<VoiceEngine>(std::move(archetypes), std::move(environments), *bank_,
                                                VoiceEngineConfig{voices, 4096, 4096, 0.97f})),
          blockSize_(blockSize) {
        engine_->prepare({sampleRate, static_cast<std::uint32_t>(blockSize), 2});
        left_.assign(blockSize, 0.0f);
        right_.assign(blockSize, 0.0f);
    }

    std::tuple<std::uint32_t, std::uint32_t> addClip(const FloatArray& samples, double sampleRate) {
        if (samples.ndim() != 1 || samples.size() == 0) throw py::value_error("a clip is a non-empty 1-D array");
        std::vector<float> data(samples.data(), samples.data() + samples.size());
        ClipId id;
        {
            py::gil_scoped_release release;
            Clip clip = analyseClip(std::move(data), sampleRate);
            id = bank_->add(std::move(clip));
        }
        if (!id.valid()) throw py::value_error("the clip bank is full (free finished clips first)");
        return {id.slot, id.generation};
    }

    void retireClip(std::uint32_t slot, std::uint32_t generation) { bank_->retire(ClipId{slot, generation}); }
    std::size_t collect() { return bank_->collect(); }
    std::size_t clips() const { return bank_->size(); }

    bool send(const VoiceCommand& c) { return engine_->trySend(c); }
    std::uint32_t newHandle() { return engine_->newVoiceHandle(); }

    py::array_t<float> process(std::size_t blocks) {
        py::array_t<float> out({static_cast<py::ssize_t>(blocks * blockSize_), py::ssize_t{2}});
        float* dst = out.mutable_data();
        {
            py::gil_scoped_release release;
            for (std::size_t b = 0; b < blocks; ++b) {
                engine_->process(left_.data(), right_.data(), blockSize_);
                for (std::size_t k = 0; k < blockSize_; ++k) {
                    dst[2 * (b * blockSize_ + k)] = left_[k];
                    dst[2 * (b * blockSize_ + k) + 1] = right_[k];
                }
            }
        }
        return out;
    }

    std::vector<std::tuple<std::string, std::uint32_t, std::uint64_t>> notifications() {
        std::vector<std::tuple<std::string, std::uint32_t, std::uint64_t>> out;
        VoiceNotification n;
        while (engine_->tryReceive(n)) {
            const char* type = "started";
            switch (n.type) {
                case VoiceNotification::Type::Started: type = "started"; break;
                case VoiceNotification::Type::Finished: type = "finished"; break;
                case VoiceNotification::Type::Stolen: type = "stolen"; break;
                case VoiceNotification::Type::Rejected: type = "rejected"; break;
            }
            out.emplace_back(type, n.voice, n.sampleTime);
        }
        return out;
    }

    std::size_t activeVoices() const { return engine_->activeVoices(); }
    std::uint64_t droppedNotifications() const { return engine_->droppedNotifications(); }
    std::size_t archetypeIndex(const std::string& name) const { return engine_->archetypeIndex(name); }
    std::size_t environmentIndex(const std::string& name) const { return engine_->environmentIndex(name); }
    std::size_t blockSize() const { return blockSize_; }

private:
    std::unique_ptr<ClipBank> bank_;
    std::unique_ptr<VoiceEngine> engine_;
    std::size_t blockSize_;
    std::vector<float> left_, right_;
};

}  // namespace

void bindVoiceEngine(py::module_& m) {
    py::class_<VoiceCommand>(m, "VoiceCommand")
        .def(py::init<>())
        .def_static("start",
                    [](std::uint32_t voice, std::tuple<std::uint32_t, std::uint32_t> clip, std::uint16_t archetype,
                       std::tuple<float, float, float> position, float intensity, std::int32_t priority,
                       std::uint64_t seed, float send) {
                        VoiceCommand c;
                        c.type = VoiceCommand::Type::Start;
                        c.voice = voice;
                        c.clip = ClipId{std::get<0>(clip), std::get<1>(clip)};
                        c.archetype = archetype;
                        c.position = vec(position);
                        c.intensity = intensity;
                        c.priority = priority;
                        c.seed = seed;
                        c.send = send;
                        return c;
                    })
        .def_static("set",
                    [](std::uint32_t voice, std::optional<std::tuple<float, float, float>> position,
                       std::optional<float> intensity, std::optional<std::uint16_t> archetype,
                       std::optional<float> send) {
                        VoiceCommand c;
                        c.type = VoiceCommand::Type::Set;
                        c.voice = voice;
                        if (position) { c.position = vec(*position); c.fields |= VoiceCommand::kPosition; }
                        if (intensity) { c.intensity = *intensity; c.fields |= VoiceCommand::kIntensity; }
                        if (archetype) { c.archetype = *archetype; c.fields |= VoiceCommand::kArchetype; }
                        if (send) { c.send = *send; c.fields |= VoiceCommand::kSend; }
                        return c;
                    })
        .def_static("stop",
                    [](std::uint32_t voice, float fadeMs) {
                        VoiceCommand c;
                        c.type = VoiceCommand::Type::Stop;
                        c.voice = voice;
                        c.fadeMs = fadeMs;
                        return c;
                    })
        .def_static("listener",
                    [](std::tuple<float, float, float> position, std::tuple<float, float, float> forward) {
                        VoiceCommand c;
                        c.type = VoiceCommand::Type::SetListener;
                        c.position = vec(position);
                        c.forward = vec(forward);
                        return c;
                    })
        .def_static("environment",
                    [](std::uint16_t index) {
                        VoiceCommand c;
                        c.type = VoiceCommand::Type::SetEnvironment;
                        c.environment = index;
                        return c;
                    })
        .def_static("rolloff", [](float ref, float rolloff, float maxDistance) {
            VoiceCommand c;
            c.type = VoiceCommand::Type::SetRolloff;
            c.refDistance = ref;
            c.rolloff = rolloff;
            c.maxDistance = maxDistance;
            return c;
        });

    py::class_<PyVoiceEngine>(m, "VoiceEngine")
        .def(py::init<std::vector<ArchetypePreset>, std::vector<EnvironmentPreset>, std::size_t, double,
                      std::size_t>(),
             py::arg("archetypes"), py::arg("environments"), py::arg("voices"), py::arg("sample_rate"),
             py::arg("block_size"))
        .def("add_clip", &PyVoiceEngine::addClip, py::arg("samples"), py::arg("sample_rate"))
        .def("retire_clip", &PyVoiceEngine::retireClip)
        .def("collect", &PyVoiceEngine::collect)
        .def_property_readonly("clips", &PyVoiceEngine::clips)
        .def("send", &PyVoiceEngine::send, py::arg("command"))
        .def("new_handle", &PyVoiceEngine::newHandle)
        .def("process", &PyVoiceEngine::process, py::arg("blocks"))
        .def("notifications", &PyVoiceEngine::notifications)
        .def_property_readonly("active_voices", &PyVoiceEngine::activeVoices)
        .def_property_readonly("dropped_notifications", &PyVoiceEngine::droppedNotifications)
        .def_property_readonly("block_size", &PyVoiceEngine::blockSize)
        .def("archetype_index", &PyVoiceEngine::archetypeIndex)
        .def("environment_index", &PyVoiceEngine::environmentIndex);
}
