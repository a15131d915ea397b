#include "wav_writer.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace aicore::host {

namespace {

constexpr std::uint16_t kFormatIeeeFloat = 3;
constexpr std::uint16_t kBitsPerSample = 32;

// WAV is little-endian whatever the machine is; bytes are placed one by one.
void put16(std::uint8_t* at, std::uint16_t v) {
    at[0] = static_cast<std::uint8_t>(v);
    at[1] = static_cast<std::uint8_t>(v >> 8);
}
void put32(std::uint8_t* at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) at[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// RIFF sizes are 32-bit; a longer recording keeps the largest size the format can say.
std::uint32_t clamp32(std::uint64_t v) {
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint32_t>::max();
    return static_cast<std::uint32_t>(std::min(v, kMax));
}

}  // namespace

WavWriter::WavWriter(const std::filesystem::path& path, std::uint32_t sampleRate,
                     std::uint16_t channels)
    : out_(path, std::ios::binary | std::ios::trunc),
      path_(path),
      sampleRate_(sampleRate),
      channels_(channels) {
    if (!out_) throw std::runtime_error(path.string() + ": cannot open for writing");
    if (channels == 0 || sampleRate == 0)
        throw std::runtime_error(path.string() + ": a WAV needs channels and a sample rate");
    writeHeader();
    if (!out_) throw std::runtime_error(path.string() + ": cannot write the WAV header");
}

WavWriter::~WavWriter() { close(); }

void WavWriter::reserveBlock(std::size_t frames) { interleaved_.reserve(frames * channels_); }

void WavWriter::writeHeader() {
    const std::uint64_t dataBytes = frames_ * channels_ * sizeof(float);
    std::array<std::uint8_t, kHeaderBytes> h{};
    std::memcpy(h.data() + 0, "RIFF", 4);
    put32(h.data() + 4, clamp32(kHeaderBytes - 8 + dataBytes));
    std::memcpy(h.data() + 8, "WAVE", 4);
    // fmt: a non-PCM format carries cbSize (0 here), so the chunk is 18 bytes.
    std::memcpy(h.data() + 12, "fmt ", 4);
    put32(h.data() + 16, 18);
    put16(h.data() + 20, kFormatIeeeFloat);
    put16(h.data() + 22, channels_);
    put32(h.data() + 24, sampleRate_);
    put32(h.data() + 28, sampleRate_ * channels_ * (kBitsPerSample / 8));
    put16(h.data() + 32, static_cast<std::uint16_t>(channels_ * (kBitsPerSample / 8)));
    put16(h.data() + 34, kBitsPerSample);
    put16(h.data() + 36, 0);
    // fact: required for non-PCM formats; sample frames per channel.
    std::memcpy(h.data() + 38, "fact", 4);
    put32(h.data() + 42, 4);
    put32(h.data() + 46, clamp32(frames_));
    std::memcpy(h.data() + 50, "data", 4);
    put32(h.data() + 54, clamp32(dataBytes));
    out_.write(reinterpret_cast<const char*>(h.data()), static_cast<std::streamsize>(h.size()));
}

bool WavWriter::writeStereo(const float* left, const float* right, std::size_t frames) {
    if (failed_ || closed_ || channels_ != 2) {
        failed_ = true;
        return false;
    }
    interleaved_.resize(frames * 2);
    for (std::size_t i = 0; i < frames; ++i) {
        interleaved_[2 * i] = left[i];
        interleaved_[2 * i + 1] = right[i];
    }
    static_assert(std::endian::native == std::endian::little,
                  "samples are written as they lie in memory; a big-endian port must swap");
    out_.write(reinterpret_cast<const char*>(interleaved_.data()),
               static_cast<std::streamsize>(interleaved_.size() * sizeof(float)));
    if (!out_) {
        failed_ = true;
        return false;
    }
    frames_ += frames;
    return true;
}

bool WavWriter::close() {
    if (closed_) return !failed_;
    closed_ = true;
    out_.seekp(0);
    writeHeader();
    out_.close();
    if (!out_) failed_ = true;
    return !failed_;
}

}  // namespace aicore::host
