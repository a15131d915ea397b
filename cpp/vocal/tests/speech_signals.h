#pragma once
// Synthetic voices and the measurements a listener's ear stands in for: F0 by
// autocorrelation, the first formant from an LPC envelope, RMS. Shared by the pitch-mark
// and PSOLA tests.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "aicore/vocal/biquad.h"

namespace speech_signals {

inline constexpr std::array<double, 3> kVowelA = {700.0, 1200.0, 2600.0};

/// A pulse train at f0Hz (the F0 path may glide linearly to endF0Hz) through three
/// all-pole formant resonators, the classic cascade formant synthesiser. Peak 0.5.
inline std::vector<float> vowel(double f0Hz, double seconds, double sampleRate,
                                std::array<double, 3> formantsHz = kVowelA, double endF0Hz = 0.0) {
    const auto n = static_cast<std::size_t>(seconds * sampleRate);
    std::vector<double> x(n + 2, 0.0);
    if (endF0Hz <= 0.0) endF0Hz = f0Hz;
    double phase = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double f = f0Hz + (endF0Hz - f0Hz) * static_cast<double>(i) / static_cast<double>(n);
        const double next = phase + f / sampleRate;
        if (next >= 1.0 || i == 0) {
            // Split the pulse between two samples by its fractional position: an exact F0.
            const double frac = i == 0 ? 0.0 : (1.0 - phase) / (next - phase);
            x[i] += 1.0 - frac;
            x[i + 1] += frac;
        }
        phase = next - std::floor(next);
    }
    const std::array<double, 3> bandwidths = {90.0, 110.0, 160.0};
    for (std::size_t k = 0; k < formantsHz.size(); ++k) {
        const double r = std::exp(-std::numbers::pi * bandwidths[k] / sampleRate);
        const double a1 = 2.0 * r * std::cos(2.0 * std::numbers::pi * formantsHz[k] / sampleRate);
        const double a2 = -r * r;
        double y1 = 0.0, y2 = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const double y = (1.0 - r) * x[i] + a1 * y1 + a2 * y2;
            y2 = y1;
            y1 = y;
            x[i] = y;
        }
    }
    double peak = 0.0;
    for (std::size_t i = 0; i < n; ++i) peak = std::max(peak, std::abs(x[i]));
    std::vector<float> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(0.5 * x[i] / peak);
    return out;
}

/// Uniform white noise from a fixed-seed LCG: deterministic on every platform.
inline std::vector<float> whiteNoise(std::size_t n, std::uint32_t seed, float amplitude) {
    std::vector<float> out(n);
    std::uint32_t state = seed;
    for (auto& v : out) {
        state = state * 1664525u + 1013904223u;
        v = amplitude * (static_cast<float>(state >> 8) / 8388608.0f - 1.0f);
    }
    return out;
}

inline double rms(const std::vector<float>& x, std::size_t begin = 0, std::size_t end = 0) {
    if (end == 0) end = x.size();
    double acc = 0.0;
    for (std::size_t i = begin; i < end; ++i) acc += static_cast<double>(x[i]) * x[i];
    return std::sqrt(acc / static_cast<double>(end - begin));
}

/// F0 from the normalised autocorrelation over [begin, end): the shortest lag whose peak
/// is within 10% of the best (so a period is not mistaken for two), parabolically refined.
inline double f0ByAutocorrelation(const std::vector<float>& x, double sampleRate, std::size_t begin,
                                  std::size_t end) {
    const auto minLag = static_cast<std::size_t>(sampleRate / 500.0);
    const auto maxLag = static_cast<std::size_t>(sampleRate / 50.0);
    const std::size_t count = end - begin - maxLag - 1;
    std::vector<double> r(maxLag + 2, 0.0);
    for (std::size_t lag = minLag - 1; lag <= maxLag + 1; ++lag) {
        double xy = 0.0, xx = 0.0, yy = 0.0;
        for (std::size_t i = begin; i < begin + count; ++i) {
            const double a = x[i], b = x[i + lag];
            xy += a * b;
            xx += a * a;
            yy += b * b;
        }
        r[lag] = xy / std::sqrt(xx * yy + 1e-30);
    }
    double best = -1.0;
    for (std::size_t lag = minLag; lag <= maxLag; ++lag) best = std::max(best, r[lag]);
    for (std::size_t lag = minLag; lag <= maxLag; ++lag) {
        if (r[lag] >= 0.9 * best && r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1]) {
            const double denom = r[lag - 1] - 2.0 * r[lag] + r[lag + 1];
            const double shift = denom < 0.0 ? 0.5 * (r[lag - 1] - r[lag + 1]) / denom : 0.0;
            return sampleRate / (static_cast<double>(lag) + shift);
        }
    }
    return 0.0;
}

