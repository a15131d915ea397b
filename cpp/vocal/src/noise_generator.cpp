#include "aicore/vocal/noise_generator.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

#include "aicore/vocal/multiversion.h"

namespace aicore::vocal {

namespace {

// Paul Kellet's refined pink filter: pole and input gain of each one-pole section.
constexpr float kPinkPole[6] = {0.99886f, 0.99332f, 0.96900f, 0.86650f, 0.55000f, -0.7616f};
constexpr float kPinkGain[6] = {0.0555179f, 0.0750759f, 0.1538520f, 0.3104856f, 0.5329522f, -0.0168980f};
constexpr float kPinkDirect = 0.5362f;
constexpr float kPinkDelayed = 0.115926f;

// A uniform number in [-1, 1) has variance 1/3; this makes it 1.
constexpr float kUniformToUnitVariance = 1.7320508f;

std::complex<double> pinkResponse(double w) {
    const std::complex<double> zInv = std::polar(1.0, -w);
    std::complex<double> h = static_cast<double>(kPinkDirect) + static_cast<double>(kPinkDelayed) * zInv;
    for (int k = 0; k < 6; ++k)
        h += static_cast<double>(kPinkGain[k]) / (1.0 - static_cast<double>(kPinkPole[k]) * zInv);
    return h;
}

// Pink has a sharp peak below 10 Hz and the band-pass may be narrow, so the grid is
// dense near DC (cubic spacing); 1024 trapezoids are within 0.05 dB.
constexpr std::size_t kGridPoints = 1025;

}  // namespace

void NoiseGenerator::prepare(const ProcessSpec& spec) {
    sampleRate_ = spec.sampleRate;
    gridWeight_.assign(kGridPoints, 0.0);
    gridCos_.resize(kGridPoints);
    gridCos2_.resize(kGridPoints);
    pinkPower_.resize(kGridPoints);
    const auto wAt = [](std::size_t k) {
        const double u = static_cast<double>(k) / static_cast<double>(kGridPoints - 1);
        return std::numbers::pi * u * u * u;
    };
    for (std::size_t k = 0; k < kGridPoints; ++k) {
        const double w = wAt(k);
        gridCos_[k] = std::cos(w);
        gridCos2_[k] = std::cos(2.0 * w);
        pinkPower_[k] = std::norm(pinkResponse(w));
        const double lo = k > 0 ? wAt(k - 1) : w;
        const double hi = k + 1 < kGridPoints ? wAt(k + 1) : w;
        gridWeight_[k] = 0.5 * (hi - lo) / std::numbers::pi;
    }
    bandPass_.prepare(spec);
    gain_.prepare(spec);
    setAttackMs(attackMs_);
    setReleaseMs(releaseMs_);
    updateBandPass();
    updateNormalisation();
    reset();
}

void NoiseGenerator::reset() noexcept {
    random_.seed(seed_);
    bandPass_.reset();
    bandPassState_[0] = bandPassState_[1] = 0.0f;
    // Settings made since prepare() must not ramp in after a reset, or a replay would differ.
    if (normalisationDirty_) updateNormalisation();
    gain_.reset();
    for (auto& p : pink_) p = 0.0f;
    peak_ = 0.0f;
    envelope_ = 0.0f;
}

void NoiseGenerator::setSeed(std::uint64_t seed) noexcept {
    seed_ = seed;
    random_.seed(seed);
}

void NoiseGenerator::setColour(NoiseColour colour) noexcept {
    colour_ = colour;
    normalisationDirty_ = true;
}

void NoiseGenerator::setLevelDb(float db) noexcept {
    levelDb_ = std::clamp(db, -120.0f, 12.0f);
    updateLevelTarget();
}

void NoiseGenerator::setBandPassEnabled(bool enabled) noexcept {
    bandPassEnabled_ = enabled;
    normalisationDirty_ = true;
}

void NoiseGenerator::setBandPassCentreHz(float hz) noexcept {
    bandPassCentreHz_ = hz;
    updateBandPass();
}

void NoiseGenerator::setBandPassQ(float q) noexcept {
    bandPassQ_ = std::clamp(q, 0.1f, 20.0f);
    updateBandPass();
}

void NoiseGenerator::setAttackMs(float ms) noexcept {
    attackMs_ = std::clamp(ms, 0.1f, 5000.0f);
    attack_ = static_cast<float>(std::exp(-1.0 / (0.001 * attackMs_ * sampleRate_)));
}

void NoiseGenerator::setReleaseMs(float ms) noexcept {
    releaseMs_ = std::clamp(ms, 0.1f, 5000.0f);
    release_ = static_cast<float>(std::exp(-1.0 / (0.001 * releaseMs_ * sampleRate_)));
}

void NoiseGenerator::updateBandPass() noexcept {
    bandPass_.setParameters(BiquadType::BandPass, bandPassCentreHz_, bandPassQ_);
    normalisationDirty_ = true;
}

void NoiseGenerator::updateLevelTarget() noexcept {
    gain_.setTargetValue(std::pow(10.0f, levelDb_ / 20.0f) * normalisation_);
}

void NoiseGenerator::updateNormalisation() noexcept {
    // Output power for unit-variance white input: (1/pi) * integral over [0, pi] of |H(w)|^2.
    // A biquad's |H|^2 in real arithmetic: |b0 + b1 z + b2 z^2|^2 = b0^2 + b1^2 + b2^2
    // + 2 (b0 b1 + b1 b2) cos w + 2 b0 b2 cos 2w, and likewise for the denominator.
    const auto& c = bandPass_.coefficients();
    const double b0 = c.b0, b1 = c.b1, b2 = c.b2, a1 = c.a1, a2 = c.a2;
    const double n0 = b0 * b0 + b1 * b1 + b2 * b2, n1 = 2.0 * (b0 * b1 + b1 * b2), n2 = 2.0 * b0 * b2;
    const double d0 = 1.0 + a1 * a1 + a2 * a2, d1 = 2.0 * (a1 + a1 * a2), d2 = 2.0 * a2;
    const bool pink = colour_ == NoiseColour::Pink;
    double power = 0.0;
    for (std::size_t k = 0; k < gridWeight_.size(); ++k) {
        double p = pink ? pinkPower_[k] : 1.0;
        if (bandPassEnabled_)
            p *= (n0 + n1 * gridCos_[k] + n2 * gridCos2_[k]) / (d0 + d1 * gridCos_[k] + d2 * gridCos2_[k]);
        power += gridWeight_[k] * p;
    }
    normalisation_ = power > 0.0 ? static_cast<float>(1.0 / std::sqrt(power)) : 0.0f;
    normalisationDirty_ = false;
    updateLevelTarget();
}

// Always inlined: each marked process() copy then holds its own AVX2 or baseline loop.
template <bool Pink, bool BandPass, bool Follow>
[[gnu::always_inline]] inline void NoiseGenerator::render(const float* sidechain, float* out, std::size_t count) noexcept {
    if (normalisationDirty_) updateNormalisation();
    // Every recursion lives in a local for the whole call, so none round-trips through memory.
    float p0 = pink_[0], p1 = pink_[1], p2 = pink_[2], p3 = pink_[3], p4 = pink_[4], p5 = pink_[5],
          delayed = pink_[6];
    const auto c = bandPass_.coefficients();
    float z1 = bandPassState_[0], z2 = bandPassState_[1];
    // Peak hold with exponential release, then the attack smoothing: a sine of amplitude A
    // reads as ~A (a one-pole on |x| alone would sit ~1 dB low between peaks), and an
    // onset still takes the attack time, so breath never clicks in.
    float peak = peak_, env = envelope_;
    const float smoothing = 1.0f - attack_, hold = attack_, release = release_;
    // Noise is made in stack chunks (no allocation); the envelope of each sample is read
    // before that sample is written, so out may alias sidechain.
    constexpr std::size_t kChunk = 64;
    float white[kChunk];
    for (std::size_t done = 0; done < count; done += kChunk) {
        const std::size_t m = std::min(kChunk, count - done);
        for (std::size_t i = 0; i < m; ++i) white[i] = kUniformToUnitVariance * random_.nextBipolarFloat();
        // The level's ramp, linear across the chunk (SmoothedValue's is linear too).
        const float gainStart = gain_.getCurrentValue();
        const float gainStep = (gain_.skip(m) - gainStart) / static_cast<float>(m);
        for (std::size_t i = 0; i < m; ++i) {
            float x = white[i];
            if constexpr (Pink) {
                p0 = kPinkPole[0] * p0 + kPinkGain[0] * x;
                p1 = kPinkPole[1] * p1 + kPinkGain[1] * x;
                p2 = kPinkPole[2] * p2 + kPinkGain[2] * x;
                p3 = kPinkPole[3] * p3 + kPinkGain[3] * x;
                p4 = kPinkPole[4] * p4 + kPinkGain[4] * x;
                p5 = kPinkPole[5] * p5 + kPinkGain[5] * x;
                const float pink = kPinkDirect * x + delayed + p0 + p1 + p2 + p3 + p4 + p5;
                delayed = kPinkDelayed * x;
                x = pink;
            }
            if constexpr (BandPass) {
                // Biquad's transposed direct form II, with z2 added before the feedback term
                // so the recursion y -> z1 -> y is three operations, not four.
                const float y = c.b0 * x + z1;
                z1 = (c.b1 * x + z2) - c.a1 * y;
                z2 = c.b2 * x - c.a2 * y;
                x = y;
            }
            float y = x * (gainStart + static_cast<float>(i + 1) * gainStep);
            if constexpr (Follow) {
                const float level = std::abs(sidechain[done + i]);
                peak = level > peak ? level : peak * release;
                // One-pole as hold * env + smoothing * peak: a multiply and an add per sample
                // on the recursion instead of a subtract, multiply and add.
                env = hold * env + smoothing * peak;
                y *= env;
            }
            out[done + i] = y;
        }
    }
    pink_[0] = p0; pink_[1] = p1; pink_[2] = p2; pink_[3] = p3; pink_[4] = p4; pink_[5] = p5;
    pink_[6] = delayed;
    bandPassState_[0] = z1;
    bandPassState_[1] = z2;
    if constexpr (Follow) {
        // A released envelope must not decay into denormals.
        peak_ = peak < 1e-15f ? 0.0f : peak;
        envelope_ = env < 1e-15f ? 0.0f : env;
    }
}

template <bool Follow>
[[gnu::always_inline]] inline void NoiseGenerator::dispatch(const float* sidechain, float* out, std::size_t count) noexcept {
    if (colour_ == NoiseColour::Pink) {
        if (bandPassEnabled_) render<true, true, Follow>(sidechain, out, count);
        else render<true, false, Follow>(sidechain, out, count);
    } else {
        if (bandPassEnabled_) render<false, true, Follow>(sidechain, out, count);
        else render<false, false, Follow>(sidechain, out, count);
    }
}

AICORE_VOCAL_HOT void NoiseGenerator::process(float* out, std::size_t count) noexcept { dispatch<false>(nullptr, out, count); }

AICORE_VOCAL_HOT void NoiseGenerator::process(const float* sidechain, float* out, std::size_t count) noexcept {
    dispatch<true>(sidechain, out, count);
}

}  // namespace aicore::vocal
