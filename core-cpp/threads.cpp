// The thread pool (threads.h). One job at a time: the caller writes g_job, marks one slot per
// worker PENDING for the new generation, bumps g_generation and wakes the workers; each worker
// claims its slot (PENDING -> RUNNING) with a compare-and-swap, runs its slice and marks it
// DONE. The caller runs slice 0, then waits for the other slots. Surviving faults:
//   - a worker that traps is caught by its JS loop, which records the message here
//     (wj_worker_fault_*), marks its slot DONE and re-enters worker_loop; the caller sees the
//     fault, waits for the other slices and traps in turn, and the host throws the message;
//   - a slot left PENDING past a short grace (a worker asleep, descheduled or dead) is taken
//     by the caller (PENDING -> TAKEN) and run there, so a call never waits on a worker that
//     has not started; that worker is then "suspect" and its later slots are taken at once
//     until it shows progress again;
//   - a RUNNING slot while no thread makes progress (g_progress, bumped after every piece of
//     a slice and inside long kernel loops) for g_stall_ms means its worker is lost, and so
//     does a suspect worker silent (its own beat) that long: the host is told to replace it;
//     a slice left half done fails that call. A long kernel that is working never counts.
// Slices are fixed by n alone, and kernels compute each index the same on any thread, so
// results do not depend on which thread (or how many) ran what.
#include "threads.h"

#include "threads_internal.h"

// Implemented by the JS host (the same import programs use for host calls).
extern "C" __attribute__((import_module("env"), import_name("wj_host"))) void wj_host(int32_t id);

