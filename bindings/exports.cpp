// The C ABI that JS sees. Every export is prefixed wj_; pointers and sizes are
// byte addresses in the shared linear memory. Only bindings/*.ts calls these.
#include <stdint.h>

#include "../core-cpp/alloc.h"
#include "../core-cpp/elementwise.h"
#include "../core-cpp/threads.h"

#define WJ_EXPORT extern "C" __attribute__((used, visibility("default")))

WJ_EXPORT void* wj_malloc(uint32_t size) { return wj::alloc(size); }
WJ_EXPORT void wj_free(void* ptr) { wj::free(ptr); }

WJ_EXPORT void wj_add_f32(const float* a, const float* b, float* out, uint32_t n) {
  wj::add_f32(a, b, out, n);
}

// wj_set_stack(top) is written in assembly (core-cpp/stack.S).

WJ_EXPORT void wj_worker_loop(int tid) { wj::worker_loop(tid); }
WJ_EXPORT void wj_set_num_threads(int n) { wj::set_num_threads(n); }
WJ_EXPORT int wj_num_threads() { return wj::num_threads(); }
WJ_EXPORT uint32_t wj_last_participants() { return wj::last_participants(); }
