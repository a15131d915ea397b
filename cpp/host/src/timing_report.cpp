#include "timing_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>
#include <utility>
#include <vector>

namespace aicore::host {

TimingSummary TimingSeries::summarize() const {
    TimingSummary s;
    s.count = samples_.size();
    if (samples_.empty()) return s;
    std::vector<double> sorted = samples_;
    std::sort(sorted.begin(), sorted.end());
    const auto rank = [&](double percent) {
        // Nearest rank: the smallest value with at least `percent` of the samples at or
        // below it.
        const auto n = static_cast<double>(sorted.size());
        const auto r = static_cast<std::size_t>(std::ceil(percent / 100.0 * n));
        return sorted[std::clamp<std::size_t>(r, 1, sorted.size()) - 1];
    };
    const double sum = std::accumulate(sorted.begin(), sorted.end(), 0.0);
    s.mean = sum / static_cast<double>(sorted.size());
    s.p50 = rank(50.0);
    s.p99 = rank(99.0);
    s.max = sorted.back();
    return s;
}

nlohmann::json toJson(const TimingSummary& s) {
    return {{"count", s.count}, {"mean", s.mean}, {"p50", s.p50}, {"p99", s.p99}, {"max", s.max}};
}

namespace {

// The systems that are off, and the content files the running ones left out.
std::pair<nlohmann::json, nlohmann::json> contentJson(const std::vector<ContentProblem>& problems) {
    nlohmann::json off = nlohmann::json::array();
    nlohmann::json files = nlohmann::json::array();
    for (const auto& p : problems) {
        if (p.file.empty()) {
            off.push_back({{"system", p.system}, {"reason", p.reason}});
            continue;
        }
        files.push_back({{"system", p.system},
                         {"file", p.file},
                         {"line", p.line == 0 ? nlohmann::json(nullptr) : nlohmann::json(p.line)},
                         {"field", p.field.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.field)},
                         {"reason", p.reason}});
    }
    return {off, files};
}

nlohmann::json savesJson(const RunReport& r) {
    if (r.saveDir.empty()) return nullptr;
    nlohmann::json files = nlohmann::json::array();
    for (const SaveEntry& save : r.saves)
        files.push_back({{"slot", save.slot},
                         {"previous", save.previous},
                         {"saved_at", save.savedAtUnix},
                         {"problem", save.problem.empty() ? nlohmann::json(nullptr) : nlohmann::json(save.problem)}});
    return {{"dir", r.saveDir},
            {"loaded", r.loadedSlot.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.loadedSlot)},
            {"files", files},
            {"error", r.savesError.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.savesError)}};
}

}  // namespace

nlohmann::json toJson(const RunReport& r) {
    auto [systemsOff, contentErrors] = contentJson(r.contentProblems);
    return {
        {"systems_off", systemsOff},
        {"content_errors", contentErrors},
        {"frames", r.frames},
        {"npcs", r.npcs},
        {"npcs_at_end", r.npcsAtEnd},
        {"realtime", r.realtime},
        {"seed", r.seed},
        {"seconds_simulated", r.secondsSimulated},
        {"wall_seconds", r.wallSeconds},
        {"frame_ms", toJson(r.frameMs)},
        {"bridge_us", toJson(r.bridgeUs)},
        {"gc_us", toJson(r.gcUs)},
        {"sim_us", toJson(r.simUs)},
        {"audio_block_us", toJson(r.audioBlockUs)},
        {"script_errors", r.scriptErrors},
        {"incomplete_ticks", r.incompleteTicks},
        {"dropped_events", r.droppedEvents},
        {"rejected_messages", r.rejectedMessages},
        {"events_in", r.eventsIn},
        {"commands_out", r.commandsOut},
        {"commands_rejected", r.commandsRejected},
        {"commands_applied", r.commandsApplied},
        {"events_sent", r.eventsSent},
        {"subtitles", r.subtitles},
        {"player_hits", r.playerHits},
        {"audio_blocks", r.audioBlocks},
        {"audio_block_frames", r.audioBlockFrames},
        {"audio_sample_rate", r.audioSampleRate},
        {"wav", r.wavPath.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.wavPath)},
        {"saves", savesJson(r)},
    };
}

void writeJson(const RunReport& report, const std::filesystem::path& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(path.string() + ": cannot open for writing");
    out << toJson(report).dump(2) << '\n';
    out.flush();
    if (!out) throw std::runtime_error(path.string() + ": write failed");
}

