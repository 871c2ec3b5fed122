// Placeholder: the SIMD approximations land next (there is no libm in this build).
#include "vmath.h"

namespace wj {

v128_t vmath_f32x4(VMathOp, v128_t x) { return x; }

void vmath_f32(VMathOp op, const float* in, float* out, int64_t n) {
  for (int64_t i = 0; i + 4 <= n; i += 4) wasm_v128_store(out + i, vmath_f32x4(op, wasm_v128_load(in + i)));
  for (int64_t i = n & ~int64_t(3); i < n; ++i) out[i] = in[i];
}

}  // namespace wj
