#pragma once
// aicore-host --stats: one JSON line per simulated second, written while the run goes, so a
// watcher (the QA soak, engine_bridge/tooling/bench/soak.py) sees frame times drift during a
// long run without waiting for the final report. The frame times of the current second live
// in a fixed array: recording one on the game thread never allocates.
#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

#include "fixed_step.h"

namespace aicore::host {

/// One second's line: {"frame":N,"seconds":S,"frames":60,"frame_ms_p50":..,
/// "frame_ms_max":..,"frame_ms_mean":..,"npcs":..,"script_errors":..}
struct SecondStats {
    std::uint64_t frame = 0;  // frames run so far
    double seconds = 0.0;     // game time so far
    std::uint32_t npcs = 0;
    std::uint64_t scriptErrors = 0;
};

class StatsStream {
public:
    /// Opens (truncates) `path`; throws std::runtime_error naming it when it cannot.
    explicit StatsStream(const std::string& path);
    ~StatsStream();
    StatsStream(const StatsStream&) = delete;
    StatsStream& operator=(const StatsStream&) = delete;

    /// One frame's aicore_tick time; past a second's worth the oldest are overwritten.
    void addFrame(double ms) noexcept;
    /// Writes the frames added since the last line as one line and flushes it; false (and
    /// nothing more is written) once a write failed.
    bool endSecond(const SecondStats& second);
    /// The line endSecond would write for these frame times (tests read it).
    static std::string formatLine(const SecondStats& second, const double* frameMs, std::size_t count);

private:
    std::FILE* file_ = nullptr;
    std::array<double, kFramesPerSecond> frameMs_{};
    std::size_t count_ = 0;
    bool failed_ = false;
};

}  // namespace aicore::host
