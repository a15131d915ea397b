#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stats_stream.h"

using namespace aicore::host;

TEST(StatsStream, ALineSummarisesTheSecondsFrameTimes) {
    const std::vector<double> ms = {3.0, 1.0, 2.0, 10.0};
    const auto line = nlohmann::json::parse(StatsStream::formatLine({120, 2.0, 7, 1}, ms.data(), ms.size()));
    EXPECT_EQ(line["frame"], 120);
    EXPECT_DOUBLE_EQ(line["seconds"].get<double>(), 2.0);
    EXPECT_EQ(line["frames"], 4);
    EXPECT_DOUBLE_EQ(line["frame_ms_p50"].get<double>(), 2.0);  // nearest rank, a measured time
    EXPECT_DOUBLE_EQ(line["frame_ms_max"].get<double>(), 10.0);
    EXPECT_DOUBLE_EQ(line["frame_ms_mean"].get<double>(), 4.0);
    EXPECT_EQ(line["npcs"], 7);
    EXPECT_EQ(line["script_errors"], 1);
}

TEST(StatsStream, EachSecondIsOneFlushedLineOfOnlyItsOwnFrames) {
    const auto path = std::filesystem::temp_directory_path() / "aicore_stats_stream_test.jsonl";
    {
        StatsStream stats(path.string());
        for (int i = 0; i < kFramesPerSecond; ++i) stats.addFrame(1.0);
        ASSERT_TRUE(stats.endSecond({60, 1.0, 3, 0}));
        stats.addFrame(5.0);
        ASSERT_TRUE(stats.endSecond({120, 2.0, 3, 0}));
        // Flushed: readable before the stream closes, as a live watcher reads it.
        std::ifstream in(path);
        std::string first, second;
        ASSERT_TRUE(std::getline(in, first));
        ASSERT_TRUE(std::getline(in, second));
        EXPECT_EQ(nlohmann::json::parse(first)["frames"], kFramesPerSecond);
        EXPECT_EQ(nlohmann::json::parse(second)["frames"], 1);
        EXPECT_DOUBLE_EQ(nlohmann::json::parse(second)["frame_ms_p50"].get<double>(), 5.0);
    }
    std::filesystem::remove(path);
}

TEST(StatsStream, AFileThatCannotBeWrittenIsNamed) {
    try {
        StatsStream stats("/nonexistent-dir/stats.jsonl");
        FAIL() << "opened a file in a missing folder";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/stats.jsonl"), std::string::npos);
    }
}
