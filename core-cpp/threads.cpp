#include "threads.h"

namespace wj {
namespace {

int g_num_threads = 1;
uint32_t g_participants = 0;

#ifdef __wasm_atomics__
// One job at a time. The caller writes the job, then bumps g_generation; each
// worker runs its slice and bumps g_done. The job is only rewritten after every
// worker has checked in, so a worker never sees a half-written job.
struct Job {
  RangeFn fn;
  void* ctx;
  int64_t n;
  int threads;
};
Job g_job;
int32_t g_generation = 0;
int32_t g_done = 0;

void run_slice(const Job& job, int tid) {
  int64_t begin = job.n * tid / job.threads;
  int64_t end = job.n * (tid + 1) / job.threads;
  if (begin < end) {
    job.fn(job.ctx, begin, end, tid);
    __atomic_fetch_or(&g_participants, 1u << tid, __ATOMIC_RELAXED);
  }
}
#endif

}  // namespace

int num_threads() { return g_num_threads; }

void set_num_threads(int n) {
  g_num_threads = n < 1 ? 1 : n > kMaxThreads ? kMaxThreads : n;
#ifndef __wasm_atomics__
  g_num_threads = 1;
#endif
}

uint32_t last_participants() { return __atomic_load_n(&g_participants, __ATOMIC_RELAXED); }

void parallel_for(int64_t n, int64_t grain, RangeFn fn, void* ctx) {
  int64_t max_by_grain = grain > 0 ? (n + grain - 1) / grain : n;
  int threads = g_num_threads;
  if (n <= 0) return;
  if (threads <= 1 || max_by_grain <= 1) {
    g_participants = 1;
    fn(ctx, 0, n, 0);
    return;
  }
#ifdef __wasm_atomics__
  // Every worker (tid < g_num_threads) checks in, even with an empty slice.
  g_participants = 0;
  g_job = Job{fn, ctx, n, (int)(threads < max_by_grain ? threads : max_by_grain)};
  __atomic_store_n(&g_done, 0, __ATOMIC_RELAXED);
  __atomic_fetch_add(&g_generation, 1, __ATOMIC_RELEASE);
  __builtin_wasm_memory_atomic_notify(&g_generation, (uint32_t)(threads - 1));
  run_slice(g_job, 0);
  while (__atomic_load_n(&g_done, __ATOMIC_ACQUIRE) < threads - 1) {
  }
#endif
}

void worker_loop(int tid) {
#ifdef __wasm_atomics__
  int32_t seen = 0;  // generation 0 never carries a job
  for (;;) {
    int32_t gen;
    while ((gen = __atomic_load_n(&g_generation, __ATOMIC_ACQUIRE)) == seen) {
      __builtin_wasm_memory_atomic_wait32(&g_generation, seen, -1);
    }
    seen = gen;
    if (tid < g_num_threads) {
      if (tid < g_job.threads) run_slice(g_job, tid);
      __atomic_fetch_add(&g_done, 1, __ATOMIC_RELEASE);
    }
  }
#else
  (void)tid;
  __builtin_trap();
#endif
}

}  // namespace wj
