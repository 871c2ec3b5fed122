#include "elementwise.h"

#include <wasm_simd128.h>

#include "threads.h"

namespace wj {
namespace {

// f32 add, 4-lane SIMD128 main loop with a scalar tail. Unaligned loads: the
// caller's arrays need not be 16-byte aligned.
void add_f32_simd128(const float* a, const float* b, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    wasm_v128_store(out + i, wasm_f32x4_add(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  }
  for (; i < n; ++i) out[i] = a[i] + b[i];
}

struct BinaryArgs {
  const float* a;
  const float* b;
  float* out;
};

// Below this many elements per thread, waking workers costs more than it saves.
constexpr int64_t kElementwiseGrain = 1 << 14;

}  // namespace

void add_f32(const float* a, const float* b, float* out, int64_t n) {
  BinaryArgs args{a, b, out};
  parallel_for(n, kElementwiseGrain, [](void* ctx, int64_t begin, int64_t end, int) {
    auto* p = static_cast<BinaryArgs*>(ctx);
    add_f32_simd128(p->a + begin, p->b + begin, p->out + begin, end - begin);
  }, &args);
}

}  // namespace wj
