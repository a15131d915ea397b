#include "aicore/vocal/reverb.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "aicore/vocal/multiversion.h"

namespace aicore::vocal {

namespace {

// Coefficients move once per sub-block: cheap, and a loop-gain step of a fraction of a
// percent every 0.7 ms is inaudible, unlike a step in an output gain.
constexpr std::size_t kSubBlock = 32;
constexpr double kSmoothingSeconds = 0.05;

// A constant far below hearing but far above FLT_MIN keeps every recirculating state a
// normal float once the input stops, so a decaying tail never falls into denormals.
constexpr float kAntiDenormal = 1.0e-20f;

// Line lengths at size 1, spread geometrically: echoes from lines on a common grid would
// pile up into a metallic flutter.
constexpr double kShortestLineMs = 29.0;
constexpr double kLongestLineMs = 83.0;
constexpr double kSmallestSizeScale = 0.25;

// Dattorro's input diffusers (142, 107, 379, 277 samples at 29.76 kHz): dense within
// ~30 ms without colouring speech.
constexpr std::array<double, Reverb::kDiffusers> kDiffuserMs = {4.77, 3.60, 12.73, 9.31};
constexpr std::array<float, Reverb::kDiffusers> kDiffuserGain = {0.75f, 0.75f, 0.625f, 0.625f};

// Two rows of an 8x8 Hadamard: orthogonal to each other, so left and right hear the same
// lines through uncorrelated sign patterns.
constexpr std::array<float, Reverb::kLines> kLeftTaps = {0.5f, -0.5f, 0.5f, -0.5f,
                                                         0.5f, -0.5f, 0.5f, -0.5f};
constexpr std::array<float, Reverb::kLines> kRightTaps = {0.5f, 0.5f, -0.5f, -0.5f,
                                                          0.5f, 0.5f, -0.5f, -0.5f};
constexpr float kInputGain = 0.35355339f;  // 1/sqrt(8): unit input energy over the lines
constexpr float kHadamardScale = 0.35355339f;
constexpr double kOcclusionQ = 0.70710678;
constexpr double kLargestHfShortening = 0.9;  // damping 1: RT60 at Nyquist is 10% of RT60

bool isPrime(std::size_t n) noexcept {
    if (n < 2) return false;
    if (n % 2 == 0) return n == 2;
    for (std::size_t d = 3; d * d <= n; d += 2)
        if (n % d == 0) return false;
    return true;
}

std::size_t nextPrimeAtLeast(std::size_t n) noexcept {
    while (!isPrime(n)) ++n;
    return n;
}

double lineMs(std::size_t line, double size01) noexcept {
    const double t = static_cast<double>(line) / static_cast<double>(Reverb::kLines - 1);
    const double atFullSize = kShortestLineMs * std::pow(kLongestLineMs / kShortestLineMs, t);
    return atFullSize * (kSmallestSizeScale + (1.0 - kSmallestSizeScale) * size01);
}

std::size_t lineSamples(std::size_t line, double size01, double sampleRate,
                        std::size_t atLeast) noexcept {
    const auto wanted =
        static_cast<std::size_t>(std::lround(lineMs(line, size01) * 1e-3 * sampleRate));
    return nextPrimeAtLeast(std::max({wanted, atLeast, std::size_t{2}}));
}

// In-place fast Walsh-Hadamard transform, scaled to be orthonormal (lossless mixing).
inline void hadamard8(std::array<float, Reverb::kLines>& x) noexcept {
    for (std::size_t h = 1; h < Reverb::kLines; h *= 2)
        for (std::size_t i = 0; i < Reverb::kLines; i += 2 * h)
            for (std::size_t j = i; j < i + h; ++j) {
                const float a = x[j], b = x[j + h];
                x[j] = a + b;
                x[j + h] = a - b;
            }
    for (auto& v : x) v *= kHadamardScale;
}

std::size_t nextPowerOfTwo(std::size_t n) noexcept {
    std::size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

}  // namespace

void Reverb::prepare(const ProcessSpec& spec) {
    sampleRate_ = spec.sampleRate;

    // Capacity for size 1; lengths are computed in the same order as applySize() so the
    // primes found there can never exceed these.
    std::size_t previous = 0;
    for (std::size_t i = 0; i < kLines; ++i) {
        const std::size_t len = lineSamples(i, 1.0, sampleRate_, previous + 1);
        lines_[i].assign(len, 0.0f);
        previous = len;
    }
    for (std::size_t k = 0; k < kDiffusers; ++k) {
        const auto len = static_cast<std::size_t>(
            std::max(1L, std::lround(kDiffuserMs[k] * 1e-3 * sampleRate_)));
        diffusers_[k].assign(len, 0.0f);
    }
    const auto preDelayCapacity =
        static_cast<std::size_t>(std::ceil(kMaxPreDelayMs * 1e-3 * sampleRate_)) + 4;
    preDelay_.assign(nextPowerOfTwo(preDelayCapacity), 0.0f);
    preDelayMask_ = preDelay_.size() - 1;

    sampleSmoothing_ = static_cast<float>(1.0 - std::exp(-1.0 / (kSmoothingSeconds * sampleRate_)));
    blockSmoothing_ = static_cast<float>(
        1.0 - std::exp(-static_cast<double>(kSubBlock) / (kSmoothingSeconds * sampleRate_)));

    occlusion_.prepare({sampleRate_, spec.maximumBlockSize, 2});
    prepared_ = true;

    setPreDelayMs(preDelayMs_);
    setOcclusionCutoffHz(occlusionHz_);
    reset();
}

void Reverb::applySize() noexcept {
    // Longer lines keep the order (and distinctness) of the primes; at small sizes the
    // "atLeast" rule keeps them distinct, which is what makes them mutually prime.
    std::size_t previous = 0;
    for (std::size_t i = 0; i < kLines; ++i) {
        const std::size_t len = lineSamples(i, pendingSize_, sampleRate_, previous + 1);
        lineLength_[i] = std::min(len, lines_[i].size());
        previous = lineLength_[i];
    }
}

void Reverb::reset() noexcept {
    if (!prepared_) return;
    applySize();
    updateAbsorptionTargets();
    for (auto& line : lines_) std::fill(line.begin(), line.end(), 0.0f);
    for (auto& d : diffusers_) std::fill(d.begin(), d.end(), 0.0f);
    std::fill(preDelay_.begin(), preDelay_.end(), 0.0f);
    linePos_.fill(0);
    diffuserPos_.fill(0);
    preDelayWrite_ = 0;
    absorbState_.fill(0.0f);
    absorbA_ = absorbATarget_;
    absorbB_ = absorbBTarget_;
    preDelaySamples_ = preDelayTarget_;
    wet_ = wetTarget_;
    occlusionLogHz_ = occlusionLogHzTarget_;
    occlusionLogHzDesigned_ = occlusionLogHz_;
    occlusion_.setParameters(BiquadType::LowPass, std::exp(occlusionLogHz_), kOcclusionQ);
    occlusion_.reset();
}

void Reverb::setSize(double size01) noexcept {
    pendingSize_ = std::clamp(size01, 0.0, 1.0);
}

void Reverb::setDecaySeconds(double rt60Seconds) noexcept {
    decaySeconds_ = std::clamp(rt60Seconds, kMinDecaySeconds, kMaxDecaySeconds);
    updateAbsorptionTargets();
}

void Reverb::setDamping(double damping01) noexcept {
    damping_ = std::clamp(damping01, 0.0, 1.0);
    updateAbsorptionTargets();
}

void Reverb::setPreDelayMs(double milliseconds) noexcept {
    preDelayMs_ = std::clamp(milliseconds, 0.0, kMaxPreDelayMs);
    preDelayTarget_ = static_cast<float>(preDelayMs_ * 1e-3 * sampleRate_);
}

void Reverb::setOcclusionCutoffHz(double hz) noexcept {
    occlusionHz_ = std::clamp(hz, kMinOcclusionHz, 0.49 * sampleRate_);
    occlusionLogHzTarget_ = std::log(occlusionHz_);
}

void Reverb::setWetDb(double decibels) noexcept {
    setWet(decibels <= -120.0 ? 0.0 : std::pow(10.0, decibels / 20.0));
}

void Reverb::setWet(double linearGain) noexcept {
    wetTarget_ = static_cast<float>(std::max(0.0, linearGain));
}

void Reverb::updateAbsorptionTargets() noexcept {
    // Jot's absorbent loop filter: H(z) = g(1 - b) / (1 - b z^-1) has gain g at DC and
    // g r at Nyquist, with r the ratio of the Nyquist and DC loop gains that make the
    // high band decay in hfRatio * RT60.
    const double hfRatio = 1.0 - kLargestHfShortening * damping_;
    const double hfDecay = decaySeconds_ * hfRatio;
    for (std::size_t i = 0; i < kLines; ++i) {
        const double d = static_cast<double>(lineLength_[i]);
        const double g = std::pow(10.0, -3.0 * d / (decaySeconds_ * sampleRate_));
        const double r =
            std::pow(10.0, -3.0 * d / sampleRate_ * (1.0 / hfDecay - 1.0 / decaySeconds_));
        const double b = (1.0 - r) / (1.0 + r);
        absorbATarget_[i] = static_cast<float>(g * (1.0 - b));
        absorbBTarget_[i] = static_cast<float>(b);
    }
}

void Reverb::advanceBlockSmoothing() noexcept {
    for (std::size_t i = 0; i < kLines; ++i) {
        absorbA_[i] += blockSmoothing_ * (absorbATarget_[i] - absorbA_[i]);
        absorbB_[i] += blockSmoothing_ * (absorbBTarget_[i] - absorbB_[i]);
    }
    occlusionLogHz_ +=
        static_cast<double>(blockSmoothing_) * (occlusionLogHzTarget_ - occlusionLogHz_);
    // Redesign only while the cutoff moves: the design costs a cos, a sin and a pow.
    if (std::abs(occlusionLogHz_ - occlusionLogHzDesigned_) > 1e-4) {
        occlusion_.setParameters(BiquadType::LowPass, std::exp(occlusionLogHz_), kOcclusionQ);
        occlusionLogHzDesigned_ = occlusionLogHz_;
    }
}

AICORE_VOCAL_HOT void Reverb::process(const float* in, float* outLeft, float* outRight, std::size_t n) noexcept {
    if (!prepared_) {
        std::fill(outLeft, outLeft + n, 0.0f);
        std::fill(outRight, outRight + n, 0.0f);
        return;
    }
    std::array<float*, kLines> line{};
    for (std::size_t i = 0; i < kLines; ++i) line[i] = lines_[i].data();
    std::array<float*, kDiffusers> diffuser{};
    std::array<std::size_t, kDiffusers> diffuserLength{};
    for (std::size_t k = 0; k < kDiffusers; ++k) {
        diffuser[k] = diffusers_[k].data();
        diffuserLength[k] = diffusers_[k].size();
    }
    float* pre = preDelay_.data();
    const float alpha = sampleSmoothing_;

    std::size_t done = 0;
    while (done < n) {
        const std::size_t count = std::min(kSubBlock, n - done);
        advanceBlockSmoothing();
        const auto a = absorbA_;
        const auto b = absorbB_;

        for (std::size_t s = done; s < done + count; ++s) {
            pre[preDelayWrite_] = in[s] + kAntiDenormal;
            preDelaySamples_ += alpha * (preDelayTarget_ - preDelaySamples_);
            const auto whole = static_cast<std::size_t>(preDelaySamples_);
            const float frac = preDelaySamples_ - static_cast<float>(whole);
            const float p0 = pre[(preDelayWrite_ - whole) & preDelayMask_];
            const float p1 = pre[(preDelayWrite_ - whole - 1) & preDelayMask_];
            float x = p0 + frac * (p1 - p0);
            preDelayWrite_ = (preDelayWrite_ + 1) & preDelayMask_;

            for (std::size_t k = 0; k < kDiffusers; ++k) {
                float& slot = diffuser[k][diffuserPos_[k]];
                const float delayed = slot;
                const float w = x + kDiffuserGain[k] * delayed;
                x = delayed - kDiffuserGain[k] * w;
                slot = w;
                if (++diffuserPos_[k] == diffuserLength[k]) diffuserPos_[k] = 0;
            }

            std::array<float, kLines> mix{};
            float left = 0.0f, right = 0.0f;
            for (std::size_t i = 0; i < kLines; ++i) {
                const float y = line[i][linePos_[i]];
                left += kLeftTaps[i] * y;
                right += kRightTaps[i] * y;
                absorbState_[i] = a[i] * y + b[i] * absorbState_[i];
                mix[i] = absorbState_[i];
            }
            hadamard8(mix);
            const float injected = kInputGain * x;
            for (std::size_t i = 0; i < kLines; ++i) {
                line[i][linePos_[i]] = mix[i] + injected;
                if (++linePos_[i] == lineLength_[i]) linePos_[i] = 0;
            }

            wet_ += alpha * (wetTarget_ - wet_);
            outLeft[s] = wet_ * occlusion_.processSample(left, 0);
            outRight[s] = wet_ * occlusion_.processSample(right, 1);
        }
        done += count;
    }
}

}  // namespace aicore::vocal
