// The fused elementwise executor. A kernel computes outputs of one shape from inputs that
// are strided views (broadcasts, transposes, slices are just strides), by running a short
// register program over blocks of up to 64 elements of one output row: dispatch costs one
// switch per instruction per block, and the arithmetic runs on f32x4 / i32x4 lanes (f64x2 in
// kernels with float64 values, whose blocks hold 32 elements so that registers stay 256 bytes:
// float32 kernels keep their 64-element blocks and their speed).
//
// Payload: rank, shape[rank], nIn, {slot, offset, dtype, strides[rank]} x nIn,
//          nOut, {slot, dtype} x nOut, nInstr, {eop, dst, a, b, c} x nInstr.
#include "fused.h"

#include <wasm_simd128.h>

#include "bytecode.h"
#include "libm64.h"
#include "threads.h"
#include "vmath.h"

namespace wj {
namespace {

constexpr int kBlock = 64;           // elements per block
constexpr int kBlock64 = 32;         // elements per block in kernels with float64 values
constexpr int kVec = kBlock / 4;     // v128 per register
constexpr int kRegs = 32;

using Reg = v128_t[kVec];

inline v128_t bool_mask(v128_t m) { return wasm_v128_and(m, wasm_i32x4_splat(1)); }
inline v128_t truthy(v128_t r) { return wasm_i32x4_ne(r, wasm_i32x4_splat(0)); }

template <typename F>
inline void lanes_f(Reg& d, const Reg& a, const Reg& b, int nv, F f) {
  for (int v = 0; v < nv; ++v) {
    float x[4], y[4];
    wasm_v128_store(x, a[v]);
    wasm_v128_store(y, b[v]);
    for (int l = 0; l < 4; ++l) x[l] = f(x[l], y[l]);
    d[v] = wasm_v128_load(x);
  }
}

template <typename F>
inline void lanes_i(Reg& d, const Reg& a, const Reg& b, int nv, F f) {
  for (int v = 0; v < nv; ++v) {
    int32_t x[4], y[4];
    wasm_v128_store(x, a[v]);
    wasm_v128_store(y, b[v]);
    for (int l = 0; l < 4; ++l) x[l] = f(x[l], y[l]);
    d[v] = wasm_v128_load(x);
  }
}

// Integer division as the reference defines it: x / 0 is -1 (unsigned: all ones), x rem 0 is
// x, and INT_MIN / -1 saturates to INT_MAX (its float64 quotient, cast back).
inline int32_t idiv_s(int32_t a, int32_t b) { return b == 0 ? -1 : (a == INT32_MIN && b == -1) ? INT32_MAX : a / b; }
inline int32_t irem_s(int32_t a, int32_t b) { return b == 0 ? a : b == -1 ? 0 : a % b; }
inline int32_t udiv_s(int32_t a, int32_t b) { return b == 0 ? -1 : (int32_t)((uint32_t)a / (uint32_t)b); }
inline int32_t urem_s(int32_t a, int32_t b) { return b == 0 ? a : (int32_t)((uint32_t)a % (uint32_t)b); }

inline float floor_s(float x) { return wasm_f32x4_extract_lane(wasm_f32x4_floor(wasm_f32x4_splat(x)), 0); }
inline float trunc_s(float x) { return wasm_f32x4_extract_lane(wasm_f32x4_trunc(wasm_f32x4_splat(x)), 0); }

inline double ldexp2(double x, int e) {
  // x * 2^e for |e| < 1023, by building the power of two from its bits.
  return x * __builtin_bit_cast(double, (uint64_t)(1023 + e) << 52);
}
inline int exponent_of(double x) { return (int)((__builtin_bit_cast(uint64_t, x) >> 52) & 0x7ff) - 1023; }

// fmod as C defines it, exact: shift-and-subtract in float64, where every float32 operand and
// every step (Sterbenz: t <= r < 2t) is exact. At most ~280 steps for float32 exponents.
float fmod_s(float xf, float yf) {
  if (yf == 0 || xf != xf || yf != yf || xf - xf != 0) return __builtin_nanf("");
  if (yf - yf != 0) return xf;
  double r = xf < 0 ? -(double)xf : (double)xf;
  const double y = yf < 0 ? -(double)yf : (double)yf;
  const double scale = 0x1p200;  // lifts subnormal float32s to normal float64 exponents
  r *= scale;
  const double ys = y * scale;
  while (r >= ys) {
    double t = ldexp2(ys, exponent_of(r) - exponent_of(ys));
    if (t > r) t *= 0.5;
    r -= t;
  }
  r /= scale;
  float out = (float)r;
  return __builtin_copysignf(out, xf);  // the result has x's sign, zero included
}

float nextafter_s(float x, float y) {
  if (x != x || y != y) return __builtin_nanf("");
  if (x == y) return y;
  uint32_t b = __builtin_bit_cast(uint32_t, x);
  if (x == 0) return __builtin_bit_cast(float, (y > 0 ? 1u : 0x80000001u));
  bool up = (x < y) == (x > 0);
  b = up ? b + 1 : b - 1;
  return __builtin_bit_cast(float, b);
}

float cbrt_s(float xf) {
  if (xf == 0 || xf != xf || xf - xf != 0) return xf;
  double x = xf < 0 ? -(double)xf : (double)xf;
  // Initial guess from the exponent, then Newton steps in float64.
  uint64_t bits = __builtin_bit_cast(uint64_t, x) / 3 + ((uint64_t)682 << 52);
  double y = __builtin_bit_cast(double, bits);
  for (int i = 0; i < 6; ++i) y = y - (y * y * y - x) / (3 * y * y);
  return (float)(xf < 0 ? -y : y);
}

float round_away_s(float x) {
  float t = trunc_s(x);
  float d = x - t;
  if (d >= 0.5f) return t + 1;
  if (d <= -0.5f) return t - 1;
  return t;
}

void load64(const double* p, int64_t s, Reg& d, int len) {
  const int nd = (len + 1) / 2;
  if (s == 0) {
    v128_t x = wasm_f64x2_splat(*p);
    for (int v = 0; v < nd; ++v) d[v] = x;
  } else if (s == 1) {
    int v = 0;
    for (; v * 2 + 2 <= len; ++v) d[v] = wasm_v128_load(p + v * 2);
    if (v < nd) d[v] = wasm_f64x2_make(p[v * 2], 0);
  } else {
    for (int v = 0; v < nd; ++v) d[v] = wasm_f64x2_make(p[2 * v * s], v * 2 + 1 < len ? p[(2 * v + 1) * s] : 0);
  }
}

// float16 <-> float32, round to nearest even (as the reference's float16Bits).
inline float half_to_float(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e == 0) return sign ? -(float)m * 0x1p-24f : (float)m * 0x1p-24f;
  if (e == 31) return __builtin_bit_cast(float, sign | 0x7f800000u | (m << 13));
  return __builtin_bit_cast(float, sign | ((e + 112) << 23) | (m << 13));
}

inline uint16_t float_to_half(float f) {
  uint32_t x = __builtin_bit_cast(uint32_t, f);
  const uint16_t sign = (x >> 16) & 0x8000;
  x &= 0x7fffffffu;
  if (x >= 0x7f800000u) return sign | 0x7c00 | (x > 0x7f800000u ? 0x200 : 0);
  if (x >= 0x477ff000u) return sign | 0x7c00;  // from 65520 up: infinity
  if (x < 0x38800000u) {                        // below 2^-14: a subnormal half (or zero)
    const float a = __builtin_bit_cast(float, x) * 0x1p24f;  // exact: the half's units
    return sign | (uint16_t)wasm_f32x4_extract_lane(wasm_f32x4_nearest(wasm_f32x4_splat(a)), 0);
  }
  // Rebias the exponent and round the 13 dropped bits to nearest even.
  x += 0xc8000fffu + ((x >> 13) & 1);
  return sign | (uint16_t)(x >> 13);
}

// Float32 lanes rounded to the nearest float16 value (ties to even), as float16_round of
// float_to_half then half_to_float, on four lanes at once.
inline v128_t f16_round(v128_t f) {
  const v128_t sign = wasm_v128_and(f, wasm_i32x4_splat((int32_t)0x80000000u));
  const v128_t x = wasm_v128_and(f, wasm_i32x4_splat(0x7fffffff));
  // Normal halves: round the 13 dropped mantissa bits to nearest even.
  const v128_t odd = wasm_v128_and(wasm_u32x4_shr(x, 13), wasm_i32x4_splat(1));
  const v128_t normal = wasm_v128_and(wasm_i32x4_add(wasm_i32x4_add(x, wasm_i32x4_splat(0xfff)), odd), wasm_i32x4_splat((int32_t)0xffffe000u));
  // Subnormal halves (below 2^-14): multiples of 2^-24, rounded to nearest even.
  const v128_t sub = wasm_f32x4_mul(wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(0x1p24f))), wasm_f32x4_splat(0x1p-24f));
  const v128_t is_sub = wasm_u32x4_lt(x, wasm_i32x4_splat(0x38800000));
  const v128_t is_inf = wasm_u32x4_ge(x, wasm_i32x4_splat(0x477ff000));  // 65520 and up, and inf
  const v128_t is_nan = wasm_u32x4_gt(x, wasm_i32x4_splat(0x7f800000));
  v128_t r = wasm_v128_bitselect(sub, normal, is_sub);
  r = wasm_v128_bitselect(wasm_i32x4_splat(0x7f800000), r, is_inf);
  r = wasm_v128_bitselect(wasm_i32x4_splat(0x7fc00000), r, is_nan);
  return wasm_v128_or(r, sign);
}

