// Float32 math for the WebGPU backend's kernels: the same methods and coefficients as the wasm
// core's core-cpp/vmath.h (Cody-Waite reduction, minimax polynomials, special values as XLA
// gives them), one scalar at a time. WGSL's own exp, log, sin, ... are not used: their
// required accuracy is loose (sin may be off by 2^-11 absolute), and implementations differ.
// NaN and infinity are tested on bits: a shader compiler may assume x == x.
// tests/webgpu/vmath.spec.ts measures every function against float64 on the adapter.

const VM_INF: u32 = 0x7f800000u;
const VM_NAN: u32 = 0x7fc00000u;
const VM_LN2_HI: f32 = 0.693145751953125;
const VM_LN2_LO: f32 = 1.42860677e-6;
const VM_LOG2E: f32 = 1.44269502;
const VM_TRIG_FAST_MAX: f32 = 6433.0;

// x, as a value the compiler cannot reason about (P[0].x is always 0 at run time): keeps the
// rounding steps of exact two-float arithmetic from being folded ((a + b) - a to b).
fn vm_keep(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) | P[0].x); }

// Infinity and NaN are made at run time: WGSL's constant evaluation rejects them (Tint does).
fn vm_inf() -> f32 { return bitcast<f32>(VM_INF | P[0].x); }
fn vm_nan() -> f32 { return bitcast<f32>(VM_NAN | P[0].x); }
fn vm_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > VM_INF; }
fn vm_isinf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == VM_INF; }
fn vm_finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) < VM_INF; }
fn vm_signbit(x: f32) -> u32 { return bitcast<u32>(x) & 0x80000000u; }
fn vm_xor_sign(y: f32, s: u32) -> f32 { return bitcast<f32>(bitcast<u32>(y) ^ s); }
fn vm_or_sign(y: f32, s: u32) -> f32 { return bitcast<f32>(bitcast<u32>(y) | s); }
fn vm_abs(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) & 0x7fffffffu); }
// x clamped to [lo, hi], NaN kept.
fn vm_clamp(x: f32, lo: f32, hi: f32) -> f32 { return select(min(max(x, lo), hi), x, vm_isnan(x)); }
// 2^n for integer n in [-126, 127].
fn vm_pow2i(n: i32) -> f32 { return bitcast<f32>(u32(n + 127) << 23u); }
// x * 2^n for x in [0.5, 2], n in [-252, 254], in two steps.
fn vm_ldexp(x: f32, n: i32) -> f32 {
  let n1 = n >> 1u;
  return (x * vm_pow2i(n1)) * vm_pow2i(n - n1);
}
// The same for an integral float n, with no float-to-int conversion (WGSL's saturates: a third
// of exp's time on SwiftShader). n + 1.5 * 2^23 holds n in its low bits; shifted by 23, only
// the exponent field's 8 bits remain.
fn vm_pow2f(n: f32) -> f32 { return bitcast<f32>((bitcast<u32>(n + 12582912.0) + 127u) << 23u); }
fn vm_ldexpf(x: f32, n: f32) -> f32 {
  let n1 = floor(n * 0.5);
  return (x * vm_pow2f(n1)) * vm_pow2f(n - n1);
}

fn vm_exp_poly(r: f32) -> f32 {
  let p = 4.999999404e-01 + r * (1.666652262e-01 + r * (4.166829214e-02 + r * (8.368532173e-03 + r * 1.381830196e-03)));
  return (r * r) * p;
}

// e^x for |x| <= 87.5 (and NaN).
// (n comes from round(), not from adding and subtracting 1.5 * 2^23 as the wasm core does: a
// shader compiler may fold (a + c) - c to a.)
fn vm_exp_inrange(x: f32) -> f32 {
  let n = round(x * VM_LOG2E);
  let r = vm_keep(x - n * VM_LN2_HI) - n * VM_LN2_LO;
  let p = 1.0 + (r + vm_exp_poly(r));
  return p * vm_pow2f(n);
}

