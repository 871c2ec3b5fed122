// wj_run: executes a whole bytecode program (bytecode.h) in one call from JS. Each
// instruction's kernel may fan out over the thread pool; instructions run in order.
#include "interp.h"

#include <string.h>
#include <wasm_simd128.h>

#include "bytecode.h"
#include "devices.h"
#include "fused.h"
#include "gemm.h"
#include "gemm64.h"
#include "layout.h"
#include "threads.h"

namespace wj {
namespace {

// ---- OP_DOT ----
// Integer products: plain loops whose sums and products wrap mod 2^32 (as XLA's), the same
// bits for int32 and uint32.
void dot_u32(const StridedGemm<uint32_t>& g) {
  for (int64_t q = 0; q < g.batch; ++q) {
    for (int64_t i = 0; i < g.m; ++i) {
      uint32_t* c = g.c + q * g.c_bs + i * g.c_rs;
      for (int64_t j = 0; j < g.n; ++j) c[j] = 0;
      for (int64_t t = 0; t < g.k; ++t) {
        const uint32_t x = g.a[q * g.a_bs + i * g.a_rs + t * g.a_cs];
        const uint32_t* b = g.b + q * g.b_bs + t * g.b_rs;
        for (int64_t j = 0; j < g.n; ++j) c[j] += x * b[j * g.b_cs];
      }
    }
  }
}

// [a, a_off, b, b_off, c, batch, m, n, k, a strides x3, b strides x3, dtype]
const int32_t* run_dot(const int32_t* p, uint8_t* const* slots) {
  if (p[15] == DT_I32 || p[15] == DT_U32) {
    const uint32_t* a = reinterpret_cast<const uint32_t*>(slots[p[0]]) + p[1];
    const uint32_t* b = reinterpret_cast<const uint32_t*>(slots[p[2]]) + p[3];
    uint32_t* c = reinterpret_cast<uint32_t*>(slots[p[4]]);
    dot_u32({a, b, c, p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], (int64_t)p[6] * p[7], p[7]});
    return p + 16;
  }
  if (p[15] == DT_F64) {
    const double* a = reinterpret_cast<const double*>(slots[p[0]]) + p[1];
    const double* b = reinterpret_cast<const double*>(slots[p[2]]) + p[3];
    double* c = reinterpret_cast<double*>(slots[p[4]]);
    Gemm64Args g{a, b, c, p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], (int64_t)p[6] * p[7], p[7]};
    gemm_f64(g);
    return p + 16;
  }
  const float* a = reinterpret_cast<const float*>(slots[p[0]]) + p[1];
  const float* b = reinterpret_cast<const float*>(slots[p[2]]) + p[3];
  float* c = reinterpret_cast<float*>(slots[p[4]]);
  GemmArgs g{a, b, c, p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], (int64_t)p[6] * p[7], p[7]};
  gemm_f32(g);
  return p + 16;
}

// ---- OP_COPY ----
const int32_t* run_copy(const int32_t* p, uint8_t* const* slots) {
  Copy c;
  c.eb = p[4];
  c.in = slots[p[0]] + (int64_t)p[1] * c.eb;
  c.out = slots[p[2]] + (int64_t)p[3] * c.eb;
  c.rank = p[5];
  p += 6;
  for (int d = 0; d < c.rank; ++d) c.shape[d] = *p++;
  for (int d = 0; d < c.rank; ++d) c.is[d] = *p++;
  for (int d = 0; d < c.rank; ++d) c.os[d] = *p++;
  copy_strided(c);
  return p;
}

// ---- OP_FILL ----
const int32_t* run_fill(const int32_t* p, uint8_t* const* slots) {
  const int eb = p[2];
  uint8_t* out = slots[p[0]] + (int64_t)p[1] * eb;
  const int64_t n = p[3];
  if (eb == 1) {
    memset(out, p[4] & 0xff, n);
  } else if (eb == 2) {
    uint16_t* o = reinterpret_cast<uint16_t*>(out);
    for (int64_t i = 0; i < n; ++i) o[i] = (uint16_t)p[4];
  } else if (eb == 4) {
    int32_t* o = reinterpret_cast<int32_t*>(out);
    for (int64_t i = 0; i < n; ++i) o[i] = p[4];
  } else {
    uint64_t v = (uint64_t)(uint32_t)p[4] | ((uint64_t)(uint32_t)p[5] << 32);
    for (int64_t i = 0; i < n; ++i) memcpy(out + 8 * i, &v, 8);
  }
  return p + 6;
}

