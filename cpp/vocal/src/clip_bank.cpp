#include "aicore/vocal/clip_bank.h"

namespace aicore::vocal {

ClipBank::ClipBank(std::size_t capacity) : slots_(capacity) {}

ClipId ClipBank::add(Clip clip) {
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
        Slot& s = slots_[i];
        if (s.occupied.load(std::memory_order_relaxed)) continue;
        // A stale borrower may still bump users transiently; it backs off on the generation.
        s.clip = std::make_unique<Clip>(std::move(clip));
        const std::uint32_t generation = s.generation.load(std::memory_order_relaxed) + 1;
        s.generation.store(generation, std::memory_order_seq_cst);
        s.retired.store(false, std::memory_order_seq_cst);
        s.occupied.store(true, std::memory_order_relaxed);
        return ClipId{i, generation};
    }
    return ClipId{};
}

void ClipBank::retire(ClipId id) noexcept {
    if (!id.valid() || id.slot >= slots_.size()) return;
    Slot& s = slots_[id.slot];
    if (s.generation.load(std::memory_order_seq_cst) != id.generation) return;
    s.retired.store(true, std::memory_order_seq_cst);
}

std::size_t ClipBank::collect() {
    std::size_t freed = 0;
    for (Slot& s : slots_) {
        if (!s.occupied.load(std::memory_order_relaxed)) continue;
        if (!s.retired.load(std::memory_order_seq_cst)) continue;
        if (s.users.load(std::memory_order_seq_cst) != 0) continue;
        s.clip.reset();
        s.occupied.store(false, std::memory_order_relaxed);
        ++freed;
    }
    return freed;
}

std::size_t ClipBank::size() const noexcept {
    std::size_t n = 0;
    for (const Slot& s : slots_) n += s.occupied.load(std::memory_order_relaxed) ? 1 : 0;
    return n;
}

const Clip* ClipBank::borrow(ClipId id) noexcept {
    if (!id.valid() || id.slot >= slots_.size()) return nullptr;
    Slot& s = slots_[id.slot];
    s.users.fetch_add(1, std::memory_order_seq_cst);
    if (s.retired.load(std::memory_order_seq_cst) ||
        s.generation.load(std::memory_order_seq_cst) != id.generation) {
        s.users.fetch_sub(1, std::memory_order_seq_cst);
        return nullptr;
    }
    return s.clip.get();
}

void ClipBank::giveBack(ClipId id) noexcept {
    if (!id.valid() || id.slot >= slots_.size()) return;
    slots_[id.slot].users.fetch_sub(1, std::memory_order_seq_cst);
}

bool ClipBank::retired(ClipId id) const noexcept {
    if (!id.valid() || id.slot >= slots_.size()) return true;
    const Slot& s = slots_[id.slot];
    return s.retired.load(std::memory_order_acquire) ||
           s.generation.load(std::memory_order_acquire) != id.generation;
}

}  // namespace aicore::vocal
