#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "wav_writer.h"

using namespace aicore::host;

namespace {

std::vector<std::uint8_t> readAll(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint32_t u32(const std::vector<std::uint8_t>& b, std::size_t at) {
    return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (std::uint32_t{b[at + 3]} << 24);
}
std::uint16_t u16(const std::vector<std::uint8_t>& b, std::size_t at) {
    return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}
std::string tag(const std::vector<std::uint8_t>& b, std::size_t at) {
    return std::string(reinterpret_cast<const char*>(b.data() + at), 4);
}

class WavWriterTest : public ::testing::Test {
protected:
    // One folder per test and process: ctest runs the tests of this file in parallel.
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("aicore_host_wav_test_" + std::to_string(::getpid()) + "_" +
                                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    void SetUp() override { std::filesystem::create_directories(dir); }
    void TearDown() override { std::filesystem::remove_all(dir); }
};

}  // namespace

TEST_F(WavWriterTest, HeaderDescribesFloatStereoAndSizesAreFixedOnClose) {
    const auto path = dir / "out.wav";
    std::vector<float> left(700), right(700);
    for (std::size_t i = 0; i < left.size(); ++i) {
        left[i] = static_cast<float>(i) / 1000.0f;
        right[i] = -left[i];
    }
    WavWriter w(path, 48000);
    w.reserveBlock(512);
    ASSERT_TRUE(w.writeStereo(left.data(), right.data(), 512));
    ASSERT_TRUE(w.writeStereo(left.data() + 512, right.data() + 512, 188));
    ASSERT_TRUE(w.close());
    EXPECT_EQ(w.framesWritten(), 700u);

    const auto b = readAll(path);
    const std::size_t dataBytes = 700 * 2 * 4;
    ASSERT_EQ(b.size(), WavWriter::kHeaderBytes + dataBytes);
    EXPECT_EQ(tag(b, 0), "RIFF");
    EXPECT_EQ(u32(b, 4), b.size() - 8);
    EXPECT_EQ(tag(b, 8), "WAVE");
    EXPECT_EQ(tag(b, 12), "fmt ");
    EXPECT_EQ(u32(b, 16), 18u);
    EXPECT_EQ(u16(b, 20), 3u);  // IEEE float
    EXPECT_EQ(u16(b, 22), 2u);
    EXPECT_EQ(u32(b, 24), 48000u);
    EXPECT_EQ(u32(b, 28), 48000u * 8);
    EXPECT_EQ(u16(b, 32), 8u);
    EXPECT_EQ(u16(b, 34), 32u);
    EXPECT_EQ(tag(b, 38), "fact");
    EXPECT_EQ(u32(b, 46), 700u);
    EXPECT_EQ(tag(b, 50), "data");
    EXPECT_EQ(u32(b, 54), dataBytes);

    // Interleaved L, R; the samples come back bit for bit.
    float first[4];
    std::memcpy(first, b.data() + WavWriter::kHeaderBytes, sizeof first);
    EXPECT_EQ(first[0], left[0]);
    EXPECT_EQ(first[1], right[0]);
    EXPECT_EQ(first[2], left[1]);
    EXPECT_EQ(first[3], right[1]);
    float last[2];
    std::memcpy(last, b.data() + b.size() - 8, sizeof last);
    EXPECT_EQ(last[0], left[699]);
    EXPECT_EQ(last[1], right[699]);
}

TEST_F(WavWriterTest, DestructorFixesTheHeaderOfAFileNobodyClosed) {
    const auto path = dir / "abandoned.wav";
    {
        std::vector<float> l(100, 0.5f), r(100, -0.5f);
        WavWriter w(path, 44100);
        w.writeStereo(l.data(), r.data(), 100);
    }
    const auto b = readAll(path);
    EXPECT_EQ(u32(b, 54), 100u * 8);
    EXPECT_EQ(u32(b, 4), b.size() - 8);
}

TEST_F(WavWriterTest, AnEmptyRecordingIsAValidFileWithNoFrames) {
    const auto path = dir / "empty.wav";
    WavWriter w(path, 48000);
    EXPECT_TRUE(w.close());
    const auto b = readAll(path);
    EXPECT_EQ(b.size(), WavWriter::kHeaderBytes);
    EXPECT_EQ(u32(b, 54), 0u);
}

TEST_F(WavWriterTest, AnUnwritablePathThrowsNamingIt) {
    try {
        WavWriter w(dir / "no" / "such" / "dir.wav", 48000);
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("dir.wav"), std::string::npos);
    }
}