// e^x * 2^k for any x.
fn vm_exp_anywhere(x0: f32, k: i32) -> f32 {
  let x = vm_clamp(x0, -104.0, 90.0);
  let n = round(x * VM_LOG2E);
  let r = vm_keep(x - n * VM_LN2_HI) - n * VM_LN2_LO;
  let p = 1.0 + (r + vm_exp_poly(r));
  return vm_ldexpf(p, n + f32(k));
}

// (One path for every x: a branch costs SwiftShader more than the clamp and the second scaling.)
fn vm_exp(x: f32) -> f32 {
  return vm_exp_anywhere(x, 0);
}

fn vm_exp2(x0: f32) -> f32 {
  let x = vm_clamp(x0, -160.0, 130.0);
  let n = round(x);
  let r = x - n;
  let p = 1.0 + r * (6.931471825e-01 + r * (2.402264774e-01 + r * (5.550359935e-02 + r * (9.618505836e-03 + r * (1.339080627e-03 + r * 1.532647148e-04)))));
  return vm_ldexp(p, i32(n));
}

// log(x) + tail for normal positive finite x (e_sub is subtracted from the exponent).
fn vm_log_kernel(x: f32, tail: f32, e_sub: i32) -> f32 {
  let ix = bitcast<i32>(x) - 0x3f3504f3;
  let e = (ix >> 23u) - e_sub;
  let fm = bitcast<f32>((ix & 0x007fffff) + 0x3f3504f3) - 1.0;
  let fe = f32(e);
  let z = fm * fm;
  let p = 3.333333135e-01 + fm * (-2.500081956e-01 + fm * (2.000124156e-01 + fm * (-1.662340909e-01 + fm * (1.420157999e-01 + fm * (-1.315961033e-01 + fm * (1.276221722e-01 + fm * -7.636439055e-02))))));
  var y = (fm * z) * p - z * 0.5;
  y = y + (fe * -2.12194440e-4 + tail);
  return (fm + y) + fe * 0.693359375;
}

fn vm_log_tail(x: f32, tail: f32) -> f32 {
  let b = bitcast<u32>(x);
  if (b >= 0x00800000u && b < VM_INF) { return vm_log_kernel(x, tail, 0); }
  if (vm_isnan(x) || b > 0x80000000u) { return vm_nan(); }
  if (b == VM_INF) { return x; }
  if ((b & 0x7fffffffu) == 0u) { return -vm_inf(); }
  // A subnormal: its bits times 2^-149, taken as an integer (a device that flushes subnormals
  // would make x * 2^23 zero).
  return vm_log_kernel(f32(b), tail, 149);
}

fn vm_log(x: f32) -> f32 { return vm_log_tail(x, 0.0); }

fn vm_expm1(x_in: f32) -> f32 {
  let x = vm_clamp(x_in, -30.0, 89.0);
  let n = round(x * VM_LOG2E);
  let r = vm_keep(x - n * VM_LN2_HI) - n * VM_LN2_LO;
  let pp = 1.666666567e-01 + r * (4.166649282e-02 + r * (8.333547972e-03 + r * (1.393230865e-03 + r * 1.976019121e-04)));
  let p = r + (r * r) * (r * pp + 0.5);
  let ni = i32(n);
  let s = vm_pow2i(min(ni, 127));
  var y = s * p + (s - 1.0);
  if (ni > 127) { y = y * 2.0; }
  if (ni == 0) { y = p; }
  if (x == 0.0) { y = x_in; }  // keeps -0
  return y;
}

fn vm_log1p_core(x: f32, lo: f32) -> f32 {
  let u = vm_keep(1.0 + x);
  let c = select(1.0 - (u - x), x - (u - 1.0), u < 2.0);
  let y = vm_log_tail(u, (c + lo) / u);
  return select(y, x, x == 0.0);
}

fn vm_log1p(x: f32) -> f32 { return vm_log1p_core(x, 0.0); }