// Four float16 (in the low halves of u32 lanes) as float32, and back (ties to even): the
// scalar half_to_float / float_to_half on SIMD lanes.
inline v128_t f16x4_to_f32(v128_t h) {
  const v128_t sign = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16);
  const v128_t mag = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x7fff)), 13);
  const v128_t e = wasm_v128_and(h, wasm_i32x4_splat(0x7c00));
  const v128_t normal = wasm_i32x4_add(mag, wasm_i32x4_splat(112 << 23));
  const v128_t special = wasm_i32x4_add(mag, wasm_i32x4_splat(224 << 23));  // inf, NaN
  const v128_t sub = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_v128_and(h, wasm_i32x4_splat(0x3ff))), wasm_f32x4_splat(0x1p-24f));
  v128_t r = wasm_v128_bitselect(special, normal, wasm_i32x4_eq(e, wasm_i32x4_splat(0x7c00)));
  r = wasm_v128_bitselect(sub, r, wasm_i32x4_eq(e, wasm_i32x4_splat(0)));
  return wasm_v128_or(r, sign);
}

inline v128_t f32_to_f16x4(v128_t f) {
  const v128_t sign = wasm_v128_and(wasm_u32x4_shr(f, 16), wasm_i32x4_splat(0x8000));
  const v128_t x = wasm_v128_and(f, wasm_i32x4_splat(0x7fffffff));
  const v128_t odd = wasm_v128_and(wasm_u32x4_shr(x, 13), wasm_i32x4_splat(1));
  const v128_t normal = wasm_u32x4_shr(wasm_i32x4_add(wasm_i32x4_add(x, wasm_i32x4_splat((int32_t)0xc8000fffu)), odd), 13);
  const v128_t sub = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(0x1p24f))));
  v128_t r = wasm_v128_bitselect(sub, normal, wasm_u32x4_lt(x, wasm_i32x4_splat(0x38800000)));
  r = wasm_v128_bitselect(wasm_i32x4_splat(0x7c00), r, wasm_u32x4_ge(x, wasm_i32x4_splat(0x477ff000)));
  r = wasm_v128_bitselect(wasm_i32x4_splat(0x7e00), r, wasm_u32x4_gt(x, wasm_i32x4_splat(0x7f800000)));
  return wasm_v128_or(r, sign);
}

