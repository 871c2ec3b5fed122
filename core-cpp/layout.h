// Layout kernels: strided copies (OP_COPY), with a cache-blocked path for transposes.
#pragma once
#include <stdint.h>

namespace wj {

constexpr int kMaxCopyRank = 16;  // the compiler merges axes and caps ranks at 16

struct Copy {
  const uint8_t* in;
  uint8_t* out;
  int eb, rank;  // element bytes: 1, 2, 4 or 8
  int64_t shape[kMaxCopyRank], is[kMaxCopyRank], os[kMaxCopyRank];
};

// out[i] = in[i] for every index of `shape`, through the two stride sets (in elements).
void copy_strided(const Copy& c);

}  // namespace wj
