#pragma once
// A 32-bit float WAV file written block by block: the header goes out first with zero
// sizes and is fixed up on close, so a run of unknown length streams straight to disk
// and memory use stays one block.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <vector>

namespace aicore::host {

class WavWriter {
public:
    /// Creates (truncates) `path`. Throws std::runtime_error naming the path on failure.
    WavWriter(const std::filesystem::path& path, std::uint32_t sampleRate,
              std::uint16_t channels = 2);
    /// Closes the file if close() was not called; errors are swallowed here, so call
    /// close() to learn about them.
    ~WavWriter();
    WavWriter(const WavWriter&) = delete;
    WavWriter& operator=(const WavWriter&) = delete;

    /// Sizes the interleaving buffer so that writing blocks of up to `frames` never
    /// allocates.
    void reserveBlock(std::size_t frames);

    /// Appends `frames` stereo samples (the writer must have 2 channels). False once the
    /// file has failed; nothing more is written then.
    bool writeStereo(const float* left, const float* right, std::size_t frames);

    /// Fixes up the RIFF, fact and data sizes and closes. False if any write failed.
    bool close();

    std::uint64_t framesWritten() const { return frames_; }
    std::uint16_t channels() const { return channels_; }

    /// The header this writer produces (58 bytes: RIFF, fmt with cbSize, fact, data).
    static constexpr std::size_t kHeaderBytes = 58;

private:
    void writeHeader();

    std::ofstream out_;
    std::filesystem::path path_;
    std::uint32_t sampleRate_;
    std::uint16_t channels_;
    std::uint64_t frames_ = 0;
    std::vector<float> interleaved_;
    bool failed_ = false;
    bool closed_ = false;
};

}  // namespace aicore::host