// ---- OP_REDUCE ----
struct Reduce {
  const uint8_t* in;
  uint8_t* out;
  int32_t rop, dtype;
  int64_t outer, red, inner;
};

template <typename T>
inline T combine(int32_t rop, T a, T b) {
  switch (rop) {
    case R_SUM: return a + b;
    case R_PROD: return (T)((uint32_t)a * (uint32_t)b);  // integer products wrap
    case R_MAX: return a > b ? a : b;
    case R_MIN: return a < b ? a : b;
    case R_AND: return a & b;  // bitwise on integers, as in XLA (bools are 0/1)
    default: return a | b;
  }
}

// Floats: NaN wins and max(+0, -0) is +0, as wasm's f32.max/min (and the reference) give.
template <>
inline float combine<float>(int32_t rop, float a, float b) {
  switch (rop) {
    case R_SUM: return a + b;
    case R_PROD: return a * b;
    case R_MAX: return __builtin_wasm_max_f32(a, b);
    default: return __builtin_wasm_min_f32(a, b);
  }
}

template <>
inline double combine<double>(int32_t rop, double a, double b) {
  switch (rop) {
    case R_SUM: return a + b;
    case R_PROD: return a * b;
    case R_MAX: return __builtin_wasm_max_f64(a, b);
    default: return __builtin_wasm_min_f64(a, b);
  }
}

template <typename T>
T identity(int32_t rop) {
  switch (rop) {
    case R_SUM: case R_OR: return 0;
    case R_PROD: case R_AND: return 1;
    case R_MAX: return sizeof(T) == 1 ? 0 : (T)-__builtin_inff();
    default: return sizeof(T) == 1 ? 1 : (T)__builtin_inff();
  }
}

template <>
int32_t identity<int32_t>(int32_t rop) {
  switch (rop) {
    case R_SUM: case R_OR: return 0;
    case R_PROD: return 1;
    case R_AND: return -1;
    case R_MAX: return (int32_t)0x80000000;
    default: return 0x7fffffff;
  }
}

template <>
uint32_t identity<uint32_t>(int32_t rop) {
  switch (rop) {
    case R_SUM: case R_OR: return 0;
    case R_PROD: return 1;
    case R_AND: return 0xffffffffu;
    case R_MAX: return 0;
    default: return 0xffffffffu;
  }
}

// ---- float32 reductions on SIMD lanes ----
inline v128_t f32_combine(int32_t rop, v128_t a, v128_t b) {
  switch (rop) {
    case R_SUM: return wasm_f32x4_add(a, b);
    case R_PROD: return wasm_f32x4_mul(a, b);
    case R_MAX: return wasm_f32x4_max(a, b);  // NaN-propagating, like the reference
    default: return wasm_f32x4_min(a, b);
  }
}

// A contiguous run of n floats reduced to one value (four vector accumulators).
float reduce_run_f32(int32_t rop, const float* x, int64_t n) {
  const float id = identity<float>(rop);
  v128_t a0 = wasm_f32x4_splat(id), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = f32_combine(rop, a0, wasm_v128_load(x + i));
    a1 = f32_combine(rop, a1, wasm_v128_load(x + i + 4));
    a2 = f32_combine(rop, a2, wasm_v128_load(x + i + 8));
    a3 = f32_combine(rop, a3, wasm_v128_load(x + i + 12));
  }
  v128_t a = f32_combine(rop, f32_combine(rop, a0, a1), f32_combine(rop, a2, a3));
  float s = combine<float>(rop, combine<float>(rop, wasm_f32x4_extract_lane(a, 0), wasm_f32x4_extract_lane(a, 1)),
                           combine<float>(rop, wasm_f32x4_extract_lane(a, 2), wasm_f32x4_extract_lane(a, 3)));
  for (; i < n; ++i) s = combine<float>(rop, s, x[i]);
  return s;
}

// out[j] = op(out[j], row[j]) over a row of n floats.
void combine_row_f32(int32_t rop, float* out, const float* row, int64_t n) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) wasm_v128_store(out + j, f32_combine(rop, wasm_v128_load(out + j), wasm_v128_load(row + j)));
  for (; j < n; ++j) out[j] = combine<float>(rop, out[j], row[j]);
}

