#include "aicore/vocal/psola_shifter.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "aicore/vocal/multiversion.h"

namespace aicore::vocal {

namespace {

std::size_t nextPowerOfTwo(std::size_t n) noexcept {
    std::size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

// Catmull-Rom: exact at integer positions (so ratio 1 reproduces the clip) and smooth
// enough between them that resampled grains do not buzz.
inline float readCubic(const std::vector<float>& x, double position) noexcept {
    const double whole = std::floor(position);
    const auto i = static_cast<std::ptrdiff_t>(whole);
    const auto f = static_cast<float>(position - whole);
    const auto n = static_cast<std::ptrdiff_t>(x.size());
    float xm1 = 0.0f, x0 = 0.0f, x1 = 0.0f, x2 = 0.0f;
    if (i >= 1 && i + 2 < n) {
        const float* p = x.data() + i;
        xm1 = p[-1];
        x0 = p[0];
        x1 = p[1];
        x2 = p[2];
    } else {
        auto at = [&](std::ptrdiff_t k) {
            return k >= 0 && k < n ? x[static_cast<std::size_t>(k)] : 0.0f;
        };
        xm1 = at(i - 1);
        x0 = at(i);
        x1 = at(i + 1);
        x2 = at(i + 2);
    }
    const float c1 = 0.5f * (x1 - xm1);
    const float c2 = xm1 - 2.5f * x0 + 2.0f * x1 - 0.5f * x2;
    const float c3 = 0.5f * (x2 - xm1) + 1.5f * (x0 - x1);
    return ((c3 * f + c2) * f + c1) * f + x0;
}

// Overlap-adds count samples of one grain piece: clip read at input[position + q * step]
// (position >= 1, so the cubic's left tap is in bounds), half window at table coordinate
// u + q * uStep (entries up to tableEnd + 1). No branches and int/float arithmetic only:
// the loop vectorises, the four taps per sample becoming emulated gathers.
[[gnu::always_inline]] inline void addGrainPiece(const float* __restrict input, float position, float step, const float* __restrict window,
                   int tableEnd, float u, float uStep, float gain, float* __restrict out, int count) noexcept {
    for (int q = 0; q < count; ++q) {
        const auto qf = static_cast<float>(q);
        const float p = position + qf * step;
        const int i = static_cast<int>(p);
        const float f = p - static_cast<float>(i);
        const float xm1 = input[i - 1], x0 = input[i], x1 = input[i + 1], x2 = input[i + 2];
        // readCubic's Catmull-Rom.
        const float c1 = 0.5f * (x1 - xm1);
        const float c2 = xm1 - 2.5f * x0 + 2.0f * x1 - 0.5f * x2;
        const float c3 = 0.5f * (x2 - xm1) + 1.5f * (x0 - x1);
        const float sample = ((c3 * f + c2) * f + c1) * f + x0;
        // Table coordinate in [0, table end] up to rounding; the last entries are 0.
        const float uq = u + qf * uStep;
        const int k = std::min(static_cast<int>(uq), tableEnd);
        const float w = window[k] + (uq - static_cast<float>(k)) * (window[k + 1] - window[k]);
        out[q] += gain * w * sample;
    }
}

}  // namespace

void PsolaShifter::Ramp::setTarget(double value, double rampSamples) noexcept {
    target = value;
    if (rampSamples <= 0.0) {
        snap();
        return;
    }
    remaining = rampSamples;
    step = (target - current) / rampSamples;
}

void PsolaShifter::Ramp::advance(double samples) noexcept {
    if (samples >= remaining) {
        snap();
        return;
    }
    current += step * samples;
    remaining -= samples;
}

void PsolaShifter::prepare(const ProcessSpec& spec) {
    sampleRate_ = spec.sampleRate;
    maxBlock_ = std::max<std::size_t>(1, spec.maximumBlockSize);
    rampSamples_ = kSmoothingMs * 1e-3 * sampleRate_;
    decorrelationSamples_ = 0.5e-3 * sampleRate_;
    const double longestPeriod = std::ceil(sampleRate_ / kLowestF0Hz);
    maxLookahead_ = static_cast<std::size_t>(std::ceil(longestPeriod / kMinFormantRatio)) + 4;
    // Grains reach up to two look-aheads past the block being read.
    ring_.assign(nextPowerOfTwo(maxBlock_ + 2 * maxLookahead_ + 8), 0.0f);
    ringMask_ = ring_.size() - 1;
    for (std::size_t i = 0; i <= kWindowTableSize; ++i)
        halfHann_[i] =
            static_cast<float>(0.5 * (1.0 + std::cos(std::numbers::pi * static_cast<double>(i) /
                                                     static_cast<double>(kWindowTableSize))));
    halfHann_[kWindowTableSize + 1] = 0.0f;
    reset();
}

void PsolaShifter::reset() noexcept {
    std::fill(ring_.begin(), ring_.end(), 0.0f);
    clip_ = nullptr;
    position_ = end_ = 0;
    pitch_.snap();
    formant_.snap();
}

void PsolaShifter::setPitchRatio(double ratio) noexcept {
    pitch_.setTarget(std::clamp(ratio, kMinPitchRatio, kMaxPitchRatio), rampSamples_);
}

void PsolaShifter::setSemitones(double semitones) noexcept {
    setPitchRatio(std::exp2(semitones / 12.0));
}

void PsolaShifter::setFormantRatio(double ratio) noexcept {
    formant_.setTarget(std::clamp(ratio, kMinFormantRatio, kMaxFormantRatio), rampSamples_);
}

void PsolaShifter::start(const Clip* clip, std::size_t positionSamples) noexcept {
    std::fill(ring_.begin(), ring_.end(), 0.0f);
    pitch_.snap();
    formant_.snap();
    clip_ = clip;
    position_ = end_ = 0;
    if (clip_ == nullptr || clip_->samples.empty() || clip_->sampleRate <= 0.0 || ring_.empty()) {
        clip_ = nullptr;
        return;
    }
    inputPerOutput_ = clip_->sampleRate / sampleRate_;
    end_ = static_cast<std::size_t>(
        std::lround(static_cast<double>(clip_->samples.size()) / inputPerOutput_));
    const std::size_t startIn = std::min(positionSamples, clip_->samples.size());
    position_ = std::min(end_, static_cast<std::size_t>(
                                   std::lround(static_cast<double>(startIn) / inputPerOutput_)));

    const double longestInterval =
        static_cast<double>(clip_->longestMarkIntervalSamples) / inputPerOutput_;
    lookahead_ = std::min(
        maxLookahead_, static_cast<std::size_t>(std::ceil(longestInterval / kMinFormantRatio)) + 2);

    // The last mark at or before the start: its grain covers the start.
    const auto& marks = clip_->marks;
    const auto after =
        std::upper_bound(marks.begin(), marks.end(), startIn,
                         [](std::size_t p, const PitchMark& m) { return p < m.position; });
    markCursor_ = after == marks.begin() ? 0 : static_cast<std::size_t>(after - marks.begin()) - 1;
    nextGrain_ = marks.empty() ? static_cast<double>(end_ + lookahead_)
                               : static_cast<double>(marks[markCursor_].position) / inputPerOutput_;
    lastGrain_ = nextGrain_;
}

float PsolaShifter::windowAt(double x) const noexcept {
    const double scaled = x * static_cast<double>(kWindowTableSize);
    const auto i = static_cast<std::size_t>(scaled);
    if (i >= kWindowTableSize) return 0.0f;  // x >= 1: past the end of the half window
    const auto f = static_cast<float>(scaled - static_cast<double>(i));
    return halfHann_[i] + f * (halfHann_[i + 1] - halfHann_[i]);
}

AICORE_VOCAL_HOT void PsolaShifter::addGrainSide(std::ptrdiff_t first, std::ptrdiff_t last, double mark, double markInput,
                                double step, double windowRate, float gain) noexcept {
    if (first > last) return;
    // Output sample j reads the clip at markInput + (j - mark) * step and the half window
    // at table coordinate (j - mark) * windowRate; both are linear in j, so the loop steps them.
    const auto& x = clip_->samples;
    const auto count = last - first + 1;
    const double firstInput = markInput + (static_cast<double>(first) - mark) * step;
    const double lastInput = markInput + (static_cast<double>(last) - mark) * step;
    const auto firstWindow = static_cast<float>((static_cast<double>(first) - mark) * windowRate);
    const auto windowStep = static_cast<float>(windowRate);
    const float* window = halfHann_.data();
    // One sample of margin at the end: the fast loop's float position may round up to the
    // next whole sample.
    if (firstInput < 1.0 || lastInput + 3.0 >= static_cast<double>(x.size())) {
        // At the clip's ends the cubic's taps need bounds checks: rare, so the plain read.
        for (std::ptrdiff_t q = 0; q < count; ++q) {
            const double v = static_cast<double>(q) * step;
            const float u = std::max(0.0f, firstWindow + static_cast<float>(q) * windowStep);
            const float w = windowAt(static_cast<double>(u) / static_cast<double>(kWindowTableSize));
            ring_[static_cast<std::size_t>(first + q) & ringMask_] += gain * w * readCubic(x, firstInput + v);
        }
        return;
    }
    // Inside the clip: pieces with a contiguous stretch of the ring, read by addGrainPiece.
    constexpr std::ptrdiff_t kPiece = 128;
    const std::size_t ringSize = ring_.size();
    for (std::ptrdiff_t q = 0; q < count;) {
        const std::size_t slot = static_cast<std::size_t>(first + q) & ringMask_;
        const std::ptrdiff_t length =
            std::min({count - q, kPiece, static_cast<std::ptrdiff_t>(ringSize - slot)});
        // Positions relative to a base a sample before the piece's first read, so they stay
        // small (float resolves them to a few 1e-5 samples) and its taps start at base.
        const double position = firstInput + static_cast<double>(q) * step;
        const auto base = static_cast<std::ptrdiff_t>(position) - 1;
        addGrainPiece(x.data() + base, static_cast<float>(position - static_cast<double>(base)),
                      static_cast<float>(step), window, static_cast<int>(kWindowTableSize),
                      firstWindow + static_cast<float>(q) * windowStep, windowStep, gain,
                      ring_.data() + slot, static_cast<int>(length));
        q += length;
    }
}

void PsolaShifter::layGrain() noexcept {
    const auto& marks = clip_->marks;
    const double s = nextGrain_;
    const double inputTime = s * inputPerOutput_;

    // Synthesis marks only move forward, so the nearest analysis mark does too.
    while (markCursor_ + 1 < marks.size() &&
           static_cast<double>(marks[markCursor_ + 1].position) <= inputTime)
        ++markCursor_;
    std::size_t k = markCursor_;
    if (k + 1 < marks.size() && static_cast<double>(marks[k + 1].position) - inputTime <
                                    inputTime - static_cast<double>(marks[k].position))
        k = k + 1;

    const auto m = static_cast<double>(marks[k].position);
    const double left = k > 0 ? m - static_cast<double>(marks[k - 1].position) : 0.0;
    const double right =
        k + 1 < marks.size() ? static_cast<double>(marks[k + 1].position) - m : 0.0;
    const bool voiced = marks[k].voiced;

    pitch_.advance(s - lastGrain_);
    formant_.advance(s - lastGrain_);
    lastGrain_ = s;
    const double pitch = voiced ? pitch_.current : 1.0;
    const double formant = formant_.current;
    double interval = right > 0.0 ? right : left;
    if (interval <= 0.0) interval = 1.0;

    // Grains get ~pitch/formant times denser in overlap; voiced grains are pulse-like and
    // add in power, so sqrt keeps the RMS (exact on average over voices; a single narrow
    // formant landing between shifted harmonics can still move it a few dB).
    double gainSquared = formant / pitch;
    if (!voiced) {
        // Stretched noise grains stop lining up with their neighbours once the offset
        // exceeds the noise's correlation length; then Hann grains at 50% overlap add as
        // sum(w^2) = 0.75 rather than sum(w) = 1.
        const double misalignment = std::abs(1.0 - formant) * interval / inputPerOutput_;
        const double incoherence = std::min(1.0, misalignment / decorrelationSamples_);
        gainSquared /= 1.0 - 0.25 * incoherence;
    }
    const auto gain = static_cast<float>(std::sqrt(gainSquared));

    // Input samples per output sample inside the grain.
    const double step = formant * inputPerOutput_;
    const double reach = static_cast<double>(lookahead_);
    const double leftReach = std::min(left / step, reach);
    const double rightReach = std::min(right / step, reach);

    const auto begin = static_cast<std::ptrdiff_t>(
        std::max(position_, static_cast<std::size_t>(std::max(0.0, std::ceil(s - leftReach)))));
    const auto endInclusive = static_cast<std::ptrdiff_t>(std::floor(s + rightReach));
    // Output samples before the mark (v < 0) take the left half window, the rest the right.
    const auto firstRight = static_cast<std::ptrdiff_t>(std::ceil(s));
    constexpr auto tableSize = static_cast<double>(kWindowTableSize);
    if (left > 0.0)
        addGrainSide(begin, std::min(endInclusive, firstRight - 1), s, m, step, -step / left * tableSize, gain);
    if (right > 0.0) {
        addGrainSide(std::max(begin, firstRight), endInclusive, s, m, step, step / right * tableSize, gain);
    } else if (static_cast<double>(firstRight) == s && begin <= firstRight && firstRight <= endInclusive) {
        // A last mark has no right half: only the mark itself, at full weight.
        ring_[static_cast<std::size_t>(firstRight) & ringMask_] += gain * readCubic(clip_->samples, m);
    }

    // At least a few samples per grain, so a degenerate mark pair cannot stall the loop.
    nextGrain_ += std::max(interval / inputPerOutput_ / pitch, 2.0);
}

AICORE_VOCAL_HOT void PsolaShifter::process(float* out, std::size_t n) noexcept {
    while (n > 0) {
        // Grains are laid a short stretch at a time, so a parameter change reaches the grains
        // just as soon in a long block as in a short one.
        const std::size_t count = std::min({n, maxBlock_, kLayInterval});
        if (finished()) {
            std::fill(out, out + n, 0.0f);
            return;
        }
        const std::size_t blockEnd = position_ + count;
        const double layUntil = static_cast<double>(std::min(blockEnd, end_) + lookahead_);
        while (nextGrain_ < layUntil) layGrain();
        for (std::size_t i = 0; i < count; ++i) {
            const std::size_t t = position_ + i;
            float& slot = ring_[t & ringMask_];
            out[i] = t < end_ ? slot : 0.0f;
            slot = 0.0f;
        }
        position_ = blockEnd;
        out += count;
        n -= count;
    }
}

}  // namespace aicore::vocal
