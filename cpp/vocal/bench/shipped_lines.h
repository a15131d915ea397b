#pragma once
// The benchmarks' input: the speech the game ships (content/voice_lines), not a synthetic
// buzz. A synthetic clip with pauses flatters the chain (half its blocks are silence, and
// the pitch marks of a steady buzz are trivially regular); the shipped lines are what the
// audio thread actually plays.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "aicore/vocal/clip.h"

namespace aicore::vocal::bench {

struct PcmWav {
    std::vector<float> samples;
    double sampleRate = 0.0;
};

// The lines are mono 16-bit PCM RIFF/WAVE (tools/generate_voice_lines.py writes them);
// anything else is refused rather than misread.
inline PcmWav readMono16BitWav(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto u32 = [&](std::size_t at) {
        std::uint32_t v = 0;
        std::memcpy(&v, bytes.data() + at, 4);
        return v;
    };
    auto u16 = [&](std::size_t at) {
        std::uint16_t v = 0;
        std::memcpy(&v, bytes.data() + at, 2);
        return v;
    };
    if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0 || std::memcmp(bytes.data() + 8, "WAVE", 4) != 0)
        throw std::runtime_error(path.string() + ": not a RIFF/WAVE file");
    PcmWav wav;
    bool format = false;
    for (std::size_t at = 12; at + 8 <= bytes.size();) {
        const std::uint32_t size = u32(at + 4);
        const char* id = bytes.data() + at;
        if (at + 8 + size > bytes.size()) break;
        if (std::memcmp(id, "fmt ", 4) == 0) {
            if (u16(at + 8) != 1 || u16(at + 10) != 1 || u16(at + 22) != 16)
                throw std::runtime_error(path.string() + ": not mono 16-bit PCM");
            wav.sampleRate = u32(at + 12);
            format = true;
        } else if (std::memcmp(id, "data", 4) == 0 && format) {
            wav.samples.resize(size / 2);
            for (std::size_t i = 0; i < wav.samples.size(); ++i)
                wav.samples[i] = static_cast<float>(static_cast<std::int16_t>(u16(at + 8 + 2 * i))) / 32768.0f;
        }
        at += 8 + size + (size & 1u);
    }
    if (!format || wav.samples.empty()) throw std::runtime_error(path.string() + ": no PCM data");
    return wav;
}

// Every shipped line of `speaker` (content/voice_lines/<speaker>_*.wav), end to end, at
// the lines' own rate (22.05 kHz), analysed as the runtime's clip loader does.
inline Clip shippedSpeech(const std::string& speaker) {
    const std::filesystem::path dir = std::filesystem::path(AICORE_CONTENT_DIR) / "voice_lines";
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(speaker + "_", 0) == 0 && e.path().extension() == ".wav") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) throw std::runtime_error("no shipped lines for " + speaker);
    std::vector<float> all;
    double rate = 0.0;
    for (const auto& f : files) {
        PcmWav wav = readMono16BitWav(f);
        rate = wav.sampleRate;
        all.insert(all.end(), wav.samples.begin(), wav.samples.end());
    }
    return analyseClip(std::move(all), rate);
}

}  // namespace aicore::vocal::bench
