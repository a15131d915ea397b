#pragma once
// Real-time TD-PSOLA reader: plays an analysed Clip at 1:1 time scale with independent
// pitch and formant ratios.
//
// For each synthesis mark s (output time) the reader takes the analysis mark nearest to
// s, cuts a two-period grain around it with an asymmetric Hann window (left half spans
// the previous interval, right half the next, so the windows of consecutive marks sum to
// exactly one), reads it stretched by 1/formantRatio (a longer grain rings lower: the
// formants move, the spacing and so the F0 do not) and overlap-adds it. The next
// synthesis mark is one analysis interval / pitchRatio later in voiced stretches and one
// interval later in unvoiced ones, which keeps noise unshifted. Each grain is scaled by
// sqrt(formantRatio / pitchRatio) so loudness holds when grains get denser or longer
// (unvoiced grains get a further correction for adding incoherently, see layGrain()).
//
// The clip is known ahead, so grains are laid into an overlap-add ring up to one longest
// grain ahead of the read point: output sample t is input sample t, latency 0.
// Parameter changes reach the grains laid from then on; those are centred at most
// lookaheadSamples() ahead of the read point (~12 ms for a 140 Hz voice at 48 kHz).
//
// A clip at another rate than the spec's is resampled by the grain reader (cubic,
// no anti-alias filter): analyse clips at the playback rate where it matters.
#include <array>
#include <cstddef>
#include <vector>

#include "aicore/vocal/clip.h"
#include "aicore/vocal/process_spec.h"

namespace aicore::vocal {

class PsolaShifter {
public:
    static constexpr double kMinPitchRatio = 0.5;
    static constexpr double kMaxPitchRatio = 2.0;
    static constexpr double kMinFormantRatio = 0.6;
    static constexpr double kMaxFormantRatio = 1.6;
    /// Lowest F0 the grain buffers are sized for: below the analysis default (60 Hz) so
    /// clips analysed with a lower minF0Hz (creaky monster lines) still fit.
    static constexpr double kLowestF0Hz = 40.0;
    static constexpr double kSmoothingMs = 20.0;

    /// Sizes the overlap-add ring for the longest grain (a 40 Hz period at formant ratio
    /// 0.6) plus a block; the only allocation.
    void prepare(const ProcessSpec& spec);
    /// Stops playback, clears the ring and snaps ratios to their targets.
    void reset() noexcept;

    /// Starts `clip` (borrowed; must outlive playback) at `positionSamples` of the clip.
    /// Ratios snap to their targets: a line starts at its pitch, it does not glide in.
    void start(const Clip* clip, std::size_t positionSamples = 0) noexcept;

    /// Pitch ratio 0.5..2 (2 = an octave up). Ramped over kSmoothingMs.
    void setPitchRatio(double ratio) noexcept;
    void setSemitones(double semitones) noexcept;
    /// Formant ratio 0.6..1.6 (< 1: larger vocal tract). Ramped over kSmoothingMs.
    void setFormantRatio(double ratio) noexcept;
    double pitchRatio() const noexcept { return pitch_.target; }
    double formantRatio() const noexcept { return formant_.target; }

    /// Writes n samples of the clip (zeros once it has finished) and advances.
    void process(float* out, std::size_t n) noexcept;

    bool finished() const noexcept { return clip_ == nullptr || position_ >= end_; }
    /// Output samples left before finished(); the clip's length at the spec's rate.
    std::size_t remainingSamples() const noexcept { return finished() ? 0 : end_ - position_; }
    /// Input-to-output delay: 0, because the clip is read ahead.
    std::size_t latencySamples() const noexcept { return 0; }
    /// How far ahead of the read point grains are laid for the current clip.
    std::size_t lookaheadSamples() const noexcept { return lookahead_; }

private:
    struct Ramp {
        double current = 1.0, target = 1.0, step = 0.0;
        double remaining = 0.0;
        void snap() noexcept {
            current = target;
            remaining = 0.0;
        }
        void setTarget(double value, double rampSamples) noexcept;
        void advance(double samples) noexcept;
    };

    void layGrain() noexcept;
    /// Overlap-adds output samples [first, last] of one half of a grain: the clip read at
    /// markInput + (j - mark) * step, times the half window at table coordinate
    /// (j - mark) * windowRate, times gain.
    void addGrainSide(std::ptrdiff_t first, std::ptrdiff_t last, double mark, double markInput, double step,
                      double windowRate, float gain) noexcept;
    float windowAt(double x) const noexcept;

    static constexpr std::size_t kWindowTableSize = 1024;
    /// Output samples read between two rounds of grain laying.
    static constexpr std::size_t kLayInterval = 32;

    double sampleRate_ = 48000.0;
    std::size_t maxBlock_ = 512;
    double rampSamples_ = 960.0;
    double decorrelationSamples_ = 24.0;  // correlation length assumed for unvoiced noise
    std::size_t maxLookahead_ = 0;

    std::vector<float> ring_;
    std::size_t ringMask_ = 0;
    // Half a Hann window, 0.5 (1 + cos(pi x)) on x in [0, 1], with a guard entry.
    std::array<float, kWindowTableSize + 2> halfHann_{};

    const Clip* clip_ = nullptr;
    double inputPerOutput_ = 1.0;  // clip rate / spec rate
    std::size_t position_ = 0;     // output samples, on the clip's timeline
    std::size_t end_ = 0;
    std::size_t lookahead_ = 0;
    std::size_t markCursor_ = 0;
    double nextGrain_ = 0.0;  // output time of the next synthesis mark
    double lastGrain_ = 0.0;

    Ramp pitch_, formant_;
};

}  // namespace aicore::vocal