// ---- float64 reductions on SIMD lanes (the same scheme, two lanes) ----
inline v128_t f64_combine(int32_t rop, v128_t a, v128_t b) {
  switch (rop) {
    case R_SUM: return wasm_f64x2_add(a, b);
    case R_PROD: return wasm_f64x2_mul(a, b);
    case R_MAX: return wasm_f64x2_max(a, b);
    default: return wasm_f64x2_min(a, b);
  }
}

double reduce_run_f64(int32_t rop, const double* x, int64_t n) {
  v128_t a0 = wasm_f64x2_splat(identity<double>(rop)), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    a0 = f64_combine(rop, a0, wasm_v128_load(x + i));
    a1 = f64_combine(rop, a1, wasm_v128_load(x + i + 2));
    a2 = f64_combine(rop, a2, wasm_v128_load(x + i + 4));
    a3 = f64_combine(rop, a3, wasm_v128_load(x + i + 6));
  }
  v128_t a = f64_combine(rop, f64_combine(rop, a0, a1), f64_combine(rop, a2, a3));
  double s = combine<double>(rop, wasm_f64x2_extract_lane(a, 0), wasm_f64x2_extract_lane(a, 1));
  for (; i < n; ++i) s = combine<double>(rop, s, x[i]);
  return s;
}

void combine_row_f64(int32_t rop, double* out, const double* row, int64_t n) {
  int64_t j = 0;
  for (; j + 2 <= n; j += 2) wasm_v128_store(out + j, f64_combine(rop, wasm_v128_load(out + j), wasm_v128_load(row + j)));
  for (; j < n; ++j) out[j] = combine<double>(rop, out[j], row[j]);
}

inline bool f32_simd(const Reduce& r) { return r.dtype == DT_F32 && r.rop <= R_MIN; }
inline bool f64_simd(const Reduce& r) { return r.dtype == DT_F64 && r.rop <= R_MIN; }

template <typename T>
void reduce_range(const Reduce& r, int64_t begin, int64_t end) {
  const T* in = reinterpret_cast<const T*>(r.in);
  const bool arg = r.rop == R_ARGMAX || r.rop == R_ARGMIN;
  for (int64_t o = begin; o < end; ++o) {
    const T* base = in + o * r.red * r.inner;
    if (arg) {
      int32_t* out = reinterpret_cast<int32_t*>(r.out) + o * r.inner;
      for (int64_t j = 0; j < r.inner; ++j) {
        T best = base[j];
        int32_t bi = 0;
        for (int64_t k = 1; k < r.red && best == best; ++k) {
          T v = base[k * r.inner + j];
          if (v != v || (r.rop == R_ARGMAX ? v > best : v < best)) {
            best = v;
            bi = (int32_t)k;
          }
        }
        out[j] = bi;
      }
      continue;
    }
    T* out = reinterpret_cast<T*>(r.out) + o * r.inner;
    if constexpr (sizeof(T) == 8) {
      // float64: its own SIMD loops, compiled into this instantiation only (the float32 code
      // below stays as it was).
      if (f64_simd(r)) {
        if (r.inner == 1) {
          *out = reduce_run_f64(r.rop, base, r.red);
        } else {
          for (int64_t j = 0; j < r.inner; ++j) out[j] = identity<T>(r.rop);
          for (int64_t k = 0; k < r.red; ++k) combine_row_f64(r.rop, out, base + k * r.inner, r.inner);
        }
        continue;
      }
    }
    if (f32_simd(r) && r.inner == 1) {
      *reinterpret_cast<float*>(out) = reduce_run_f32(r.rop, reinterpret_cast<const float*>(base), r.red);
      continue;
    }
    for (int64_t j = 0; j < r.inner; ++j) out[j] = identity<T>(r.rop);
    for (int64_t k = 0; k < r.red; ++k) {
      const T* row = base + k * r.inner;
      if (f32_simd(r)) {
        combine_row_f32(r.rop, reinterpret_cast<float*>(out), reinterpret_cast<const float*>(row), r.inner);
      } else {
        for (int64_t j = 0; j < r.inner; ++j) out[j] = combine<T>(r.rop, out[j], row[j]);
      }
    }
  }
}

void reduce_rows(void* ctx, int64_t begin, int64_t end, int) {
  const Reduce& r = *static_cast<const Reduce*>(ctx);
  switch (r.dtype) {
    case DT_F32: reduce_range<float>(r, begin, end); break;
    case DT_I32: reduce_range<int32_t>(r, begin, end); break;
    case DT_U32: reduce_range<uint32_t>(r, begin, end); break;
    case DT_F64: reduce_range<double>(r, begin, end); break;
    default: reduce_range<uint8_t>(r, begin, end); break;
  }
}

