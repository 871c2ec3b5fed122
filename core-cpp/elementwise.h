#pragma once
#include <stdint.h>

namespace wj {

// out[i] = a[i] + b[i], split over the thread pool.
void add_f32(const float* a, const float* b, float* out, int64_t n);

}  // namespace wj
