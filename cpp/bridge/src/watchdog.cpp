#include "watchdog.h"

namespace aicore::bridge {

namespace {
std::int64_t nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
}  // namespace

Watchdog::Watchdog(PyObject* exception, double budgetMs)
    : exception_(exception),
      budget_(std::chrono::nanoseconds(static_cast<std::int64_t>(budgetMs * 1e6))),
      thread_([this] { run(); }) {}

Watchdog::~Watchdog() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void Watchdog::begin(unsigned long threadId) noexcept {
    threadId_.store(threadId);
    tick_.fetch_add(1);
    deadline_.store(nowNs() + budget_.count());
}

void Watchdog::end() noexcept {
    deadline_.store(0);
    handlerDeadline_.store(0);
    tick_.fetch_add(1);
    cancelPendingInterrupt();
}

void Watchdog::cancelPendingInterrupt() noexcept {
    // GIL held by the caller: drop an interrupt that is pending but not yet delivered.
    if (raised_.exchange(false)) PyThreadState_SetAsyncExc(threadId_.load(), nullptr);
}

void Watchdog::armHandler(double seconds) noexcept {
    handlerSerial_.fetch_add(1);
    handlerDeadline_.store(nowNs() + static_cast<std::int64_t>(seconds * 1e9));
}

void Watchdog::disarmHandler() noexcept {
    handlerDeadline_.store(0);
    handlerSerial_.fetch_add(1);
}

void Watchdog::run() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
        wake_.wait_for(lock, std::chrono::milliseconds(1));
        const std::int64_t frame = deadline_.load(), handler = handlerDeadline_.load();
        if (frame == 0) continue;  // no tick running
        const std::int64_t now = nowNs();
        const bool frameOver = now >= frame, handlerOver = handler != 0 && now >= handler;
        if (!frameOver && !handlerOver) continue;
        const std::uint64_t tick = tick_.load(), serial = handlerSerial_.load();
        lock.unlock();
        // The runaway loop gives the GIL up every switch interval (5 ms), so this returns.
        const PyGILState_STATE gil = PyGILState_Ensure();
        // Re-check under the GIL: the tick may have ended while we waited for it.
        // Arm/disarm run with the GIL held, so under it nothing moves: fire only if the tick
        // is the same one and, for a handler overrun, the same handler.
        const bool sameHandler = handlerSerial_.load() == serial && handlerDeadline_.load() != 0;
        if (tick_.load() == tick && deadline_.load() != 0 && (frameOver || sameHandler)) {
            PyThreadState_SetAsyncExc(threadId_.load(), exception_);
            raised_.store(true);
            interrupts_.fetch_add(1);
            deadline_.store(nowNs() + budget_.count());  // re-arm for the next runaway
            handlerDeadline_.store(0);
        }
        PyGILState_Release(gil);
        lock.lock();
    }
}

}  // namespace aicore::bridge