// Whole-array float reductions (one output) over long runs: kChunks fixed chunks, however many
// threads run them, combined in order, so the bits do not depend on the thread count.
constexpr int64_t kChunks = 64;

struct Partials {
  const Reduce* r;
  int64_t chunk;
  double part[kChunks];  // float32 partials are exact in a double
};

void reduce_chunks(void* ctx, int64_t begin, int64_t end, int) {
  Partials& p = *static_cast<Partials*>(ctx);
  for (int64_t c = begin; c < end; ++c) {
    int64_t lo = c * p.chunk, hi = lo + p.chunk < p.r->red ? lo + p.chunk : p.r->red;
    p.part[c] = p.r->dtype == DT_F64 ? reduce_run_f64(p.r->rop, reinterpret_cast<const double*>(p.r->in) + lo, hi - lo)
                                     : reduce_run_f32(p.r->rop, reinterpret_cast<const float*>(p.r->in) + lo, hi - lo);
  }
}

const int32_t* run_reduce(const int32_t* p, uint8_t* const* slots) {
  Reduce r{slots[p[0]], slots[p[1]], p[2], p[3], p[4], p[5], p[6]};
  const int64_t work = r.red * r.inner;
  if (r.outer == 1 && r.inner == 1 && (f32_simd(r) || f64_simd(r)) && r.red >= (1 << 16)) {
    Partials parts;
    parts.r = &r;
    parts.chunk = (r.red + kChunks - 1) / kChunks;
    const int64_t n = (r.red + parts.chunk - 1) / parts.chunk;
    parallel_for(n, 1, reduce_chunks, &parts);
    if (f64_simd(r)) {
      double acc = identity<double>(r.rop);
      for (int64_t c = 0; c < n; ++c) acc = combine<double>(r.rop, acc, parts.part[c]);
      *reinterpret_cast<double*>(r.out) = acc;
    } else {
      float acc = identity<float>(r.rop);
      for (int64_t c = 0; c < n; ++c) acc = combine<float>(r.rop, acc, (float)parts.part[c]);
      *reinterpret_cast<float*>(r.out) = acc;
    }
  } else if (r.outer > 0) {
    parallel_for(r.outer, 1 + (1 << 15) / (work + 1), reduce_rows, &r);
  }
  return p + 7;
}

// ---- OP_REDUCE_FUSED ----
// A float32 reduction over trailing axes whose input is an elementwise kernel, computed
// piecewise into a per-thread scratch that stays in L1 instead of a temporary the size of the
// input. [out, rop, outer, red, OP_FUSED payload of the input]: out[o] = op over input row o.
constexpr int64_t kScratch = 2048;  // floats

struct FusedReduce {
  Kernel input;
  float* out;
  int32_t rop;
  int64_t outer, red, chunk;
  float part[kChunks];
};

// Reduces input elements [e0, e1) through the scratch.
float fr_run(const FusedReduce& f, float* buf, int64_t e0, int64_t e1) {
  float acc = identity<float>(f.rop);
  for (int64_t e = e0; e < e1; e += kScratch) {
    const int64_t n = e1 - e < kScratch ? e1 - e : kScratch;
    run_kernel_range(f.input, e, e + n, reinterpret_cast<uint8_t*>(buf));
    acc = combine<float>(f.rop, acc, reduce_run_f32(f.rop, buf, n));
  }
  return acc;
}

// Short rows go through the scratch several at a time, long ones in pieces.
void fr_rows(void* ctx, int64_t begin, int64_t end, int) {
  const FusedReduce& f = *static_cast<const FusedReduce*>(ctx);
  alignas(16) float buf[kScratch];
  const int64_t group = f.red < kScratch ? kScratch / f.red : 1;
  for (int64_t o0 = begin; o0 < end; o0 += group) {
    const int64_t rows = end - o0 < group ? end - o0 : group;
    if (f.red > kScratch) {
      f.out[o0] = fr_run(f, buf, o0 * f.red, (o0 + 1) * f.red);
      continue;
    }
    run_kernel_range(f.input, o0 * f.red, (o0 + rows) * f.red, reinterpret_cast<uint8_t*>(buf));
    for (int64_t r = 0; r < rows; ++r) f.out[o0 + r] = reduce_run_f32(f.rop, buf + r * f.red, f.red);
  }
}

