// The fused elementwise executor (fused.cpp).
#pragma once
#include <stdint.h>

namespace wj {

constexpr int kMaxRank = 16;
constexpr int kMaxIn = 32;
constexpr int kMaxOut = 16;

struct Input {
  const uint8_t* base;
  int32_t dtype;
  int64_t strides[kMaxRank];
};

// An OP_FUSED payload, parsed.
struct Kernel {
  int rank;
  int64_t shape[kMaxRank];
  int n_in, n_out, n_instr;
  Input in[kMaxIn];
  uint8_t* out[kMaxOut];
  int32_t out_dtype[kMaxOut];
  const int32_t* code;
  int block;  // elements per block: 64, or 32 when any value is float64
  int64_t inner, blocks_per_row;
};

// Reads the OP_FUSED payload at p into k; returns the first word after it.
const int32_t* parse_kernel(const int32_t* p, uint8_t* const* slots, Kernel& k);

// Runs the OP_FUSED payload at p; returns the first word after it.
const int32_t* run_fused(const int32_t* p, uint8_t* const* slots);

// Elements [e0, e1) (row-major over the kernel's shape) of a one-output kernel, stored
// contiguous at dst rather than at its output slot (a fused reduction's input, piecewise).
// Any thread may call it.
void run_kernel_range(const Kernel& k, int64_t e0, int64_t e1, uint8_t* dst);

}  // namespace wj
