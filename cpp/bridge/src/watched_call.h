#pragma once
// A call into Python under the watchdog (GIL held throughout), and the backstop limits of
// the bridge's own calls into the runtime.
#include <Python.h>

#include <algorithm>

#include "runtime_state.h"

namespace aicore::bridge {

// A call into Python under the watchdog, from begin to end of scope (GIL held throughout).
// With a debugger attached a handler may sit at a breakpoint for minutes: that is not a
// runaway, so nothing is watched then.
class WatchedCall {
public:
    WatchedCall(aicore_runtime& rt, double cpuLimitMs, double wallLimitMs) : rt_(rt) {
        if (rt_.debugPort == 0 && rt_.watchdog) rt_.watchdog->begin(PyThreadState_Get()->thread_id, cpuLimitMs, wallLimitMs);
    }
    ~WatchedCall() {
        if (rt_.debugPort == 0 && rt_.watchdog) rt_.watchdog->end();
    }
    WatchedCall(const WatchedCall&) = delete;
    WatchedCall& operator=(const WatchedCall&) = delete;

private:
    aicore_runtime& rt_;
};

// A tick's (or spawn's) backstop, for runtime code between handlers: the scheduler defers
// work at the frame budget itself, and each handler has its own budget.
inline double callCpuLimitMs(const aicore_runtime& rt) { return std::max(100.0, 20.0 * rt.frameBudgetMs); }
inline double callWallLimitMs(const aicore_runtime& rt) { return std::max(500.0, 50.0 * rt.frameBudgetMs); }

}  // namespace aicore::bridge
