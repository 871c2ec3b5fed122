// Vectorised float32 math on SIMD128 lanes (f32x4), for the fused elementwise executor.
//
// Each function below is an approximation over four lanes, branch-free except for rare
// out-of-range lanes (exp beyond +-87.5, sin/cos/tan beyond +-6433), accurate to a few
// float32 ulps (the measured bounds are in vmath.cpp and checked by
// tests/backends/vmath.spec.ts; tools/vmath_ulp.mjs measures them). There is no libm in
// this build, so everything is written here:
//   * range reduction by Cody-Waite (a constant split into parts whose products with the
//     reduced integer are exact), exponent manipulation with integer SIMD ops;
//   * minimax polynomials fitted for these forms and intervals (Lawson's iteratively
//     reweighted least squares on a dense grid against 40-digit mpmath values, then
//     coefficients rounded to float32 one at a time with the rest refitted);
//   * special values as XLA/numpy give them: NaN propagates, overflow gives inf,
//     underflow gives 0 (through the subnormals), log(0) = -inf, log(<0) = NaN, ...
// There is no FMA in SIMD128 (relaxed SIMD is not used here), so every a*b+c rounds twice;
// the polynomial forms keep the large leading terms out of Horner's chain for that reason.
//
// Calling them: the per-op inline functions (exp_f32x4, ...) where the op is known at
// compile time; vmath_f32 over a whole tile where it is a run-time VMathOp (one dispatch
// per tile; a v128_t array is a float array: vmath_f32(op, (const float*)A, (float*)D,
// 4 * nv), in place allowed); vmath_f32x4 for a single vector (one dispatch per call).
#pragma once
#include <stdint.h>
#include <wasm_simd128.h>