fn vm_tanh(x: f32) -> f32 {
  let a = vm_abs(x);
  let z = a * a;
  let small = a + (a * z) * (-3.333328068e-01 + z * (1.333140582e-01 + z * (-5.373651534e-02 + z * (2.062816732e-02 + z * -5.692296661e-03))));
  let e = vm_exp_inrange(min(a, 10.0) * 2.0);
  let y = select(1.0 - 2.0 / (e + 1.0), small, a < 0.625);
  return select(vm_xor_sign(y, vm_signbit(x)), x, vm_isnan(x));
}

fn vm_logistic(x: f32) -> f32 {
  let e = vm_exp(-vm_abs(x));
  return select(1.0, e, x < 0.0) / (1.0 + e);
}

// x = j pi/2 + (r + lo), |r| <= pi/4; j comes back in q's low bits.
struct VmTrig { r: f32, lo: f32, q: i32 }

fn vm_trig_reduce(x: f32) -> VmTrig {
  let n = round(x * 0.636619772);
  let r2 = vm_keep(vm_keep(x - n * 1.5703125) - n * 4.83751296997e-4);
  let p3 = n * 7.54953362048e-8;
  let r3 = vm_keep(r2 - p3);
  let p4 = n * 2.56334406825708960e-12;
  let r = vm_keep(r3 - p4);
  let lo = ((r3 - r) - p4) + ((r2 - r3) - p3);
  return VmTrig(r, lo, i32(n));
}

// 32 bits of 2/pi's fraction from bit `start` (bit 1 is the first after the point).
fn vm_two_over_pi(start: i32) -> u32 {
  var T = array<u32, 8>(0xa2f9836eu, 0x4e441529u, 0xfc2757d1u, 0xf534ddc0u, 0xdb629599u, 0x3c439041u, 0xfe5163abu, 0xdebbc561u);
  let o = start - 1 + 64;
  let w = o / 32 - 2;
  let sh = u32(o % 32);
  let a = select(0u, T[max(w, 0)], w >= 0);
  let b = select(0u, T[max(w + 1, 0)], w + 1 >= 0);
  if (sh == 0u) { return a; }
  return (a << sh) | (b >> (32u - sh));
}

