#pragma once
// Load-time pitch analysis for TD-PSOLA: a YIN F0 track and one pitch mark per glottal
// period. Clips are known when they are loaded, so all of this runs off the audio thread
// and allocates freely; the real-time reader (psola_shifter.h) only walks the result.
#include <cstddef>
#include <span>
#include <vector>

namespace aicore::vocal {

struct PitchAnalysisSettings {
    double minF0Hz = 60.0;  // also bounds the longest mark interval, hence grain size
    double maxF0Hz = 500.0;
    double hopSeconds = 0.005;
    /// YIN's absolute threshold on the cumulative-mean-normalised difference (CMND): the
    /// first dip below it is taken as the period, which avoids octave-down errors.
    double yinThreshold = 0.15;
    /// A frame whose best CMND is above this is unvoiced (noise, fricatives).
    double voicingThreshold = 0.3;
    /// Frames this far below the loudest frame of the clip are unvoiced (silence).
    double silenceDb = -50.0;
    /// Mark spacing in unvoiced stretches: grains there are not pitch-shifted.
    double unvoicedPeriodSeconds = 0.005;
};

struct PitchTrack {
    /// Frame i is centred on sample i * hopSamples of the clip.
    std::size_t hopSamples = 0;
    /// F0 per frame in Hz; 0 where unvoiced.
    std::vector<float> f0Hz;
    /// The CMND at the chosen lag: 0 for a perfectly periodic frame, ~1 for noise.
    std::vector<float> aperiodicity;

    bool voiced(std::size_t frame) const noexcept { return f0Hz[frame] > 0.0f; }
};

struct PitchMark {
    /// Sample index in the clip. In voiced stretches: the waveform extremum of each
    /// glottal period (the excitation peak), tracked period to period.
    std::size_t position = 0;
    bool voiced = false;
};

/// YIN (de Cheveigné & Kawahara 2002) on a copy decimated to ~16 kHz, with parabolic
/// refinement, a silence gate, removal of voiced runs shorter than 15 ms and a 3-frame
/// median on F0.
PitchTrack estimatePitch(std::span<const float> samples, double sampleRate,
                         const PitchAnalysisSettings& settings = {});

/// Marks in strictly increasing order; the first is at sample 0 and the last at the final
/// sample, and no interval exceeds sampleRate / minF0Hz. Voiced marks: the region's largest
/// extremum, then period-by-period normalised cross-correlation with the previous period
/// (search 0.8..1.2 periods away), snapped to the same-polarity extremum within 0.1 ms so
/// marks cannot drift off the peaks. Unvoiced gaps: evenly spaced pseudo-periods.
std::vector<PitchMark> placePitchMarks(std::span<const float> samples, double sampleRate,
                                       const PitchTrack& track,
                                       const PitchAnalysisSettings& settings = {});

}  // namespace aicore::vocal
