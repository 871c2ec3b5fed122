// Reference GEMM (the packed SIMD128 kernel replaces it).
#include "gemm.h"

namespace wj {

void gemm_f32(const GemmArgs& g) {
  for (int64_t p = 0; p < g.batch; ++p)
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t j = 0; j < g.n; ++j) {
        float s = 0;
        for (int64_t l = 0; l < g.k; ++l) s += g.a[p * g.a_bs + i * g.a_rs + l * g.a_cs] * g.b[p * g.b_bs + l * g.b_rs + j * g.b_cs];
        g.c[p * g.c_bs + i * g.c_rs + j] = s;
      }
}

}  // namespace wj
