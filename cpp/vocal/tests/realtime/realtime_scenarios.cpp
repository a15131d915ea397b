// The audio-thread workload both real-time proofs run: every processor, prepared off the
// realtime section (prepare may allocate), then processed inside it with parameters swept
// every block, as an engine would while a designer's script steers the voice.
#include <array>
#include <cmath>
#include <numbers>
#include <vector>

#include "aicore/vocal/biquad.h"
#include "realtime_guard.h"

namespace aicore::vocal::testing {

namespace {

constexpr double kRate = 48000.0;
constexpr std::size_t kBlock = 256;
constexpr std::size_t kBlocks = 2000;

void fillSpeechLike(std::vector<float>& buffer, std::size_t blockIndex) {
    // A 130 Hz buzz with a slow envelope: enough to drive every block's state.
    for (std::size_t i = 0; i < buffer.size(); ++i) {
        const double t = static_cast<double>(blockIndex * buffer.size() + i) / kRate;
        const double phase = std::fmod(130.0 * t, 1.0);
        buffer[i] = static_cast<float>((phase - 0.5) * 0.5 * (0.6 + 0.4 * std::sin(3.0 * t)));
    }
}

std::size_t runBiquads(RealtimeGuard& guard) {
    std::vector<float> buffer(kBlock);
    Biquad filter;
    filter.prepare({kRate, kBlock, 1});
    const std::array types = {BiquadType::LowPass,  BiquadType::HighPass, BiquadType::BandPass,
                              BiquadType::Notch,    BiquadType::Peak,     BiquadType::LowShelf,
                              BiquadType::HighShelf, BiquadType::AllPass};
    std::size_t calls = 0;
    for (std::size_t b = 0; b < kBlocks; ++b) {
        fillSpeechLike(buffer, b);
        RealtimeSection section(guard);
        const auto type = types[b % types.size()];
        filter.setParameters(type, 200.0 + 20.0 * static_cast<double>(b % 400), 0.7, 6.0);
        filter.process(buffer.data(), buffer.size());
        ++calls;
    }
    return calls;
}

}  // namespace

std::size_t runEveryProcessor(RealtimeGuard& guard) {
    std::size_t calls = 0;
    calls += runBiquads(guard);
    return calls;
}

}  // namespace aicore::vocal::testing
