// Batched single-precision matrix multiply with arbitrary element strides.
#pragma once
#include <stdint.h>

namespace wj {

// One OP_DOT: operands with element strides, as float32 or (gemm64.h) float64.
template <typename T>
struct StridedGemm {
  const T* a;  // batch x m x k, strides (a_bs, a_rs, a_cs)
  const T* b;  // batch x k x n, strides (b_bs, b_rs, b_cs)
  T* c;        // batch x m x n, strides (c_bs, c_rs, 1)
  int64_t batch, m, n, k;
  int64_t a_bs, a_rs, a_cs;
  int64_t b_bs, b_rs, b_cs;
  int64_t c_bs, c_rs;
};
using GemmArgs = StridedGemm<float>;

// c = a @ b for every batch entry (c is overwritten).
void gemm_f32(const GemmArgs& g);

// Says the engine bounds-checks every memory access (no trap handler), so kernels
// should prefer fewer loads. Off by default; set once, before the first product.
void set_checked_loads(bool on);

}  // namespace wj
