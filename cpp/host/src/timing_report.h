#pragma once
// What one aicore-host run measured: per-frame timings summarised as mean / p50 / p99 /
// max, and the counts that say whether the run was healthy. Printed for people, written
// as JSON for tests and dashboards.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "save_entry.h"

namespace aicore::host {

struct TimingSummary {
    std::size_t count = 0;
    double mean = 0.0;
    double p50 = 0.0;
    double p99 = 0.0;
    double max = 0.0;
};

/// Per-frame durations of one kind, in whatever unit the caller chose (the name of the
/// series says which). Reserve up front so that adding on the hot path never allocates.
class TimingSeries {
public:
    /// Allocates room for `samples` and touches it: a page first written mid-run would be
    /// a page fault on the game thread, and resident memory creeping up frame by frame,
    /// which the QA soak (docs/qa.md, "Soak") would rightly read as growth.
    void reserve(std::size_t samples) {
        samples_.resize(samples);
        samples_.clear();  // keeps the capacity and its now-resident pages
    }
    void add(double value) { samples_.push_back(value); }
    std::size_t size() const { return samples_.size(); }
    /// Percentiles by nearest rank (a value that was actually measured, never an
    /// interpolation between two); all zeros when empty.
    TimingSummary summarize() const;

private:
    std::vector<double> samples_;
};

/// An optional runtime system that is off, or a content file it left out
/// (aicore_runtime_content_problem).
struct ContentProblem {
    std::string system;
    std::string file;   // "" when the whole system is off
    std::uint32_t line = 0;
    std::string field;  // "" when unknown
    std::string reason;
};

struct RunReport {
    std::uint64_t frames = 0;
    std::uint32_t npcs = 0;           // spawned at the start
    std::uint32_t npcsAtEnd = 0;      // still alive at the end
    bool realtime = false;
    std::uint64_t seed = 0;
    double secondsSimulated = 0.0;
    double wallSeconds = 0.0;
    TimingSummary frameMs;            // aicore_tick as the host measured it
    TimingSummary bridgeUs;           // of which the bridge crossing (runtime's metrics)
    TimingSummary gcUs;               // of which Python garbage collection (runtime's metrics)
    TimingSummary simUs;              // the host's own world step + command application
    TimingSummary audioBlockUs;       // one aicore_audio_render call
    std::uint64_t scriptErrors = 0;
    std::uint64_t incompleteTicks = 0;   // frames whose leftover work waited for the next
    std::uint64_t droppedEvents = 0;     // accepted events never delivered (0 unless a bug)
    std::uint64_t rejectedMessages = 0;  // events the runtime refused
    std::uint64_t eventsIn = 0;          // events the runtime accepted
    std::uint64_t commandsOut = 0;       // commands the runtime produced
    std::uint64_t commandsRejected = 0;  // commands the host could not apply
    std::map<std::string, std::uint64_t> commandsApplied;  // by type, every type present
    std::map<std::string, std::uint64_t> eventsSent;       // by type, every type present
    std::uint64_t subtitles = 0;
    std::uint64_t playerHits = 0;
    std::uint64_t audioBlocks = 0;
    std::uint32_t audioBlockFrames = 0;
    double audioSampleRate = 0.0;
    std::string wavPath;  // "" if no WAV was written
    std::vector<ContentProblem> contentProblems;  // systems off and content files left out
    // The store, when the run had a save folder (saveDir "" otherwise).
    std::string saveDir;
    std::string loadedSlot;          // the --load slot, "" if none
    std::vector<SaveEntry> saves;    // the profile's saves at the end, newest first
    std::string savesError;          // why they could not be listed, "" if they were
};

nlohmann::json toJson(const TimingSummary& summary);
nlohmann::json toJson(const RunReport& report);

/// Writes the report as indented JSON; throws std::runtime_error naming the path on failure.
void writeJson(const RunReport& report, const std::filesystem::path& path);

/// The summary printed at the end of a run.
std::string formatText(const RunReport& report);

}  // namespace aicore::host