// a * b - p exactly for p = a * b rounded: both factors split into 12 high bits (masked, which no
// compiler can reassociate) and the rest, so every partial product is exact.
fn vm_two_prod_err(a: f32, b: f32, p: f32) -> f32 {
  let ah = bitcast<f32>(bitcast<u32>(a) & 0xfffff000u);
  let bh = bitcast<f32>(bitcast<u32>(b) & 0xfffff000u);
  let al = a - ah;
  let bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

// The 64-bit product of a 24-bit m and a 32-bit a, as (hi, lo) words.
fn vm_mul_24x32(m: u32, a: u32) -> vec2<u32> {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let ml = m & 0xfffu;
  let mh = m >> 12u;         // m = mh 2^12 + ml, both 12 bits
  let lo_l = ml * al;        // < 2^28
  let lo_h = mh * al;        // < 2^28, times 2^12
  let hi_l = ml * ah;        // times 2^16
  let hi_h = mh * ah;        // times 2^28
  // Sum the four parts into (hi, lo).
  var lo = lo_l;
  var hi = 0u;
  var t = lo_h << 12u; var c = select(0u, 1u, lo + t < lo); lo = lo + t; hi = hi + (lo_h >> 20u) + c;
  t = hi_l << 16u; c = select(0u, 1u, lo + t < lo); lo = lo + t; hi = hi + (hi_l >> 16u) + c;
  t = hi_h << 28u; c = select(0u, 1u, lo + t < lo); lo = lo + t; hi = hi + (hi_h >> 4u) + c;
  return vec2<u32>(hi, lo);
}

// Payne-Hanek for a finite |x| >= 2^12: x 2/pi = j + y, y in [-1/2, 1/2); r = y pi/2 as
// r + lo, and j mod 4 (the wasm core's reduce_large, its 64-bit integers in pairs of words).
fn vm_reduce_large(x: f32) -> VmTrig {
  let ux = bitcast<u32>(x);
  let m = (ux & 0x7fffffu) | 0x800000u;
  let last = i32((ux >> 23u) & 0xffu) - 150 + 90;
  let a2 = vm_two_over_pi(last - 95);
  let a1 = vm_two_over_pi(last - 63);
  let a0 = vm_two_over_pi(last - 31);
  let p0 = vm_mul_24x32(m, a0);
  var p1 = vm_mul_24x32(m, a1);
  // p1 += p0 >> 32
  let s1 = p1.y + p0.x;
  p1 = vec2<u32>(p1.x + select(0u, 1u, s1 < p1.y), s1);
  var p2 = vm_mul_24x32(m, a2);
  let s2 = p2.y + p1.x;
  p2 = vec2<u32>(p2.x + select(0u, 1u, s2 < p2.y), s2);
  // hi (64 bits) = ((p2 & 0x0fffffff) << 36) | (p1.lo << 4) | (p0.lo >> 28)
  let hw = ((p2.y & 0x0fffffffu) << 4u) | (p1.y >> 28u);
  let lw = (p1.y << 4u) | (p0.y >> 28u);
  // j = nearest integer of hi / 2^62; frac = hi - j 2^62 as a signed 64-bit value.
  let j = ((hw + 0x20000000u) >> 30u) & 3u;
  let fh = bitcast<i32>(hw - (j << 30u));             // the top word of frac, |fh| < 2^29
  let fhf = f32(fh);
  let rh = fh - i32(fhf);                              // what rounding fh dropped, exact
  let hi = fhf * 9.3132257e-10;                        // 2^-30
  let lo = (f32(rh) * 4294967296.0 + f32(lw)) * 2.1684043e-19;  // 2^-62
  let s = vm_keep(hi + lo);
  let slo = lo - (s - hi);
  let r = s * 1.57079637;
  let rlo = vm_two_prod_err(s, 1.57079637, r) + (s * -4.37113883e-8 + slo * 1.57079637);
  return VmTrig(r, rlo, i32(j));
}

fn vm_sin_poly(r: f32, lo: f32, z: f32) -> f32 {
  return r + (lo + (r * z) * (-1.666665524e-01 + z * (8.332189173e-03 + z * -1.951829181e-04)));
}
fn vm_cos_poly(r: f32, lo: f32, z: f32) -> f32 {
  return (1.0 - z * 0.5) + ((z * z) * (4.166664556e-02 + z * (-1.388730947e-03 + z * 2.443232734e-05)) - r * lo);
}

// sin (shift 0) or cos (shift 1).
fn vm_sincos(x: f32, shift: i32) -> f32 {
  if (!vm_finite(x)) { return vm_nan(); }
  let a = vm_abs(x);
  var t: VmTrig;
  if (a > VM_TRIG_FAST_MAX) { t = vm_reduce_large(a); } else { t = vm_trig_reduce(a); }
  let z = t.r * t.r;
  let q = t.q + shift;
  var y = select(vm_sin_poly(t.r, t.lo, z), vm_cos_poly(t.r, t.lo, z), (q & 1) == 1);
  let sign = u32(q >> 1u) << 31u;
  if (shift == 0) { return vm_xor_sign(y, sign ^ vm_signbit(x)); }
  return vm_xor_sign(y, sign);
}

fn vm_sin(x: f32) -> f32 { return vm_sincos(x, 0); }
fn vm_cos(x: f32) -> f32 { return vm_sincos(x, 1); }

fn vm_tan(x: f32) -> f32 {
  if (!vm_finite(x)) { return vm_nan(); }
  let a = vm_abs(x);
  var t: VmTrig;
  if (a > VM_TRIG_FAST_MAX) { t = vm_reduce_large(a); } else { t = vm_trig_reduce(a); }
  let z = t.r * t.r;
  let p = 3.333334923e-01 + z * (1.333267540e-01 + z * (5.405891314e-02 + z * (2.128620818e-02 + z * (1.082744356e-02 + z * (9.824668086e-05 + z * 4.372695927e-03)))));
  let tt = t.r + (t.lo + (t.r * z) * p);
  let y = select(tt, -1.0 / tt, (t.q & 1) == 1);
  return vm_xor_sign(y, vm_signbit(x));
}

fn vm_atan(x: f32) -> f32 {
  if (vm_isnan(x)) { return x; }
  let a = vm_abs(x);
  var num = a; var den = 1.0; var hi = 0.0; var lo = 0.0;
  if (a >= 2.4375) { num = -1.0; den = a; hi = 1.57079637; lo = -4.37113883e-8; }
  else if (a >= 1.1875) { num = a - 1.5; den = a * 1.5 + 1.0; hi = 0.982793748; lo = -2.51314241e-8; }
  else if (a >= 0.6875) { num = a - 1.0; den = a + 1.0; hi = 0.785398185; lo = -2.18556941e-8; }
  else if (a >= 0.4375) { num = (a + a) - 1.0; den = a + 2.0; hi = 0.463647604; lo = 5.01215869e-9; }
  let t = num / den;
  let z = t * t;
  let p = -3.333330452e-01 + z * (1.999778152e-01 + z * (-1.423017234e-01 + z * (1.049410850e-01 + z * -5.825639144e-02)));
  let y = hi + (lo + (t + (t * z) * p));
  return vm_xor_sign(y, vm_signbit(x));
}

fn vm_erf(x: f32) -> f32 {
  if (vm_isnan(x)) { return x; }
  let a = vm_abs(x);
  var y: f32;
  if (a < 1e-30) {
    y = a * 1.12837917;  // 2/sqrt(pi): a * P would be subnormal, which a device may flush
  } else if (a < 0.921875) {
    let z = a * a;
    y = a + a * (1.283791661e-01 + z * (-3.761262894e-01 + z * (1.128362566e-01 + z * (-2.685572952e-02 + z * (5.192392506e-03 + z * (-8.049514727e-04 + z * 7.995048509e-05))))));
  } else {
    let t = min(a, 4.0);
    let q = -1.985540002e-04 + t * (-1.127663732e+00 + t * (3.627977073e-01 + t * (-1.039139777e-01 + t * (2.221840806e-02 + t * (-3.041076008e-03 + t * 1.957183122e-04)))));
    y = 1.0 - vm_exp_inrange(q - t * t);
  }
  return vm_xor_sign(y, vm_signbit(x));
}

fn vm_asin_poly(s: f32, z: f32) -> f32 {
  return s + (s * z) * (1.666675210e-01 + z * (7.495309412e-02 + z * (4.546914995e-02 + z * (2.418477833e-02 + z * 4.215830564e-02))));
}

fn vm_asin(x: f32) -> f32 {
  let a = vm_abs(x);
  let big = a > 0.5;
  let z = select(a * a, (1.0 - a) * 0.5, big);
  let s = select(a, sqrt(z), big);
  let p = vm_asin_poly(s, z);
  var y = select(p, (1.57079637 - (p + p)) + -4.37113883e-8, big);
  if (a > 1.0 || vm_isnan(x)) { y = vm_nan(); }
  return vm_xor_sign(y, vm_signbit(x));
}

fn vm_acos(x: f32) -> f32 {
  let a = vm_abs(x);
  let big = a > 0.5;
  let z = select(a * a, (1.0 - a) * 0.5, big);
  let s = select(x, sqrt(z), big);
  let p = vm_asin_poly(s, z);
  let mid = 1.57079637 - (p - -4.37113883e-8);
  let tail = select(p + p, 3.14159274 - ((p + p) - -8.74227766e-8), x < 0.0);
  if (a > 1.0 || vm_isnan(x)) { return vm_nan(); }
  return select(mid, tail, big);
}

fn vm_cosh(x: f32) -> f32 {
  let a = vm_abs(x);
  var h: f32;
  if (a > 87.5) { h = vm_exp_anywhere(a, -1); } else { h = vm_exp_inrange(a) * 0.5; }
  return h + 0.25 / h;
}

fn vm_sinh(x: f32) -> f32 {
  if (vm_isnan(x)) { return x; }
  let a = vm_abs(x);
  var y: f32;
  if (a < 1.0) {
    let z = a * a;
    y = a + (a * z) * (1.666666716e-01 + z * (8.333310485e-03 + z * (1.984289556e-04 + z * 2.782213187e-06)));
  } else if (a > 88.0) {
    y = vm_exp_anywhere(a, -1);
  } else {
    let u = vm_expm1(a);
    y = 0.5 * (u + u / (u + 1.0));
  }
  return vm_xor_sign(y, vm_signbit(x));
}

fn vm_asinh(x: f32) -> f32 {
  if (!vm_finite(x)) { return x; }
  let a = vm_abs(x);
  var y: f32;
  if (a > 4.61168602e18) {
    y = vm_log1p_core(a, 0.0) + 0.693147182;
  } else {
    let a2 = a * a;
    let b = a2 / (1.0 + sqrt(1.0 + a2));
    let s = vm_keep(a + b);
    let lo = b - (s - a);
    y = vm_log1p_core(s, lo);
  }
  return vm_xor_sign(y, vm_signbit(x));
}

fn vm_acosh(x: f32) -> f32 {
  if (x < 1.0 || vm_isnan(x)) { return vm_nan(); }
  if (x > 4.61168602e18) { return vm_log1p_core(x, 0.0) + 0.693147182; }
  let xm1 = x - 1.0;
  let r = sqrt(xm1 * (x + 1.0));
  let s = vm_keep(r + xm1);
  let lo = xm1 - (s - r);
  return vm_log1p_core(s, lo);
}

fn vm_atanh(x: f32) -> f32 {
  let a = vm_abs(x);
  if (a > 1.0 || vm_isnan(x)) { return vm_nan(); }
  let a2 = a + a;
  let y = 0.5 * vm_log1p_core(a2 + (a2 * a) / (1.0 - a), 0.0);
  return vm_xor_sign(y, vm_signbit(x));
}

fn vm_cbrt(x: f32) -> f32 {
  let a = vm_abs(x);
  if (!(a > 0.0) || !vm_finite(x)) { return x; }
  let tiny = a < 7.88860905e-31;
  let huge = a > 1.26765060e30;
  let as_ = a * select(select(1.0, 3.55271368e-15, huge), 2.81474977e14, tiny);
  let third = i32(f32(bitcast<i32>(as_)) * (1.0 / 3.0));
  var y = bitcast<f32>(third + 709958130);
  let y3 = (y * y) * y;
  y = y * ((y3 + (as_ + as_)) / ((y3 + y3) + as_));
  y = y - (y - as_ / (y * y)) * (1.0 / 3.0);
  y = y * select(select(1.0, 65536.0, huge), 1.52587891e-5, tiny);
  return vm_or_sign(y, vm_signbit(x));
}

fn vm_erf_inv(x: f32) -> f32 {
  let a = vm_abs(x);
  if (a == 1.0) { return vm_or_sign(vm_inf(), vm_signbit(x)); }
  let w = -vm_log((1.0 - a) * (1.0 + a));
  var p: f32;
  if (w < 5.0) {
    let t = w - 2.5;
    p = 1.501409411e+00 + t * (2.466402799e-01 + t * (-4.177772906e-03 + t * (-1.252755756e-03 + t * (2.188015787e-04 + t * (-4.941427960e-06 + t * (-3.652242640e-06 + t * (4.588578406e-07 + t * (5.535004988e-08 + t * (-8.104771076e-09 + t * -1.908115221e-09)))))))));
  } else {
    let t = sqrt(w) - 3.0;
    p = 2.832976818e+00 + t * (1.001675248e+00 + t * (9.445345961e-03 + t * (-7.641144097e-03 + t * (5.684721284e-03 + t * (-3.581573023e-03 + t * (1.492805197e-03 + t * (-8.259293827e-05 + t * (-3.164662630e-04 + t * 1.306663908e-04))))))));
  }
  return x * p;
}