void load(const Kernel& k, const Input& in, Reg& d, const int64_t* base, int j0, int len) {
  const int64_t s = in.strides[k.rank - 1];
  const int64_t off = *base + (int64_t)j0 * s;
  const int nv = (len + 3) / 4;
  if (in.dtype == DT_BOOL) {
    const uint8_t* p = in.base + off;
    for (int v = 0; v < nv; ++v) {
      int32_t t[4] = {0, 0, 0, 0};
      for (int l = 0; l < 4 && v * 4 + l < len; ++l) t[l] = p[(v * 4 + l) * s] != 0;
      d[v] = wasm_v128_load(t);
    }
    return;
  }
  if (in.dtype == DT_F64) {
    load64(reinterpret_cast<const double*>(in.base) + off, s, d, len);
    return;
  }
  if (in.dtype == DT_F16) {
    const uint16_t* p = reinterpret_cast<const uint16_t*>(in.base) + off;
    int v = 0;
    if (s == 1) for (; v * 4 + 4 <= len; ++v) d[v] = f16x4_to_f32(wasm_u32x4_load16x4(p + v * 4));
    for (; v < nv; ++v) {
      float t[4] = {0, 0, 0, 0};
      for (int l = 0; l < 4 && v * 4 + l < len; ++l) t[l] = half_to_float(p[(v * 4 + l) * s]);
      d[v] = wasm_v128_load(t);
    }
    return;
  }
  const int32_t* p = reinterpret_cast<const int32_t*>(in.base) + off;
  if (s == 0) {
    v128_t x = wasm_i32x4_splat(*p);
    for (int v = 0; v < nv; ++v) d[v] = x;
  } else if (s == 1) {
    int v = 0;
    for (; v * 4 + 4 <= len; ++v) d[v] = wasm_v128_load(p + v * 4);
    if (v < nv) {
      int32_t t[4] = {0, 0, 0, 0};
      for (int l = 0; v * 4 + l < len; ++l) t[l] = p[v * 4 + l];
      d[v] = wasm_v128_load(t);
    }
  } else {
    for (int v = 0; v < nv; ++v) {
      int32_t t[4] = {0, 0, 0, 0};
      for (int l = 0; l < 4 && v * 4 + l < len; ++l) t[l] = p[(v * 4 + l) * s];
      d[v] = wasm_v128_load(t);
    }
  }
}