namespace wj {

// The functions with a vector implementation; values shared with ts/compiler (Op codes
// of the fused executor use their own numbering, see bytecode.h).
enum class VMathOp : int32_t {
  Exp = 0, Log, Tanh, Logistic, Sin, Cos, Erf, Expm1, Log1p, Tan, Atan, Exp2,
  Asin, Acos, Sinh, Cosh, Asinh, Acosh, Atanh, Cbrt, ErfInv,
  Count
};

v128_t vmath_f32x4(VMathOp op, v128_t x);

// out[i] = op(in[i]) for n floats; out may be in (the tile entry point, and the test and
// benchmark one through wj_vmath_f32).
void vmath_f32(VMathOp op, const float* in, float* out, int64_t n);

// ---- lane helpers ------------------------------------------------------------------
namespace vm {

inline v128_t f(float c) { return wasm_f32x4_splat(c); }
inline v128_t i(int32_t c) { return wasm_i32x4_splat(c); }
inline v128_t add(v128_t a, v128_t b) { return wasm_f32x4_add(a, b); }
inline v128_t sub(v128_t a, v128_t b) { return wasm_f32x4_sub(a, b); }
inline v128_t mul(v128_t a, v128_t b) { return wasm_f32x4_mul(a, b); }
inline v128_t div(v128_t a, v128_t b) { return wasm_f32x4_div(a, b); }
// a*b + c, rounded twice (no FMA in SIMD128).
inline v128_t madd(v128_t a, v128_t b, float c) { return add(mul(a, b), f(c)); }
// mask ? a : b, lane-wise (mask lanes are all ones or all zeros).
inline v128_t select(v128_t mask, v128_t a, v128_t b) { return wasm_v128_bitselect(a, b, mask); }
inline v128_t abs(v128_t x) { return wasm_f32x4_abs(x); }
// x clamped to [lo, hi], NaN kept. pmin/pmax (one minps/maxps on x64; "b < a ? b : a")
// return their first operand for NaN; f32x4.min/max take several instructions there.
inline v128_t clamp(v128_t x, float lo, float hi) { return wasm_f32x4_pmax(wasm_f32x4_pmin(x, f(hi)), f(lo)); }
inline v128_t signbit(v128_t x) { return wasm_v128_and(x, i(INT32_MIN)); }
// y with its sign flipped where s (a sign bit, e.g. signbit(x)) is set.
inline v128_t xor_sign(v128_t y, v128_t s) { return wasm_v128_xor(y, s); }

// Horner's rule for c[0] + x c[1] + ... + x^(N-1) c[N-1].
template <int N>
inline v128_t poly(v128_t x, const float (&c)[N]) {
  v128_t p = f(c[N - 1]);
  for (int k = N - 2; k >= 0; --k) p = madd(p, x, c[k]);
  return p;
}

// 2^n for integer lanes n in [-126, 127], built from the exponent field.
inline v128_t pow2i(v128_t n) { return wasm_i32x4_shl(wasm_i32x4_add(n, i(127)), 23); }

// x * 2^n for x in [0.5, 2] and n in [-252, 254], in two exact-until-the-last steps, so that
// results needing 2^128 (x < 1, n = 128) or landing in the subnormals round once, correctly.
inline v128_t ldexp(v128_t x, v128_t n) {
  v128_t n1 = wasm_i32x4_shr(n, 1);
  return mul(mul(x, pow2i(n1)), pow2i(wasm_i32x4_sub(n, n1)));
}

// ln 2 = LN2_HI + LN2_LO with LN2_HI = 0x1.62e4p-1 (15 significant bits), so n * LN2_HI
// is exact for |n| < 512.
constexpr float LN2_HI = 0.693145751953125f, LN2_LO = 1.42860677e-6f;
constexpr float LOG2E = 1.44269502f;

// Rounding to an integer by adding 1.5 * 2^23: the sum's low mantissa bits hold the integer
// (two's complement), so t - ROUNDER is the float and bits(t) - bits(ROUNDER) the int32,
// without f32x4.nearest or i32x4.trunc_sat (several instructions each on x64). Valid for
// |v| < 2^22.
constexpr float ROUNDER = 12582912.0f;
constexpr int32_t ROUNDER_BITS = 0x4b400000;

// e^r - 1 - r for |r| <= ln2/2 as r^2 P(r), P minimax (relative error of e^r 3.1e-9).
inline v128_t exp_poly(v128_t r) {
  static constexpr float P[] = {4.999999404e-01f, 1.666652262e-01f, 4.166829214e-02f,
                                8.368532173e-03f, 1.381830196e-03f};
  return mul(mul(r, r), poly(r, P));
}

// e^x for |x| <= 87.5 (and NaN), where 2^n is a normal float: x = n ln2 + r (Cody-Waite),
// e^r = 1 + r + r^2 P(r), then one multiplication by 2^n. The core of the exp-based ops.
inline v128_t exp_inrange(v128_t x) {
  v128_t t = madd(x, f(LOG2E), ROUNDER);
  v128_t n = sub(t, f(ROUNDER));
  v128_t r = sub(sub(x, mul(n, f(LN2_HI))), mul(n, f(LN2_LO)));
  v128_t p = add(f(1.0f), add(r, exp_poly(r)));
  // bits(t) = bits(ROUNDER) + n; shifting left by 23 drops ROUNDER's bits and leaves n + 127
  // in the exponent field once 127 is added.
  return mul(p, wasm_i32x4_shl(wasm_i32x4_add(t, i(127)), 23));
}

// e^x * 2^k for any x (vmath.cpp): clamped to [-104, 90], where the result is already 0 or
// inf, with two-step scaling for results near overflow and in the subnormals. The slow path
// of exp_f32x4, cosh and sinh.
v128_t exp_anywhere(v128_t x, int32_t k);

// e^x: the fast path, and exp_anywhere for lanes beyond +-87.5 (rare in practice).
inline v128_t exp_checked(v128_t x) {
  v128_t y = exp_inrange(x);
  v128_t far = wasm_f32x4_gt(abs(x), f(87.5f));  // false for NaN, which is already right
  if (wasm_v128_any_true(far)) y = select(far, exp_anywhere(x, 0), y);
  return y;
}

// log(x) + tail for normal positive finite x and a small correction `tail` (used by log1p).
// x = 2^e m with m in [sqrt(1/2), sqrt(2)), f = m - 1, and log(1 + f) = f - f^2/2 + f^3 P(f),
// P minimax (relative error 5.8e-9). ln 2 is split as 0.693359375 (9 bits, e * hi exact)
// - 2.12194440e-4 (Cephes' split).
// (e_sub is subtracted from the exponent: log_anywhere's scaling of subnormals.)
inline v128_t log_kernel(v128_t x, v128_t tail, v128_t e_sub = wasm_i32x4_splat(0)) {
  static constexpr float P[] = {3.333333135e-01f, -2.500081956e-01f, 2.000124156e-01f,
                                -1.662340909e-01f, 1.420157999e-01f, -1.315961033e-01f,
                                1.276221722e-01f, -7.636439055e-02f};
  // Musl's trick: subtracting the bits of sqrt(1/2) puts m's range boundary on an exponent.
  v128_t ix = wasm_i32x4_sub(x, i(0x3f3504f3));
  v128_t e = wasm_i32x4_sub(wasm_i32x4_shr(ix, 23), e_sub);
  v128_t m = wasm_i32x4_add(wasm_v128_and(ix, i(0x007fffff)), i(0x3f3504f3));
  v128_t fm = sub(m, f(1.0f));
  v128_t fe = wasm_f32x4_convert_i32x4(e);
  v128_t z = mul(fm, fm);
  v128_t y = sub(mul(mul(fm, z), poly(fm, P)), mul(z, f(0.5f)));
  y = add(y, add(mul(fe, f(-2.12194440e-4f)), tail));
  return add(add(fm, y), mul(fe, f(0.693359375f)));
}

// log(x) + tail for any x (vmath.cpp): subnormals scaled by 2^23 first; log(0) = -inf,
// log(inf) = inf, log(<0) and log(NaN) = NaN. The slow path of log_checked.
v128_t log_anywhere(v128_t x, v128_t tail);

// log(x) + tail: the kernel, and log_anywhere when a lane is not a normal positive float.
inline v128_t log_checked(v128_t x, v128_t tail) {
  v128_t y = log_kernel(x, tail);
  v128_t normal = wasm_v128_and(wasm_f32x4_ge(x, f(1.17549435e-38f)), wasm_f32x4_lt(x, f(__builtin_inff())));
  if (!wasm_i32x4_all_true(normal)) y = log_anywhere(x, tail);
  return y;
}

// expm1 on the reduction of exp: expm1(r) = r + r^2/2 + r^3 P(r), P minimax (relative
// error 4.3e-10), then expm1(x) = 2^n expm1(r) + (2^n - 1).
inline v128_t expm1_core(v128_t x_in) {
  static constexpr float P[] = {1.666666567e-01f, 4.166649282e-02f, 8.333547972e-03f,
                                1.393230865e-03f, 1.976019121e-04f};
  // Below -30 the result rounds to -1; above 89 it overflows.
  v128_t x = clamp(x_in, -30.0f, 89.0f);
  v128_t t = madd(x, f(LOG2E), ROUNDER);
  v128_t n = sub(t, f(ROUNDER));
  v128_t r = sub(sub(x, mul(n, f(LN2_HI))), mul(n, f(LN2_LO)));
  v128_t p = add(r, mul(mul(r, r), madd(r, poly(r, P), 0.5f)));
  v128_t ni = wasm_i32x4_sub(t, i(ROUNDER_BITS));
  v128_t s = pow2i(wasm_i32x4_min(ni, i(127)));
  v128_t y = add(mul(s, p), sub(s, f(1.0f)));
  // n = 128 (x in (88.4, 89]): 2^128 is not a float; the -1 does not matter there.
  y = mul(y, select(wasm_i32x4_gt(ni, i(127)), f(2.0f), f(1.0f)));
  y = select(wasm_i32x4_eq(ni, i(0)), p, y);  // n = 0 saves a rounding
  return select(wasm_f32x4_eq(x, f(0.0f)), x_in, y);  // expm1(-0) = -0
}

// log1p(x + lo) for a small lo (a rounding error carried along by the caller). With u = 1 + x
// rounded, log1p = log(u) + c/u where c = (1 + x) - u + lo; (1 + x) - u is exact (Sterbenz:
// for u < 2, u - 1 and x - (u - 1) are exact; for u >= 2, u - x and 1 - (u - x) are).
inline v128_t log1p_core(v128_t x, v128_t lo) {
  v128_t u = add(f(1.0f), x);
  v128_t c = select(wasm_f32x4_lt(u, f(2.0f)), sub(x, sub(u, f(1.0f))), sub(f(1.0f), sub(u, x)));
  v128_t y = log_checked(u, div(add(c, lo), u));
  return select(wasm_f32x4_eq(x, f(0.0f)), x, y);  // keeps -0
}

// a + b as hi + *lo exactly, for |a| >= |b| (Dekker's Fast2Sum).
inline v128_t fast_two_sum(v128_t a, v128_t b, v128_t* lo) {
  v128_t s = add(a, b);
  *lo = sub(b, sub(s, a));
  return s;
}

// Scalar float64 path for sin/cos/tan lanes with |x| > TRIG_FAST_MAX (vmath.cpp): exact
// Payne-Hanek reduction with the bits of 2/pi. kind: 0 sin, 1 cos, 2 tan.
v128_t trig_large_f32x4(v128_t x, v128_t y, v128_t large, int kind);

// Lanes with |x| <= TRIG_FAST_MAX reduce in float32: j = nearest(x 2/pi) <= 4096 has 12 bits,
// so the products with the 12-bit parts of pi/2 below are exact.
constexpr float TRIG_FAST_MAX = 6433.0f;

// Cody-Waite x = j pi/2 + r, |r| <= pi/4, with pi/2 = PIO2_1 + PIO2_2 + PIO2_3 + PIO2_4
// (the first three have at most 12 significant bits; the rest is 8e-20). r comes back as r + *lo,
// the rounding errors of the last two steps caught exactly (Fast2Sum). The closest float to
// a multiple of pi/2 in range is 161 pi/2 - 4.2e-9 away, well above the error (~1e-17).
// *q holds j in its low bits (bits(ROUNDER) is a multiple of 4).
inline v128_t trig_reduce(v128_t x, v128_t* q, v128_t* lo) {
  v128_t t = madd(x, f(0.636619772f), ROUNDER);
  v128_t n = sub(t, f(ROUNDER));
  v128_t r2 = sub(sub(x, mul(n, f(1.5703125f))), mul(n, f(4.83751296997e-4f)));  // exact
  v128_t p3 = mul(n, f(7.54953362048e-8f));                                        // exact
  v128_t r3 = sub(r2, p3);
  v128_t p4 = mul(n, f(2.56334406825708960e-12f));
  v128_t r = sub(r3, p4);
  *lo = add(sub(sub(r3, r), p4), sub(sub(r2, r3), p3));
  *q = t;
  return r;
}

// sin(r) = r + r^3 S(r^2) and cos(r) = 1 - r^2/2 + r^4 C(r^2) on |r| <= pi/4, S and C
// minimax (relative errors 4.0e-9 and 1.2e-10); lo is the low part of r.
inline v128_t sin_poly(v128_t r, v128_t lo, v128_t z) {
  static constexpr float S[] = {-1.666665524e-01f, 8.332189173e-03f, -1.951829181e-04f};
  return add(r, add(lo, mul(mul(r, z), poly(z, S))));
}
inline v128_t cos_poly(v128_t r, v128_t lo, v128_t z) {
  static constexpr float C[] = {4.166664556e-02f, -1.388730947e-03f, 2.443232734e-05f};
  return add(sub(f(1.0f), mul(z, f(0.5f))), sub(mul(mul(z, z), poly(z, C)), mul(r, lo)));
}

// sin (shift 0) or cos (shift 1): quadrant q = j + shift picks sin(r) or cos(r) (bit 0)
// and the sign (bit 1). It reduces |x| (sin is odd, cos even), so that sin(-0) = -0.
inline v128_t sincos(v128_t x, int shift) {
  v128_t q, lo;
  v128_t r = trig_reduce(abs(x), &q, &lo);
  v128_t z = mul(r, r);
  q = wasm_i32x4_add(q, i(shift));
  v128_t odd = wasm_i32x4_eq(wasm_v128_and(q, i(1)), i(1));
  v128_t y = select(odd, cos_poly(r, lo, z), sin_poly(r, lo, z));
  v128_t sign = wasm_i32x4_shl(wasm_i32x4_shr(q, 1), 31);
  y = xor_sign(y, shift ? sign : wasm_v128_xor(sign, signbit(x)));
  v128_t large = wasm_f32x4_gt(abs(x), f(TRIG_FAST_MAX));
  if (wasm_v128_any_true(large)) y = trig_large_f32x4(x, y, large, shift);
  return y;
}

}  // namespace vm

// ---- the functions ----------------------------------------------------------------

// e^x. Overflow (x > 88.72) gives inf, underflow goes through the subnormals to 0.
inline v128_t exp_f32x4(v128_t x) { return vm::exp_checked(x); }

// 2^x: x = n + r, |r| <= 1/2 (exact), 2^r = 1 + r P(r), P minimax (relative error 3.0e-9).
// x is clamped to [-160, 130] (the result is 0 or inf beyond) and scaled in two steps.
inline v128_t exp2_f32x4(v128_t x) {
  using namespace vm;
  static constexpr float P[] = {6.931471825e-01f, 2.402264774e-01f, 5.550359935e-02f,
                                9.618505836e-03f, 1.339080627e-03f, 1.532647148e-04f};
  x = clamp(x, -160.0f, 130.0f);
  v128_t t = add(x, f(ROUNDER));
  v128_t r = sub(x, sub(t, f(ROUNDER)));
  v128_t p = add(f(1.0f), mul(r, poly(r, P)));
  return ldexp(p, wasm_i32x4_sub(t, i(ROUNDER_BITS)));
}

// e^x - 1, accurate near 0.
inline v128_t expm1_f32x4(v128_t x) { return vm::expm1_core(x); }

// Natural log; log(0) = -inf, log(x < 0) = NaN.
inline v128_t log_f32x4(v128_t x) { return vm::log_checked(x, vm::f(0.0f)); }

// log(1 + x), accurate near 0; log1p(-1) = -inf, log1p(x < -1) = NaN.
inline v128_t log1p_f32x4(v128_t x) { return vm::log1p_core(x, vm::f(0.0f)); }

// tanh: |x| < 0.625: x + x^3 P(x^2), P minimax (relative error 4.5e-9); else
// 1 - 2/(e^{2|x|} + 1) with x's sign (e^{2|x|} is clamped so it saturates at 1, never NaN).
inline v128_t tanh_f32x4(v128_t x) {
  using namespace vm;
  static constexpr float P[] = {-3.333328068e-01f, 1.333140582e-01f, -5.373651534e-02f,
                                2.062816732e-02f, -5.692296661e-03f};
  v128_t a = abs(x);  // tanh is odd: computed on |x|, the sign goes back on at the end
  v128_t z = mul(a, a);
  v128_t small = add(a, mul(mul(a, z), poly(z, P)));
  v128_t e = exp_inrange(mul(wasm_f32x4_pmin(a, f(10.0f)), f(2.0f)));
  v128_t large = sub(f(1.0f), div(f(2.0f), add(e, f(1.0f))));
  return xor_sign(select(wasm_f32x4_lt(a, f(0.625f)), small, large), signbit(x));
}

// logistic(x) = 1/(1 + e^-x), computed as e/(1 + e) with e = e^{-|x|} for x < 0 so that
// very negative x underflows gracefully (logistic(-100) is 3.7e-44, not 0).
inline v128_t logistic_f32x4(v128_t x) {
  using namespace vm;
  v128_t e = exp_checked(wasm_f32x4_neg(abs(x)));
  return div(select(wasm_f32x4_lt(x, f(0.0f)), e, f(1.0f)), add(f(1.0f), e));
}

// sin and cos: float32 Cody-Waite reduction for |x| <= 6433, a float64 Payne-Hanek path
// (scalar, slower) for the lanes beyond; sin(+-inf) = NaN.
inline v128_t sin_f32x4(v128_t x) { return vm::sincos(x, 0); }
inline v128_t cos_f32x4(v128_t x) { return vm::sincos(x, 1); }

// tan(r) = r + r^3 T(r^2), T minimax (relative error 1.3e-9) on |r| <= pi/4, and
// tan(x) = -1/tan(r) in the odd quadrants.
inline v128_t tan_f32x4(v128_t x) {
  using namespace vm;
  static constexpr float T[] = {3.333334923e-01f, 1.333267540e-01f, 5.405891314e-02f,
                                2.128620818e-02f, 1.082744356e-02f, 9.824668086e-05f,
                                4.372695927e-03f};
  v128_t q, lo;
  v128_t r = trig_reduce(abs(x), &q, &lo);  // tan is odd: the sign goes back on at the end
  v128_t z = mul(r, r);
  v128_t t = add(r, add(lo, mul(mul(r, z), poly(z, T))));
  v128_t odd = wasm_i32x4_eq(wasm_v128_and(q, i(1)), i(1));
  v128_t y = xor_sign(select(odd, div(f(-1.0f), t), t), signbit(x));
  v128_t large = wasm_f32x4_gt(abs(x), f(TRIG_FAST_MAX));
  if (wasm_v128_any_true(large)) y = trig_large_f32x4(x, y, large, 2);
  return y;
}

// atan: |x| is reduced to |t| <= 7/16 around the breakpoints 0, 1/2, 1, 3/2, inf (fdlibm's
// atanf ranges, so that atan(c) + atan(t) never cancels much; one division for all):
// atan(x) = atan(c) + atan((x - c)/(1 + c x)). Then atan(t) = t + t^3 P(t^2), P minimax
// (relative error 1.3e-9); atan(c) is added as hi + lo.
inline v128_t atan_f32x4(v128_t x) {
  using namespace vm;
  static constexpr float P[] = {-3.333330452e-01f, 1.999778152e-01f, -1.423017234e-01f,
                                1.049410850e-01f, -5.825639144e-02f};
  v128_t a = abs(x);
  // Ranges [7/16, 11/16), [11/16, 19/16), [19/16, 39/16), [39/16, inf]; below: t = a.
  v128_t r1 = wasm_f32x4_ge(a, f(0.4375f)), r2 = wasm_f32x4_ge(a, f(0.6875f));
  v128_t r3 = wasm_f32x4_ge(a, f(1.1875f)), r4 = wasm_f32x4_ge(a, f(2.4375f));
  // The numerators are exact: 2a - 1, a - 1 and a - 3/2 by Sterbenz's lemma.
  v128_t num = select(r4, f(-1.0f), select(r3, sub(a, f(1.5f)), select(r2, sub(a, f(1.0f)),
                      select(r1, sub(add(a, a), f(1.0f)), a))));
  v128_t den = select(r4, a, select(r3, madd(a, f(1.5f), 1.0f), select(r2, add(a, f(1.0f)),
                      select(r1, add(a, f(2.0f)), f(1.0f)))));
  v128_t hi = select(r4, f(1.57079637f), select(r3, f(0.982793748f), select(r2, f(0.785398185f),
                     select(r1, f(0.463647604f), f(0.0f)))));
  v128_t lo = select(r4, f(-4.37113883e-8f), select(r3, f(-2.51314241e-8f), select(r2, f(-2.18556941e-8f),
                     select(r1, f(5.01215869e-9f), f(0.0f)))));
  v128_t t = div(num, den);
  v128_t z = mul(t, t);
  v128_t y = add(hi, add(lo, add(t, mul(mul(t, z), poly(z, P)))));
  return xor_sign(y, signbit(x));
}

// erf: |x| < 0.921875: x + x P(x^2), P minimax (relative error 8.9e-10); else
// 1 - exp(Q(|x|) - x^2) with Q(t) ~ log(erfc(t)) + t^2 minimax on [0.921875, 4] (error
// 1.5e-9 relative to erf); |x| is clamped at 4, where erf rounds to 1. (The split and the
// exp(polynomial) form follow N. Juffa's erff; the coefficients are our own fit.)
inline v128_t erf_f32x4(v128_t x) {
  using namespace vm;
  static constexpr float P[] = {1.283791661e-01f, -3.761262894e-01f, 1.128362566e-01f,
                                -2.685572952e-02f, 5.192392506e-03f, -8.049514727e-04f,
                                7.995048509e-05f};
  static constexpr float Q[] = {-1.985540002e-04f, -1.127663732e+00f, 3.627977073e-01f,
                                -1.039139777e-01f, 2.221840806e-02f, -3.041076008e-03f,
                                1.957183122e-04f};
  v128_t a = abs(x);  // erf is odd: computed on |x|, the sign goes back on at the end
  v128_t small = add(a, mul(a, poly(mul(a, a), P)));
  v128_t t = wasm_f32x4_pmin(a, f(4.0f));
  v128_t large = sub(f(1.0f), exp_inrange(sub(poly(t, Q), mul(t, t))));
  return xor_sign(select(wasm_f32x4_lt(a, f(0.921875f)), small, large), signbit(x));
}

namespace vm {
// asin(s) = s + s^3 P(s^2) for 0 <= s <= 1/2 given z = s^2, P minimax (relative error
// 4.9e-9); shared by asin and acos.
inline v128_t asin_poly(v128_t s, v128_t z) {
  static constexpr float P[] = {1.666675210e-01f, 7.495309412e-02f, 4.546914995e-02f,
                                2.418477833e-02f, 4.215830564e-02f};
  return add(s, mul(mul(s, z), poly(z, P)));
}
}  // namespace vm

// asin: |x| <= 1/2: asin_poly(x); else pi/2 - 2 asin(sqrt((1 - |x|)/2)) (Cephes' reduction).
inline v128_t asin_f32x4(v128_t x) {
  using namespace vm;
  v128_t a = abs(x);
  v128_t big = wasm_f32x4_gt(a, f(0.5f));
  v128_t z = select(big, mul(sub(f(1.0f), a), f(0.5f)), mul(a, a));
  v128_t s = select(big, wasm_f32x4_sqrt(z), a);  // |x| > 1: sqrt(<0) is NaN
  v128_t p = asin_poly(s, z);
  v128_t y = select(big, add(sub(f(1.57079637f), add(p, p)), f(-4.37113883e-8f)), p);
  return xor_sign(y, signbit(x));
}

// acos: |x| <= 1/2: pi/2 - asin(x); x > 1/2: 2 asin(sqrt((1 - x)/2));
// x < -1/2: pi - 2 asin(sqrt((1 + x)/2)).
inline v128_t acos_f32x4(v128_t x) {
  using namespace vm;
  v128_t a = abs(x);
  v128_t big = wasm_f32x4_gt(a, f(0.5f));
  v128_t z = select(big, mul(sub(f(1.0f), a), f(0.5f)), mul(a, a));
  v128_t s = select(big, wasm_f32x4_sqrt(z), x);
  v128_t p = asin_poly(s, z);
  v128_t neg = wasm_f32x4_lt(x, f(0.0f));
  v128_t mid = sub(f(1.57079637f), sub(p, f(-4.37113883e-8f)));
  v128_t tail = select(neg, sub(f(3.14159274f), sub(add(p, p), f(-8.74227766e-8f))), add(p, p));
  return select(big, tail, mid);
}

// cosh = h + 1/(4h) with h = e^|x| / 2 (scaled inside exp, so cosh(89) = 2.2e38 is finite).
inline v128_t cosh_f32x4(v128_t x) {
  using namespace vm;
  v128_t a = abs(x);
  v128_t h = mul(exp_inrange(a), f(0.5f));
  v128_t far = wasm_f32x4_gt(a, f(87.5f));
  if (wasm_v128_any_true(far)) h = select(far, exp_anywhere(a, -1), h);
  return add(h, div(f(0.25f), h));
}

// sinh: |x| < 1: x + x^3 P(x^2), P minimax (relative error 3.0e-10); else
// (u + u/(u + 1))/2 with u = expm1(|x|) (fdlibm's form, no cancellation), and e^|x|/2
// where u would overflow (|x| > 88).
inline v128_t sinh_f32x4(v128_t x) {
  using namespace vm;
  static constexpr float P[] = {1.666666716e-01f, 8.333310485e-03f, 1.984289556e-04f,
                                2.782213187e-06f};
  v128_t a = abs(x);
  v128_t z = mul(a, a);
  v128_t small = add(a, mul(mul(a, z), poly(z, P)));
  v128_t u = expm1_core(a);
  v128_t y = select(wasm_f32x4_lt(a, f(1.0f)), small, mul(f(0.5f), add(u, div(u, add(u, f(1.0f))))));
  v128_t big = wasm_f32x4_gt(a, f(88.0f));
  if (wasm_v128_any_true(big)) y = select(big, exp_anywhere(a, -1), y);
  return xor_sign(y, signbit(x));
}

// asinh = log1p(|x| + x^2/(1 + sqrt(1 + x^2))) (fdlibm's form; the sum's rounding error goes
// to log1p too); for |x| > 2^62, where x^2 would overflow, log1p(|x|) + ln 2 (= log(2|x|)
// to float precision).
inline v128_t asinh_f32x4(v128_t x) {
  using namespace vm;
  v128_t a = abs(x);
  v128_t a2 = mul(a, a);
  v128_t lo;
  v128_t t = fast_two_sum(a, div(a2, add(f(1.0f), wasm_f32x4_sqrt(add(f(1.0f), a2)))), &lo);
  v128_t big = wasm_f32x4_gt(a, f(4.61168602e18f));  // 2^62
  v128_t y = log1p_core(select(big, a, t), select(big, f(0.0f), lo));
  y = add(y, select(big, f(0.693147182f), f(0.0f)));
  return xor_sign(y, signbit(x));
}

// acosh = log1p((x - 1) + sqrt((x - 1)(x + 1))) for x >= 1 (x - 1 exact near 1, the sum's
// rounding error goes to log1p too); log1p(x) + ln 2 for x > 2^62; NaN for x < 1.
inline v128_t acosh_f32x4(v128_t x) {
  using namespace vm;
  v128_t xm1 = sub(x, f(1.0f));
  v128_t lo;
  v128_t t = fast_two_sum(wasm_f32x4_sqrt(mul(xm1, add(x, f(1.0f)))), xm1, &lo);
  v128_t big = wasm_f32x4_gt(x, f(4.61168602e18f));
  v128_t y = log1p_core(select(big, x, t), select(big, f(0.0f), lo));
  y = add(y, select(big, f(0.693147182f), f(0.0f)));
  return select(wasm_f32x4_lt(x, f(1.0f)), f(__builtin_nanf("")), y);
}

// atanh = log1p(2a + 2a^2/(1 - a))/2 with a = |x| (fdlibm's form); +-1 gives +-inf,
// |x| > 1 gives NaN (log1p of a number below -1).
inline v128_t atanh_f32x4(v128_t x) {
  using namespace vm;
  v128_t a = abs(x);
  v128_t a2 = add(a, a);
  v128_t y = mul(f(0.5f), log1p_core(add(a2, div(mul(a2, a), sub(f(1.0f), a))), f(0.0f)));
  y = select(wasm_f32x4_gt(a, f(1.0f)), f(__builtin_nanf("")), y);  // 2a + ... can cancel to 0
  return xor_sign(y, signbit(x));
}

// cbrt: a bit-level first guess (fdlibm's cbrtf: bits/3 + 709958130, within ~6%), one
// Halley step y (y^3 + 2a)/(2y^3 + a), and a final Newton step y - (y - a/y^2)/3 whose
// correction is small, so its rounding errors are too. |x| < 2^-100 and > 2^100 are scaled
// by 2^48 and 2^-48 first so that y^3 neither underflows nor overflows.
inline v128_t cbrt_f32x4(v128_t x) {
  using namespace vm;
  v128_t a = abs(x);
  v128_t tiny = wasm_f32x4_lt(a, f(7.88860905e-31f));  // 2^-100
  v128_t huge = wasm_f32x4_gt(a, f(1.26765060e30f));   // 2^100
  v128_t as = mul(a, select(tiny, f(2.81474977e14f), select(huge, f(3.55271368e-15f), f(1.0f))));
  // bits/3 through float (the rounding of the int-to-float conversion is harmless here).
  v128_t third = wasm_i32x4_trunc_sat_f32x4(mul(wasm_f32x4_convert_i32x4(as), f(1.0f / 3.0f)));
  v128_t y = wasm_i32x4_add(third, i(709958130));
  v128_t y3 = mul(mul(y, y), y);
  y = mul(y, div(add(y3, add(as, as)), add(add(y3, y3), as)));
  y = sub(y, mul(sub(y, div(as, mul(y, y))), f(1.0f / 3.0f)));
  y = mul(y, select(tiny, f(1.52587891e-5f), select(huge, f(65536.0f), f(1.0f))));  // 2^-16, 2^16
  v128_t finite_nonzero = wasm_v128_and(wasm_f32x4_gt(a, f(0.0f)), wasm_f32x4_lt(a, f(__builtin_inff())));
  return select(finite_nonzero, wasm_v128_or(y, signbit(x)), x);  // 0, inf, NaN: x itself
}

// erfinv (Giles, "Approximating the erfinv function", 2010): w = -log((1 - x)(1 + x)),
// erfinv(x) = x p(w) with p a polynomial in w - 2.5 for w < 5 and in sqrt(w) - 3 beyond;
// our own minimax fits of higher degree than Giles' (relative errors 2.3e-9 and 5.7e-9
// before rounding the coefficients). erfinv(+-1) = +-inf.
inline v128_t erfinv_f32x4(v128_t x) {
  using namespace vm;
  static constexpr float C[] = {1.501409411e+00f, 2.466402799e-01f, -4.177772906e-03f,
                                -1.252755756e-03f, 2.188015787e-04f, -4.941427960e-06f,
                                -3.652242640e-06f, 4.588578406e-07f, 5.535004988e-08f,
                                -8.104771076e-09f, -1.908115221e-09f};
  static constexpr float T[] = {2.832976818e+00f, 1.001675248e+00f, 9.445345961e-03f,
                                -7.641144097e-03f, 5.684721284e-03f, -3.581573023e-03f,
                                1.492805197e-03f, -8.259293827e-05f, -3.164662630e-04f,
                                1.306663908e-04f};
  v128_t a = abs(x);
  v128_t w = wasm_f32x4_neg(log_f32x4(mul(sub(f(1.0f), a), add(f(1.0f), a))));
  v128_t central = poly(sub(w, f(2.5f)), C);
  v128_t tail = poly(sub(wasm_f32x4_sqrt(w), f(3.0f)), T);
  v128_t y = mul(x, select(wasm_f32x4_lt(w, f(5.0f)), central, tail));
  return select(wasm_f32x4_eq(a, f(1.0f)), wasm_v128_or(f(__builtin_inff()), signbit(x)), y);
}

}  // namespace wj
