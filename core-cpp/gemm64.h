// Batched double-precision matrix multiply with arbitrary element strides (OP_DOT on float64).
#pragma once
#include <stdint.h>

#include "gemm.h"

namespace wj {

using Gemm64Args = StridedGemm<double>;

// c = a @ b for every batch entry (c is overwritten).
void gemm_f64(const Gemm64Args& g);

}  // namespace wj
