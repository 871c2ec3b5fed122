// The C ABI that JS sees. Every export is prefixed wj_; pointers and sizes are
// byte addresses in the shared linear memory. Only bindings/*.ts calls these.
#include <stdint.h>

#include "../core-cpp/alloc.h"
#include "../core-cpp/devices.h"
#include "../core-cpp/elementwise.h"
#include "../core-cpp/gemm.h"
#include "../core-cpp/interp.h"
#include "../core-cpp/vmath.h"
#include "../core-cpp/threads.h"

#define WJ_EXPORT extern "C" __attribute__((used, visibility("default")))

// Sizes come as doubles: a JS number past 2^32 must fail, not wrap to a small i32.
WJ_EXPORT void* wj_malloc(double size) {
  return size >= 0 && size < 4294967296.0 ? wj::alloc_limited(static_cast<uint64_t>(size)) : nullptr;
}
WJ_EXPORT void wj_free(void* ptr) { wj::free(ptr); }
WJ_EXPORT void wj_set_heap_limit(double end) { wj::set_heap_limit(end >= 4294967296.0 ? uint64_t{1} << 32 : static_cast<uint64_t>(end)); }
// heap_stats as four doubles (base, top, free bytes, largest free allocation) in static storage,
// so that asking allocates nothing.
WJ_EXPORT const double* wj_heap_stats() {
  static double out[4];
  wj::HeapStats s = wj::heap_stats();
  out[0] = s.base;
  out[1] = s.top;
  out[2] = static_cast<double>(s.free_bytes);
  out[3] = static_cast<double>(s.largest_free);
  return out;
}

WJ_EXPORT void wj_add_f32(const float* a, const float* b, float* out, uint32_t n) {
  wj::add_f32(a, b, out, n);
}

WJ_EXPORT void wj_gemm_f32(const float* a, const float* b, float* c, int batch, int m, int n, int k,
                           int a_bs, int a_rs, int a_cs, int b_bs, int b_rs, int b_cs, int c_bs, int c_rs) {
  wj::gemm_f32({a, b, c, batch, m, n, k, a_bs, a_rs, a_cs, b_bs, b_rs, b_cs, c_bs, c_rs});
}

WJ_EXPORT void wj_set_checked_loads(int on) { wj::set_checked_loads(on != 0); }

WJ_EXPORT void wj_vmath_f32(int op, const float* in, float* out, uint32_t n) {
  wj::vmath_f32(static_cast<wj::VMathOp>(op), in, out, n);
}

// Runs a compiled program (core-cpp/bytecode.h): code is n_words int32s, slots a table of
// byte addresses, one per buffer slot.
WJ_EXPORT void wj_run(const int32_t* code, int32_t n_words, uint8_t* const* slots) {
  wj::run_program(code, n_words, slots);
}

// wj_set_stack(top) and wj_get_stack() are written in assembly (core-cpp/stack.S).

WJ_EXPORT void wj_worker_loop(int tid) { wj::worker_loop(tid); }
WJ_EXPORT void wj_set_num_threads(int n) { wj::set_num_threads(n); }
WJ_EXPORT int wj_num_threads() { return wj::num_threads(); }
WJ_EXPORT uint32_t wj_last_participants() { return wj::last_participants(); }

// Surviving faults (core-cpp/threads.h): the state the host reads, a worker's report of its
// trap, the caller's recovery after one, and test hooks.
WJ_EXPORT wj::PoolState* wj_pool_state() { return &wj::g_pool_state; }
WJ_EXPORT char* wj_worker_fault_claim(int tid) { return wj::worker_fault_claim(tid); }
WJ_EXPORT void wj_worker_fault_done(int tid, int len) { wj::worker_fault_done(tid, len); }
WJ_EXPORT int wj_pool_recover() { return wj::pool_recover(); }
WJ_EXPORT void wj_pool_clear_fault() { wj::pool_clear_fault(); }
WJ_EXPORT void wj_set_stall_ms(int ms) { wj::set_stall_ms(ms); }
WJ_EXPORT void wj_test_pool_hook(int kind, int tid) { wj::test_pool_hook(kind, tid); }

// Devices (core-cpp/devices.h): the job the host fills, running it, the slot table of the host
// call under way, and a test hook.
WJ_EXPORT wj::DeviceRun* wj_device_run() { return &wj::g_device_run; }
WJ_EXPORT void wj_run_devices(const int32_t* code, int32_t n_words) { wj::run_devices(code, n_words); }
WJ_EXPORT uint8_t* const** wj_host_slots() { return &wj::g_host_slots; }
WJ_EXPORT void wj_test_device_hook(int kind, int tid) { wj::test_device_hook(kind, tid); }
