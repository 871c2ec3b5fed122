// Vectorised float32 math (see vmath.h for the methods): the op switch, the array map,
// and the scalar float64 path of sin/cos/tan for large arguments.
//
// Measured max error in float32 ulps (tools/vmath_ulp.mjs --points=all: every float in the
// range shown against a float64 reference, |y - v| / ulp(v); outside the ranges the results
// are constant or checked as special values). Wasm SIMD128 has no FMA; these are for
// mul + add. Bounds the tests assert (tests/backends/vmath.spec.ts) in brackets.
//
//   op        max ulp  [bound]  at x              every float in
//   exp        0.989   [1]      -5.8533711        [-104, 90]
//   exp2       1.079   [1.5]    -0.49738851       [-151, 129]
//   expm1      1.450   [1.5]     0.34788671       [-20, 89]
//   log        0.904   [1]       0.70665926       [0, inf]
//   log1p      0.940   [1]       0.28158969       [-1, inf]
//   tanh       1.332   [1.5]    -0.63104421       [-10, 10]
//   logistic   2.402   [2.5]    -4.1572938        [-105, 20]
//   erf        1.212   [1.5]    -0.95096588       [-5, 5]
//   erfinv     2.734   [3]      -0.99514735       [-1, 1]
//   sin        1.287   [1.5]    -120.16622        all floats
//   cos        1.276   [1.5]    -5528.4180        all floats
//   tan        1.823   [2]      -5748.0640        all floats
//   atan       0.967   [1]      -0.69341725       all floats
//   asin       1.934   [2]      -0.52117062       [-1, 1]
//   acos       1.139   [1.5]     0.54470050       [-1, 1]
//   sinh       1.426   [1.5]    -1.1158489        [-90, 90]
//   cosh       1.435   [1.5]    -4.5318217        [-90, 90]
//   asinh      1.331   [1.5]    -1.1747591        all floats
//   acosh      2.172   [2.5]     1.0312651        [1, inf]
//   atanh      1.810   [2]      -0.12126181       [-1, 1]
//   cbrt       0.734   [1]      -2.4331533e38     all floats
// Special values (NaN, +-inf, +-0, overflow and underflow edges) are exact: see the tests.
//
// Throughput, one thread (tools/vmath_ulp.mjs --bench, Node 20, 2-core AMD EPYC VM, 4M
// floats): exp 1.0, exp2 1.1, log 0.6, logistic 0.7, sin/cos 0.5, expm1 0.5, tanh 0.46,
// log1p 0.45, tan 0.4, atan 0.33, erf 0.3 Gelem/s (x 8 bytes read + written = GB/s).
#include "vmath.h"

