// Vectorised float32 math on SIMD128 lanes (f32x4), for the fused elementwise executor.
#pragma once
#include <stdint.h>
#include <wasm_simd128.h>

namespace wj {

enum class VMathOp : int32_t { Exp = 0, Log, Tanh, Logistic, Sin, Cos, Erf, Expm1, Log1p, Tan, Atan, Exp2, Count };

v128_t vmath_f32x4(VMathOp op, v128_t x);
void vmath_f32(VMathOp op, const float* in, float* out, int64_t n);

}  // namespace wj
