#include "aicore/vocal/voice_engine_slot.h"

#include <algorithm>
#include <stdexcept>
#include <thread>
#include <utility>

namespace aicore::vocal {

bool VoiceEngineSlot::trySwap(std::unique_ptr<VoiceEngine>& engine, std::chrono::nanoseconds patience) {
    // A block size of 0 would make render() loop for ever on its chunks.
    if (!engine || engine->maximumBlockSize() == 0)
        throw std::invalid_argument("VoiceEngineSlot: only a prepared engine can be swapped in");
    // From here no render can start; one may be in flight.
    if (state_.fetch_or(kSwapping, std::memory_order_acq_rel) & kSwapping)
        return false;  // another swap is on (two owner threads): it keeps its flag
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (state_.load(std::memory_order_acquire) & kRendering) {
        if (std::chrono::steady_clock::now() >= deadline) {
            state_.fetch_and(~kSwapping, std::memory_order_release);
            return false;
        }
        std::this_thread::yield();
    }
    std::swap(engine_, engine);
    state_.fetch_and(~kSwapping, std::memory_order_release);
    return true;
}

VoiceEngineSlot::Render VoiceEngineSlot::render(float* left, float* right, std::size_t frames) noexcept {
    std::uint32_t idle = 0;
    if (!state_.compare_exchange_strong(idle, kRendering, std::memory_order_acquire, std::memory_order_relaxed)) {
        std::fill(left, left + frames, 0.0f);
        std::fill(right, right + frames, 0.0f);
        busy_.fetch_add(1, std::memory_order_relaxed);
        return Render::Busy;
    }
    Render result = Render::NotPrepared;
    if (engine_) {
        const std::size_t block = engine_->maximumBlockSize();
        for (std::size_t done = 0; done < frames;) {
            const std::size_t n = std::min(block, frames - done);
            engine_->process(left + done, right + done, n);
            done += n;
        }
        result = Render::Rendered;
    } else {
        std::fill(left, left + frames, 0.0f);
        std::fill(right, right + frames, 0.0f);
    }
    state_.fetch_and(~kRendering, std::memory_order_release);
    return result;
}

}  // namespace aicore::vocal
