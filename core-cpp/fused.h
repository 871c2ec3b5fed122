// The fused elementwise executor (fused.cpp).
#pragma once
#include <stdint.h>

namespace wj {

// Runs the OP_FUSED payload at p; returns the first word after it.
const int32_t* run_fused(const int32_t* p, uint8_t* const* slots);

}  // namespace wj