void store(uint8_t* base, int32_t dtype, const Reg& r, int64_t at, int len) {
  const int nv = (len + 3) / 4;
  if (dtype == DT_BOOL) {
    uint8_t* p = base + at;
    for (int v = 0; v < nv; ++v) {
      int32_t t[4];
      wasm_v128_store(t, r[v]);
      for (int l = 0; l < 4 && v * 4 + l < len; ++l) p[v * 4 + l] = t[l] != 0;
    }
    return;
  }
  if (dtype == DT_F16) {
    uint16_t* p = reinterpret_cast<uint16_t*>(base) + at;
    int v = 0;
    for (; v * 4 + 4 <= len; ++v) {
      const v128_t h = f32_to_f16x4(r[v]);
      wasm_v128_store64_lane(p + v * 4, wasm_u16x8_narrow_i32x4(h, h), 0);
    }
    for (; v < nv; ++v) {
      float t[4];
      wasm_v128_store(t, r[v]);
      for (int l = 0; l < 4 && v * 4 + l < len; ++l) p[v * 4 + l] = float_to_half(t[l]);
    }
    return;
  }
  if (dtype == DT_F64) {
    double* p = reinterpret_cast<double*>(base) + at;
    int v = 0;
    for (; v * 2 + 2 <= len; ++v) wasm_v128_store(p + v * 2, r[v]);
    if (v * 2 < len) p[v * 2] = wasm_f64x2_extract_lane(r[v], 0);
    return;
  }
  int32_t* p = reinterpret_cast<int32_t*>(base) + at;
  int v = 0;
  for (; v * 4 + 4 <= len; ++v) wasm_v128_store(p + v * 4, r[v]);
  if (v < nv) {
    int32_t t[4];
    wasm_v128_store(t, r[v]);
    for (int l = 0; v * 4 + l < len; ++l) p[v * 4 + l] = t[l];
  }
}

// Interleaves float32 real and imaginary parts into complex64 elements.
void store_complex(uint8_t* base, const Reg& re, const Reg& im, int64_t at, int len) {
  float* p = reinterpret_cast<float*>(base) + 2 * at;
  const int nv = (len + 3) / 4;
  for (int v = 0; v < nv; ++v) {
    v128_t lo = wasm_i32x4_shuffle(re[v], im[v], 0, 4, 1, 5), hi = wasm_i32x4_shuffle(re[v], im[v], 2, 6, 3, 7);
    if (v * 4 + 4 <= len) {
      wasm_v128_store(p + 8 * v, lo);
      wasm_v128_store(p + 8 * v + 4, hi);
    } else {
      float t[8];
      wasm_v128_store(t, lo);
      wasm_v128_store(t + 4, hi);
      for (int l = 0; v * 4 + l < len; ++l) p[8 * v + 2 * l] = t[2 * l], p[8 * v + 2 * l + 1] = t[2 * l + 1];
    }
  }
}

// ---- float64 lanes ----
template <typename F>
inline void lanes_d(Reg& d, const Reg& a, const Reg& b, int nd, F f) {
  for (int v = 0; v < nd; ++v) {
    double x[2], y[2];
    wasm_v128_store(x, a[v]);
    wasm_v128_store(y, b[v]);
    x[0] = f(x[0], y[0]);
    x[1] = f(x[1], y[1]);
    d[v] = wasm_v128_load(x);
  }
}

static_assert((int)VMathOp::Exp == 0 && (int)VMathOp::Exp2 == 11 && (int)VMathOp::Cbrt == 19,
              "m64::map numbers its functions as VMathOp does");

// Two f64x2 lane masks as four i32 0/1 lanes.
inline v128_t narrow_mask(v128_t lo, v128_t hi) { return bool_mask(wasm_i32x4_shuffle(lo, hi, 0, 2, 4, 6)); }
// The f64 half v (0 or 1) of an i32x4 register as f64x2 after widening by `widen` (of its low lanes).
inline v128_t half(v128_t x, int v) { return v & 1 ? wasm_i32x4_shuffle(x, x, 2, 3, 2, 3) : x; }

#define MAP1(expr)                                   \
  for (int v = 0; v < nv; ++v) {                     \
    v128_t x = A[v];                                 \
    (void)x;                                         \
    D[v] = (expr);                                   \
  }
#define MAP2(expr)                                   \
  for (int v = 0; v < nv; ++v) {                     \
    v128_t x = A[v], y = B[v];                       \
    D[v] = (expr);                                   \
  }
// float64: nd f64x2 vectors; MAPD_MASK gives i32 0/1 lanes (nv vectors) from f64x2 masks.
#define MAPD1(expr)                                  \
  for (int v = 0; v < nd; ++v) {                     \
    v128_t x = A[v];                                 \
    D[v] = (expr);                                   \
  }
#define MAPD2(expr)                                  \
  for (int v = 0; v < nd; ++v) {                     \
    v128_t x = A[v], y = B[v];                       \
    D[v] = (expr);                                   \
  }
#define MAPD_MASK(expr)                              \
  for (int v = 0; v < nv; ++v) {                     \
    v128_t x = A[2 * v], y = B[2 * v];               \
    (void)y;                                         \
    v128_t lo = (expr);                              \
    x = A[2 * v + 1], y = B[2 * v + 1];              \
    D[v] = narrow_mask(lo, (expr));                  \
  }
// f64 -> 32-bit lanes (ascending: each D[v] is written after its sources are read).
#define NARROW(f)                                    \
  for (int v = 0; v < nv; ++v) D[v] = wasm_i32x4_shuffle(f(A[2 * v]), f(A[2 * v + 1]), 0, 1, 4, 5);
// 32-bit lanes -> f64 (descending, for the same reason).
#define WIDEN(f)                                     \
  for (int v = nd - 1; v >= 0; --v) D[v] = f(half(A[v >> 1], v));

