// OP_COPY: a strided copy of any rank. Rows whose innermost strides are 1 on both sides are
// memcpys; a transpose (the input is contiguous along some other axis) goes through square
// tiles so both the reads and the writes stay within a few cache lines and pages: read
// row-wise from the input, 4x4 blocks turned in registers, written row-wise to the output.
#include "layout.h"

#include <string.h>
#include <wasm_simd128.h>

#include "threads.h"

namespace wj {
namespace {

// ---- row by row ----

void copy_rows(void* ctx, int64_t begin, int64_t end, int) {
  const Copy& c = *static_cast<const Copy*>(ctx);
  const int last = c.rank - 1;
  const int64_t n = c.shape[last], si = c.is[last], so = c.os[last];
  for (int64_t row = begin; row < end; ++row) {
    int64_t r = row, io = 0, oo = 0;
    for (int d = last - 1; d >= 0; --d) {
      int64_t k = r % c.shape[d];
      r /= c.shape[d];
      io += k * c.is[d];
      oo += k * c.os[d];
    }
    const uint8_t* src = c.in + io * c.eb;
    uint8_t* dst = c.out + oo * c.eb;
    if (si == 1 && so == 1) {
      memcpy(dst, src, n * c.eb);
    } else if (c.eb == 4) {
      const int32_t* s = reinterpret_cast<const int32_t*>(src);
      int32_t* d = reinterpret_cast<int32_t*>(dst);
      for (int64_t j = 0; j < n; ++j) d[j * so] = s[j * si];
    } else if (c.eb == 1) {
      for (int64_t j = 0; j < n; ++j) dst[j * so] = src[j * si];
    } else {
      for (int64_t j = 0; j < n; ++j) memcpy(dst + j * so * c.eb, src + j * si * c.eb, c.eb);
    }
  }
}

// ---- tiled transpose ----
// Axis `a` is the input's contiguous axis and the output's last axis `b` is contiguous in
// the output: out[i*oa + j] = in[i + j*sb] over (i, j) in a tile, for each index of the
// other ("outer") axes.

constexpr int kTile = 64;  // elements per tile side (64x64 f32: 16 KiB read + 16 KiB written; measured best of 16, 32, 64)

struct Tiled {
  const Copy* c;
  int a, n_outer;
  int outer[kMaxCopyRank];
  int64_t na, nb, sb, oa, tiles_a;
};

// The 4x4 f32 (or i32) block at in (rows sb apart) written transposed at out (rows oa apart).
inline void turn4x4_32(const int32_t* in, int64_t sb, int32_t* out, int64_t oa) {
  v128_t v0 = wasm_v128_load(in), v1 = wasm_v128_load(in + sb);
  v128_t v2 = wasm_v128_load(in + 2 * sb), v3 = wasm_v128_load(in + 3 * sb);
  v128_t t0 = wasm_i32x4_shuffle(v0, v1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(v0, v1, 2, 6, 3, 7);
  v128_t t2 = wasm_i32x4_shuffle(v2, v3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(v2, v3, 2, 6, 3, 7);
  wasm_v128_store(out, wasm_i64x2_shuffle(t0, t2, 0, 2));
  wasm_v128_store(out + oa, wasm_i64x2_shuffle(t0, t2, 1, 3));
  wasm_v128_store(out + 2 * oa, wasm_i64x2_shuffle(t1, t3, 0, 2));
  wasm_v128_store(out + 3 * oa, wasm_i64x2_shuffle(t1, t3, 1, 3));
}

inline void turn2x2_64(const int64_t* in, int64_t sb, int64_t* out, int64_t oa) {
  v128_t v0 = wasm_v128_load(in), v1 = wasm_v128_load(in + sb);
  wasm_v128_store(out, wasm_i64x2_shuffle(v0, v1, 0, 2));
  wasm_v128_store(out + oa, wasm_i64x2_shuffle(v0, v1, 1, 3));
}

// One tile of na x nb elements; SIMD blocks of V x V where the element size has them.
template <typename T>
void turn_tile(const T* in, int64_t sb, T* out, int64_t oa, int na, int nb) {
  constexpr int V = sizeof(T) == 4 ? 4 : sizeof(T) == 8 ? 2 : 1;
  int i = 0;
  if (V > 1) {
    for (; i + V <= na; i += V) {
      int j = 0;
      for (; j + V <= nb; j += V) {
        if constexpr (sizeof(T) == 4) turn4x4_32(reinterpret_cast<const int32_t*>(in + i + j * sb), sb, reinterpret_cast<int32_t*>(out + i * oa + j), oa);
        if constexpr (sizeof(T) == 8) turn2x2_64(reinterpret_cast<const int64_t*>(in + i + j * sb), sb, reinterpret_cast<int64_t*>(out + i * oa + j), oa);
      }
      for (int k = 0; k < V; ++k)
        for (int jj = j; jj < nb; ++jj) out[(i + k) * oa + jj] = in[i + k + jj * sb];
    }
  }
  for (; i < na; ++i)
    for (int j = 0; j < nb; ++j) out[i * oa + j] = in[i + j * sb];
}

template <typename T>
void tiled_units(const Tiled& t, int64_t begin, int64_t end) {
  const Copy& c = *t.c;
  const T* in = reinterpret_cast<const T*>(c.in);
  T* out = reinterpret_cast<T*>(c.out);
  for (int64_t u = begin; u < end; ++u) {
    int64_t r = u / t.tiles_a, io = 0, oo = 0;
    for (int k = t.n_outer - 1; k >= 0; --k) {
      const int d = t.outer[k];
      int64_t x = r % c.shape[d];
      r /= c.shape[d];
      io += x * c.is[d];
      oo += x * c.os[d];
    }
    const int64_t i0 = (u % t.tiles_a) * kTile;
    const int na = (int)(t.na - i0 < kTile ? t.na - i0 : kTile);
    for (int64_t j0 = 0; j0 < t.nb; j0 += kTile) {
      const int nb = (int)(t.nb - j0 < kTile ? t.nb - j0 : kTile);
      turn_tile<T>(in + io + i0 + j0 * t.sb, t.sb, out + oo + i0 * t.oa + j0, t.oa, na, nb);
    }
  }
}

void copy_tiles(void* ctx, int64_t begin, int64_t end, int) {
  const Tiled& t = *static_cast<const Tiled*>(ctx);
  switch (t.c->eb) {
    case 1: tiled_units<uint8_t>(t, begin, end); break;
    case 2: tiled_units<uint16_t>(t, begin, end); break;
    case 4: tiled_units<uint32_t>(t, begin, end); break;
    default: tiled_units<uint64_t>(t, begin, end); break;
  }
}

}  // namespace

void copy_strided(const Copy& c) {
  const int last = c.rank - 1;
  int64_t total = 1;
  for (int d = 0; d < c.rank; ++d) total *= c.shape[d];
  if (total <= 0) return;
  // A transpose: some other axis is the input's contiguous one, long enough to tile.
  int a = -1;
  if (c.rank >= 2 && c.os[last] == 1 && c.is[last] != 1 && c.shape[last] >= 4 && (c.eb == 1 || c.eb == 2 || c.eb == 4 || c.eb == 8)) {
    for (int d = 0; d < last; ++d)
      if (c.is[d] == 1 && c.shape[d] >= 4) a = d;
  }
  if (a < 0) {
    const int64_t n = c.shape[last];
    parallel_for(total / n, 1 + (1 << 15) / (n + 1), copy_rows, const_cast<Copy*>(&c));
    return;
  }
  Tiled t;
  t.c = &c;
  t.a = a;
  t.n_outer = 0;
  for (int d = 0; d < last; ++d)
    if (d != a) t.outer[t.n_outer++] = d;
  t.na = c.shape[a];
  t.nb = c.shape[last];
  t.sb = c.is[last];
  t.oa = c.os[a];
  t.tiles_a = (t.na + kTile - 1) / kTile;
  const int64_t units = total / (t.na * t.nb) * t.tiles_a;
  parallel_for(units, 1 + (1 << 15) / (kTile * t.nb), copy_tiles, &t);
}

}  // namespace wj
