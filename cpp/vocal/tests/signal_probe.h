#pragma once
// Measurements shared by the block tests: what a listener (or a spectrum analyser) would read off.
#include <cmath>
#include <cstddef>
#include <numbers>
#include <vector>

namespace aicore::vocal::probe {

constexpr double kRate = 48000.0;

inline double dB(double linear) { return 20.0 * std::log10(linear); }

inline std::vector<float> sine(double hz, double amplitude, std::size_t n, double rate = kRate) {
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = static_cast<float>(amplitude * std::sin(2.0 * std::numbers::pi * hz * static_cast<double>(i) / rate));
    return x;
}

inline double rms(const float* x, std::size_t n) {
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
    return std::sqrt(s / static_cast<double>(n));
}

/// Peak amplitude of the sinusoid at hz in x[0, n), read through a Hann window
/// (coherent gain corrected), so neighbouring tones leak little into it.
inline double toneAmplitude(const float* x, std::size_t n, double hz, double rate = kRate) {
    double re = 0.0, im = 0.0, windowSum = 0.0;
    const double w = 2.0 * std::numbers::pi * hz / rate;
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i);
        const double hann = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * t / static_cast<double>(n));
        re += hann * x[i] * std::cos(w * t);
        im -= hann * x[i] * std::sin(w * t);
        windowSum += hann;
    }
    return 2.0 * std::hypot(re, im) / windowSum;
}

inline double toneAmplitude(const std::vector<float>& x, std::size_t from, double hz, double rate = kRate) {
    return toneAmplitude(x.data() + from, x.size() - from, hz, rate);
}

}  // namespace aicore::vocal::probe
