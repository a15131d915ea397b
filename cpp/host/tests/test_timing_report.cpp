#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "timing_report.h"

using namespace aicore::host;

TEST(TimingSeries, PercentilesAreNearestRankValuesThatWereMeasured) {
    TimingSeries s;
    s.reserve(100);
    for (int i = 100; i >= 1; --i) s.add(i);  // order of arrival does not matter
    const TimingSummary t = s.summarize();
    EXPECT_EQ(t.count, 100u);
    EXPECT_DOUBLE_EQ(t.mean, 50.5);
    EXPECT_DOUBLE_EQ(t.p50, 50.0);
    EXPECT_DOUBLE_EQ(t.p99, 99.0);
    EXPECT_DOUBLE_EQ(t.max, 100.0);
}

TEST(TimingSeries, OneSlowFrameShowsInMaxAndP99OnlyWhenItIsMoreThanOnePercent) {
    TimingSeries s;
    for (int i = 0; i < 199; ++i) s.add(1.0);
    s.add(40.0);
    EXPECT_DOUBLE_EQ(s.summarize().p99, 1.0);
    EXPECT_DOUBLE_EQ(s.summarize().max, 40.0);
    s.add(40.0);
    s.add(40.0);
    EXPECT_DOUBLE_EQ(s.summarize().p99, 40.0);
}

TEST(TimingSeries, AnEmptySeriesSummarisesToZeros) {
    const TimingSummary t = TimingSeries{}.summarize();
    EXPECT_EQ(t.count, 0u);
    EXPECT_EQ(t.mean, 0.0);
    EXPECT_EQ(t.max, 0.0);
}

TEST(RunReport, JsonHasEveryKeyTheTestsAndDashboardsRead) {
    RunReport r;
    r.frames = 600;
    r.npcs = 100;
    r.frameMs = {600, 1.5, 1.4, 3.0, 4.0};
    r.commandsApplied = {{"move_to", 3}, {"say", 2}};
    r.audioBlocks = 938;
    const nlohmann::json j = toJson(r);
    for (const char* key : {"frames", "npcs", "frame_ms", "bridge_us", "gc_us", "sim_us", "audio_block_us",
                            "script_errors", "rejected_messages", "events_in", "commands_out",
                            "commands_applied", "audio_blocks", "seconds_simulated",
                            "wall_seconds"})
        EXPECT_TRUE(j.contains(key)) << key;
    for (const char* timing : {"frame_ms", "bridge_us", "gc_us", "sim_us", "audio_block_us"})
        for (const char* stat : {"mean", "p50", "p99", "max"})
            EXPECT_TRUE(j[timing].contains(stat)) << timing << "." << stat;
    EXPECT_EQ(j["frames"], 600);
    EXPECT_EQ(j["frame_ms"]["p99"], 3.0);
    EXPECT_EQ(j["commands_applied"]["say"], 2);
    EXPECT_TRUE(j["wav"].is_null());
}

TEST(RunReport, WriteJsonRoundTripsAndNamesAnUnwritablePath) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("aicore_host_report_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    RunReport r;
    r.frames = 12;
    r.wavPath = "out.wav";
    writeJson(r, dir / "report.json");
    std::ifstream in(dir / "report.json");
    const auto j = nlohmann::json::parse(in);
    EXPECT_EQ(j["frames"], 12);
    EXPECT_EQ(j["wav"], "out.wav");
    std::filesystem::remove_all(dir);
    EXPECT_THROW(writeJson(r, dir / "missing" / "report.json"), std::runtime_error);
}

TEST(RunReport, TextNamesEachTimingAndTheCounts) {
    RunReport r;
    r.frames = 60;
    r.npcs = 5;
    r.commandsApplied = {{"flee", 1}};
    const std::string text = formatText(r);
    for (const char* part : {"60 frames", "5 NPCs", "frame (aicore_tick)", "bridge crossing",
                             "garbage collection",
                             "world sim", "audio block render", "flee 1", "script errors: 0"})
        EXPECT_NE(text.find(part), std::string::npos) << part << "\n" << text;
}