namespace wj {
namespace {

int g_num_threads = 1;
uint32_t g_participants = 0;

}  // namespace

PoolState g_pool_state;

#ifdef __wasm_atomics__
namespace detail {

Job g_job;
uint32_t g_generation = 0;  // the futex workers sleep on
uint64_t g_slot[kMaxThreads];
uint32_t g_beat[kMaxThreads];  // bumped by a worker when it wakes and after every piece: alive
uint32_t g_progress = 0;       // bumped by any thread after every piece and in long loops
int32_t g_abort = 0;           // a fault happened: slices stop at their next piece
int32_t g_in_job = 0;          // the caller published a job and has not settled it
int32_t g_raised = 0;          // the caller trapped on purpose to report a fault
uint32_t g_lost = 0;           // workers reported lost (replacements pending)
int32_t g_stall_ms = 10000;

}  // namespace detail
using namespace detail;
#endif

namespace {

#ifdef __wasm_atomics__
// The caller's view of slow workers (caller-only state).
uint32_t g_suspect = 0;
uint32_t g_suspect_beat[kMaxThreads];
double g_suspect_since[kMaxThreads];

constexpr double kGraceMs = 100;    // a live worker claims its slot well within this, even on a busy machine
constexpr int32_t kHostClock = -1;  // the host writes performance.now() to g_pool_state.clock_ms
constexpr int32_t kHostLost = -1000;  // kHostLost - tid: worker tid is lost, replace it

TestHook g_test_hook;

inline void beat_tid(int tid) { __atomic_fetch_add(&g_beat[tid], 1, __ATOMIC_RELAXED); }
inline void progress_any() { __atomic_fetch_add(&g_progress, 1, __ATOMIC_RELAXED); }

// The slice of one slot: a function of n and the slot alone. It runs in pieces, so that
// progress shows and a fault elsewhere stops it early.
void run_slice(const Job& job, int slot, int runner) {
  const int64_t begin = job.n * slot / job.threads, end = job.n * (slot + 1) / job.threads;
  if (begin >= end) return;
  const int64_t piece = (end - begin + 31) / 32;
  for (int64_t b = begin; b < end; b += piece) {
    if (__atomic_load_n(&g_abort, __ATOMIC_RELAXED)) return;
    job.fn(job.ctx, b, end - b < piece ? end : b + piece, runner);
    beat_tid(runner);
    progress_any();
  }
  __atomic_fetch_or(&g_participants, 1u << runner, __ATOMIC_RELAXED);
}

}  // namespace

namespace detail {

double now_ms() {
  wj_host(kHostClock);
  return *static_cast<volatile double*>(&g_pool_state.clock_ms);
}

void TestHook::fire(int t) {
  if (__atomic_load_n(&tid, __ATOMIC_ACQUIRE) != t) return;
  const int32_t k = kind;
  __atomic_store_n(&tid, -1, __ATOMIC_RELAXED);
  if (k == 1) __builtin_trap();
  if (k == 2) {
    wj_host(kHostDieId);
    static int32_t never = 0;  // where the host cannot end the thread, it sleeps for good
    for (;;) __builtin_wasm_memory_atomic_wait32(&never, 0, -1);
  }
}

// Records a fault (the first one wins); returns whether this one was recorded.
bool record_fault(int tid, int32_t kind) {
  int32_t none = 0;
  const bool first = __atomic_compare_exchange_n(&g_pool_state.fault_tid, &none, tid + 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
  if (first) {
    g_pool_state.fault_kind = kind;
    g_pool_state.fault_len = 0;
  }
  __atomic_store_n(&g_abort, 1, __ATOMIC_RELEASE);
  return first;
}

void report_lost(int tid) {
  if (__atomic_fetch_or(&g_lost, 1u << tid, __ATOMIC_RELAXED) & (1u << tid)) return;
  wj_host(kHostLost - tid);
}

[[noreturn]] void raise_fault() {
  __atomic_store_n(&g_raised, 1, __ATOMIC_RELAXED);
  __builtin_trap();
}

}  // namespace detail

namespace {

// Waits until every worker slot of job `gen` is settled. Pending slots are taken and run
// here (or, with `run` false or after a fault, only taken); running ones are waited for,
// unless their worker stops making progress.
void settle(uint32_t gen, int threads, bool run) {
  uint32_t progress_seen = 0;
  double progress_at = -1;
  int64_t samples = 0;
  double start = -1;
  bool grace_over = false;
  for (uint64_t spin = 1;; ++spin) {
    const bool tick = (spin & 1023) == 0;  // look at the clock now and then only
    double now = 0;
    bool stalled = false;
    if (tick) {
      now = now_ms();
      if (start < 0) start = now;
      grace_over = now - start > kGraceMs;
      // No progress for g_stall_ms, over many samples (a machine waking from sleep is no stall).
      const uint32_t p = __atomic_load_n(&g_progress, __ATOMIC_RELAXED);
      if (progress_at < 0 || p != progress_seen) progress_seen = p, progress_at = now, samples = 0;
      stalled = ++samples > 64 && now - progress_at > g_stall_ms;
    }
    bool busy = false;
    for (int t = 1; t < threads; ++t) {
      uint64_t s = __atomic_load_n(&g_slot[t], __ATOMIC_ACQUIRE);
      const uint64_t state = s & 3;
      if ((s >> 2) == gen && (state == S_DONE || state == S_TAKEN)) continue;
      busy = true;
      const bool aborted = __atomic_load_n(&g_abort, __ATOMIC_ACQUIRE) != 0;
      if (state == S_PENDING || (s >> 2) != gen) {
        // Not started (or overwritten by a worker declared lost earlier): take it.
        if (!(aborted || !run || grace_over || (g_suspect >> t & 1))) continue;
        if (!__atomic_compare_exchange_n(&g_slot[t], &s, slot_word(gen, S_TAKEN), false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) continue;
        if (run && !aborted) {
          if (!(g_suspect >> t & 1)) {
            g_suspect |= 1u << t;
            g_suspect_beat[t] = __atomic_load_n(&g_beat[t], __ATOMIC_RELAXED);
            g_suspect_since[t] = now_ms();
          }
          run_slice(g_job, t, 0);
        }
        continue;
      }
      // RUNNING while nothing progresses: its worker is lost.
      if (stalled && __atomic_compare_exchange_n(&g_slot[t], &s, slot_word(gen, S_TAKEN), false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        record_fault(t, kFaultLost);
        report_lost(t);
      }
    }
    if (!busy) return;
  }
}

// Suspect workers that showed progress are trusted again; ones silent for g_stall_ms are lost.
void review_suspects() {
  if (!g_suspect) return;
  const double now = now_ms();
  for (int t = 1; t < kMaxThreads; ++t) {
    if (!(g_suspect >> t & 1)) continue;
    if (__atomic_load_n(&g_beat[t], __ATOMIC_RELAXED) != g_suspect_beat[t]) {
      g_suspect &= ~(1u << t);
    } else if (now - g_suspect_since[t] > g_stall_ms) {
      report_lost(t);
    }
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

void progress() {
#ifdef __wasm_atomics__
  progress_any();
  beat_tid(wj_get_thread());
#endif
}

void parallel_for(int64_t n, int64_t grain, RangeFn fn, void* ctx) {
  if (n <= 0) return;
#ifdef __wasm_atomics__
  if (__atomic_load_n(&g_dev_active, __ATOMIC_ACQUIRE)) {
    // Inside a device program every kernel runs on its device's thread alone (the pool's job
    // slot belongs to the device job), in pieces that show it is working.
    const int tid = wj_get_thread();
    const int64_t piece = (n + 31) / 32 > grain ? (n + 31) / 32 : (grain > 0 ? grain : 1);
    for (int64_t b = 0; b < n; b += piece) {
      fn(ctx, b, n - b < piece ? n : b + piece, tid);
      progress();
    }
    return;
  }
#endif
  const int64_t max_by_grain = grain > 0 ? (n + grain - 1) / grain : n;
  const int threads = (int)(g_num_threads < max_by_grain ? g_num_threads : max_by_grain);
  if (threads <= 1) {
    g_participants = 1;
    fn(ctx, 0, n, 0);
    return;
  }
#ifdef __wasm_atomics__
  review_suspects();
  g_participants = 0;
  g_job = Job{fn, ctx, n, threads};
  const uint32_t gen = g_generation + 1;
  for (int t = 1; t < threads; ++t) __atomic_store_n(&g_slot[t], slot_word(gen, S_PENDING), __ATOMIC_RELAXED);
  __atomic_store_n(&g_in_job, 1, __ATOMIC_RELAXED);
  __atomic_store_n(&g_generation, gen, __ATOMIC_RELEASE);
  // Every parked worker: with fewer threads set than workers started, any of them may be the one woken.
  __builtin_wasm_memory_atomic_notify(reinterpret_cast<int32_t*>(&g_generation), (uint32_t)kMaxThreads);
  run_slice(g_job, 0, 0);
  settle(gen, threads, true);
  __atomic_store_n(&g_in_job, 0, __ATOMIC_RELAXED);
  if (__atomic_load_n(&g_pool_state.fault_tid, __ATOMIC_ACQUIRE)) raise_fault();
#endif
}

void worker_loop(int tid) {
#ifdef __wasm_atomics__
  wj_set_thread(tid);
  __atomic_fetch_and(&g_lost, ~(1u << tid), __ATOMIC_RELAXED);  // a (new) worker serves tid
  uint32_t seen = __atomic_load_n(&g_generation, __ATOMIC_ACQUIRE) - 1;  // try the current job too
  for (;;) {
    uint32_t gen;
    while ((gen = __atomic_load_n(&g_generation, __ATOMIC_ACQUIRE)) == seen) {
      __builtin_wasm_memory_atomic_wait32(reinterpret_cast<int32_t*>(&g_generation), (int32_t)seen, -1);
    }
    seen = gen;
    beat_tid(tid);  // awake: alive, even when the slot was taken
    uint64_t expect = slot_word(gen, S_PENDING);
    if (!__atomic_compare_exchange_n(&g_slot[tid], &expect, slot_word(gen, S_RUNNING), false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) continue;
    const Job job = g_job;  // stable: the caller rewrites it only after every slot settled
    if (job.kind == kDeviceJob) {
      run_device(tid);
    } else {
      g_test_hook.fire(tid);
      run_slice(job, tid, tid);
    }
    expect = slot_word(gen, S_RUNNING);
    __atomic_compare_exchange_n(&g_slot[tid], &expect, slot_word(gen, S_DONE), false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
  }
#else
  (void)tid;
  __builtin_trap();
#endif
}

char* worker_fault_claim(int tid) {
#ifdef __wasm_atomics__
  return record_fault(tid, kFaultTrap) ? g_pool_state.text : nullptr;
#else
  (void)tid;
  return nullptr;
#endif
}

void worker_fault_done(int tid, int32_t len) {
#ifdef __wasm_atomics__
  if (len >= 0) g_pool_state.fault_len = len < (int32_t)sizeof g_pool_state.text ? len : (int32_t)sizeof g_pool_state.text;
  // The faulted slice counts as settled; the caller reports the fault.
  uint64_t s = __atomic_load_n(&g_slot[tid], __ATOMIC_ACQUIRE);
  if ((s & 3) == S_RUNNING) __atomic_compare_exchange_n(&g_slot[tid], &s, (s & ~uint64_t{3}) | S_DONE, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
#else
  (void)tid, (void)len;
#endif
}

int32_t pool_recover() {
#ifdef __wasm_atomics__
  if (__atomic_load_n(&g_dev_active, __ATOMIC_RELAXED)) device_recover();
  if (__atomic_load_n(&g_in_job, __ATOMIC_RELAXED)) {
    // The caller trapped inside a job: stop the other slices and wait for the running ones.
    __atomic_store_n(&g_abort, 1, __ATOMIC_RELEASE);
    settle(g_generation, g_job.threads, false);
    __atomic_store_n(&g_in_job, 0, __ATOMIC_RELAXED);
  }
  const int32_t fault = __atomic_load_n(&g_pool_state.fault_tid, __ATOMIC_ACQUIRE);
  if (fault == 0) {
    // No fault recorded: the call's own error (a host callback that threw, a trap on the
    // calling thread) while every other slice or device finished, or stopped before it began,
    // without one. The abort raised above has done its work (nothing runs now), and no
    // record tells the host to clear it (it clears recorded faults after reading them), so it
    // is lowered here: left raised, every later device program would stop at its first
    // instruction (a trap) and every later kernel's slices would return at once.
    pool_clear_fault();
    return 0;
  }
  return __atomic_load_n(&g_raised, __ATOMIC_RELAXED) ? fault : -fault;
#else
  return 0;
#endif
}

void pool_clear_fault() {
#ifdef __wasm_atomics__
  g_pool_state.fault_kind = 0;
  g_pool_state.fault_len = 0;
  __atomic_store_n(&g_pool_state.fault_tid, 0, __ATOMIC_RELEASE);
  __atomic_store_n(&g_raised, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&g_abort, 0, __ATOMIC_RELEASE);
#endif
}

void set_stall_ms(int32_t ms) {
#ifdef __wasm_atomics__
  g_stall_ms = ms > 0 ? ms : 10000;
#else
  (void)ms;
#endif
}

void test_pool_hook(int32_t kind, int32_t tid) {
#ifdef __wasm_atomics__
  g_test_hook.arm(kind, tid);
#else
  (void)kind, (void)tid;
#endif
}

}  // namespace wj
