// The pool's shared state, for the two kinds of job it runs: kernel slices (threads.cpp) and
// device programs (devices.cpp). Not part of the core's interface.
#pragma once
#include <stdint.h>

#include "threads.h"

// This instance's pool thread (core-cpp/stack.S): 0 on the calling thread.
extern "C" void wj_set_thread(int32_t tid);
extern "C" int32_t wj_get_thread();

namespace wj::detail {

#ifdef __wasm_atomics__
enum JobKind : int32_t { kKernelJob = 0, kDeviceJob = 1 };

struct Job {
  RangeFn fn;
  void* ctx;
  int64_t n;
  int threads;
  int32_t kind = kKernelJob;
};

// A slot word is generation << 2 | state: a stale claim or completion never matches a later
// job. Zero (the initial word) reads as settled.
enum : uint64_t { S_TAKEN = 0, S_PENDING = 1, S_RUNNING = 2, S_DONE = 3 };
inline uint64_t slot_word(uint32_t gen, uint64_t state) { return (uint64_t)gen << 2 | state; }

extern Job g_job;
extern uint32_t g_generation;
extern uint64_t g_slot[kMaxThreads];
extern uint32_t g_beat[kMaxThreads];
extern uint32_t g_progress;
extern int32_t g_abort;
extern int32_t g_in_job;
extern int32_t g_raised;
extern uint32_t g_lost;
extern int32_t g_stall_ms;

constexpr int32_t kHostDieId = -2;  // on a worker: its thread ends here (a test hook)

// A test hook: arm(kind, tid) makes thread `tid` trap (kind 1) or end its thread (kind 2) when
// it next calls fire. Kernel slices and device programs each have one.
struct TestHook {
  int32_t kind = 0, tid = -1;
  void arm(int32_t k, int32_t t) {
    kind = k;
    __atomic_store_n(&tid, t, __ATOMIC_RELEASE);
  }
  void fire(int t);  // threads.cpp
};

double now_ms();
bool record_fault(int tid, int32_t kind);
void report_lost(int tid);
[[noreturn]] void raise_fault();

// Device jobs (devices.cpp).
extern int32_t g_dev_active;
void run_device(int tid);  // a worker runs the device program its claimed slot names
void device_recover();     // after a trap while a device job runs: release, stop and wait for the devices
#endif

}  // namespace wj::detail
