#pragma once
// Interrupts a runaway script by raising ScriptTimeoutError asynchronously in the game
// thread's Python code (the way Ctrl-C interrupts a loop).
//
// Two limits, both charged in the game thread's own CPU time, so a busy machine that
// preempts the game never turns a healthy script into a "runaway":
//  - a handler's budget, read from the gate the scheduler writes (engine_bridge/core/budget.py
//    documents its four words); a handler blocked in a sleep or a lock, using no CPU, is
//    stopped by the gate's wall-time backstop instead;
//  - the whole tick's backstop, for runtime code between handlers.
// The scheduler guards a handler with two plain stores into the gate — no call into C++,
// no lock — and this thread polls it every millisecond without the GIL, taking the GIL
// only to interrupt, after checking again that the same handler of the same tick runs.
#include <Python.h>
#include <time.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace aicore::bridge {

/// The gate's words (engine_bridge/core/budget.py): the running handler's serial (0: none),
/// "an interrupt was raised", its CPU budget and its wall backstop in nanoseconds.
/// The last word says the interrupt was escalated (escalation.h) and must be removed.
enum GateWord : int {
    kGateSerial = 0,
    kGateRaised = 1,
    kGateCpuNs = 2,
    kGateWallNs = 3,
    kGateEscalated = 4,
    kGateWords = 5
};

class Watchdog {
public:
    /// `exception` is the (borrowed, immortal for the process) exception type to raise;
    /// `gate` (kGateWords words, owned by the caller, outliving this) is shared with Python.
    /// A handler that swallows its interrupt and runs on is interrupted again a budget later;
    /// the second time, the interrupt is escalated (escalation.h), sparing frames whose file
    /// starts with `runtimeDir` (the runtime's own package).
    Watchdog(PyObject* exception, std::uint64_t* gate, std::string runtimeDir);
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    /// Game thread, GIL held: a call into Python (a tick, a spawn, the runtime's creation)
    /// begins / ends. The call as a whole is interrupted when it has used `cpuLimitMs` of
    /// the game thread's CPU time or lasted `wallLimitMs`; its handlers have the gate's
    /// budgets. end() also cancels an interrupt that was raised but not yet delivered, so
    /// it can never land in the next call.
    void begin(unsigned long threadId, double cpuLimitMs, double wallLimitMs) noexcept;
    void end() noexcept;
    std::uint64_t interrupts() const noexcept { return interrupts_.load(); }

    /// Game thread, GIL held: cancel an interrupt raised but not yet delivered, if any, and
    /// remove an escalation.
    /// Clearing when none was raised is not free: CPython 3.11's
    /// PyThreadState_SetAsyncExc(id, NULL) leaves the interpreter's "async exception"
    /// eval-breaker bit set, and under a trace function (debugpy, coverage) every new
    /// frame then spins in RESUME forever.
    void cancelPendingInterrupt() noexcept;

private:
    void run();
    std::int64_t threadCpuNs() const noexcept;
    std::uint64_t gateWord(int word) const noexcept;
    void setGateWord(int word, std::uint64_t value) noexcept;

    PyObject* exception_;
    std::uint64_t* gate_;
    std::string runtimeDir_;
    std::atomic<std::int64_t> limitCpuNs_{0}, limitWallNs_{0};
    std::atomic<bool> ticking_{false};
    std::atomic<std::uint64_t> tick_{0};
    std::atomic<unsigned long> threadId_{0};
    std::atomic<clockid_t> cpuClock_{CLOCK_MONOTONIC};
    std::atomic<std::uint64_t> interrupts_{0};
    std::atomic<bool> raised_{false};  // an interrupt was raised and may be undelivered
    std::mutex mutex_;                 // only for the watchdog's sleep and shutdown
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace aicore::bridge
