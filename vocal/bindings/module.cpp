// vocal._native — numpy in, numpy out; the GIL is released while DSP runs.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>

#include "aicore/vocal/archetype_voice.h"
#include "aicore/vocal/biquad.h"
#include "aicore/vocal/clip.h"
#include "aicore/vocal/offline_render.h"
#include "aicore/vocal/presets.h"
#include "aicore/vocal/version.h"
#include "engine_binding.h"

namespace py = pybind11;
using namespace aicore::vocal;

namespace {

BiquadType biquadTypeFromName(const std::string& name) {
    static const std::map<std::string, BiquadType> kTypes = {
        {"lowpass", BiquadType::LowPass},   {"highpass", BiquadType::HighPass},
        {"bandpass", BiquadType::BandPass}, {"notch", BiquadType::Notch},
        {"peak", BiquadType::Peak},         {"lowshelf", BiquadType::LowShelf},
        {"highshelf", BiquadType::HighShelf}, {"allpass", BiquadType::AllPass}};
    const auto it = kTypes.find(name);
    if (it == kTypes.end()) {
        std::string known;
        for (const auto& [k, _] : kTypes) known += (known.empty() ? "" : ", ") + k;
        throw py::value_error("unknown filter type '" + name + "' (known: " + known + ")");
    }
    return it->second;
}

py::array_t<float> filterBiquad(py::array_t<float, py::array::c_style | py::array::forcecast> samples,
                                double sampleRate, const std::string& type, double frequencyHz,
                                double q, double gainDb) {
    if (samples.ndim() != 1) throw py::value_error("samples must be a 1-D array (mono)");
    if (!(sampleRate >= 8000.0 && sampleRate <= 192000.0))
        throw py::value_error("sample_rate must be within 8000..192000 Hz");
    if (!(frequencyHz > 0.0 && frequencyHz < sampleRate / 2.0))
        throw py::value_error("frequency_hz must be within (0, sample_rate / 2)");
    if (!(q > 0.0)) throw py::value_error("q must be > 0");
    const auto kind = biquadTypeFromName(type);
    py::array_t<float> out(samples.size());
    std::memcpy(out.mutable_data(), samples.data(), sizeof(float) * static_cast<std::size_t>(samples.size()));
    float* data = out.mutable_data();
    const auto n = static_cast<std::size_t>(samples.size());
    {
        py::gil_scoped_release release;
        Biquad b;
        b.prepare({sampleRate, 512, 1});
        b.setParameters(kind, frequencyHz, q, gainDb);
        b.process(data, n);
    }
    return out;
}

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

py::array_t<float> toArray(const std::vector<float>& v) {
    py::array_t<float> out(static_cast<py::ssize_t>(v.size()));
    std::memcpy(out.mutable_data(), v.data(), sizeof(float) * v.size());
    return out;
}

std::vector<float> checkedSamples(const FloatArray& samples, double sampleRate) {
    if (samples.ndim() != 1) throw py::value_error("samples must be a 1-D array (mono)");
    if (samples.size() == 0) throw py::value_error("samples is empty");
    if (!(sampleRate >= 8000.0 && sampleRate <= 192000.0))
        throw py::value_error("sample_rate must be within 8000..192000 Hz");
    const float* data = samples.data();
    std::vector<float> out(data, data + samples.size());
    for (float x : out)
        if (!std::isfinite(x)) throw py::value_error("samples contain NaN or inf");
    return out;
}

py::dict renderLine(const FloatArray& samples, double sampleRate, const ArchetypePreset& archetype,
                    const EnvironmentPreset& environment, float intensity, std::uint64_t seed,
                    double tailSeconds, std::size_t blockSize) {
    if (!(intensity >= 0.0f && intensity <= 1.0f)) throw py::value_error("intensity must be within 0..1");
    if (blockSize < 1 || blockSize > 8192) throw py::value_error("block_size must be within 1..8192");
    auto input = checkedSamples(samples, sampleRate);
    RenderedStems stems;
    {
        py::gil_scoped_release release;
        const Clip clip = analyseClip(std::move(input), sampleRate);
        stems = renderOffline(clip, archetype, environment,
                              RenderSettings{intensity, seed, tailSeconds, blockSize});
    }
    py::dict out;
    out["voice"] = toArray(stems.voice);
    out["subliminal"] = toArray(stems.subliminal);
    out["reverb_left"] = toArray(stems.reverbLeft);
    out["reverb_right"] = toArray(stems.reverbRight);
    out["latency_samples"] = stems.latencySamples;
    return out;
}

}  // namespace

