#pragma once
// The clips voices play: loaded and freed on a non-audio thread, borrowed by the audio
// thread, reclaimed only once no voice can still be reading them.
//
// Reclamation is hazard-style counting, with sequentially consistent ordering on the two
// flags that matter (Dekker's pattern):
//   audio thread  borrow():  users += 1, then read `retired` and the generation;
//                            back off (users -= 1) if retired or stale.
//   any thread    retire():  retired = true.
//   loader thread collect(): frees a retired clip only when it reads users == 0.
// If the audio thread's increment came first, collect() sees users > 0 and waits; if it
// came after, the audio thread sees retired and never touches the clip. A voice whose clip
// is retired mid-line fades out over a few milliseconds before giving it back, so freeing
// a clip never clicks.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "aicore/vocal/clip.h"

namespace aicore::vocal {

/// Slot index plus generation: a stale id never reaches a newer clip in the same slot.
struct ClipId {
    std::uint32_t slot = UINT32_MAX;
    std::uint32_t generation = 0;
    bool valid() const noexcept { return slot != UINT32_MAX; }
    friend bool operator==(ClipId, ClipId) = default;
};

class ClipBank {
public:
    explicit ClipBank(std::size_t capacity);
    ClipBank(const ClipBank&) = delete;
    ClipBank& operator=(const ClipBank&) = delete;

    // --- loader / game thread (may allocate and free) ---

    /// Stores an analysed clip; an invalid id when every slot is in use.
    ClipId add(Clip clip);
    /// Marks the clip for freeing. Voices playing it fade out; new borrows fail.
    void retire(ClipId id) noexcept;
    /// Frees retired clips that nothing is reading any more. Returns how many it freed.
    std::size_t collect();
    /// Clips stored and not yet freed (live or retired).
    std::size_t size() const noexcept;
    std::size_t capacity() const noexcept { return slots_.size(); }

    // --- audio thread (wait-free, no allocation) ---

    /// Borrows a live clip, or nullptr if it is unknown, stale or retired. Every successful
    /// borrow must be matched by giveBack().
    const Clip* borrow(ClipId id) noexcept;
    void giveBack(ClipId id) noexcept;
    /// True once the clip was retired (a voice holding it should fade out and give it back).
    bool retired(ClipId id) const noexcept;

private:
    struct Slot {
        std::unique_ptr<Clip> clip;
        std::atomic<std::uint32_t> generation{0};
        std::atomic<std::uint32_t> users{0};
        std::atomic<bool> retired{false};
        std::atomic<bool> occupied{false};  // touched by the loader thread only
    };
    std::vector<Slot> slots_;
};

}  // namespace aicore::vocal
