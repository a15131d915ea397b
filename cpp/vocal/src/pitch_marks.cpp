#include "aicore/vocal/pitch_marks.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "aicore/vocal/biquad.h"

namespace aicore::vocal {

namespace {

constexpr double kPitchAnalysisRate = 16000.0;
constexpr std::size_t kShortestVoicedRunFrames = 3;

struct Decimated {
    std::vector<float> samples;
    std::size_t factor = 1;
    double rate = 0.0;
};

// Speech F0 sits far below 1 kHz and YIN's cost grows with the square of the lag range,
// so the track is computed at ~16 kHz: a third of the rate is a ninth of the work.
Decimated decimateForPitch(std::span<const float> x, double sampleRate) {
    Decimated d;
    d.factor = static_cast<std::size_t>(std::max(1.0, std::floor(sampleRate / kPitchAnalysisRate)));
    d.rate = sampleRate / static_cast<double>(d.factor);
    if (d.factor == 1) {
        d.samples.assign(x.begin(), x.end());
        return d;
    }
    // Fourth-order Butterworth as two biquads (Q of each section) against aliasing.
    Biquad first, second;
    const ProcessSpec spec{sampleRate, 512, 1};
    first.prepare(spec);
    second.prepare(spec);
    first.setParameters(BiquadType::LowPass, 0.4 * d.rate, 0.5411961);
    second.setParameters(BiquadType::LowPass, 0.4 * d.rate, 1.3065630);
    d.samples.reserve(x.size() / d.factor + 1);
    for (std::size_t i = 0; i < x.size(); ++i) {
        const float y = second.processSample(first.processSample(x[i]));
        if (i % d.factor == 0) d.samples.push_back(y);
    }
    return d;
}

float median3(float a, float b, float c) noexcept {
    return std::max(std::min(a, b), std::min(std::max(a, b), c));
}

// Signal value with zeros outside the clip, so windows may hang over either end.
inline float at(std::span<const float> x, std::ptrdiff_t i) noexcept {
    return (i >= 0 && i < static_cast<std::ptrdiff_t>(x.size())) ? x[static_cast<std::size_t>(i)]
                                                                 : 0.0f;
}

double normalisedCrossCorrelation(std::span<const float> x, std::ptrdiff_t a, std::ptrdiff_t b,
                                  std::ptrdiff_t half) noexcept {
    double ab = 0.0, aa = 0.0, bb = 0.0;
    for (std::ptrdiff_t k = -half; k < half; ++k) {
        const double u = at(x, a + k), v = at(x, b + k);
        ab += u * v;
        aa += u * u;
        bb += v * v;
    }
    const double norm = std::sqrt(aa * bb);
    return norm > 0.0 ? ab / norm : 0.0;
}

}  // namespace

PitchTrack estimatePitch(std::span<const float> samples, double sampleRate,
                         const PitchAnalysisSettings& settings) {
    PitchTrack track;
    track.hopSamples =
        static_cast<std::size_t>(std::max(1L, std::lround(settings.hopSeconds * sampleRate)));
    if (samples.empty() || sampleRate <= 0.0) return track;
    const std::size_t frames = (samples.size() - 1) / track.hopSamples + 1;
    track.f0Hz.assign(frames, 0.0f);
    track.aperiodicity.assign(frames, 1.0f);

    const Decimated dec = decimateForPitch(samples, sampleRate);
    const double rate = dec.rate;
    const auto tauMin =
        static_cast<std::size_t>(std::max(2.0, std::floor(rate / settings.maxF0Hz)));
    const auto tauMax =
        std::max(tauMin + 2, static_cast<std::size_t>(std::ceil(rate / settings.minF0Hz)));
    // One longest period of integration: enough to see a 60 Hz voice, short enough to
    // follow intonation.
    const std::size_t window = tauMax;
    const std::size_t span = window + tauMax;

    std::vector<float> padded(dec.samples.size() + 2 * span, 0.0f);
    std::copy(dec.samples.begin(), dec.samples.end(),
              padded.begin() + static_cast<std::ptrdiff_t>(span));

    std::vector<double> diff(tauMax + 2, 0.0), cmnd(tauMax + 2, 1.0);
    std::vector<double> energy(frames, 0.0);
    std::vector<bool> periodic(frames, false);
    std::vector<float> f0(frames, 0.0f);

    for (std::size_t f = 0; f < frames; ++f) {
        const auto centre = static_cast<std::size_t>(std::lround(
            static_cast<double>(f * track.hopSamples) / static_cast<double>(dec.factor)));
        const float* seg = padded.data() + span + centre - span / 2;

        double e = 0.0;
        for (std::size_t j = 0; j < span; ++j) e += static_cast<double>(seg[j]) * seg[j];
        energy[f] = e / static_cast<double>(span);

        for (std::size_t tau = 1; tau <= tauMax; ++tau) {
            double acc = 0.0;
            for (std::size_t j = 0; j < window; ++j) {
                const double delta = static_cast<double>(seg[j]) - seg[j + tau];
                acc += delta * delta;
            }
            diff[tau] = acc;
        }
        double running = 0.0;
        for (std::size_t tau = 1; tau <= tauMax; ++tau) {
            running += diff[tau];
            cmnd[tau] = running > 0.0 ? diff[tau] * static_cast<double>(tau) / running : 1.0;
        }

        std::size_t best = 0;
        for (std::size_t tau = tauMin; tau <= tauMax; ++tau) {
            if (cmnd[tau] < settings.yinThreshold) {
                while (tau + 1 <= tauMax && cmnd[tau + 1] < cmnd[tau]) ++tau;
                best = tau;
                break;
            }
        }
        if (best == 0) {
            best = tauMin;
            for (std::size_t tau = tauMin; tau <= tauMax; ++tau)
                if (cmnd[tau] < cmnd[best]) best = tau;
        }
        // Parabolic refinement on the raw difference, as in the YIN paper: the CMND's
        // normalisation would bias the vertex.
        double lag = static_cast<double>(best);
        if (best > 1 && best < tauMax) {
            const double a = diff[best - 1], b = diff[best], c = diff[best + 1];
            const double denom = a - 2.0 * b + c;
            if (denom > 0.0) lag += std::clamp(0.5 * (a - c) / denom, -1.0, 1.0);
        }
        track.aperiodicity[f] = static_cast<float>(cmnd[best]);
        periodic[f] = cmnd[best] < settings.voicingThreshold;
        f0[f] = static_cast<float>(rate / lag);
    }

    const double loudest = *std::max_element(energy.begin(), energy.end());
    const double silenceFloor = loudest * std::pow(10.0, settings.silenceDb / 10.0);
    for (std::size_t f = 0; f < frames; ++f) {
        const bool voiced = periodic[f] && energy[f] > silenceFloor && loudest > 0.0;
        track.f0Hz[f] = voiced ? f0[f] : 0.0f;
    }

    // A voiced blip shorter than 15 ms is a mis-detection in noise, not a syllable.
    for (std::size_t f = 0; f < frames;) {
        if (!track.voiced(f)) {
            ++f;
            continue;
        }
        std::size_t end = f;
        while (end < frames && track.voiced(end)) ++end;
        if (end - f < kShortestVoicedRunFrames)
            std::fill(track.f0Hz.begin() + static_cast<std::ptrdiff_t>(f),
                      track.f0Hz.begin() + static_cast<std::ptrdiff_t>(end), 0.0f);
        f = end;
    }
    // Median of three removes single-frame octave jumps inside a voiced run.
    const std::vector<float> raw = track.f0Hz;
    for (std::size_t f = 1; f + 1 < frames; ++f)
        if (raw[f - 1] > 0.0f && raw[f] > 0.0f && raw[f + 1] > 0.0f)
            track.f0Hz[f] = median3(raw[f - 1], raw[f], raw[f + 1]);
    return track;
}

std::vector<PitchMark> placePitchMarks(std::span<const float> x, double sampleRate,
                                       const PitchTrack& track,
                                       const PitchAnalysisSettings& settings) {
    const std::size_t n = x.size();
    if (n == 0) return {};
    const std::size_t hop = std::max<std::size_t>(1, track.hopSamples);
    const std::size_t frames = track.f0Hz.size();
    const auto longest = static_cast<std::size_t>(std::floor(sampleRate / settings.minF0Hz));
    const auto shortest =
        static_cast<std::size_t>(std::max(2.0, std::floor(0.8 * sampleRate / settings.maxF0Hz)));
    const auto unvoicedPeriod = static_cast<std::size_t>(
        std::max(1L, std::lround(settings.unvoicedPeriodSeconds * sampleRate)));
    const auto snapRadius =
        static_cast<std::ptrdiff_t>(std::max(1L, std::lround(1e-4 * sampleRate)));
    const auto minimumGap =
        static_cast<std::size_t>(std::max(1L, std::lround(sampleRate / 2000.0)));

    std::vector<PitchMark> marks;
    auto fillUnvoiced = [&](std::size_t a, std::size_t b, bool includeA, bool includeB) {
        if (b < a) return;
        if (b == a) {
            if (includeA || includeB) marks.push_back({a, false});
            return;
        }
        const std::size_t length = b - a;
        const auto count = static_cast<std::size_t>(std::max(
            1L, std::lround(static_cast<double>(length) / static_cast<double>(unvoicedPeriod))));
        const std::size_t last = includeB ? count : count - 1;
        for (std::size_t i = includeA ? 0 : 1; i <= last; ++i)
            marks.push_back({a + static_cast<std::size_t>(std::lround(
                                     static_cast<double>(i * length) / static_cast<double>(count))),
                             false});
    };

    std::vector<std::size_t> region;
    for (std::size_t f = 0; f < frames;) {
        if (!track.voiced(f)) {
            ++f;
            continue;
        }
        const std::size_t firstFrame = f;
        while (f < frames && track.voiced(f)) ++f;
        const std::size_t lastFrame = f - 1;
        const std::size_t regionStart = firstFrame * hop > hop / 2 ? firstFrame * hop - hop / 2 : 0;
        const std::size_t regionEnd = std::min(n, lastFrame * hop + hop / 2 + 1);
        if (regionStart >= regionEnd) continue;

        auto periodAt = [&](std::size_t pos) {
            const auto frame = std::clamp<std::size_t>(
                static_cast<std::size_t>(
                    std::lround(static_cast<double>(pos) / static_cast<double>(hop))),
                firstFrame, lastFrame);
            return sampleRate / static_cast<double>(track.f0Hz[frame]);
        };

        // The region's largest extremum is the cleanest excitation peak to start from.
        std::size_t anchor = regionStart;
        for (std::size_t i = regionStart; i < regionEnd; ++i)
            if (std::abs(x[i]) > std::abs(x[anchor])) anchor = i;
        const float polarity = x[anchor] >= 0.0f ? 1.0f : -1.0f;

        auto nextMark = [&](std::size_t p, int direction) -> std::ptrdiff_t {
            const double period = periodAt(p);
            const auto near = static_cast<std::ptrdiff_t>(
                std::max<double>(static_cast<double>(shortest), std::floor(0.8 * period)));
            const auto far = static_cast<std::ptrdiff_t>(
                std::min<double>(static_cast<double>(longest), std::ceil(1.2 * period)));
            if (far < near) return -1;
            const auto pos = static_cast<std::ptrdiff_t>(p);
            std::ptrdiff_t lo = 0, hi = 0;
            if (direction > 0) {
                lo = pos + near;
                hi = std::min(pos + far, static_cast<std::ptrdiff_t>(n) - 1);
                if (lo >= static_cast<std::ptrdiff_t>(regionEnd) || lo > hi) return -1;
            } else {
                lo = std::max<std::ptrdiff_t>(pos - far, 0);
                hi = pos - near;
                if (hi < static_cast<std::ptrdiff_t>(regionStart) || lo > hi) return -1;
            }
            const auto half = static_cast<std::ptrdiff_t>(std::lround(0.5 * period));
            std::ptrdiff_t best = lo;
            double bestScore = -std::numeric_limits<double>::infinity();
            for (std::ptrdiff_t c = lo; c <= hi; ++c) {
                const double score = normalisedCrossCorrelation(x, pos, c, half);
                if (score > bestScore) {
                    bestScore = score;
                    best = c;
                }
            }
            // Correlation alone random-walks by up to half a sample a period; snapping to
            // the extremum keeps every mark on its period's excitation peak.
            std::ptrdiff_t snapped = best;
            for (std::ptrdiff_t c = std::max(lo, best - snapRadius);
                 c <= std::min(hi, best + snapRadius); ++c)
                if (polarity * x[static_cast<std::size_t>(c)] >
                    polarity * x[static_cast<std::size_t>(snapped)])
                    snapped = c;
            return snapped;
        };

        region.clear();
        std::vector<std::size_t> before;
        for (std::size_t p = anchor;;) {
            const auto q = nextMark(p, -1);
            if (q < 0) break;
            p = static_cast<std::size_t>(q);
            before.push_back(p);
        }
        region.assign(before.rbegin(), before.rend());
        region.push_back(anchor);
        for (std::size_t p = anchor;;) {
            const auto q = nextMark(p, +1);
            if (q < 0) break;
            p = static_cast<std::size_t>(q);
            region.push_back(p);
        }

        // Neighbouring regions may have tracked into each other's edges; keep order.
        if (!marks.empty()) {
            const std::size_t floor = marks.back().position + minimumGap;
            region.erase(region.begin(), std::find_if(region.begin(), region.end(),
                                                      [&](std::size_t p) { return p >= floor; }));
        }
        if (region.empty()) continue;
        if (marks.empty())
            fillUnvoiced(0, region.front(), true, false);
        else
            fillUnvoiced(marks.back().position, region.front(), false, false);
        for (std::size_t p : region) marks.push_back({p, true});
    }
    if (marks.empty())
        fillUnvoiced(0, n - 1, true, true);
    else if (marks.back().position < n - 1)
        fillUnvoiced(marks.back().position, n - 1, false, true);

    // Clean-up: a too-close pair makes a degenerate grain; a too-wide gap would outgrow
    // the grain buffers the reader sized in prepare().
    std::vector<PitchMark> clean;
    clean.reserve(marks.size() + 8);
    for (const auto& m : marks) {
        if (!clean.empty() && m.position < clean.back().position + minimumGap) {
            const bool isFinal = m.position == n - 1;
            if (isFinal && clean.size() > 1)
                clean.back() = m;
            else if (isFinal && m.position > clean.back().position)
                clean.push_back(m);
            continue;
        }
        if (!clean.empty() && m.position - clean.back().position > longest) {
            const std::size_t a = clean.back().position;
            const std::size_t parts = (m.position - a + longest - 1) / longest;
            for (std::size_t i = 1; i < parts; ++i)
                clean.push_back({a + (m.position - a) * i / parts, false});
        }
        clean.push_back(m);
    }
    return clean;
}

}  // namespace aicore::vocal