namespace {

std::string line(const char* label, const TimingSummary& s, const char* unit) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "  %-22s mean %9.3f  p50 %9.3f  p99 %9.3f  max %9.3f %s\n",
                  label, s.mean, s.p50, s.p99, s.max, unit);
    return buf;
}

std::string joinCounts(const std::map<std::string, std::uint64_t>& counts) {
    std::string out;
    for (const auto& [name, n] : counts) {
        if (!out.empty()) out += ", ";
        out += name + " " + std::to_string(n);
    }
    return out;
}

}  // namespace

std::string formatText(const RunReport& r) {
    char head[256];
    const double speedup = r.wallSeconds > 0.0 ? r.secondsSimulated / r.wallSeconds : 0.0;
    std::snprintf(head, sizeof head,
                  "aicore-host: %llu frames, %u NPCs (%u at the end), %.2f s simulated in "
                  "%.2f s wall (%.1fx real time%s)\n",
                  static_cast<unsigned long long>(r.frames), r.npcs, r.npcsAtEnd,
                  r.secondsSimulated, r.wallSeconds, speedup, r.realtime ? ", paced" : "");
    std::string out = head;
    out += line("frame (aicore_tick)", r.frameMs, "ms");
    out += line("bridge crossing", r.bridgeUs, "us");
    out += line("garbage collection", r.gcUs, "us");
    out += line("world sim", r.simUs, "us");
    out += line("audio block render", r.audioBlockUs, "us");
    out += "  events: " + std::to_string(r.eventsIn) + " accepted, " +
           std::to_string(r.rejectedMessages) + " rejected (sent: " + joinCounts(r.eventsSent) +
           ")\n";
    out += "  commands: " + std::to_string(r.commandsOut) + " out, " +
           std::to_string(r.commandsRejected) + " not applicable (applied: " +
           joinCounts(r.commandsApplied) + ")\n";
    out += "  script errors: " + std::to_string(r.scriptErrors) +
           ", frames that carried work over: " + std::to_string(r.incompleteTicks) +
           ", events dropped: " + std::to_string(r.droppedEvents) +
           ", subtitles: " + std::to_string(r.subtitles) +
           ", player hit " + std::to_string(r.playerHits) + " times\n";
    char audio[192];
    const double audioSeconds =
        r.audioSampleRate > 0.0
            ? static_cast<double>(r.audioBlocks) * r.audioBlockFrames / r.audioSampleRate
            : 0.0;
    std::snprintf(audio, sizeof audio, "  audio: %llu blocks of %u (%.2f s)%s%s\n",
                  static_cast<unsigned long long>(r.audioBlocks), r.audioBlockFrames,
                  audioSeconds, r.wavPath.empty() ? "" : " -> ", r.wavPath.c_str());
    out += audio;
    // Appended piece by piece: GCC 12 warns (-Wrestrict, falsely) on a chain of + here.
    for (const auto& p : r.contentProblems) {
        if (p.file.empty()) {
            out.append("  system off: ").append(p.system);
        } else {
            out.append("  content file left out (").append(p.system).append("): ").append(p.file);
            if (p.line > 0) out.append(":").append(std::to_string(p.line));
        }
        out.append(": ").append(p.reason).append("\n");
    }
    if (!r.saveDir.empty()) {
        out.append("  saves in ").append(r.saveDir);
        if (!r.loadedSlot.empty()) out.append(" (started from '").append(r.loadedSlot).append("')");
        out.append(": ");
        if (!r.savesError.empty()) {
            out.append("not listed: ").append(r.savesError);
        } else if (r.saves.empty()) {
            out.append("none");
        } else {
            std::size_t sound = 0;
            for (const SaveEntry& save : r.saves) sound += save.problem.empty() ? 1 : 0;
            out.append(std::to_string(r.saves.size())).append(r.saves.size() == 1 ? " file, " : " files, ");
            out.append(std::to_string(sound)).append(" sound");
        }
        out.append("\n");
        for (const SaveEntry& save : r.saves) {
            out.append("    ").append(save.slot).append(save.previous ? " (previous)" : "");
            out.append(save.problem.empty() ? std::string() : ": " + save.problem).append("\n");
        }
    }
    return out;
}

}  // namespace aicore::host
