#pragma once
// Interrupts a runaway script: if a tick runs past its budget, raises ScriptTimeoutError
// asynchronously in the game thread's Python code (the way Ctrl-C interrupts a loop), then
// re-arms, so a second runaway in the same frame is interrupted too.
#include <Python.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace aicore::bridge {

class Watchdog {
public:
    /// `exception` is the (borrowed, immortal for the process) exception type to raise.
    Watchdog(PyObject* exception, double budgetMs);
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    /// Game thread, GIL held: a tick begins / ends. end() also cancels an interrupt that
    /// was raised but not yet delivered, so it can never land in the next tick.
    void begin(unsigned long threadId) noexcept;
    void end() noexcept;
    std::uint64_t interrupts() const noexcept { return interrupts_.load(); }

    /// Game thread: one script handler begins (budget in seconds) / ends. Two atomic stores:
    /// the watchdog polls without the GIL and takes it only to interrupt.
    void armHandler(double seconds) noexcept;
    void disarmHandler() noexcept;

    /// Game thread, GIL held: cancel an interrupt raised but not yet delivered, if any.
    /// Clearing when none was raised is not free: CPython 3.11's
    /// PyThreadState_SetAsyncExc(id, NULL) leaves the interpreter's "async exception"
    /// eval-breaker bit set, and under a trace function (debugpy, coverage) every new
    /// frame then spins in RESUME forever.
    void cancelPendingInterrupt() noexcept;

private:
    void run();

    PyObject* exception_;
    std::chrono::nanoseconds budget_;
    std::atomic<std::int64_t> deadline_{0};  // steady-clock ns; 0 = no tick running
    std::atomic<std::int64_t> handlerDeadline_{0};  // 0 = no handler armed
    std::atomic<std::uint64_t> handlerSerial_{0};   // which handler the deadline belongs to
    std::atomic<std::uint64_t> tick_{0};
    std::atomic<unsigned long> threadId_{0};
    std::atomic<std::uint64_t> interrupts_{0};
    std::atomic<bool> raised_{false};  // an interrupt was raised and may be undelivered
    std::mutex mutex_;                // only for the watchdog's sleep and shutdown
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace aicore::bridge