PYBIND11_MODULE(_native, m) {
    m.doc() = "AI Core voice core (private; import `vocal` instead).";
    m.def("version", &versionString, "Version of the native voice core.");
    m.def("filter_biquad", &filterBiquad, py::arg("samples"), py::arg("sample_rate"),
          py::arg("type"), py::arg("frequency_hz"), py::arg("q") = 0.7071067811865476,
          py::arg("gain_db") = 0.0,
          "Run one RBJ-cookbook biquad over a mono float32 signal; returns a new array.");

    // PresetError reaches Python as a structured value: file, field (None for the file as a
    // whole), reason and line (None when unknown) are attributes, so no caller reads them
    // out of the message.
    // (Translators registered later are tried first: this one wins over the plain one.)
    py::register_exception<PresetError>(m, "PresetError", PyExc_ValueError);
    py::register_exception_translator([](std::exception_ptr raised) {
        try {
            if (raised) std::rethrow_exception(raised);
        } catch (const PresetError& e) {
            const py::object type = py::module_::import("vocal._native").attr("PresetError");
            py::object error = type(e.what());
            error.attr("file") = py::str(e.source());
            error.attr("field") = e.field().empty() ? py::object(py::none()) : py::str(e.field());
            error.attr("reason") = py::str(e.problem());
            error.attr("line") = e.line() > 0 ? py::object(py::int_(e.line())) : py::none();
            PyErr_SetObject(type.ptr(), error.ptr());
        }
    });
    bindVoiceEngine(m);

    py::class_<ArchetypePreset>(m, "ArchetypePreset")
        .def_readonly("name", &ArchetypePreset::name)
        .def_readonly("description", &ArchetypePreset::description)
        .def_readonly("pitch_semitones", &ArchetypePreset::pitchSemitones)
        .def_readonly("formant_ratio", &ArchetypePreset::formantRatio)
        .def_property_readonly("subliminal_layer",
                               [](const ArchetypePreset& p) {
                                   switch (p.subliminal) {
                                       case SubliminalLayer::Whisper: return "whisper";
                                       case SubliminalLayer::Breath: return "breath";
                                       case SubliminalLayer::Infrasound: return "infrasound";
                                       case SubliminalLayer::Reversed: return "reversed";
                                       case SubliminalLayer::None: break;
                                   }
                                   return "none";
                               })
        .def_readonly("subliminal_level_db", &ArchetypePreset::subliminalLevelDb)
        .def("intensity_at_distance", &ArchetypePreset::intensityAtDistance, py::arg("distance_m"))
        .def("__repr__", [](const ArchetypePreset& p) { return "<ArchetypePreset " + p.name + ">"; });

    py::class_<EnvironmentPreset>(m, "EnvironmentPreset")
        .def_readonly("name", &EnvironmentPreset::name)
        .def_readonly("reverb", &EnvironmentPreset::reverbEnabled)
        .def_readonly("size", &EnvironmentPreset::size)
        .def_readonly("decay_seconds", &EnvironmentPreset::decaySeconds)
        .def_readonly("damping", &EnvironmentPreset::damping)
        .def_readonly("pre_delay_ms", &EnvironmentPreset::preDelayMs)
        .def_readonly("occlusion_hz", &EnvironmentPreset::occlusionHz)
        .def_readonly("wet_db", &EnvironmentPreset::wetDb)
        .def("__repr__", [](const EnvironmentPreset& e) { return "<EnvironmentPreset " + e.name + ">"; });

    m.def("load_archetype", &loadArchetypePreset, py::arg("path"),
          "Parse and validate an archetype preset file; raises PresetError (a ValueError).");
    m.def("parse_archetype", &parseArchetypePreset, py::arg("json_text"), py::arg("source"));
    m.def("load_environments", &loadEnvironmentPresets, py::arg("path"),
          "Parse and validate an environments file; raises PresetError (a ValueError).");
    m.def(
        "latency_samples",
        [](const ArchetypePreset& preset, double sampleRate) {
            if (!(sampleRate >= 8000.0 && sampleRate <= 192000.0))
                throw py::value_error("sample_rate must be within 8000..192000 Hz");
            ArchetypeVoice voice;
            voice.prepare({sampleRate, 512, 1});
            voice.setPreset(&preset);
            return voice.latencySamples();
        },
        py::arg("archetype"), py::arg("sample_rate"),
        "Algorithmic latency of an archetype's chain, in samples (what render compensates).");
    m.def("render_line", &renderLine, py::arg("samples"), py::arg("sample_rate"), py::arg("archetype"),
          py::arg("environment"), py::arg("intensity"), py::arg("seed") = 0,
          py::arg("tail_seconds") = 0.0, py::arg("block_size") = 256,
          "Render one line through an archetype voice in an environment; returns its stems "
          "(latency compensated) as float32 arrays. The GIL is released while rendering.");
}
