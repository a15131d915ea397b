#pragma once
// A realtime section in a test: everything between enter() and exit() is audio-thread
// code that must not allocate, lock or make a system call. Two implementations prove it
// two ways: RealtimeSanitizer's runtime (aborts on any unsafe call) and our own per-thread
// counters of allocations and locks.
#include <cstddef>

namespace aicore::vocal::testing {

struct RealtimeGuard {
    virtual ~RealtimeGuard() = default;
    virtual void enter() = 0;
    virtual void exit() = 0;
};

/// RAII bracket around a realtime section.
class RealtimeSection {
public:
    explicit RealtimeSection(RealtimeGuard& guard) : guard_(guard) { guard_.enter(); }
    ~RealtimeSection() { guard_.exit(); }
    RealtimeSection(const RealtimeSection&) = delete;
    RealtimeSection& operator=(const RealtimeSection&) = delete;

private:
    RealtimeGuard& guard_;
};

/// Runs every processor of the voice core (blocks and archetype chains) through thousands
/// of blocks with parameter sweeps, each process() call inside a realtime section.
/// Returns the number of process() calls made.
std::size_t runEveryProcessor(RealtimeGuard& guard);

/// The audio thread's side of VoiceEngineSlot (render, in blocks of any size), each call in
/// a realtime section, while another thread swaps engines in. 0 if the swaps did not all
/// happen.
std::size_t runVoiceEngineSlot(RealtimeGuard& guard);

}  // namespace aicore::vocal::testing
