#pragma once
// A recorded line, analysed once at load time for the PSOLA reader.
//
// Ownership: a Clip is a plain value. PsolaShifter borrows a `const Clip*` and the clip
// must outlive every reader playing it and must not be modified while one does.
#include <cstddef>
#include <vector>

#include "aicore/vocal/pitch_marks.h"

namespace aicore::vocal {

struct Clip {
    std::vector<float> samples;
    double sampleRate = 48000.0;
    std::vector<PitchMark> marks;
    PitchTrack pitch;
    /// The widest gap between neighbouring marks: bounds grain length and look-ahead.
    std::size_t longestMarkIntervalSamples = 0;

    std::size_t size() const noexcept { return samples.size(); }
    double durationSeconds() const noexcept {
        return sampleRate > 0.0 ? static_cast<double>(samples.size()) / sampleRate : 0.0;
    }
};

/// Runs estimatePitch() and placePitchMarks(). Off the audio thread: it allocates.
Clip analyseClip(std::vector<float> samples, double sampleRate,
                 const PitchAnalysisSettings& settings = {});

}  // namespace aicore::vocal
