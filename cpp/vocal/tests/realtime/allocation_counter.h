#pragma once
#include <cstddef>

namespace aicore::vocal::testing {

/// Per-thread counts of heap calls and mutex locks, taken while started.
struct AllocationCounter {
    struct Counts {
        std::size_t allocations = 0;
        std::size_t locks = 0;
    };
    static void start() noexcept;
    static Counts stop() noexcept;
    static void noteAllocation() noexcept;
    static void noteLock() noexcept;
};

}  // namespace aicore::vocal::testing
