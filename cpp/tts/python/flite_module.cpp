// vocal.tts_backends._flite — CMU Flite in-process; the GIL is released while it speaks.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "aicore/tts/flite_speech.h"

namespace py = pybind11;
using aicore::tts::FliteSpeech;

namespace {

std::vector<std::string> voices() {
    const auto names = aicore::tts::fliteVoiceNames();
    return {names.begin(), names.end()};
}

py::tuple synthesize(const std::string& text, const std::string& voice, int speedWpm,
                     int pitch) {
    FliteSpeech speech;
    {
        const py::gil_scoped_release release;
        speech = aicore::tts::synthesizeWithFlite(text, voice, speedWpm, pitch);
    }
    if (!speech.error.empty()) {
        if (speech.badArgument) throw py::value_error(speech.error);
        throw std::runtime_error(speech.error);
    }
    py::array_t<std::int16_t> pcm(static_cast<py::ssize_t>(speech.samples.size()));
    std::copy(speech.samples.begin(), speech.samples.end(), pcm.mutable_data());
    return py::make_tuple(pcm, speech.sampleRateHz);
}

}  // namespace

PYBIND11_MODULE(_flite, m) {
    m.doc() = "CMU Flite linked in-process (private: use vocal.tts or vocal.tts_backends)";
    m.def("voices", &voices, "The voices this build links; the first is the default.");
    m.def("synthesize", &synthesize, py::arg("text"), py::arg("voice"), py::arg("speed_wpm"),
          py::arg("pitch"),
          "Speak text; returns (int16 mono samples, sample rate). ValueError: unknown voice; "
          "RuntimeError: Flite failed.");
    m.def("natural_speed_wpm", &aicore::tts::fliteNaturalSpeedWpm, py::arg("voice"),
          "The voice's own pace in words per minute (0: not linked).");
    m.def("duration_stretch", &aicore::tts::fliteDurationStretch, py::arg("voice_stretch"),
          py::arg("natural_wpm"), py::arg("speed_wpm"),
          "Flite's duration_stretch for a speed in words per minute.");
    m.def("f0_shift", &aicore::tts::fliteF0Shift, py::arg("pitch"),
          "Flite's f0_shift (a factor on the voice's mean F0) for a pitch 0..99.");
    m.attr("NEUTRAL_PITCH") = aicore::tts::kFliteNeutralPitch;
}
