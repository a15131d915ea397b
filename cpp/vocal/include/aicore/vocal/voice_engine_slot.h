#pragma once
// Where the audio thread finds the voice engine it renders, so that the game thread can
// replace that engine (a new sample rate or block size: the audio device restarted) while
// the audio thread keeps calling render().
//
// Neither side ever waits on the other for long, and the audio thread not at all: one
// atomic word holds two flags,
//   kRendering  set by render() for the duration of one call,
//   kSwapping   set by trySwap() while it replaces the engine.
// render() enters only from 0 (compare-exchange): while a swap is on it writes silence and
// answers Busy instead of waiting. trySwap() first raises kSwapping, so that no new render
// can start, then yields until the render in flight (at most one block) is done, replaces
// the pointer and lowers the flag. If that render takes longer than `patience` (the audio
// thread was descheduled mid-block), the swap gives up and changes nothing. The engine
// swapped out is handed back to the caller: it is freed on the caller's thread, never on
// the audio thread, which can no longer reach it.
//
// The acquire/release pairs on the word order every engine access of a render before the
// swap that follows it, and the swap before the render that follows it.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "aicore/vocal/voice_engine.h"

namespace aicore::vocal {

class VoiceEngineSlot {
public:
    enum class Render : std::uint8_t {
        Rendered,     // `frames` samples of the mix were written
        Busy,         // a swap was in progress: silence was written
        NotPrepared,  // no engine yet: silence was written
    };

    VoiceEngineSlot() = default;
    /// No render may be in flight or follow (the audio thread was stopped first).
    ~VoiceEngineSlot() = default;
    VoiceEngineSlot(const VoiceEngineSlot&) = delete;
    VoiceEngineSlot& operator=(const VoiceEngineSlot&) = delete;

    // --- owner thread (the game thread): one at a time ---

    /// Installs `engine`, which must be prepared (std::invalid_argument otherwise). True: it
    /// is live and `engine` now holds the one it replaced (null the first time), which no
    /// render can reach any more. False (a render outlasted `patience`): nothing changed and
    /// `engine` still holds the new one.
    bool trySwap(std::unique_ptr<VoiceEngine>& engine,
                 std::chrono::nanoseconds patience = std::chrono::milliseconds(100));
    /// The live engine, for commands and notifications (null before the first swap). Valid
    /// until the next trySwap on this thread.
    VoiceEngine* engine() const noexcept { return engine_.get(); }
    /// A voice handle never given before, whichever engine the voice starts on: a handle
    /// from a swapped-out engine's time never names a voice of the new one.
    std::uint32_t newVoiceHandle() noexcept { return ++lastHandle_; }

    // --- audio thread: never waits, locks, allocates or frees ---

    /// Writes `frames` stereo samples, any number of them: the engine renders them in
    /// blocks of at most its maximum block size.
    Render render(float* left, float* right, std::size_t frames) noexcept;

    // --- any thread ---

    /// render() calls that answered Busy.
    std::uint64_t busyRenders() const noexcept { return busy_.load(std::memory_order_relaxed); }

private:
    static constexpr std::uint32_t kRendering = 1, kSwapping = 2;

    std::atomic<std::uint32_t> state_{0};
    std::atomic<std::uint64_t> busy_{0};
    std::unique_ptr<VoiceEngine> engine_;  // written only under kSwapping, read only under kRendering
    std::uint32_t lastHandle_ = 0;         // owner thread only
};

}  // namespace aicore::vocal
