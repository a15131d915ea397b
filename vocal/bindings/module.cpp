// vocal._native — numpy in, numpy out; the GIL is released while DSP runs.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>

#include "aicore/vocal/biquad.h"
#include "aicore/vocal/version.h"

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

}  // namespace

PYBIND11_MODULE(_native, m) {
    m.doc() = "AI Core voice core (private; import `vocal` instead).";
    m.def("version", &versionString, "Version of the native voice core.");
    m.def("filter_biquad", &filterBiquad, py::arg("samples"), py::arg("sample_rate"),
          py::arg("type"), py::arg("frequency_hz"), py::arg("q") = 0.7071067811865476,
          py::arg("gain_db") = 0.0,
          "Run one RBJ-cookbook biquad over a mono float32 signal; returns a new array.");
}