// Stores go to outs[i] at the element's flat index minus `shift` (k.out and 0 but in fused reductions).
void run_block(const Kernel& k, int64_t row, int j0, int len, Reg* regs, uint8_t* const* outs, int64_t shift) {
  // Each input's element offset at (row, 0), from the row's coordinates.
  int64_t base[kMaxIn];
  int64_t coord[kMaxRank];
  int64_t r = row;
  for (int d = k.rank - 2; d >= 0; --d) {
    coord[d] = r % k.shape[d];
    r /= k.shape[d];
  }
  coord[k.rank - 1] = 0;
  for (int i = 0; i < k.n_in; ++i) {
    int64_t o = 0;
    for (int d = 0; d < k.rank - 1; ++d) o += coord[d] * k.in[i].strides[d];
    base[i] = o;
  }
  const int nv = (len + 3) / 4, nd = (len + 1) / 2;  // v128s of 32-bit and of 64-bit lanes
  const int32_t* c = k.code;
  for (int n = 0; n < k.n_instr; ++n, c += 5) {
    const int32_t op = c[0];
    Reg& D = regs[c[1] & (kRegs - 1)];
    const Reg& A = regs[c[2] & (kRegs - 1)];
    const Reg& B = regs[c[3] & (kRegs - 1)];
    const Reg& C = regs[c[4] & (kRegs - 1)];
    switch (op) {
      case E_LOAD: load(k, k.in[c[2]], D, &base[c[2]], j0, len); break;
      case E_STORE: store(outs[c[2]], k.out_dtype[c[2]], regs[c[3]], row * k.inner + j0 - shift, len); break;
      case E_STOREC: store_complex(outs[c[2]], regs[c[3]], regs[c[4]], row * k.inner + j0 - shift, len); break;
      case E_CONST: { v128_t x = wasm_i32x4_splat(c[2]); for (int v = 0; v < nv; ++v) D[v] = x; break; }
      case E_INDEX:
        if (c[2] == k.rank - 1) {
          for (int v = 0; v < nv; ++v) D[v] = wasm_i32x4_add(wasm_i32x4_splat(j0 + 4 * v), wasm_i32x4_make(0, 1, 2, 3));
        } else {
          v128_t x = wasm_i32x4_splat((int32_t)coord[c[2]]);
          for (int v = 0; v < nv; ++v) D[v] = x;
        }
        break;
      case E_FADD: MAP2(wasm_f32x4_add(x, y)); break;
      case E_FSUB: MAP2(wasm_f32x4_sub(x, y)); break;
      case E_FMUL: MAP2(wasm_f32x4_mul(x, y)); break;
      case E_FDIV: MAP2(wasm_f32x4_div(x, y)); break;
      case E_FMAX: MAP2(wasm_f32x4_max(x, y)); break;
      case E_FMIN: MAP2(wasm_f32x4_min(x, y)); break;
      case E_FNEG: MAP1(wasm_f32x4_neg(x)); break;
      case E_FABS: MAP1(wasm_f32x4_abs(x)); break;
      case E_FSQRT: MAP1(wasm_f32x4_sqrt(x)); break;
      case E_FRSQRT: MAP1(wasm_f32x4_div(wasm_f32x4_splat(1.0f), wasm_f32x4_sqrt(x))); break;
      case E_FFLOOR: MAP1(wasm_f32x4_floor(x)); break;
      case E_FCEIL: MAP1(wasm_f32x4_ceil(x)); break;
      case E_FROUND_EVEN: MAP1(wasm_f32x4_nearest(x)); break;
      case E_FROUND_AWAY: lanes_f(D, A, A, nv, [](float x, float) { return round_away_s(x); }); break;
      case E_F16ROUND: MAP1(f16_round(x)); break;
      case E_FSIGN:
        MAP1(wasm_v128_bitselect(
            x, wasm_v128_or(wasm_v128_and(x, wasm_i32x4_splat((int32_t)0x80000000)), wasm_f32x4_splat(1.0f)),
            wasm_v128_or(wasm_f32x4_eq(x, wasm_f32x4_splat(0.0f)), wasm_f32x4_ne(x, x))));
        // sign(±0) is +0 in the reference (Math.sign(x) + 0).
        for (int v = 0; v < nv; ++v) D[v] = wasm_v128_andnot(D[v], wasm_v128_and(wasm_f32x4_eq(D[v], wasm_f32x4_splat(0.0f)), wasm_i32x4_splat((int32_t)0x80000000)));
        break;
      case E_FSQUARE: MAP1(wasm_f32x4_mul(x, x)); break;
      case E_FREM: lanes_f(D, A, B, nv, fmod_s); break;
      // float32 pow and atan2 in float64, rounded once, as the reference computes them.
      case E_FPOW: lanes_f(D, A, B, nv, [](float x, float y) { return (float)m64::pow(x, y); }); break;
      case E_FATAN2: lanes_f(D, A, B, nv, [](float y, float x) { return (float)m64::atan2(y, x); }); break;
      case E_FNEXTAFTER: lanes_f(D, A, B, nv, nextafter_s); break;
      case E_FCBRT: lanes_f(D, A, A, nv, [](float x, float) { return cbrt_s(x); }); break;
      case E_FISFINITE: MAP1(bool_mask(wasm_f32x4_eq(wasm_f32x4_sub(x, x), wasm_f32x4_splat(0.0f)))); break;
      case E_FEQ: MAP2(bool_mask(wasm_f32x4_eq(x, y))); break;
      case E_FNE: MAP2(bool_mask(wasm_f32x4_ne(x, y))); break;
      case E_FLT: MAP2(bool_mask(wasm_f32x4_lt(x, y))); break;
      case E_FLE: MAP2(bool_mask(wasm_f32x4_le(x, y))); break;
      case E_FGT: MAP2(bool_mask(wasm_f32x4_gt(x, y))); break;
      case E_FGE: MAP2(bool_mask(wasm_f32x4_ge(x, y))); break;
      case E_VMATH:
        // Registers are contiguous lanes: the array map runs the op's SIMD loop over the block.
        vmath_f32(static_cast<VMathOp>(c[3]), reinterpret_cast<const float*>(A), reinterpret_cast<float*>(D), 4 * nv);
        break;
      case E_IPOW: {
        // Square-and-multiply with the static exponent c[3] (negative: reciprocal after).
        int32_t e = c[3] < 0 ? -c[3] : c[3];
        for (int v = 0; v < nv; ++v) {
          v128_t acc = wasm_f32x4_splat(1.0f), base_v = A[v];
          for (int32_t t = e; t; t >>= 1) {
            if (t & 1) acc = wasm_f32x4_mul(acc, base_v);
            base_v = wasm_f32x4_mul(base_v, base_v);
          }
          D[v] = c[3] < 0 ? wasm_f32x4_div(wasm_f32x4_splat(1.0f), acc) : acc;
        }
        break;
      }
      case E_IADD: MAP2(wasm_i32x4_add(x, y)); break;
      case E_ISUB: MAP2(wasm_i32x4_sub(x, y)); break;
      case E_IMUL: MAP2(wasm_i32x4_mul(x, y)); break;
      case E_IDIV: lanes_i(D, A, B, nv, idiv_s); break;
      case E_IREM: lanes_i(D, A, B, nv, irem_s); break;
      case E_UDIV: lanes_i(D, A, B, nv, udiv_s); break;
      case E_UREM: lanes_i(D, A, B, nv, urem_s); break;
      case E_INEG: MAP1(wasm_i32x4_neg(x)); break;
      case E_IABS: MAP1(wasm_i32x4_abs(x)); break;
      case E_IMAX: MAP2(wasm_i32x4_max(x, y)); break;
      case E_IMIN: MAP2(wasm_i32x4_min(x, y)); break;
      case E_UMAX: MAP2(wasm_u32x4_max(x, y)); break;
      case E_UMIN: MAP2(wasm_u32x4_min(x, y)); break;
      case E_ISIGN: MAP1(wasm_i32x4_sub(bool_mask(wasm_i32x4_gt(x, wasm_i32x4_splat(0))), bool_mask(wasm_i32x4_lt(x, wasm_i32x4_splat(0))))); break;
      case E_USIGN: MAP1(bool_mask(wasm_i32x4_ne(x, wasm_i32x4_splat(0)))); break;
      case E_AND: MAP2(wasm_v128_and(x, y)); break;
      case E_OR: MAP2(wasm_v128_or(x, y)); break;
      case E_XOR: MAP2(wasm_v128_xor(x, y)); break;
      case E_NOT: MAP1(wasm_v128_not(x)); break;
      case E_BNOT: MAP1(wasm_v128_xor(x, wasm_i32x4_splat(1))); break;
      case E_SHLI: MAP1(wasm_i32x4_shl(x, c[3])); break;
      case E_SHRLI: MAP1(wasm_u32x4_shr(x, c[3])); break;
      case E_SHRAI: MAP1(wasm_i32x4_shr(x, c[3])); break;
      case E_ROTLI: MAP1(wasm_v128_or(wasm_i32x4_shl(x, c[3]), wasm_u32x4_shr(x, 32 - c[3]))); break;
      case E_SHL:
      case E_SHRL:
      case E_SHRA:
        // XLA semantics: shift counts outside [0, 32) give 0 (or the sign for arithmetic shifts).
        for (int v = 0; v < nv; ++v) {
          int32_t x[4], y[4];
          wasm_v128_store(x, A[v]);
          wasm_v128_store(y, B[v]);
          for (int l = 0; l < 4; ++l) {
            uint32_t s = (uint32_t)y[l];
            if (op == E_SHL) x[l] = s >= 32 ? 0 : (int32_t)((uint32_t)x[l] << s);
            else if (op == E_SHRL) x[l] = s >= 32 ? 0 : (int32_t)((uint32_t)x[l] >> s);
            else x[l] = s >= 32 ? (x[l] < 0 ? -1 : 0) : (x[l] >> s);
          }
          D[v] = wasm_v128_load(x);
        }
        break;
      case E_IEQ: MAP2(bool_mask(wasm_i32x4_eq(x, y))); break;
      case E_INE: MAP2(bool_mask(wasm_i32x4_ne(x, y))); break;
      case E_ILT: MAP2(bool_mask(wasm_i32x4_lt(x, y))); break;
      case E_ILE: MAP2(bool_mask(wasm_i32x4_le(x, y))); break;
      case E_IGT: MAP2(bool_mask(wasm_i32x4_gt(x, y))); break;
      case E_IGE: MAP2(bool_mask(wasm_i32x4_ge(x, y))); break;
      case E_ULT: MAP2(bool_mask(wasm_u32x4_lt(x, y))); break;
      case E_ULE: MAP2(bool_mask(wasm_u32x4_le(x, y))); break;
      case E_UGT: MAP2(bool_mask(wasm_u32x4_gt(x, y))); break;
      case E_UGE: MAP2(bool_mask(wasm_u32x4_ge(x, y))); break;
      case E_F2I: MAP1(wasm_i32x4_trunc_sat_f32x4(x)); break;
      case E_F2U: MAP1(wasm_u32x4_trunc_sat_f32x4(x)); break;
      case E_I2F: MAP1(wasm_f32x4_convert_i32x4(x)); break;
      case E_U2F: MAP1(wasm_f32x4_convert_u32x4(x)); break;
      case E_TOBOOL: MAP1(bool_mask(truthy(x))); break;
      case E_FTOBOOL: MAP1(bool_mask(wasm_v128_and(wasm_f32x4_ne(x, wasm_f32x4_splat(0.0f)), wasm_f32x4_eq(x, x)))); break;
      case E_SELECT:
        for (int v = 0; v < nv; ++v) D[v] = wasm_v128_bitselect(C[v], B[v], truthy(A[v]));
        break;
      case E_CONST64: {
        v128_t x = wasm_f64x2_splat(__builtin_bit_cast(double, (uint64_t)(uint32_t)c[2] | ((uint64_t)(uint32_t)c[3] << 32)));
        for (int v = 0; v < nd; ++v) D[v] = x;
        break;
      }
      case E_DADD: MAPD2(wasm_f64x2_add(x, y)); break;
      case E_DSUB: MAPD2(wasm_f64x2_sub(x, y)); break;
      case E_DMUL: MAPD2(wasm_f64x2_mul(x, y)); break;
      case E_DDIV: MAPD2(wasm_f64x2_div(x, y)); break;
      case E_DMAX: MAPD2(wasm_f64x2_max(x, y)); break;
      case E_DMIN: MAPD2(wasm_f64x2_min(x, y)); break;
      case E_DNEG: MAPD1(wasm_f64x2_neg(x)); break;
      case E_DABS: MAPD1(wasm_f64x2_abs(x)); break;
      case E_DSQRT: MAPD1(wasm_f64x2_sqrt(x)); break;
      case E_DRSQRT: MAPD1(wasm_f64x2_div(wasm_f64x2_splat(1.0), wasm_f64x2_sqrt(x))); break;
      case E_DFLOOR: MAPD1(wasm_f64x2_floor(x)); break;
      case E_DCEIL: MAPD1(wasm_f64x2_ceil(x)); break;
      case E_DROUND_EVEN: MAPD1(wasm_f64x2_nearest(x)); break;
      case E_DROUND_AWAY: lanes_d(D, A, A, nd, [](double x, double) { return m64::round_away(x); }); break;
      case E_DSIGN: lanes_d(D, A, A, nd, [](double x, double) { return m64::sign(x); }); break;
      case E_DSQUARE: MAPD1(wasm_f64x2_mul(x, x)); break;
      case E_DPOW: lanes_d(D, A, B, nd, m64::pow); break;
      case E_DATAN2: lanes_d(D, A, B, nd, m64::atan2); break;
      case E_DREM: lanes_d(D, A, B, nd, m64::fmod); break;
      case E_DNEXTAFTER: lanes_d(D, A, B, nd, m64::nextafter); break;
      case E_DCBRT: lanes_d(D, A, A, nd, [](double x, double) { return m64::cbrt(x); }); break;
      case E_DISFINITE: MAPD_MASK(wasm_f64x2_eq(wasm_f64x2_sub(x, x), wasm_f64x2_splat(0.0))); break;
      case E_DEQ: MAPD_MASK(wasm_f64x2_eq(x, y)); break;
      case E_DNE: MAPD_MASK(wasm_f64x2_ne(x, y)); break;
      case E_DLT: MAPD_MASK(wasm_f64x2_lt(x, y)); break;
      case E_DLE: MAPD_MASK(wasm_f64x2_le(x, y)); break;
      case E_DGT: MAPD_MASK(wasm_f64x2_gt(x, y)); break;
      case E_DGE: MAPD_MASK(wasm_f64x2_ge(x, y)); break;
      case E_DTOBOOL: MAPD_MASK(wasm_v128_and(wasm_f64x2_ne(x, wasm_f64x2_splat(0.0)), wasm_f64x2_eq(x, x))); break;
      case E_DMATH:
        // Scalar libm64 per lane (no f64 SIMD approximations): ~10-40 ns an element.
        // erf_inv has no float64 function: the compiler keeps it a host call.
        if (!m64::map(c[3], reinterpret_cast<const double*>(A), reinterpret_cast<double*>(D), len)) __builtin_trap();
        break;
      case E_DIPOW: {
        int32_t e = c[3] < 0 ? -c[3] : c[3];
        for (int v = 0; v < nd; ++v) {
          v128_t acc = wasm_f64x2_splat(1.0), base_v = A[v];
          for (int32_t t = e; t; t >>= 1) {
            if (t & 1) acc = wasm_f64x2_mul(acc, base_v);
            base_v = wasm_f64x2_mul(base_v, base_v);
          }
          D[v] = c[3] < 0 ? wasm_f64x2_div(wasm_f64x2_splat(1.0), acc) : acc;
        }
        break;
      }
      case E_D2F: NARROW(wasm_f32x4_demote_f64x2_zero); break;
      case E_D2I: NARROW(wasm_i32x4_trunc_sat_f64x2_zero); break;
      case E_D2U: NARROW(wasm_u32x4_trunc_sat_f64x2_zero); break;
      case E_F2D: WIDEN(wasm_f64x2_promote_low_f32x4); break;
      case E_I2D: WIDEN(wasm_f64x2_convert_low_i32x4); break;
      case E_U2D: WIDEN(wasm_f64x2_convert_low_u32x4); break;
      case E_DSELECT:
        for (int v = nd - 1; v >= 0; --v) {
          const v128_t m = truthy(A[v >> 1]);
          D[v] = wasm_v128_bitselect(C[v], B[v], v & 1 ? wasm_i64x2_extend_high_i32x4(m) : wasm_i64x2_extend_low_i32x4(m));
        }
        break;
      default: __builtin_trap();
    }
  }
}