// outer == 1: chunks of the one run, combined after.
void fr_chunks(void* ctx, int64_t begin, int64_t end, int) {
  FusedReduce& f = *static_cast<FusedReduce*>(ctx);
  alignas(16) float buf[kScratch];
  for (int64_t c = begin; c < end; ++c) {
    const int64_t lo = c * f.chunk, hi = lo + f.chunk < f.red ? lo + f.chunk : f.red;
    f.part[c] = fr_run(f, buf, lo, hi);
  }
}

inline int64_t wide_word(const int32_t* p) { return (int64_t)(uint32_t)p[0] | (int64_t)p[1] << 32; }

// [out, rop, outer (2 words), red (2 words), OP_FUSED payload]: the input is never stored, so
// its extents may pass 2^31 (a broadcast summed whole).
const int32_t* run_reduce_fused(const int32_t* p, uint8_t* const* slots) {
  FusedReduce f;
  f.out = reinterpret_cast<float*>(slots[p[0]]);
  f.rop = p[1];
  f.outer = wide_word(p + 2);
  f.red = wide_word(p + 4);
  const int32_t* next = parse_kernel(p + 6, slots, f.input);
  if (f.outer == 1 && f.red >= (1 << 15)) {
    f.chunk = (f.red + kChunks - 1) / kChunks;
    const int64_t n = (f.red + f.chunk - 1) / f.chunk;
    parallel_for(n, 1, fr_chunks, &f);
    float acc = identity<float>(f.rop);
    for (int64_t c = 0; c < n; ++c) acc = combine<float>(f.rop, acc, f.part[c]);
    *f.out = acc;
  } else {
    parallel_for(f.outer, 1 + (1 << 14) / (f.red + 1), fr_rows, &f);
  }
  return next;
}

// ---- OP_GATHER / OP_SCATTER ----
// Index rows are int32 [rows, k] and address the operand's first k axes; each picks a
// contiguous trailing slice of `inner` elements. Returns the element offset, or -1 when a
// row is out of bounds and must not be clamped.
inline int64_t row_offset(const int32_t* idx, int k, const int32_t* dims, const int32_t* strides, bool clamp) {
  int64_t off = 0;
  for (int d = 0; d < k; ++d) {
    int64_t v = idx[d];
    if (v < 0 || v >= dims[d]) {
      if (!clamp) return -1;
      v = v < 0 ? 0 : dims[d] - 1;
    }
    off += v * strides[d];
  }
  return off;
}

// [x, idx, out, eb, k, rows, inner, clamp, fill_lo, fill_hi, dims[k], strides[k]]
const int32_t* run_gather(const int32_t* p, uint8_t* const* slots) {
  const uint8_t* x = slots[p[0]];
  const int32_t* idx = reinterpret_cast<const int32_t*>(slots[p[1]]);
  uint8_t* out = slots[p[2]];
  const int eb = p[3], k = p[4];
  const int64_t rows = p[5], inner = p[6];
  const bool clamp = p[7] != 0;
  const uint64_t fill = (uint64_t)(uint32_t)p[8] | ((uint64_t)(uint32_t)p[9] << 32);
  const int32_t* dims = p + 10;
  const int32_t* strides = dims + k;
  for (int64_t r = 0; r < rows; ++r) {
    uint8_t* o = out + r * inner * eb;
    int64_t off = row_offset(idx + r * k, k, dims, strides, clamp);
    if (off >= 0) {
      memcpy(o, x + off * eb, inner * eb);
    } else {
      for (int64_t i = 0; i < inner; ++i) memcpy(o + i * eb, &fill, eb);
    }
  }
  return p + 10 + 2 * k;
}

