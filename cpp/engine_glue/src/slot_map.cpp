#include "aicore/engine_glue/slot_map.h"

#include <algorithm>

namespace aicore::glue {

SlotMap::SlotMap(std::uint32_t capacity) : generation_(capacity, 0), inUse_(capacity, 0) {}

SlotMap::Claim SlotMap::claim(std::uint32_t slot) {
    if (slot >= capacity()) return {std::nullopt, ClaimProblem::OutOfRange};
    if (inUse_[slot] != 0) return {std::nullopt, ClaimProblem::Taken};
    // Wrapping past 2^32 - 1 skips 0, the generation no handle has: a game would need four
    // billion spawns in one slot to meet an old handle again.
    std::uint32_t& generation = generation_[slot];
    generation = generation == UINT32_MAX ? 1 : generation + 1;
    inUse_[slot] = 1;
    ++live_;
    return {NpcHandle{slot, generation}, ClaimProblem::OutOfRange};
}

bool SlotMap::release(NpcHandle handle) {
    if (!live(handle)) return false;
    return releaseSlot(handle.slot);
}

bool SlotMap::releaseSlot(std::uint32_t slot) {
    if (slot >= capacity() || inUse_[slot] == 0) return false;
    inUse_[slot] = 0;
    --live_;
    return true;
}

std::optional<std::uint32_t> SlotMap::slotOf(NpcHandle handle) const {
    if (handle.slot >= capacity() || handle.generation == 0) return std::nullopt;
    if (inUse_[handle.slot] == 0 || generation_[handle.slot] != handle.generation) return std::nullopt;
    return handle.slot;
}

std::optional<NpcHandle> SlotMap::handleIn(std::uint32_t slot) const {
    if (slot >= capacity() || inUse_[slot] == 0) return std::nullopt;
    return NpcHandle{slot, generation_[slot]};
}

void SlotMap::releaseDead(std::span<const std::uint8_t> alive, std::vector<NpcHandle>& freed) {
    const std::size_t n = std::min<std::size_t>(alive.size(), capacity());
    for (std::size_t i = 0; i < n; ++i)
        if (inUse_[i] != 0 && alive[i] == 0) {
            const auto slot = static_cast<std::uint32_t>(i);
            freed.push_back(NpcHandle{slot, generation_[slot]});
            releaseSlot(slot);
        }
}

}  // namespace aicore::glue
