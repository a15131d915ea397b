#pragma once
// Bounded single-producer / single-consumer queue: the game thread talks to the audio
// thread (and back) through these, and neither ever waits.
//
// Why it is fast and safe on the audio thread:
//   * Storage is one array sized at construction; try_push/try_pop never allocate.
//   * Each index is written by one thread only and lives on its own cache line, so the
//     producer and consumer do not false-share.
//   * Each side keeps a cached copy of the other side's index and reloads it (an acquire
//     load that may miss in cache) only when the queue looks full or empty.
//   * A full queue is reported to the caller (try_push returns false), never waited on.
#include <atomic>
#include <cstddef>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace aicore::vocal {

template <typename T>
class SpscQueue {
    static_assert(std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_assignable_v<T>,
                  "queue elements move without throwing (the audio thread cannot handle it)");
    static_assert(std::is_nothrow_default_constructible_v<T>, "slots are pre-constructed");
    static_assert(std::atomic<std::size_t>::is_always_lock_free);

public:
    /// Holds up to `capacity` elements. Allocates here, and only here.
    explicit SpscQueue(std::size_t capacity) : slots_(capacity + 1) {}

    SpscQueue(const SpscQueue&) = delete;
    SpscQueue& operator=(const SpscQueue&) = delete;

    /// Producer thread only. False (and `value` untouched) when full.
    bool try_push(T&& value) noexcept {
        const std::size_t head = head_.load(std::memory_order_relaxed);
        const std::size_t next = increment(head);
        if (next == cachedTail_) {
            cachedTail_ = tail_.load(std::memory_order_acquire);
            if (next == cachedTail_) return false;
        }
        slots_[head] = std::move(value);
        head_.store(next, std::memory_order_release);
        return true;
    }
    bool try_push(const T& value) noexcept(std::is_nothrow_copy_assignable_v<T>) {
        T copy = value;
        return try_push(std::move(copy));
    }

    /// Consumer thread only. Empty optional when there is nothing to pop.
    std::optional<T> try_pop() noexcept {
        const std::size_t tail = tail_.load(std::memory_order_relaxed);
        if (tail == cachedHead_) {
            cachedHead_ = head_.load(std::memory_order_acquire);
            if (tail == cachedHead_) return std::nullopt;
        }
        std::optional<T> out(std::move(slots_[tail]));
        tail_.store(increment(tail), std::memory_order_release);
        return out;
    }

    std::size_t capacity() const noexcept { return slots_.size() - 1; }

    /// Approximate (the other side may be moving); for metrics only.
    std::size_t sizeApprox() const noexcept {
        const std::size_t head = head_.load(std::memory_order_acquire);
        const std::size_t tail = tail_.load(std::memory_order_acquire);
        return head >= tail ? head - tail : head + slots_.size() - tail;
    }

private:
    std::size_t increment(std::size_t i) const noexcept { return i + 1 == slots_.size() ? 0 : i + 1; }

    static constexpr std::size_t kLine = 64;  // x86-64 and arm64 cache lines
    std::vector<T> slots_;
    alignas(kLine) std::atomic<std::size_t> head_{0};  // written by the producer
    alignas(kLine) std::size_t cachedTail_ = 0;        // producer's view of tail_
    alignas(kLine) std::atomic<std::size_t> tail_{0};  // written by the consumer
    alignas(kLine) std::size_t cachedHead_ = 0;        // consumer's view of head_
};

}  // namespace aicore::vocal