// [idx, upd, out, dtype, add, k, rows, inner, dims[k], strides[k]]; out already holds the operand.
// Integer sums and products wrap (as XLA's), floats round at every step.
template <typename T>
void scatter_row(T* o, const T* u, int64_t n, int32_t rop) {
  if (rop == R_SUM) {
    for (int64_t i = 0; i < n; ++i) o[i] = (T)(o[i] + u[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) o[i] = combine<T>(rop, o[i], u[i]);
  }
}
template <>
void scatter_row<int32_t>(int32_t* o, const int32_t* u, int64_t n, int32_t rop) {
  if (rop == R_SUM) {
    for (int64_t i = 0; i < n; ++i) o[i] = (int32_t)((uint32_t)o[i] + (uint32_t)u[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) o[i] = combine<int32_t>(rop, o[i], u[i]);
  }
}

const int32_t* run_scatter(const int32_t* p, uint8_t* const* slots) {
  const int32_t* idx = reinterpret_cast<const int32_t*>(slots[p[0]]);
  const uint8_t* upd = slots[p[1]];
  uint8_t* out = slots[p[2]];
  const int32_t dtype = p[3];
  const int32_t rop = p[4];  // -1: write; else how an update combines with the element (ROp)
  const int k = p[5];
  const int64_t rows = p[6], inner = p[7];
  const int32_t* dims = p + 8;
  const int32_t* strides = dims + k;
  const int eb = dtype == DT_BOOL ? 1 : dtype == DT_F64 ? 8 : 4;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t off = row_offset(idx + r * k, k, dims, strides, false);
    if (off < 0) continue;  // out-of-bounds updates are dropped
    const uint8_t* u = upd + r * inner * eb;
    uint8_t* o = out + off * eb;
    if (rop < 0) memcpy(o, u, inner * eb);
    else if (dtype == DT_F64) scatter_row(reinterpret_cast<double*>(o), reinterpret_cast<const double*>(u), inner, rop);
    else if (dtype == DT_F32) scatter_row(reinterpret_cast<float*>(o), reinterpret_cast<const float*>(u), inner, rop);
    else if (dtype == DT_U32) scatter_row(reinterpret_cast<uint32_t*>(o), reinterpret_cast<const uint32_t*>(u), inner, rop);
    else scatter_row(reinterpret_cast<int32_t*>(o), reinterpret_cast<const int32_t*>(u), inner, rop);
  }
  return p + 8 + 2 * k;
}

// ---- OP_DSLICE ----
// [src, dst, element bytes, rank, update, big shape[rank], window shape[rank], {index slot,
// unsigned}[rank]]: starts are clamped so the window fits (XLA); update writes the window
// into big (dynamic_update_slice), otherwise it is read out of it (dynamic_slice).
void run_dslice(const int32_t* p, uint8_t* const* slots) {
  const uint8_t* src = slots[p[0]];
  uint8_t* dst = slots[p[1]];
  const int64_t eb = p[2];
  const int rank = p[3];
  const bool update = p[4] != 0;
  const int32_t* big = p + 5;
  const int32_t* win = big + rank;
  const int32_t* idx = win + rank;
  int64_t start[16], bstride[16], wstride[16];
  int64_t bs = 1, ws = 1, rows = 1;
  for (int d = rank - 1; d >= 0; --d) {
    const int32_t raw = *reinterpret_cast<const int32_t*>(slots[idx[2 * d]]);
    const int64_t v = idx[2 * d + 1] ? (int64_t)(uint32_t)raw : (int64_t)raw;
    const int64_t hi = big[d] - win[d];
    start[d] = v < 0 ? 0 : v > hi ? hi : v;
    bstride[d] = bs, wstride[d] = ws;
    bs *= big[d], ws *= win[d];
    if (d < rank - 1) rows *= win[d];
  }
  if (ws == 0) return;
  const int64_t row_bytes = (rank ? win[rank - 1] : 1) * eb;
  for (int64_t r = 0; r < rows; ++r) {
    // The window row's coordinates, and its offsets in both arrays.
    int64_t rest = r, bo = rank ? start[rank - 1] : 0, wo = 0;
    for (int d = rank - 2; d >= 0; --d) {
      const int64_t c = rest % win[d];
      rest /= win[d];
      bo += (start[d] + c) * bstride[d];
      wo += c * wstride[d];
    }
    if (update) memcpy(dst + bo * eb, src + wo * eb, row_bytes);
    else memcpy(dst + wo * eb, src + bo * eb, row_bytes);
  }
}

// ---- OP_CUMULATIVE ----
// [src, dst, rop, dtype, outer, n, inner, reverse]: each step combines a whole inner row with
// the previous step's, in order along n.
template <typename T>
void cumulative(const T* in, T* out, int32_t rop, int64_t outer, int64_t n, int64_t inner, bool reverse) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t s = 0; s < n; ++s) {
      const int64_t k = reverse ? n - 1 - s : s;
      const T* x = in + (o * n + k) * inner;
      T* y = out + (o * n + k) * inner;
      if (s == 0) {
        for (int64_t i = 0; i < inner; ++i) y[i] = x[i];
      } else {
        const T* prev = reverse ? y + inner : y - inner;
        for (int64_t i = 0; i < inner; ++i) y[i] = combine<T>(rop, prev[i], x[i]);
      }
    }
  }
}

