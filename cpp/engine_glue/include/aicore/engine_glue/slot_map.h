#pragma once
// Which engine NPC holds which world-buffer slot. The runtime chooses the slot
// (aicore_npc_spawn); the engine holds an NpcHandle: the slot plus the generation it was
// claimed in. Once the slot is released (despawn, or a script freeing it) and claimed
// again, the old handle is stale: it resolves to nothing instead of to the new NPC, so a
// component that outlived its NPC can never write into another NPC's row.
//
// Game thread only (like every runtime call but audio render). Needs neither libaicore
// nor Python.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace aicore::glue {

struct NpcHandle {
    std::uint32_t slot = 0;
    std::uint32_t generation = 0;  // 0 is never issued: a default handle is always stale
    friend bool operator==(const NpcHandle&, const NpcHandle&) = default;
};

/// Why a claim was refused.
enum class ClaimProblem : std::uint8_t {
    OutOfRange,  // slot >= capacity: the runtime and the map disagree on the world's size
    Taken,       // the slot already holds a live NPC in the map
};

class SlotMap {
public:
    /// `capacity`: the world's NPC slots (aicore_world.capacity).
    explicit SlotMap(std::uint32_t capacity);

    /// Records that `slot` (given by aicore_npc_spawn) now holds a new NPC; its handle,
    /// or why not.
    struct Claim {
        std::optional<NpcHandle> handle;
        ClaimProblem problem = ClaimProblem::OutOfRange;
    };
    Claim claim(std::uint32_t slot);

    /// Frees the handle's slot; false (nothing changed) if the handle is stale.
    bool release(NpcHandle handle);
    /// Frees `slot` whoever holds it; false if it held nothing.
    bool releaseSlot(std::uint32_t slot);

    /// The handle's slot while it is live, nothing once stale.
    std::optional<std::uint32_t> slotOf(NpcHandle handle) const;
    /// The live handle in `slot`, nothing if the slot is free or out of range.
    std::optional<NpcHandle> handleIn(std::uint32_t slot) const;
    bool live(NpcHandle handle) const { return slotOf(handle).has_value(); }

    /// Slots the map holds that the runtime's `alive` array (aicore_world.alive, `capacity`
    /// bytes) says are free: a script despawned them. Each is released here and its (now
    /// stale) handle appended to `freed`, so the engine finds and removes its NPC.
    void releaseDead(std::span<const std::uint8_t> alive, std::vector<NpcHandle>& freed);

    std::uint32_t capacity() const noexcept { return static_cast<std::uint32_t>(generation_.size()); }
    std::uint32_t liveCount() const noexcept { return live_; }

private:
    std::vector<std::uint32_t> generation_;  // by slot: the generation last claimed
    std::vector<std::uint8_t> inUse_;        // by slot
    std::uint32_t live_ = 0;
};

}  // namespace aicore::glue