void run_units(void* ctx, int64_t begin, int64_t end, int) {
  const Kernel& k = *static_cast<const Kernel*>(ctx);
  Reg regs[kRegs];
  for (int64_t u = begin; u < end; ++u) {
    int64_t row = u / k.blocks_per_row;
    int j0 = (int)((u % k.blocks_per_row) * k.block);
    int len = (int)(k.inner - j0 < k.block ? k.inner - j0 : k.block);
    run_block(k, row, j0, len, regs, k.out, 0);
  }
}

}  // namespace

const int32_t* parse_kernel(const int32_t* p, uint8_t* const* slots, Kernel& k) {
  k.rank = *p++;  // at least 1: the compiler writes a 0-d kernel as shape [1]
  for (int d = 0; d < k.rank; ++d) k.shape[d] = *p++;
  k.n_in = *p++;
  bool wide = false;
  for (int i = 0; i < k.n_in; ++i) {
    int32_t slot = *p++, offset = *p++;
    k.in[i].dtype = *p++;
    const int32_t dt = k.in[i].dtype;
    k.in[i].base = slots[slot] + (int64_t)offset * (dt == DT_BOOL ? 1 : dt == DT_F16 ? 2 : dt == DT_F64 ? 8 : 4);
    wide |= k.in[i].dtype == DT_F64;
    for (int d = 0; d < k.rank; ++d) k.in[i].strides[d] = *p++;
  }
  k.n_out = *p++;
  for (int i = 0; i < k.n_out; ++i) {
    k.out[i] = slots[*p++];
    k.out_dtype[i] = *p++;
    wide |= k.out_dtype[i] == DT_F64;
  }
  k.n_instr = *p++;
  k.code = p;
  for (int n = 0; n < k.n_instr; ++n) wide |= p[5 * n] == E_CONST64 || p[5 * n] >= E_DADD;
  k.block = wide ? kBlock64 : kBlock;
  k.inner = k.shape[k.rank - 1];
  k.blocks_per_row = (k.inner + k.block - 1) / k.block;
  return p + 5 * k.n_instr;
}

const int32_t* run_fused(const int32_t* p, uint8_t* const* slots) {
  Kernel k;
  p = parse_kernel(p, slots, k);
  int64_t total = 1;
  for (int d = 0; d < k.rank; ++d) total *= k.shape[d];
  if (total > 0) {
    const bool wide = k.block == kBlock64;
    int64_t units = (total / k.inner) * k.blocks_per_row;
    // Threads get at least ~16k elements each, float64 math far fewer (it is ~10x slower per element).
    parallel_for(units, (wide ? 2048 : 16384) / k.block, run_units, &k);
  }
  return p;
}

void run_kernel_range(const Kernel& k, int64_t e0, int64_t e1, uint8_t* dst) {
  uint8_t* const outs[1] = {dst};
  Reg regs[kRegs];
  for (int64_t e = e0; e < e1;) {
    const int64_t row = e / k.inner;
    const int j0 = (int)(e % k.inner);
    int len = (int)(k.inner - j0 < k.block ? k.inner - j0 : k.block);
    if (len > e1 - e) len = (int)(e1 - e);
    run_block(k, row, j0, len, regs, outs, e0);
    e += len;
  }
}

}  // namespace wj