void run_cumulative(const int32_t* p, uint8_t* const* slots) {
  const uint8_t* in = slots[p[0]];
  uint8_t* out = slots[p[1]];
  const int32_t rop = p[2], dt = p[3];
  const bool reverse = p[7] != 0;
  if (dt == DT_F32) cumulative(reinterpret_cast<const float*>(in), reinterpret_cast<float*>(out), rop, p[4], p[5], p[6], reverse);
  else if (dt == DT_F64) cumulative(reinterpret_cast<const double*>(in), reinterpret_cast<double*>(out), rop, p[4], p[5], p[6], reverse);
  else if (dt == DT_U32) cumulative(reinterpret_cast<const uint32_t*>(in), reinterpret_cast<uint32_t*>(out), rop, p[4], p[5], p[6], reverse);
  else cumulative(reinterpret_cast<const int32_t*>(in), reinterpret_cast<int32_t*>(out), rop, p[4], p[5], p[6], reverse);
}

// ---- OP_SORT ----
// [n_ops, n_keys, outer, n, inner, {in slot, out slot, dtype}[n_ops]]: each line along n is
// sorted stably by the lexicographic order of the first n_keys operands (floats in XLA's total
// order: -0 before +0, every NaN last), and every operand is permuted alike.
struct SortLine {
  const int32_t* ops;
  int32_t n_ops, n_keys;
  int64_t n, inner;
  uint8_t* const* slots;
};

// A key as an unsigned integer whose order is the total order.
inline uint64_t sort_key(const uint8_t* base, int32_t dt, int64_t at) {
  switch (dt) {
    case DT_F32: {
      float f = reinterpret_cast<const float*>(base)[at];
      if (f != f) return 0xffffffffu;
      uint32_t b = __builtin_bit_cast(uint32_t, f);
      return (b >> 31) ? ~b : b | 0x80000000u;
    }
    case DT_I32: return (uint32_t)reinterpret_cast<const int32_t*>(base)[at] ^ 0x80000000u;
    case DT_BOOL: return base[at];
    case DT_F64: {
      double f = reinterpret_cast<const double*>(base)[at];
      if (f != f) return ~0ull;
      uint64_t b = __builtin_bit_cast(uint64_t, f);
      return (b >> 63) ? ~b : b | (1ull << 63);
    }
    default: return reinterpret_cast<const uint32_t*>(base)[at];
  }
}

inline int32_t dt_bytes(int32_t dt) { return dt == DT_BOOL ? 1 : dt == DT_F64 ? 8 : 4; }

// Stable bottom-up merge sort of perm[0, n) by `less` (tmp: n more slots).
template <typename Less>
void merge_sort(int32_t* perm, int32_t* tmp, int64_t n, Less less) {
  for (int64_t w = 1; w < n; w *= 2) {
    progress();  // a long line is working (threads.h)
    for (int64_t lo = 0; lo < n; lo += 2 * w) {
      const int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      int64_t a = lo, b = mid, k = lo;
      while (a < mid && b < hi) tmp[k++] = less(perm[b], perm[a]) ? perm[b++] : perm[a++];
      while (a < mid) tmp[k++] = perm[a++];
      while (b < hi) tmp[k++] = perm[b++];
    }
    for (int64_t t = 0; t < n; ++t) perm[t] = tmp[t];
  }
}

ThreadScratch<int32_t> g_sort_perm;  // a permutation and its merge buffer
ThreadScratch<uint64_t> g_sort_keys;

