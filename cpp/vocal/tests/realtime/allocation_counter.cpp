// Real-time proof #2: our own counters. This executable replaces operator new/delete and
// the malloc family (forwarding to glibc's __libc_* entry points) and interposes
// pthread_mutex_lock, counting calls per thread while a realtime section is open.
#include <dlfcn.h>
#include <pthread.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "allocation_counter.h"

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);
void* __libc_memalign(std::size_t, std::size_t);
}

namespace aicore::vocal::testing {

namespace {
thread_local bool tlsCounting = false;
thread_local std::size_t tlsAllocations = 0;
thread_local std::size_t tlsLocks = 0;
}  // namespace

void AllocationCounter::noteAllocation() noexcept {
    if (tlsCounting) ++tlsAllocations;
}

void AllocationCounter::start() noexcept {
    tlsAllocations = 0;
    tlsLocks = 0;
    tlsCounting = true;
}

AllocationCounter::Counts AllocationCounter::stop() noexcept {
    tlsCounting = false;
    return {tlsAllocations, tlsLocks};
}

void AllocationCounter::noteLock() noexcept {
    if (tlsCounting) ++tlsLocks;
}

}  // namespace aicore::vocal::testing

namespace {
using Counter = aicore::vocal::testing::AllocationCounter;
}  // namespace

extern "C" {

void* malloc(std::size_t size) {
    Counter::noteAllocation();
    return __libc_malloc(size);
}
void* calloc(std::size_t n, std::size_t size) {
    Counter::noteAllocation();
    return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t size) {
    Counter::noteAllocation();
    return __libc_realloc(p, size);
}
void free(void* p) {
    if (p != nullptr) Counter::noteAllocation();
    __libc_free(p);
}

int pthread_mutex_lock(pthread_mutex_t* mutex) {
    using LockFn = int (*)(pthread_mutex_t*);
    // Resolved before any realtime section opens (see AllocationCounter tests), so dlsym's
    // own work never lands inside one.
    static const auto real = reinterpret_cast<LockFn>(dlsym(RTLD_NEXT, "pthread_mutex_lock"));
    aicore::vocal::testing::AllocationCounter::noteLock();
    return real(mutex);
}

}  // extern "C"

void* operator new(std::size_t size) {
    Counter::noteAllocation();
    if (void* p = __libc_malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, std::align_val_t align) {
    Counter::noteAllocation();
    if (void* p = __libc_memalign(static_cast<std::size_t>(align), size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t align) { return operator new(size, align); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, std::size_t) noexcept { free(p); }
void operator delete[](void* p, std::size_t) noexcept { free(p); }
void operator delete(void* p, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { free(p); }
