// The float64 references, sweeps and bounds of the float32 math (core-cpp/vmath, and its WGSL
// port shaders/vmath.wgsl): shared by tests/backends/vmath.spec.ts and tests/webgpu/vmath.spec.ts.

// ---- float64 references ------------------------------------------------------------

export function erf(x: number): number {
  if (!Number.isFinite(x) || x === 0) return Number.isNaN(x) || x === 0 ? x : Math.sign(x);
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: erf x = 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)).
    let term = x, sum = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.sign(x) * (1 - erfcLarge(ax));
}

// erfc(x) for x >= 2.5 by its continued fraction (modified Lentz).
export function erfcLarge(x: number): number {
  let f = x, c = x, d = 0;
  for (let n = 1; n < 500; n++) {
    d = 1 / (x + (n / 2) * d);
    c = x + n / 2 / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (f * Math.sqrt(Math.PI));
}

// Newton on erf(x) - a, written as (1 - a) - erfc(x) near 1 where 1 - a is exact.
export function erfinv(y: number): number {
  if (Number.isNaN(y) || Math.abs(y) > 1) return NaN;
  if (Math.abs(y) === 1) return y * Infinity;
  if (y === 0) return y;
  const a = Math.abs(y), tail = 1 - a;
  let x = a < 0.7 ? (a * Math.sqrt(Math.PI)) / 2 : Math.sqrt(-Math.log(tail * (1 + a))) * 0.9;
  for (let i = 0; i < 100; i++) {
    const err = a > 0.5 ? tail - (x >= 2.5 ? erfcLarge(x) : 1 - erf(x)) : erf(x) - a;
    const step = err / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
    x -= step;
    if (Math.abs(step) <= 1e-17 * x) break;
  }
  return Math.sign(y) * x;
}

export const FMAX = 3.4028234663852886e38;

// VMathOp (core-cpp/vmath.h) in order, each with its reference, sweep ranges and the
// documented max error in ulps (measured by tools/vmath_ulp.mjs, table in vmath.cpp).
export interface OpSpec { name: string; ref: (x: number) => number; ranges: [number, number][]; ulps: number }
export const OPS: OpSpec[] = [
  { name: "exp", ref: Math.exp, ranges: [[-104, 90], [-1, 1]], ulps: 1 },
  { name: "log", ref: Math.log, ranges: [[0, Infinity], [0.5, 2]], ulps: 1 },
  { name: "tanh", ref: Math.tanh, ranges: [[-10, 10], [-1, 1]], ulps: 1.5 },
  { name: "logistic", ref: (x) => 1 / (1 + Math.exp(-x)), ranges: [[-105, 20], [-2, 2]], ulps: 2.5 },
  { name: "sin", ref: Math.sin, ranges: [[-6433, 6433], [-4, 4], [6433, FMAX], [-FMAX, -6433]], ulps: 1.5 },
  { name: "cos", ref: Math.cos, ranges: [[-6433, 6433], [-4, 4], [6433, FMAX], [-FMAX, -6433]], ulps: 1.5 },
  { name: "erf", ref: erf, ranges: [[-5, 5], [0.5, 4]], ulps: 1.5 },
  { name: "expm1", ref: Math.expm1, ranges: [[-20, 89], [-1, 1]], ulps: 1.5 },
  { name: "log1p", ref: Math.log1p, ranges: [[-1, Infinity], [-0.5, 1]], ulps: 1 },
  { name: "tan", ref: Math.tan, ranges: [[-6433, 6433], [-2, 2], [6433, FMAX], [-FMAX, -6433]], ulps: 2 },
  { name: "atan", ref: Math.atan, ranges: [[-Infinity, Infinity], [-3, 3]], ulps: 1 },
  { name: "exp2", ref: (x) => 2 ** x, ranges: [[-151, 129], [-1, 1]], ulps: 1.5 },
  { name: "asin", ref: Math.asin, ranges: [[-1, 1], [0.4, 1]], ulps: 2 },
  { name: "acos", ref: Math.acos, ranges: [[-1, 1], [-1, -0.4], [0.4, 1]], ulps: 1.5 },
  { name: "sinh", ref: Math.sinh, ranges: [[-90, 90], [-2, 2]], ulps: 1.5 },
  { name: "cosh", ref: Math.cosh, ranges: [[-90, 90], [-2, 2]], ulps: 1.5 },
  { name: "asinh", ref: Math.asinh, ranges: [[-Infinity, Infinity], [-2, 2]], ulps: 1.5 },
  { name: "acosh", ref: Math.acosh, ranges: [[1, Infinity], [1, 3]], ulps: 2.5 },
  { name: "atanh", ref: Math.atanh, ranges: [[-1, 1], [0.3, 1]], ulps: 2 },
  { name: "cbrt", ref: Math.cbrt, ranges: [[-Infinity, Infinity], [0.5, 8]], ulps: 1 },
  { name: "erfinv", ref: erfinv, ranges: [[-1, 1], [0.9, 1]], ulps: 3 },
];

export const SPECIALS = [
  0, -0, Infinity, -Infinity, NaN, 1, -1, 0.5, -0.5, 2, -2, 1e-45, -1e-45, 1e-40, -1e-40,
  1.1754943508222875e-38, -1.1754943508222875e-38, 1e-30, -1e-30, 1e-7, -1e-7, FMAX, -FMAX,
  88.72283935546875, 88.7228469848632812, -87.33654022216797, -103.97207641601562, -104,
  89.4159851074219, -89.4159851074219, 127.99999237060547, 128, -149, -150, -126,
  3.1415927410125732, 1.5707963705062866, 0.7853981852531433, 6433, -6433, 6434, 1e5, 1e10,
  1e20, 3e38, 9, 9.1, 10, 4, 3.92, 0.921875, 0.625, 0.999999940395, -0.999999940395,
  1.0000001192, 0.41421356, 2.41421356, 4294967296, 4.6116860184e18, 1e19,
];

export const f32 = new Float32Array(1);
export const u32 = new Uint32Array(f32.buffer);
export const bitsOf = (x: number): number => { f32[0] = x; return u32[0]; };
export const fromBits = (b: number): number => { u32[0] = b >>> 0; return f32[0]; };
// Floats ordered by value on an integer line: bits(x) for x >= 0, -bits(-x) below.
export const keyOf = (x: number): number => (x < 0 ? -bitsOf(-x) : bitsOf(x));
export const fromKey = (k: number): number => (k < 0 ? -fromBits(-k) : fromBits(k));

/** `count` floats evenly spread (by bit pattern, so every binade is sampled) over [lo, hi]. */
export function sweep(lo: number, hi: number, count: number): number[] {
  const k0 = keyOf(Math.fround(lo)), k1 = keyOf(Math.fround(hi));
  const xs: number[] = [];
  for (let s = 0; s < count; s++) xs.push(fromKey(Math.round(k0 + ((k1 - k0) * s) / (count - 1))));
  return xs;
}

export const f64 = new Float64Array(1);
export const f64hi = new Uint32Array(f64.buffer, 4, 1);

/** Error of the float32 y against the float64 v in float32 ulps at v; specials must match. */
export function ulpError(y: number, v: number): number {
  if (Number.isNaN(v) || Number.isNaN(y)) return Number.isNaN(v) && Number.isNaN(y) ? 0 : Infinity;
  const vr = Math.fround(v);
  if (vr === y) return vr !== 0 || Object.is(vr, y) ? 0 : Infinity;
  if (!Number.isFinite(y) || !Number.isFinite(vr)) return Infinity;
  f64[0] = v;
  const e = Math.min(Math.max(((f64hi[0] >>> 20) & 0x7ff) - 1023, -126), 127);
  return Math.abs(y - v) / 2 ** (e - 23);
}

const inf = Infinity;
/** Special values as numpy/XLA give them: [op, inputs, outputs]. */
export const SPECIAL_VALUES: [string, number[], number[]][] = [
  ["exp", [-inf, inf, NaN, 89, -104, 0], [0, inf, NaN, inf, 0, 1]],
  ["exp2", [-inf, inf, 128, -150, -149, 0.5], [0, inf, inf, 0, 2 ** -149, Math.fround(Math.SQRT2)]],
  ["log", [0, -0, -1, inf, -inf, NaN, 1], [-inf, -inf, NaN, inf, NaN, NaN, 0]],
  ["log1p", [-1, -2, inf, -0], [-inf, NaN, inf, -0]],
  ["expm1", [-inf, inf, -0, 100], [-1, inf, -0, inf]],
  ["tanh", [inf, -inf, 20, -20, -0, NaN], [1, -1, 1, -1, -0, NaN]],
  ["logistic", [-inf, inf, 0, NaN], [0, 1, 0.5, NaN]],
  ["sin", [inf, -inf, NaN, -0], [NaN, NaN, NaN, -0]],
  ["cos", [inf, 0], [NaN, 1]],
  ["tan", [-0, inf], [-0, NaN]],
  ["erf", [inf, -inf, -0, 10, -10], [1, -1, -0, 1, -1]],
  ["atan", [inf, -inf, -0], [Math.fround(Math.PI / 2), -Math.fround(Math.PI / 2), -0]],
  ["asin", [2, -1.5, 1, -0], [NaN, NaN, Math.fround(Math.PI / 2), -0]],
  ["acos", [2, 1, -1], [NaN, 0, Math.fround(Math.PI)]],
  ["sinh", [inf, -inf, 89.4, -0], [inf, -inf, Math.fround(Math.sinh(Math.fround(89.4))), -0]],
  ["cosh", [inf, -inf, 89.4, 90], [inf, inf, Math.fround(Math.cosh(Math.fround(89.4))), inf]],
  ["asinh", [inf, -inf, FMAX, -0], [inf, -inf, Math.fround(Math.asinh(FMAX)), -0]],
  ["acosh", [1, 0.5, -2, inf], [0, NaN, NaN, inf]],
  ["atanh", [1, -1, 1.5, -0], [inf, -inf, NaN, -0]],
  ["cbrt", [-8, inf, -inf, -0, 1e-45], [-2, inf, -inf, -0, Math.fround(Math.cbrt(2 ** -149))]],
  ["erfinv", [1, -1, 1.5, 0, -0], [inf, -inf, NaN, 0, -0]],
];