/// The first formant: the lowest peak above 200 Hz of a 10th-order LPC envelope (the
/// autocorrelation method on the segment, decimated to ~8 kHz where that order fits).
inline double firstFormantHz(const std::vector<float>& x, double sampleRate, std::size_t begin,
                             std::size_t end) {
    using aicore::vocal::Biquad;
    using aicore::vocal::BiquadType;
    const auto factor = static_cast<std::size_t>(std::max(1.0, std::round(sampleRate / 8000.0)));
    const double rate = sampleRate / static_cast<double>(factor);
    Biquad a, b;
    a.prepare({sampleRate, 512, 1});
    b.prepare({sampleRate, 512, 1});
    a.setParameters(BiquadType::LowPass, 0.42 * rate, 0.5412);
    b.setParameters(BiquadType::LowPass, 0.42 * rate, 1.3066);
    std::vector<double> y;
    for (std::size_t i = begin; i < end; ++i) {
        const float v = b.processSample(a.processSample(x[i]));
        if ((i - begin) % factor == 0) y.push_back(v);
    }
    const std::size_t m = y.size();
    for (std::size_t i = 0; i < m; ++i)
        y[i] *= 0.54 - 0.46 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) /
                                       static_cast<double>(m - 1));

    constexpr std::size_t order = 10;
    std::array<double, order + 1> r{};
    for (std::size_t lag = 0; lag <= order; ++lag)
        for (std::size_t i = 0; i + lag < m; ++i) r[lag] += y[i] * y[i + lag];
    r[0] *= 1.0 + 1e-9;  // white-noise floor keeps Levinson well conditioned

    std::array<double, order + 1> lpc{};
    lpc[0] = 1.0;
    double error = r[0];
    for (std::size_t i = 1; i <= order; ++i) {
        double acc = r[i];
        for (std::size_t j = 1; j < i; ++j) acc += lpc[j] * r[i - j];
        const double k = -acc / error;
        std::array<double, order + 1> next = lpc;
        for (std::size_t j = 1; j < i; ++j) next[j] = lpc[j] + k * lpc[i - j];
        next[i] = k;
        lpc = next;
        error *= 1.0 - k * k;
    }

    auto envelopeDb = [&](double hz) {
        const double w = 2.0 * std::numbers::pi * hz / rate;
        double re = 0.0, im = 0.0;
        for (std::size_t j = 0; j <= order; ++j) {
            re += lpc[j] * std::cos(w * static_cast<double>(j));
            im -= lpc[j] * std::sin(w * static_cast<double>(j));
        }
        return -10.0 * std::log10(re * re + im * im);
    };
    constexpr double stepHz = 1.0;
    double previous = envelopeDb(200.0 - stepHz), current = envelopeDb(200.0);
    for (double hz = 200.0; hz < 0.45 * rate; hz += stepHz) {
        const double next = envelopeDb(hz + stepHz);
        if (current > previous && current >= next) {
            const double denom = previous - 2.0 * current + next;
            return hz + (denom < 0.0 ? 0.5 * stepHz * (previous - next) / denom : 0.0);
        }
        previous = current;
        current = next;
    }
    return 0.0;
}

}  // namespace speech_signals
