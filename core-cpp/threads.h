// Thread pool over wasm shared memory. The JS host starts N-1 workers, each
// instantiating this module over the same memory and calling wj_worker_loop(tid);
// the calling thread (tid 0, often the browser main thread) takes slice 0 itself
// and spins for the rest, because the browser main thread may not atomic-wait.
#pragma once
#include <stdint.h>

#include "alloc.h"

namespace wj {

// fn(ctx, begin, end, tid) processes [begin, end).
using RangeFn = void (*)(void* ctx, int64_t begin, int64_t end, int tid);

// Splits [0, n) into contiguous slices, one per thread (a static schedule), with
// slices of at least `grain` items; small n runs inline on the caller.
void parallel_for(int64_t n, int64_t grain, RangeFn fn, void* ctx);

int num_threads();
void set_num_threads(int n);  // clamped to [1, kMaxThreads]
void worker_loop(int tid);    // never returns (threaded build only)
uint32_t last_participants();  // bitmask of tids that ran a slice in the last call

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
