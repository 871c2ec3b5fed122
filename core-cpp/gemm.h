// Batched single-precision matrix multiply with arbitrary element strides.
#pragma once
#include <stdint.h>

namespace wj {

struct GemmArgs {
  const float* a;  // batch x m x k, strides (a_bs, a_rs, a_cs)
  const float* b;  // batch x k x n, strides (b_bs, b_rs, b_cs)
  float* c;        // batch x m x n, strides (c_bs, c_rs, 1)
  int64_t batch, m, n, k;
  int64_t a_bs, a_rs, a_cs;
  int64_t b_bs, b_rs, b_cs;
  int64_t c_bs, c_rs;
};

// c = a @ b for every batch entry (c is overwritten).
void gemm_f32(const GemmArgs& g);

// Says the engine bounds-checks every memory access (no trap handler), so kernels
// should prefer fewer loads. Off by default; set once, before the first product.
void set_checked_loads(bool on);

}  // namespace wj
