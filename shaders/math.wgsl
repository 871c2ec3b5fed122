// Scalar float32 and integer helpers of the elementwise kernels, with the semantics of the
// reference (ts/primitives/math.ts) and of the wasm core (core-cpp/fused.cpp): NaN-propagating
// max/min with max(+0, -0) = +0, JS's `**` for pow and `%` (C's fmod) for rem, saturating
// float-to-int conversions, integer division by zero as XLA defines it. Needs vmath.wgsl.

fn wj_fmax(a: f32, b: f32) -> f32 {
  if (vm_isnan(a) || vm_isnan(b)) { return vm_nan(); }
  if (a == b) { return bitcast<f32>(bitcast<u32>(a) & bitcast<u32>(b)); }
  return select(b, a, a > b);
}

fn wj_fmin(a: f32, b: f32) -> f32 {
  if (vm_isnan(a) || vm_isnan(b)) { return vm_nan(); }
  if (a == b) { return bitcast<f32>(bitcast<u32>(a) | bitcast<u32>(b)); }
  return select(b, a, a < b);
}

// sign(NaN) = NaN, sign(+-0) = +0 (the reference's Math.sign(x) + 0).
fn wj_fsign(x: f32) -> f32 {
  if (vm_isnan(x)) { return x; }
  if (x == 0.0) { return 0.0; }
  return select(1.0, -1.0, x < 0.0);
}

fn wj_round_away(x: f32) -> f32 {
  let t = trunc(x);
  let d = x - t;
  if (d >= 0.5) { return t + 1.0; }
  if (d <= -0.5) { return t - 1.0; }
  return t;
}

// C's fmod, exactly (musl's fmodf: long division on the integer significands).
fn wj_fmod(x: f32, y: f32) -> f32 {
  var uxi = bitcast<u32>(x);
  var uyi = bitcast<u32>(y);
  var ex = i32((uxi >> 23u) & 0xffu);
  var ey = i32((uyi >> 23u) & 0xffu);
  let sx = uxi & 0x80000000u;
  if ((uyi << 1u) == 0u || vm_isnan(y) || ex == 0xff) { return vm_nan(); }
  if ((uxi << 1u) <= (uyi << 1u)) {
    if ((uxi << 1u) == (uyi << 1u)) { return bitcast<f32>(sx); }
    return x;
  }
  if (ex == 0) {
    var i = uxi << 9u;
    loop { if ((i >> 31u) != 0u) { break; } ex = ex - 1; i = i << 1u; }
    uxi = uxi << u32(-ex + 1);
  } else {
    uxi = (uxi & 0x007fffffu) | 0x00800000u;
  }
  if (ey == 0) {
    var i = uyi << 9u;
    loop { if ((i >> 31u) != 0u) { break; } ey = ey - 1; i = i << 1u; }
    uyi = uyi << u32(-ey + 1);
  } else {
    uyi = (uyi & 0x007fffffu) | 0x00800000u;
  }
  loop {
    if (ex <= ey) { break; }
    let i = uxi - uyi;
    if ((i >> 31u) == 0u) {
      if (i == 0u) { return bitcast<f32>(sx); }
      uxi = i;
    }
    uxi = uxi << 1u;
    ex = ex - 1;
  }
  let i = uxi - uyi;
  if ((i >> 31u) == 0u) {
    if (i == 0u) { return bitcast<f32>(sx); }
    uxi = i;
  }
  loop { if ((uxi >> 23u) != 0u) { break; } uxi = uxi << 1u; ex = ex - 1; }
  if (ex > 0) {
    uxi = (uxi - 0x00800000u) | (u32(ex) << 23u);
  } else {
    uxi = uxi >> u32(-ex + 1);
  }
  return bitcast<f32>(uxi | sx);
}

fn wj_nextafter(x: f32, y: f32) -> f32 {
  if (vm_isnan(x) || vm_isnan(y)) { return vm_nan(); }
  if (x == y) { return y; }
  if (x == 0.0) { return bitcast<f32>(select(0x80000001u, 1u, y > 0.0)); }
  let b = bitcast<u32>(x);
  return bitcast<f32>(select(b - 1u, b + 1u, (x < y) == (x > 0.0)));
}

// a + b as (sum, error) for any a, b (Knuth's TwoSum).
fn wj_two_sum(a: f32, b: f32) -> vec2<f32> {
  let s = vm_keep(a + b);
  let bb = s - a;
  return vec2<f32>(s, (a - (s - bb)) + (b - bb));
}

