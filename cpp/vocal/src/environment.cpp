#include "aicore/vocal/environment.h"

#include <algorithm>

#include "aicore/vocal/multiversion.h"

namespace aicore::vocal {

namespace {
// Occlusion at or above this is "open air": the direct path stays bit-exact.
constexpr double kNoOcclusionHz = 19000.0;
}  // namespace

void Environment::prepare(const ProcessSpec& spec) {
    spec_ = spec;
    for (auto& room : rooms_) {
        room.reverb.prepare(spec);
        room.send.prepare(spec, kCrossfadeMs);
    }
    occlusion_.prepare(spec);
    occlusionAmount_.prepare(spec, kCrossfadeMs);
    send_.assign(spec.maximumBlockSize, 0.0f);
    left_.assign(spec.maximumBlockSize, 0.0f);
    right_.assign(spec.maximumBlockSize, 0.0f);
    reset();
}

void Environment::reset() noexcept {
    for (auto& room : rooms_) {
        room.ringOutSamples = 0.0;
        room.reverb.reset();
        room.send.setCurrentAndTargetValue(0.0f);
    }
    occlusion_.reset();
    occlusionAmount_.setCurrentAndTargetValue(0.0f);
    const auto* p = preset_;
    preset_ = nullptr;
    if (p != nullptr) setPreset(p);
}

void Environment::configure(Room& room, const EnvironmentPreset& p) noexcept {
    room.reverb.setSize(p.size);
    room.reverb.setDecaySeconds(p.decaySeconds);
    room.reverb.setDamping(p.damping);
    room.reverb.setPreDelayMs(p.preDelayMs);
    room.reverb.setOcclusionCutoffHz(std::min(p.occlusionHz, 0.45 * spec_.sampleRate));
    room.reverb.setWetDb(p.wetDb);
    // A silent room is rebuilt at once (new size, snapped parameters). A room still ringing
    // from an earlier switch keeps its size and glides to the new parameters: clearing it
    // would cut its tail with a click.
    if (room.ringOutSamples <= 0.0) room.reverb.reset();
    room.tailSamples = p.reverbEnabled ? (p.decaySeconds + p.preDelayMs * 0.001) * spec_.sampleRate : 0.0;
}

void Environment::setPreset(const EnvironmentPreset* preset) noexcept {
    if (preset == nullptr || preset == preset_) return;
    const bool first = preset_ == nullptr;
    preset_ = preset;
    if (!first) {
        rooms_[current_].send.setTargetValue(0.0f);  // old room: no more input, tail rings on
        current_ ^= 1u;
    }
    Room& room = rooms_[current_];
    configure(room, *preset);
    const float send = preset->reverbEnabled ? 1.0f : 0.0f;
    if (first) {
        room.send.setCurrentAndTargetValue(send);
    } else {
        room.send.setCurrentAndTargetValue(0.0f);
        room.send.setTargetValue(send);
    }

    const bool occludes = preset->occlusionHz < kNoOcclusionHz;
    if (occludes) occlusion_.setParameters(BiquadType::LowPass, preset->occlusionHz, 0.707);
    if (first) {
        occlusionAmount_.setCurrentAndTargetValue(occludes ? 1.0f : 0.0f);
    } else {
        occlusionAmount_.setTargetValue(occludes ? 1.0f : 0.0f);
    }
}

AICORE_VOCAL_HOT void Environment::processReverb(const float* in, float* wetLeft, float* wetRight,
                                std::size_t n) noexcept {
    std::fill(wetLeft, wetLeft + n, 0.0f);
    std::fill(wetRight, wetRight + n, 0.0f);
    for (auto& room : rooms_) {
        const bool sending = room.send.isSmoothing() || room.send.getTargetValue() > 0.0f;
        if (!sending && room.ringOutSamples <= 0.0) continue;  // silent: costs nothing
        for (std::size_t k = 0; k < n; ++k) send_[k] = in[k] * room.send.getNextValue();
        room.reverb.process(send_.data(), left_.data(), right_.data(), n);
        for (std::size_t k = 0; k < n; ++k) {
            wetLeft[k] += left_[k];
            wetRight[k] += right_[k];
        }
        room.ringOutSamples = sending ? room.tailSamples : room.ringOutSamples - static_cast<double>(n);
    }

}

AICORE_VOCAL_HOT void Environment::processDirect(float* first, float* second, std::size_t n) noexcept {
    if (!occlusionAmount_.isSmoothing() && occlusionAmount_.getTargetValue() == 0.0f) {
        occlusion_.reset();  // open air: bit-exact, and no stale state when a wall comes back
        return;
    }
    for (std::size_t k = 0; k < n; ++k) {
        const float amount = occlusionAmount_.getNextValue();
        const float a = first[k];
        first[k] = a + (occlusion_.processSample(a, 0) - a) * amount;
        if (second != nullptr) {
            const float b = second[k];
            second[k] = b + (occlusion_.processSample(b, 1) - b) * amount;
        }
    }
}

}  // namespace aicore::vocal
