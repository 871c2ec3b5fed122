// Device jobs (devices.h). The caller publishes a job of the pool's kind kDeviceJob: each
// device's worker claims its slot (threads.cpp worker_loop) and runs the program over its own
// slot table; the caller runs device 0's program when thread 0 holds one, then waits for the
// others. Every device runs the same instructions, so every device reaches the same
// collectives in the same order: a collective publishes where its buffers are, meets the
// others at a barrier, reads its peers' buffers in place (one memory), and meets them again
// before anyone may reuse a buffer. Waiting spins briefly, then blocks (memory.atomic.wait)
// with a timeout; the calling thread also serves the devices' host calls while it waits, and
// watches for devices that stop making progress (a worker whose thread ended). Any fault stops
// every device at its next barrier, host call or instruction.
#include "devices.h"

#include <string.h>
#include <wasm_simd128.h>

#include "bytecode.h"
#include "interp.h"
#include "threads_internal.h"

extern "C" __attribute__((import_module("env"), import_name("wj_host"))) void wj_host(int32_t id);

namespace wj {

DeviceRun g_device_run;
uint8_t* const* g_host_slots = nullptr;

#ifdef __wasm_atomics__
namespace detail {
int32_t g_dev_active = 0;
}  // namespace detail
using namespace detail;

namespace {

enum : int32_t { D_IDLE = 0, D_RUNNING = 1, D_WAITING = 2 };

const int32_t* g_code = nullptr;
int32_t g_n_words = 0;
uint32_t g_gen = 0;                     // the pool generation of the job under way
int32_t g_pos_of_tid[kMaxThreads];      // which mesh position each thread runs (-1: none)
int32_t g_dstate[kMaxThreads];          // D_* per thread
uint32_t g_doorbell = 0;                // bumped (and notified) on anything the caller waits for

// The barrier every device of the job meets at each collective.
uint32_t g_bar_count = 0;
uint32_t g_bar_gen = 0;

// Where each position's collective buffers are, published before the first barrier.
struct Xfer {
  const uint8_t* in;
  uint8_t* out;
};
Xfer g_xfer[kMaxDevices];

// A device's host call, waiting for the caller: flag 1 while pending.
struct HostReq {
  int32_t flag;
  int32_t id;
  uint8_t* const* slots;
};
HostReq g_hreq[kMaxThreads];

TestHook g_test_hook;

constexpr int kSpins = 4000;

inline void ring() {
  __atomic_fetch_add(&g_doorbell, 1, __ATOMIC_RELEASE);
  __builtin_wasm_memory_atomic_notify(reinterpret_cast<int32_t*>(&g_doorbell), 1);
}

inline bool aborted() { return __atomic_load_n(&g_abort, __ATOMIC_ACQUIRE) != 0; }

inline void beat(int tid) { __atomic_fetch_add(&g_beat[tid], 1, __ATOMIC_RELAXED); }

// Wakes every waiter of the job (after a fault), so that each sees it at once.
void wake_all() {
  __builtin_wasm_memory_atomic_notify(reinterpret_cast<int32_t*>(&g_bar_gen), (uint32_t)kMaxThreads);
  for (int t = 0; t < kMaxThreads; ++t) __builtin_wasm_memory_atomic_notify(&g_hreq[t].flag, 1);
  ring();
}

// The caller's host-call service: runs every device's pending host call.
void serve_hosts() {
  for (int t = 1; t < kMaxThreads; ++t) {
    if (__atomic_load_n(&g_hreq[t].flag, __ATOMIC_ACQUIRE) != 1) continue;
    g_host_slots = g_hreq[t].slots;
    wj_host(g_hreq[t].id);  // may throw (a callback's exception): pool_recover then stops the job
    __atomic_store_n(&g_hreq[t].flag, 0, __ATOMIC_RELEASE);
    __builtin_wasm_memory_atomic_notify(&g_hreq[t].flag, 1);
  }
}

// The caller's watch: a worker that has not claimed its slot, or shows no sign of life, for the
// stall time is lost (its thread ended or hangs). A live device beats after every instruction
// and piece of a kernel, and while it waits (it wakes at least every 50 ms to look).
struct Watch {
  double since[kMaxThreads];
  uint32_t beat_seen[kMaxThreads];
  int64_t spins = 0;
  void reset() {
    for (int t = 0; t < kMaxThreads; ++t) since[t] = -1;
  }
  void check() {
    if ((++spins & 255) != 0) return;
    const double now = now_ms();
    for (int t = 1; t < kMaxThreads; ++t) {
      if (g_pos_of_tid[t] < 0) continue;
      const uint64_t s = __atomic_load_n(&g_slot[t], __ATOMIC_ACQUIRE);
      if ((s >> 2) == g_gen && ((s & 3) == S_DONE || (s & 3) == S_TAKEN)) continue;
      const bool pending = (s & 3) == S_PENDING && (s >> 2) == g_gen;
      const bool quiet = !pending && __atomic_load_n(&g_beat[t], __ATOMIC_RELAXED) == beat_seen[t];
      if (!pending && !quiet) {
        since[t] = -1;
        beat_seen[t] = __atomic_load_n(&g_beat[t], __ATOMIC_RELAXED);
        continue;
      }
      if (since[t] < 0) {
        since[t] = now;
        beat_seen[t] = __atomic_load_n(&g_beat[t], __ATOMIC_RELAXED);
      } else if (now - since[t] > g_stall_ms) {
        uint64_t expect = s;
        if (__atomic_compare_exchange_n(&g_slot[t], &expect, slot_word(g_gen, S_TAKEN), false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
          record_fault(t, kFaultLost);
          report_lost(t);
          wake_all();
        }
      }
    }
  }
};
Watch g_watch;

// Every worker slot of the job settled (done, or taken from a lost worker).
bool all_settled() {
  for (int t = 1; t < kMaxThreads; ++t) {
    if (g_pos_of_tid[t] < 0) continue;
    const uint64_t s = __atomic_load_n(&g_slot[t], __ATOMIC_ACQUIRE);
    if (!((s >> 2) == g_gen && ((s & 3) == S_DONE || (s & 3) == S_TAKEN))) return false;
  }
  return true;
}

// The caller waits until `ready`, serving host calls and watching the workers.
template <typename Ready>
void caller_wait(Ready ready) {
  for (int spin = 0;; ++spin) {
    if (ready()) return;
    if (!aborted()) serve_hosts();
    g_watch.check();
    const uint32_t bell = __atomic_load_n(&g_doorbell, __ATOMIC_ACQUIRE);
    if (ready()) return;
    if (spin > kSpins && g_device_run.caller_waits) {
      __builtin_wasm_memory_atomic_wait32(reinterpret_cast<int32_t*>(&g_doorbell), (int32_t)bell, 2000000);  // 2 ms
    }
  }
}

// The caller, after a fault: stop every device, wait for them, and trap to report it.
[[noreturn]] void caller_fault() {
  __atomic_store_n(&g_abort, 1, __ATOMIC_RELEASE);
  wake_all();
  caller_wait(all_settled);
  __atomic_store_n(&g_dev_active, 0, __ATOMIC_RELEASE);
  raise_fault();
}

// A device stops: its trap unwinds its program (a worker's JS loop reports it; the first fault
// recorded is the one the caller reports).
[[noreturn]] void stop(int tid) {
  if (tid == 0) caller_fault();
  __builtin_trap();
}

// Waits (a device) until `*word != seen`, or stops when the job faults.
void device_wait(int tid, uint32_t* word, uint32_t seen) {
  __atomic_store_n(&g_dstate[tid], D_WAITING, __ATOMIC_RELEASE);
  if (tid == 0) {
    caller_wait([&] { return __atomic_load_n(word, __ATOMIC_ACQUIRE) != seen || aborted(); });
  } else {
    for (int spin = 0; __atomic_load_n(word, __ATOMIC_ACQUIRE) == seen; ++spin) {
      if (aborted()) break;
      beat(tid);
      if (spin > kSpins) __builtin_wasm_memory_atomic_wait32(reinterpret_cast<int32_t*>(word), (int32_t)seen, 50000000);  // 50 ms
    }
  }
  if (aborted()) stop(tid);
  __atomic_store_n(&g_dstate[tid], D_RUNNING, __ATOMIC_RELEASE);
}

void barrier(int tid) {
  const uint32_t gen = __atomic_load_n(&g_bar_gen, __ATOMIC_ACQUIRE);
  if (__atomic_fetch_add(&g_bar_count, 1, __ATOMIC_ACQ_REL) + 1 == (uint32_t)g_device_run.n) {
    __atomic_store_n(&g_bar_count, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&g_bar_gen, gen + 1, __ATOMIC_RELEASE);
    __builtin_wasm_memory_atomic_notify(reinterpret_cast<int32_t*>(&g_bar_gen), (uint32_t)kMaxThreads);
    ring();
    return;
  }
  device_wait(tid, &g_bar_gen, gen);
}


// ---- collectives ----
// Payload: [kind, dtype, in slot, out slot, count, n axes, axes..., (ppermute: sources...)].
// The group of a device: the devices whose mesh coordinates agree with its own off the named
// axes; its rank: its coordinates on the named axes, in the order named (the last fastest).

template <typename T>
inline T combine_scalar(int32_t kind, T a, T b) {
  return kind == C_PSUM ? a + b : kind == C_PMAX ? (a > b ? a : b) : (a < b ? a : b);
}
template <>
inline float combine_scalar<float>(int32_t kind, float a, float b) {
  return kind == C_PSUM ? a + b : kind == C_PMAX ? __builtin_wasm_max_f32(a, b) : __builtin_wasm_min_f32(a, b);
}
template <>
inline double combine_scalar<double>(int32_t kind, double a, double b) {
  return kind == C_PSUM ? a + b : kind == C_PMAX ? __builtin_wasm_max_f64(a, b) : __builtin_wasm_min_f64(a, b);
}

// out[i] = op(out[i], x[i]) over n elements (vector lanes as the reduction kernels', so the
// same bits as vmap's reductions over members in member order).
template <typename T>
void combine_into(int32_t kind, T* out, const T* x, int64_t n) {
  int64_t i = 0;
  if constexpr (sizeof(T) == 4 && (T)0.5 != 0) {
    for (; i + 4 <= n; i += 4) {
      v128_t a = wasm_v128_load(out + i), b = wasm_v128_load(x + i);
      wasm_v128_store(out + i, kind == C_PSUM ? wasm_f32x4_add(a, b) : kind == C_PMAX ? wasm_f32x4_max(a, b) : wasm_f32x4_min(a, b));
    }
  } else if constexpr (sizeof(T) == 8 && (T)0.5 != 0) {
    for (; i + 2 <= n; i += 2) {
      v128_t a = wasm_v128_load(out + i), b = wasm_v128_load(x + i);
      wasm_v128_store(out + i, kind == C_PSUM ? wasm_f64x2_add(a, b) : kind == C_PMAX ? wasm_f64x2_max(a, b) : wasm_f64x2_min(a, b));
    }
  }
  for (; i < n; ++i) out[i] = combine_scalar<T>(kind, out[i], x[i]);
}

template <typename T>
void reduce_rows(int32_t kind, uint8_t* out, const uint8_t* const* rows, int32_t g, int64_t n) {
  memcpy(out, rows[0], n * sizeof(T));
  for (int32_t r = 1; r < g; ++r) combine_into<T>(kind, reinterpret_cast<T*>(out), reinterpret_cast<const T*>(rows[r]), n);
}

void reduce_any(int32_t kind, int32_t dt, uint8_t* out, const uint8_t* const* rows, int32_t g, int64_t n) {
  switch (dt) {
    case DT_F32: reduce_rows<float>(kind, out, rows, g, n); break;
    case DT_F64: reduce_rows<double>(kind, out, rows, g, n); break;
    case DT_U32: reduce_rows<uint32_t>(kind, out, rows, g, n); break;
    default: reduce_rows<int32_t>(kind, out, rows, g, n); break;
  }
}

inline int32_t dt_size(int32_t dt) { return dt == DT_F64 ? 8 : dt == DT_BOOL ? 1 : dt == DT_F16 ? 2 : 4; }

}  // namespace

void run_collective(const int32_t* p, uint8_t* const* slots) {
  const int tid = wj_get_thread();
  const int32_t pos = g_pos_of_tid[tid];
  const int32_t kind = p[0], dt = p[1];
  const int64_t count = p[4];
  const int32_t n_axes = p[5];
  const int32_t* axes = p + 6;
  const DeviceRun& run = g_device_run;
  int32_t coords[kMaxMeshRank];
  for (int32_t a = run.mesh_rank - 1, q = pos; a >= 0; --a) {
    coords[a] = q % run.mesh_sizes[a];
    q /= run.mesh_sizes[a];
  }
  int32_t g = 1, rank = 0;
  for (int32_t k = 0; k < n_axes; ++k) {
    g *= run.mesh_sizes[axes[k]];
    rank = rank * run.mesh_sizes[axes[k]] + coords[axes[k]];
  }
  if (kind == C_AXIS_INDEX) {
    *reinterpret_cast<int32_t*>(slots[p[3]]) = rank;
    return;
  }
  g_test_hook.fire(tid);
  // The position of the group's member of rank r.
  auto peer = [&](int32_t r) {
    int32_t c[kMaxMeshRank];
    for (int32_t a = 0; a < run.mesh_rank; ++a) c[a] = coords[a];
    for (int32_t k = n_axes - 1; k >= 0; --k) {
      c[axes[k]] = r % run.mesh_sizes[axes[k]];
      r /= run.mesh_sizes[axes[k]];
    }
    int32_t q = 0;
    for (int32_t a = 0; a < run.mesh_rank; ++a) q = q * run.mesh_sizes[a] + c[a];
    return q;
  };
  const uint8_t* in = slots[p[2]];
  uint8_t* out = slots[p[3]];
  g_xfer[pos] = Xfer{in, out};
  barrier(tid);
  const uint8_t* rows[kMaxDevices];
  for (int32_t r = 0; r < g; ++r) rows[r] = g_xfer[peer(r)].in;
  const int32_t eb = dt_size(dt);
  switch (kind) {
    case C_PSUM: case C_PMAX: case C_PMIN:
      reduce_any(kind, dt, out, rows, g, count);
      break;
    case C_ALL_GATHER:  // out[r] = member r's input (count bytes)
      for (int32_t r = 0; r < g; ++r) memcpy(out + r * count, rows[r], count);
      break;
    case C_REDUCE_SCATTER: {  // out = sum over members of row `rank` of their [g, count] inputs
      const uint8_t* mine[kMaxDevices];
      for (int32_t r = 0; r < g; ++r) mine[r] = rows[r] + (int64_t)rank * count * eb;
      reduce_any(C_PSUM, dt, out, mine, g, count);
      break;
    }
    case C_ALL_TO_ALL:  // out[r] = row `rank` of member r's [g, count] input
      for (int32_t r = 0; r < g; ++r) memcpy(out + r * count, rows[r] + (int64_t)rank * count, count);
      break;
    case C_PPERMUTE: {  // out = the input of the member the permutation sends here, else zeros
      const int32_t src = axes[n_axes + rank];
      if (src < 0) memset(out, 0, count);
      else memcpy(out, rows[src], count);
      break;
    }
    default: __builtin_trap();
  }
  barrier(tid);
}

void host_call(int32_t id, uint8_t* const* slots) {
  const int tid = wj_get_thread();
  if (tid == 0 || !__atomic_load_n(&g_dev_active, __ATOMIC_ACQUIRE)) {
    g_host_slots = slots;
    wj_host(id);
    return;
  }
  // Workers cannot call the host: the calling thread runs it while it waits.
  HostReq& r = g_hreq[tid];
  r.id = id;
  r.slots = slots;
  __atomic_store_n(&r.flag, 1, __ATOMIC_RELEASE);
  ring();
  device_wait(tid, reinterpret_cast<uint32_t*>(&r.flag), 1);
}

void device_step() {
  if (!__atomic_load_n(&g_dev_active, __ATOMIC_RELAXED)) return;
  const int tid = wj_get_thread();
  if (aborted()) stop(tid);
  beat(tid);
}

namespace detail {

void run_device(int tid) {
  const int32_t pos = g_pos_of_tid[tid];
  __atomic_store_n(&g_dstate[tid], D_RUNNING, __ATOMIC_RELEASE);
  if (pos >= 0 && !aborted()) run_program(g_code, g_n_words, g_device_run.slots[pos]);
  __atomic_store_n(&g_dstate[tid], D_IDLE, __ATOMIC_RELEASE);
  ring();
}

void device_recover() {
  // A host call threw on the calling thread (or it trapped): stop every device, wait for them.
  __atomic_store_n(&g_abort, 1, __ATOMIC_RELEASE);
  wake_all();
  caller_wait(all_settled);
  __atomic_store_n(&g_dev_active, 0, __ATOMIC_RELEASE);
}

}  // namespace detail

void run_devices(const int32_t* code, int32_t n_words) {
  const DeviceRun& run = g_device_run;
  g_code = code;
  g_n_words = n_words;
  for (int t = 0; t < kMaxThreads; ++t) {
    g_pos_of_tid[t] = -1;
    g_dstate[t] = D_IDLE;
    g_hreq[t].flag = 0;
  }
  for (int32_t p = 0; p < run.n; ++p) g_pos_of_tid[run.tid[p]] = p;
  g_bar_count = 0;
  g_watch.reset();
  const uint32_t gen = g_generation + 1;
  g_gen = gen;
  g_job = Job{nullptr, nullptr, run.n, 0, kDeviceJob};
  for (int t = 1; t < kMaxThreads; ++t) {
    if (g_pos_of_tid[t] >= 0) __atomic_store_n(&g_slot[t], slot_word(gen, S_PENDING), __ATOMIC_RELAXED);
  }
  __atomic_store_n(&g_dev_active, 1, __ATOMIC_RELEASE);
  __atomic_store_n(&g_generation, gen, __ATOMIC_RELEASE);
  __builtin_wasm_memory_atomic_notify(reinterpret_cast<int32_t*>(&g_generation), (uint32_t)kMaxThreads);
  if (g_pos_of_tid[0] >= 0) {
    __atomic_store_n(&g_dstate[0], D_RUNNING, __ATOMIC_RELEASE);
    run_program(code, n_words, run.slots[g_pos_of_tid[0]]);
    __atomic_store_n(&g_dstate[0], D_IDLE, __ATOMIC_RELEASE);
  }
  caller_wait([] { return all_settled() || aborted(); });
  if (aborted()) caller_fault();
  __atomic_store_n(&g_dev_active, 0, __ATOMIC_RELEASE);
}

void test_device_hook(int32_t kind, int32_t tid) {
  g_test_hook.arm(kind, tid);
}

#else  // single-threaded build: no device jobs

void run_devices(const int32_t*, int32_t) { __builtin_trap(); }
void host_call(int32_t id, uint8_t* const* slots) {
  g_host_slots = slots;
  wj_host(id);
}
void run_collective(const int32_t*, uint8_t* const*) { __builtin_trap(); }
void device_step() {}
void test_device_hook(int32_t, int32_t) {}

#endif

}  // namespace wj