void sort_lines(void* ctx, int64_t begin, int64_t end, int tid) {
  const SortLine& s = *static_cast<const SortLine*>(ctx);
  int32_t* perm = g_sort_perm.get(tid, 2 * s.n);
  uint64_t* keys = g_sort_keys.get(tid, s.n * s.n_keys);
  for (int64_t line = begin; line < end; ++line) {
    const int64_t o = line / s.inner, i = line % s.inner;
    const int64_t at0 = o * s.n * s.inner + i;
    for (int32_t k = 0; k < s.n_keys; ++k) {
      const int32_t* op = s.ops + 3 * k;
      for (int64_t t = 0; t < s.n; ++t) keys[t * s.n_keys + k] = sort_key(s.slots[op[0]], op[2], at0 + t * s.inner);
    }
    for (int64_t t = 0; t < s.n; ++t) perm[t] = (int32_t)t;
    const int32_t nk = s.n_keys;
    merge_sort(perm, perm + s.n, s.n, [&](int32_t a, int32_t b) {
      for (int32_t k = 0; k < nk; ++k) {
        const uint64_t x = keys[a * nk + k], y = keys[b * nk + k];
        if (x != y) return x < y;
      }
      return false;
    });
    for (int32_t q = 0; q < s.n_ops; ++q) {
      const int32_t* op = s.ops + 3 * q;
      const int32_t eb = dt_bytes(op[2]);
      const uint8_t* in = s.slots[op[0]];
      uint8_t* out = s.slots[op[1]];
      for (int64_t t = 0; t < s.n; ++t) memcpy(out + (at0 + t * s.inner) * eb, in + (at0 + perm[t] * s.inner) * eb, eb);
    }
  }
}

void run_sort(const int32_t* p, uint8_t* const* slots) {
  SortLine s{p + 5, p[0], p[1], p[3], p[4], slots};
  const int64_t lines = (int64_t)p[2] * p[4];
  if (lines > 0 && s.n > 0) parallel_for(lines, s.n >= 4096 ? 1 : (1 << 16) / (s.n + 1) + 1, sort_lines, &s);
}

// ---- control flow ----
// Blocks are bytecode nested in the instruction, prefixed by their word count. A scan's window
// slots are rewritten before each step to point at row i of an array (xs read, ys written in
// place), so a body runs on slices without copies.
void run_scan(const int32_t* p, uint8_t* const* slots) {
  const int64_t length = p[0];
  const bool reverse = p[1] != 0;
  const int32_t n_win = p[2];
  const int32_t* win = p + 3;  // {window slot, base slot, row bytes}
  const int32_t* body = win + 3 * n_win;
  uint8_t** table = const_cast<uint8_t**>(slots);
  for (int64_t step = 0; step < length; ++step) {
    const int64_t i = reverse ? length - 1 - step : step;
    for (int32_t w = 0; w < n_win; ++w) table[win[3 * w]] = slots[win[3 * w + 1]] + i * win[3 * w + 2];
    run_program(body + 1, body[0], slots);
  }
}

void run_while(const int32_t* p, uint8_t* const* slots) {
  const uint8_t* pred = slots[p[0]];
  const int32_t* cond = p + 1;
  const int32_t* body = cond + 1 + cond[0];
  for (;;) {
    run_program(cond + 1, cond[0], slots);
    if (!*pred) break;
    run_program(body + 1, body[0], slots);
  }
}

void run_cond(const int32_t* p, uint8_t* const* slots) {
  const int32_t n = p[1];
  int32_t k = *reinterpret_cast<const int32_t*>(slots[p[0]]);
  k = k < 0 ? 0 : k >= n ? n - 1 : k;
  const int32_t* block = p + 2;
  for (int32_t b = 0; b < k; ++b) block += 1 + block[0];
  run_program(block + 1, block[0], slots);
}

}  // namespace

void run_program(const int32_t* code, int32_t n_words, uint8_t* const* slots) {
  const int32_t* end = code + n_words;
  while (code < end) {
    const int32_t op = code[0], len = code[1];
    const int32_t* p = code + 2;
    device_step();  // on a device: stop when another device faulted; show progress
    switch (op) {
      case OP_FUSED: run_fused(p, slots); break;
      case OP_DOT: run_dot(p, slots); break;
      case OP_REDUCE: run_reduce(p, slots); break;
      case OP_COPY: run_copy(p, slots); break;
      case OP_FILL: run_fill(p, slots); break;
      case OP_HOST: host_call(p[0], slots); break;
      case OP_GATHER: run_gather(p, slots); break;
      case OP_SCATTER: run_scatter(p, slots); break;
      case OP_SCAN: run_scan(p, slots); break;
      case OP_WHILE: run_while(p, slots); break;
      case OP_COND: run_cond(p, slots); break;
      case OP_DSLICE: run_dslice(p, slots); break;
      case OP_CUMULATIVE: run_cumulative(p, slots); break;
      case OP_SORT: run_sort(p, slots); break;
      case OP_REDUCE_FUSED: run_reduce_fused(p, slots); break;
      case OP_COLLECTIVE: run_collective(p, slots); break;
      default: __builtin_trap();
    }
    code += len;
  }
}

}  // namespace wj
