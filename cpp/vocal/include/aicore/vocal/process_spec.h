#pragma once
// The three numbers every processor is prepared with. prepare() is the only
// place a processor may take memory; process() must never.
#include <cstdint>

namespace aicore::vocal {

struct ProcessSpec {
    double sampleRate = 48000.0;
    std::uint32_t maximumBlockSize = 512;
    std::uint32_t numChannels = 1;
};

}  // namespace aicore::vocal