// log2(a) as hi + lo (about 2^-40 relative) for a positive finite a.
fn wj_log2_ff(a0: f32) -> vec2<f32> {
  var a = a0;
  var ebias = 0;
  if (bitcast<u32>(a) < 0x00800000u) { a = a * 8388608.0; ebias = 23; }
  let t = bitcast<i32>(a) - 0x3f3504f3;
  let e = (t >> 23u) - ebias;
  let m = bitcast<f32>((t & 0x007fffff) + 0x3f3504f3);
  let f = m - 1.0;
  // s = f / (2 + f) as s + slo: the division's remainder computed exactly.
  let d = vm_keep(2.0 + f);
  let dlo = f - (d - 2.0);
  let s = f / d;
  let p = vm_keep(s * d);
  let r = ((f - p) - vm_two_prod_err(s, d, p)) - s * dlo;
  let slo = r / d;
  // ln m = 2 atanh(s) = 2s + 2s^3 (1/3 + s^2/5 + ...), |s| <= 0.172.
  let z = s * s;
  let tail = (s * z) * (0.6666666667 + z * (0.4 + z * (0.2857142857 + z * (0.2222222222 + z * (0.1818181818 + z * 0.1538461538)))));
  let lh = 2.0 * s;
  let ll = 2.0 * slo + tail;
  // times log2(e) = 1.44269502 + 1.92596299e-8
  let qh = lh * 1.44269502;
  let ql = vm_two_prod_err(lh, 1.44269502, qh) + (lh * 1.92596299e-8 + ll * 1.44269502);
  let sum = wj_two_sum(f32(e), qh);
  let lo = sum.y + ql;
  let hi = vm_keep(sum.x + lo);
  return vec2<f32>(hi, lo - (hi - sum.x));
}

// a^y for a positive finite a and a finite y: exp2(y log2 a) with y log2 a in two floats.
fn wj_pow_core(a: f32, y: f32) -> f32 {
  let l = wj_log2_ff(a);
  let th = vm_keep(y * l.x);
  let tl = vm_two_prod_err(y, l.x, th) + y * l.y;
  if (th > 200.0) { return vm_inf(); }
  if (th < -200.0) { return 0.0; }
  let n = round(th);
  let r = vm_keep(th - n) + tl;
  let p = 1.0 + r * (6.931471825e-01 + r * (2.402264774e-01 + r * (5.550359935e-02 + r * (9.618505836e-03 + r * (1.339080627e-03 + r * 1.532647148e-04)))));
  return vm_ldexp(p, i32(n));
}

// x ** y as JavaScript defines it (1 ** NaN and (-1) ** +-inf are NaN).
fn wj_pow(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (vm_isnan(x) || vm_isnan(y)) { return vm_nan(); }
  let ax = vm_abs(x);
  if (vm_isinf(y)) {
    if (ax == 1.0) { return vm_nan(); }
    return select(0.0, vm_inf(), (ax > 1.0) == (y > 0.0));
  }
  let yint = floor(y) == y;
  let yodd = yint && vm_abs(y) < 16777216.0 && fract(y * 0.5) != 0.0;
  if (x == 0.0) {
    if (y > 0.0) { return select(0.0, x, yodd); }
    return select(vm_inf(), vm_or_sign(vm_inf(), vm_signbit(x)), yodd);
  }
  if (vm_isinf(x)) {
    if (x > 0.0) { return select(0.0, vm_inf(), y > 0.0); }
    if (y > 0.0) { return select(vm_inf(), -vm_inf(), yodd); }
    return select(0.0, bitcast<f32>(0x80000000u), yodd);
  }
  if (x < 0.0 && !yint) { return vm_nan(); }
  let r = wj_pow_core(ax, y);
  return select(r, -r, x < 0.0 && yodd);
}

fn wj_atan2(y: f32, x: f32) -> f32 {
  if (vm_isnan(x) || vm_isnan(y)) { return vm_nan(); }
  let sy = vm_signbit(y);
  let xneg = vm_signbit(x) != 0u;
  if (y == 0.0) { return select(y, vm_or_sign(3.14159274, sy), xneg); }
  if (x == 0.0) { return vm_or_sign(1.57079637, sy); }
  if (vm_isinf(x)) {
    if (vm_isinf(y)) { return vm_or_sign(select(0.785398185, 2.35619449, xneg), sy); }
    return vm_or_sign(select(0.0, 3.14159274, xneg), sy);
  }
  if (vm_isinf(y)) { return vm_or_sign(1.57079637, sy); }
  let r = vm_atan(vm_abs(y) / vm_abs(x));
  let q = select(r, (3.14159274 - r) + -8.74227766e-8, xneg);
  return vm_or_sign(q, sy);
}

// Float to integer conversions truncate and saturate; NaN gives 0 (wasm's trunc_sat).
fn wj_f2i(x: f32) -> u32 {
  if (vm_isnan(x)) { return 0u; }
  if (x >= 2147483648.0) { return 0x7fffffffu; }
  if (x <= -2147483648.0) { return 0x80000000u; }
  return bitcast<u32>(i32(x));
}

fn wj_f2u(x: f32) -> u32 {
  if (vm_isnan(x) || x <= -1.0) { return 0u; }
  if (x >= 4294967296.0) { return 0xffffffffu; }
  return u32(max(x, 0.0));
}

// Integer division as the reference defines it: x / 0 is -1 (unsigned: all ones), x rem 0 is
// x, and INT_MIN / -1 saturates to INT_MAX.
fn wj_idiv(a: i32, b: i32) -> u32 {
  if (b == 0) { return 0xffffffffu; }
  if (a == -2147483647 - 1 && b == -1) { return 0x7fffffffu; }
  return bitcast<u32>(a / b);
}
fn wj_irem(a: i32, b: i32) -> u32 {
  if (b == 0) { return bitcast<u32>(a); }
  if (b == -1) { return 0u; }
  return bitcast<u32>(a % b);
}
fn wj_udiv(a: u32, b: u32) -> u32 { return select(a / max(b, 1u), 0xffffffffu, b == 0u); }
fn wj_urem(a: u32, b: u32) -> u32 { return select(a % max(b, 1u), a, b == 0u); }
