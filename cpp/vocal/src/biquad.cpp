#include "aicore/vocal/biquad.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

namespace aicore::vocal {

BiquadCoefficients BiquadCoefficients::design(BiquadType type, double sampleRate,
                                              double frequencyHz, double q,
                                              double gainDb) noexcept {
    const double nyquistGuard = 0.49 * sampleRate;
    const double f = std::clamp(frequencyHz, 1.0, nyquistGuard);
    const double w0 = 2.0 * std::numbers::pi * f / sampleRate;
    const double cosw = std::cos(w0);
    const double sinw = std::sin(w0);
    const double alpha = sinw / (2.0 * std::max(q, 1e-3));
    const double a = std::pow(10.0, gainDb / 40.0);

    double b0 = 1, b1 = 0, b2 = 0, a0 = 1, a1 = 0, a2 = 0;
    switch (type) {
        case BiquadType::LowPass:
            b0 = (1 - cosw) / 2; b1 = 1 - cosw; b2 = (1 - cosw) / 2;
            a0 = 1 + alpha; a1 = -2 * cosw; a2 = 1 - alpha;
            break;
        case BiquadType::HighPass:
            b0 = (1 + cosw) / 2; b1 = -(1 + cosw); b2 = (1 + cosw) / 2;
            a0 = 1 + alpha; a1 = -2 * cosw; a2 = 1 - alpha;
            break;
        case BiquadType::BandPass:  // constant 0 dB peak gain
            b0 = alpha; b1 = 0; b2 = -alpha;
            a0 = 1 + alpha; a1 = -2 * cosw; a2 = 1 - alpha;
            break;
        case BiquadType::Notch:
            b0 = 1; b1 = -2 * cosw; b2 = 1;
            a0 = 1 + alpha; a1 = -2 * cosw; a2 = 1 - alpha;
            break;
        case BiquadType::Peak:
            b0 = 1 + alpha * a; b1 = -2 * cosw; b2 = 1 - alpha * a;
            a0 = 1 + alpha / a; a1 = -2 * cosw; a2 = 1 - alpha / a;
            break;
        case BiquadType::LowShelf: {
            const double sq = 2 * std::sqrt(a) * alpha;
            b0 = a * ((a + 1) - (a - 1) * cosw + sq);
            b1 = 2 * a * ((a - 1) - (a + 1) * cosw);
            b2 = a * ((a + 1) - (a - 1) * cosw - sq);
            a0 = (a + 1) + (a - 1) * cosw + sq;
            a1 = -2 * ((a - 1) + (a + 1) * cosw);
            a2 = (a + 1) + (a - 1) * cosw - sq;
            break;
        }
        case BiquadType::HighShelf: {
            const double sq = 2 * std::sqrt(a) * alpha;
            b0 = a * ((a + 1) + (a - 1) * cosw + sq);
            b1 = -2 * a * ((a - 1) + (a + 1) * cosw);
            b2 = a * ((a + 1) + (a - 1) * cosw - sq);
            a0 = (a + 1) - (a - 1) * cosw + sq;
            a1 = 2 * ((a - 1) - (a + 1) * cosw);
            a2 = (a + 1) - (a - 1) * cosw - sq;
            break;
        }
        case BiquadType::AllPass:
            b0 = 1 - alpha; b1 = -2 * cosw; b2 = 1 + alpha;
            a0 = 1 + alpha; a1 = -2 * cosw; a2 = 1 - alpha;
            break;
    }
    BiquadCoefficients c;
    c.b0 = static_cast<float>(b0 / a0);
    c.b1 = static_cast<float>(b1 / a0);
    c.b2 = static_cast<float>(b2 / a0);
    c.a1 = static_cast<float>(a1 / a0);
    c.a2 = static_cast<float>(a2 / a0);
    return c;
}

double BiquadCoefficients::magnitudeAt(double frequencyHz, double sampleRate) const noexcept {
    const double w = 2.0 * std::numbers::pi * frequencyHz / sampleRate;
    const std::complex<double> z1 = std::polar(1.0, -w);
    const std::complex<double> z2 = z1 * z1;
    const auto num = static_cast<double>(b0) + static_cast<double>(b1) * z1 + static_cast<double>(b2) * z2;
    const auto den = 1.0 + static_cast<double>(a1) * z1 + static_cast<double>(a2) * z2;
    return std::abs(num / den);
}

void Biquad::prepare(const ProcessSpec& spec) noexcept {
    sampleRate_ = spec.sampleRate;
    reset();
}

void Biquad::reset() noexcept {
    for (auto& s : state_) s = {0.0f, 0.0f};
}

void Biquad::setParameters(BiquadType type, double frequencyHz, double q, double gainDb) noexcept {
    coeffs_ = BiquadCoefficients::design(type, sampleRate_, frequencyHz, q, gainDb);
}

}  // namespace aicore::vocal
