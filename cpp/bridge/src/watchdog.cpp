#include "watchdog.h"

#include <pthread.h>

#include <utility>

#include "escalation.h"

#include <chrono>

namespace aicore::bridge {

namespace {
std::int64_t wallNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
std::int64_t clockNs(clockid_t clock) {
    timespec ts{};
    if (clock_gettime(clock, &ts) != 0) return wallNs();
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

Watchdog::Watchdog(PyObject* exception, std::uint64_t* gate, std::string runtimeDir)
    : exception_(exception), gate_(gate), runtimeDir_(std::move(runtimeDir)), thread_([this] { run(); }) {}

Watchdog::~Watchdog() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

// Python writes the gate with plain aligned 8-byte stores (under the GIL); this thread
// reads it without the GIL, so a read is only a hint until it is repeated under the GIL.
std::uint64_t Watchdog::gateWord(int word) const noexcept {
    return std::atomic_ref<std::uint64_t>(gate_[word]).load(std::memory_order_relaxed);
}
void Watchdog::setGateWord(int word, std::uint64_t value) noexcept {
    std::atomic_ref<std::uint64_t>(gate_[word]).store(value, std::memory_order_relaxed);
}

std::int64_t Watchdog::threadCpuNs() const noexcept { return clockNs(cpuClock_.load()); }

void Watchdog::begin(unsigned long threadId, double cpuLimitMs, double wallLimitMs) noexcept {
    limitCpuNs_.store(static_cast<std::int64_t>(cpuLimitMs * 1e6));
    limitWallNs_.store(static_cast<std::int64_t>(wallLimitMs * 1e6));
    threadId_.store(threadId);
    clockid_t clock = CLOCK_MONOTONIC;  // no per-thread CPU clock: wall time
    if (pthread_getcpuclockid(pthread_self(), &clock) != 0) clock = CLOCK_MONOTONIC;
    cpuClock_.store(clock);
    tick_.fetch_add(1);
    ticking_.store(true);
}

void Watchdog::end() noexcept {
    ticking_.store(false);
    tick_.fetch_add(1);
    cancelPendingInterrupt();
}

void Watchdog::cancelPendingInterrupt() noexcept {
    // GIL held by the caller: drop an interrupt that is pending but not yet delivered.
    if (raised_.exchange(false)) {
        setGateWord(kGateRaised, 0);
        PyThreadState_SetAsyncExc(threadId_.load(), nullptr);
    }
    if (gateWord(kGateEscalated) != 0) {
        setGateWord(kGateEscalated, 0);
        PyEval_SetTrace(nullptr, nullptr);  // this thread's: the game thread's
    }
}

void Watchdog::run() {
    std::uint64_t seenTick = 0, seenSerial = 0, firedSerial = 0;
    int firedTimes = 0;  // interrupts raised in handler firedSerial
    std::int64_t tickCpu0 = 0, tickWall0 = 0, cpu0 = 0, wall0 = 0;
    std::unique_lock lock(mutex_);
    while (!stop_) {
        wake_.wait_for(lock, std::chrono::milliseconds(1));
        if (!ticking_.load()) {
            seenTick = seenSerial = 0;
            continue;
        }
        const std::uint64_t tick = tick_.load(), serial = gateWord(kGateSerial);
        const std::int64_t cpu = threadCpuNs(), wall = wallNs();
        if (tick != seenTick) {  // first sight of this tick: its clocks start now
            seenTick = tick;
            tickCpu0 = cpu;
            tickWall0 = wall;
        }
        bool handlerOver = false;
        if (serial == 0) {
            seenSerial = 0;
        } else if (serial != seenSerial) {
            seenSerial = serial;
            cpu0 = cpu;
            wall0 = wall;
        } else {
            handlerOver = cpu - cpu0 >= static_cast<std::int64_t>(gateWord(kGateCpuNs)) ||
                          wall - wall0 >= static_cast<std::int64_t>(gateWord(kGateWallNs));
        }
        const bool frameOver = cpu - tickCpu0 >= limitCpuNs_.load() || wall - tickWall0 >= limitWallNs_.load();
        if (!handlerOver && !frameOver) continue;
        lock.unlock();
        // The runaway loop gives the GIL up every switch interval, so this returns.
        const PyGILState_STATE gil = PyGILState_Ensure();
        // Under the GIL the game thread cannot move: fire only if the tick is the same one
        // and, for a handler overrun, the same handler.
        const bool sameHandler = gateWord(kGateSerial) == serial;
        if (ticking_.load() && tick_.load() == tick && (frameOver || sameHandler)) {
            PyThreadState_SetAsyncExc(threadId_.load(), exception_);
            raised_.store(true);
            setGateWord(kGateRaised, 1);
            interrupts_.fetch_add(1);
            if (handlerOver && sameHandler) {
                firedTimes = firedSerial == serial ? firedTimes + 1 : 1;
                firedSerial = serial;
                // Interrupted before and still running: it swallowed the interrupt.
                if (firedTimes >= 2 && gateWord(kGateEscalated) == 0 &&
                    escalateInterrupt(threadId_.load(), exception_, runtimeDir_)) {
                    setGateWord(kGateEscalated, 1);
                }
            }
        }
        PyGILState_Release(gil);
        // Re-arm from now: a runaway that swallows the interrupt is interrupted again.
        const std::int64_t cpuNow = threadCpuNs(), wallNow = wallNs();
        if (handlerOver) {
            cpu0 = cpuNow;
            wall0 = wallNow;
        }
        if (frameOver) {
            tickCpu0 = cpuNow;
            tickWall0 = wallNow;
        }
        lock.lock();
    }
}

}  // namespace aicore::bridge
