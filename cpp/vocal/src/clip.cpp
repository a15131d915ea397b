#include "aicore/vocal/clip.h"

#include <algorithm>
#include <utility>

namespace aicore::vocal {

Clip analyseClip(std::vector<float> samples, double sampleRate,
                 const PitchAnalysisSettings& settings) {
    Clip clip;
    clip.samples = std::move(samples);
    clip.sampleRate = sampleRate;
    clip.pitch = estimatePitch(clip.samples, sampleRate, settings);
    clip.marks = placePitchMarks(clip.samples, sampleRate, clip.pitch, settings);
    for (std::size_t k = 1; k < clip.marks.size(); ++k)
        clip.longestMarkIntervalSamples = std::max(
            clip.longestMarkIntervalSamples, clip.marks[k].position - clip.marks[k - 1].position);
    return clip;
}

}  // namespace aicore::vocal