namespace wj {
namespace vm {
namespace {

// The first 256 bits of the fraction of 2/pi (computed with mpmath; the usual Payne-Hanek
// table starts the same way): 2/pi = 0x0.a2f9836e4e441529...
constexpr uint32_t TWO_OVER_PI[] = {0xa2f9836e, 0x4e441529, 0xfc2757d1, 0xf534ddc0,
                                    0xdb629599, 0x3c439041, 0xfe5163ab, 0xdebbc561};

// 32 bits of 2/pi's fraction starting at bit `start` (bit 1 is the first after the point;
// bits at positions <= 0 are zero).
uint32_t two_over_pi_bits(int start) {
  int o = start - 1 + 64;  // offset by two words so the division below floors
  int w = o / 32 - 2, sh = o % 32;
  auto word = [](int k) -> uint32_t { return k < 0 ? 0u : TWO_OVER_PI[k]; };
  return sh == 0 ? word(w) : (word(w) << sh) | (word(w + 1) >> (32 - sh));
}

// Payne-Hanek for one finite float |x| >= 2^12: x 2/pi = j + y, y in [-1/2, 1/2), returns
// r = y pi/2 in float64 and j mod 4. x = m 2^k (m a 24-bit integer); only the 96 bits of
// 2/pi from 2^-(k+90-95) to 2^-(k+90) matter: higher ones give multiples of 4, lower ones
// less than 2^-66. m times them, modulo 2^92, is y with 2 integer and 90 fraction bits.
double reduce_large(float x, int* quadrant) {
  uint32_t ux = __builtin_bit_cast(uint32_t, x);
  uint64_t m = (ux & 0x7fffff) | 0x800000;
  int last = int((ux >> 23) & 0xff) - 150 + 90;
  uint64_t a2 = two_over_pi_bits(last - 95), a1 = two_over_pi_bits(last - 63), a0 = two_over_pi_bits(last - 31);
  uint64_t p0 = m * a0, p1 = m * a1 + (p0 >> 32), p2 = m * a2 + (p1 >> 32);
  uint64_t hi = ((p2 & 0x0fffffff) << 36) | ((p1 & 0xffffffff) << 4) | ((p0 & 0xffffffff) >> 28);
  uint64_t j = (hi + (uint64_t(1) << 61)) >> 62;  // nearest; 4 wraps to 0 below
  int64_t frac = int64_t(hi - (j << 62));
  *quadrant = int(j & 3);
  return double(frac) * (1.5707963267948966 / 4611686018427387904.0);  // pi/2 * 2^-62
}

// Taylor series on |r| <= pi/4, relative error below 1e-11 (far under a float32 ulp).
double sin_taylor(double r) {
  double z = r * r;
  return r + r * z * (-1.0 / 6 + z * (1.0 / 120 + z * (-1.0 / 5040 + z * (1.0 / 362880 + z * (-1.0 / 39916800)))));
}
double cos_taylor(double r) {
  double z = r * r;
  return 1 + z * (-1.0 / 2 + z * (1.0 / 24 + z * (-1.0 / 720 + z * (1.0 / 40320 + z * (-1.0 / 3628800 + z * (1.0 / 479001600))))));
}

float trig_large(float x, int kind) {
  if (!(__builtin_fabsf(x) < __builtin_inff())) return __builtin_nanf("");
  int q;
  double r = reduce_large(__builtin_fabsf(x), &q);
  if (x < 0) { r = -r; q = -q; }
  double s = sin_taylor(r), c = cos_taylor(r);
  if (kind == 2) return float((q & 1) ? -c / s : s / c);
  q += kind;  // cos(x) = sin(x + pi/2)
  double y = (q & 1) ? c : s;
  return float((q & 2) ? -y : y);
}

}  // namespace

v128_t exp_anywhere(v128_t x, int32_t k) {
  x = clamp(x, -104.0f, 90.0f);
  v128_t t = madd(x, f(LOG2E), ROUNDER);
  v128_t n = sub(t, f(ROUNDER));
  v128_t r = sub(sub(x, mul(n, f(LN2_HI))), mul(n, f(LN2_LO)));
  v128_t p = add(f(1.0f), add(r, exp_poly(r)));
  return ldexp(p, wasm_i32x4_add(wasm_i32x4_sub(t, i(ROUNDER_BITS)), i(k)));
}

v128_t log_anywhere(v128_t x, v128_t tail) {
  v128_t subnormal = wasm_f32x4_lt(x, f(1.17549435e-38f));
  v128_t scaled = select(subnormal, mul(x, f(8388608.0f)), x);  // * 2^23
  v128_t y = log_kernel(scaled, tail, wasm_v128_and(subnormal, i(23)));
  y = select(wasm_f32x4_eq(x, f(__builtin_inff())), x, y);
  y = select(wasm_f32x4_eq(x, f(0.0f)), f(-__builtin_inff()), y);
  return select(wasm_f32x4_ge(x, f(0.0f)), y, f(__builtin_nanf("")));
}

v128_t trig_large_f32x4(v128_t x, v128_t y, v128_t large, int kind) {
  alignas(16) float xs[4], ys[4];
  alignas(16) int32_t ls[4];
  wasm_v128_store(xs, x);
  wasm_v128_store(ys, y);
  wasm_v128_store(ls, large);
  for (int k = 0; k < 4; ++k)
    if (ls[k]) ys[k] = trig_large(xs[k], kind);
  return wasm_v128_load(ys);
}

}  // namespace vm

namespace {

template <v128_t (*F)(v128_t)>
void map_f32(const float* in, float* out, int64_t n) {
  int64_t k = 0;
  for (; k + 4 <= n; k += 4) wasm_v128_store(out + k, F(wasm_v128_load(in + k)));
  if (k < n) {
    alignas(16) float tail[4] = {0, 0, 0, 0};
    for (int64_t t = k; t < n; ++t) tail[t - k] = in[t];
    wasm_v128_store(tail, F(wasm_v128_load(tail)));
    for (int64_t t = k; t < n; ++t) out[t] = tail[t - k];
  }
}

v128_t identity_f32x4(v128_t x) { return x; }

}  // namespace

// One vector through the array map (the executor calls the inline functions instead; one
// switch keeps the code size down).
v128_t vmath_f32x4(VMathOp op, v128_t x) {
  alignas(16) float lanes[4];
  wasm_v128_store(lanes, x);
  vmath_f32(op, lanes, lanes, 4);
  return wasm_v128_load(lanes);
}

void vmath_f32(VMathOp op, const float* in, float* out, int64_t n) {
  switch (op) {
    case VMathOp::Exp: return map_f32<exp_f32x4>(in, out, n);
    case VMathOp::Log: return map_f32<log_f32x4>(in, out, n);
    case VMathOp::Tanh: return map_f32<tanh_f32x4>(in, out, n);
    case VMathOp::Logistic: return map_f32<logistic_f32x4>(in, out, n);
    case VMathOp::Sin: return map_f32<sin_f32x4>(in, out, n);
    case VMathOp::Cos: return map_f32<cos_f32x4>(in, out, n);
    case VMathOp::Erf: return map_f32<erf_f32x4>(in, out, n);
    case VMathOp::Expm1: return map_f32<expm1_f32x4>(in, out, n);
    case VMathOp::Log1p: return map_f32<log1p_f32x4>(in, out, n);
    case VMathOp::Tan: return map_f32<tan_f32x4>(in, out, n);
    case VMathOp::Atan: return map_f32<atan_f32x4>(in, out, n);
    case VMathOp::Exp2: return map_f32<exp2_f32x4>(in, out, n);
    case VMathOp::Asin: return map_f32<asin_f32x4>(in, out, n);
    case VMathOp::Acos: return map_f32<acos_f32x4>(in, out, n);
    case VMathOp::Sinh: return map_f32<sinh_f32x4>(in, out, n);
    case VMathOp::Cosh: return map_f32<cosh_f32x4>(in, out, n);
    case VMathOp::Asinh: return map_f32<asinh_f32x4>(in, out, n);
    case VMathOp::Acosh: return map_f32<acosh_f32x4>(in, out, n);
    case VMathOp::Atanh: return map_f32<atanh_f32x4>(in, out, n);
    case VMathOp::Cbrt: return map_f32<cbrt_f32x4>(in, out, n);
    case VMathOp::ErfInv: return map_f32<erfinv_f32x4>(in, out, n);
    case VMathOp::Count: break;
  }
  map_f32<identity_f32x4>(in, out, n);  // an unknown op copies (never reached from ts/)
}

}  // namespace wj
