// Batched double-precision matrix multiply with arbitrary element strides (OP_DOT on float64).
#pragma once
#include <stdint.h>

namespace wj {

struct Gemm64Args {
  const double* a;  // batch x m x k, strides (a_bs, a_rs, a_cs)
  const double* b;  // batch x k x n, strides (b_bs, b_rs, b_cs)
  double* c;        // batch x m x n, strides (c_bs, c_rs, 1)
  int64_t batch, m, n, k;
  int64_t a_bs, a_rs, a_cs;
  int64_t b_bs, b_rs, b_cs;
  int64_t c_bs, c_rs;
};

// c = a @ b for every batch entry (c is overwritten).
void gemm_f64(const Gemm64Args& g);

}  // namespace wj
