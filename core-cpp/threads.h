// Thread pool over wasm shared memory. The JS host starts N-1 workers, each
// instantiating this module over the same memory and calling wj_worker_loop(tid);
// the calling thread (tid 0, often the browser main thread) takes slice 0 itself
// and spins for the rest, because the browser main thread may not atomic-wait.
// Faults in workers and lost workers are survived (threads.cpp says how).
#pragma once
#include <stdint.h>

#include "alloc.h"

namespace wj {

// fn(ctx, begin, end, tid) processes [begin, end).
using RangeFn = void (*)(void* ctx, int64_t begin, int64_t end, int tid);

// Splits [0, n) into contiguous slices, one per thread (a static schedule), with
// slices of at least `grain` items; small n runs inline on the caller. fn must compute
// each index alike whatever range and tid it is called with: a slice may be run in pieces,
// and by another thread than its own (tid then names the thread that runs it).
void parallel_for(int64_t n, int64_t grain, RangeFn fn, void* ctx);

int num_threads();
void set_num_threads(int n);  // clamped to [1, kMaxThreads]
void worker_loop(int tid);    // never returns (threaded build only)
uint32_t last_participants();  // bitmask of tids that ran a slice in the last call
void progress();               // marks progress inside a long loop (a lost worker makes none)

// What the host reads after a trap in wj_run: the clock it writes, and the first fault.
enum : int32_t { kFaultTrap = 1, kFaultLost = 2 };
struct PoolState {
  double clock_ms;     // performance.now(), written by the host when the pool asks
  int32_t fault_tid;   // 0: none; else 1 + the worker's tid
  int32_t fault_kind;  // kFaultTrap (text holds the error's message) or kFaultLost
  int32_t fault_len;
  int32_t pad;
  char text[240];
};
extern PoolState g_pool_state;

// A worker's JS loop caught a trap: claim the record (null when another fault holds it),
// write the message there, then report done (its slice counts as settled).
char* worker_fault_claim(int tid);
void worker_fault_done(int tid, int32_t len);
// After a trap in a call: stops and waits for the slices still running; returns 1 + the
// faulting worker's tid when the trap reports that fault, minus that when the caller trapped
// on its own while a worker fault was also recorded, 0 without a fault (the pool is then
// ready for the next call; a recorded fault stays until pool_clear_fault).
int32_t pool_recover();
void pool_clear_fault();
void set_stall_ms(int32_t ms);                // how long a worker may show no progress
void test_pool_hook(int32_t kind, int32_t tid);  // 1: trap, 2: end the thread, in tid's next slice

constexpr int kMaxThreads = 32;

// Buffers kept per thread between calls, so steady-state calls do not allocate. Slot tid is
// only touched by thread tid. Null when the allocation fails.
template <typename T>
struct ThreadScratch {
  T* buf[kMaxThreads] = {};
  int64_t size[kMaxThreads] = {};
  T* get(int tid, int64_t n) {
    if (size[tid] < n) {
      wj::free(buf[tid]);
      buf[tid] = static_cast<T*>(wj::alloc(static_cast<size_t>(n) * sizeof(T)));
      size[tid] = buf[tid] ? n : 0;
    }
    return buf[tid];
  }
};

}  // namespace wj
