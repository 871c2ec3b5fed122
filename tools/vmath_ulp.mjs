// Measures the vectorised float32 math of core-cpp/vmath.cpp: max error in float32 ulps
// against float64 references over dense sweeps of each op's domain, special values, and
// the throughput of a few ops.
//
//   node tools/vmath_ulp.mjs                  every op, ~4M points each (a minute or so)
//   node tools/vmath_ulp.mjs exp tanh         only these ops
//   node tools/vmath_ulp.mjs --points=64e6    denser sweeps (--points=all: every float)
//   node tools/vmath_ulp.mjs --bench          throughput only
//
// Loads wasm/webjax-simd.wasm directly (build it with scripts/build-wasm.sh). The error of
// a result y against the exact value v is |y - v| / ulp(v), where ulp(v) is the spacing of
// float32s at |v| (2^-149 in the subnormals); results that should round to +-inf or be NaN
// must be exactly that, and so must signed zeros.

import { readFileSync } from "node:fs";

// ---- float64 references -----------------------------------------------------------------

function erf(x) {
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
function erfcLarge(x) {
  let f = x, c = x, d = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    d = 1 / (x + an * d);
    c = x + an / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (f * Math.sqrt(Math.PI));
}

function erfc(x) {
  return x >= 2.5 ? erfcLarge(x) : 1 - erf(x);
}

// Newton on erf (on erfc when y is near 1, where 1 - y is exact for a float32 y).
function erfinv(y) {
  if (Number.isNaN(y) || Math.abs(y) > 1) return NaN;
  if (Math.abs(y) === 1) return y * Infinity;
  if (y === 0) return y;
  const a = Math.abs(y), tail = 1 - a;
  let x = Math.sqrt(-Math.log(tail * (1 + a))) * 0.9; // rough start
  if (a < 0.7) x = a * Math.sqrt(Math.PI) / 2;
  for (let i = 0; i < 100; i++) {
    const err = a > 0.5 ? tail - erfc(x) : erf(x) - a; // erf(x) - a, without cancellation
    const step = err / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
    x -= step;
    if (Math.abs(step) <= 1e-17 * x) break;
  }
  return Math.sign(y) * x;
}

const FMAX = 3.4028234663852886e38;
const f32 = (bits) => new Float32Array(new Uint32Array([bits]).buffer)[0];
const bitsOf = (x) => new Uint32Array(new Float32Array([x]).buffer)[0];

// Each op: its id in VMathOp (core-cpp/vmath.h), the reference, and the sweep ranges
// [lo, hi] (every float between, strided): the whole domain, then the typical range
// (also the benchmark's inputs), then any others.
export const OPS = [
  { name: "exp", id: 0, ref: Math.exp, ranges: [[-104, 90], [-1, 1]] },
  { name: "log", id: 1, ref: Math.log, ranges: [[0, Infinity], [0.5, 2]] },
  { name: "tanh", id: 2, ref: Math.tanh, ranges: [[-10, 10], [-1, 1]] },
  { name: "logistic", id: 3, ref: (x) => 1 / (1 + Math.exp(-x)), ranges: [[-105, 20], [-2, 2]] },
  { name: "sin", id: 4, ref: Math.sin, ranges: [[-6433, 6433], [-4, 4], [6433, FMAX], [-FMAX, -6433]] },
  { name: "cos", id: 5, ref: Math.cos, ranges: [[-6433, 6433], [-4, 4], [6433, FMAX], [-FMAX, -6433]] },
  { name: "erf", id: 6, ref: erf, ranges: [[-5, 5], [0.5, 4]] },
  { name: "expm1", id: 7, ref: Math.expm1, ranges: [[-20, 89], [-1, 1]] },
  { name: "log1p", id: 8, ref: Math.log1p, ranges: [[-1, Infinity], [-0.5, 1]] },
  { name: "tan", id: 9, ref: Math.tan, ranges: [[-6433, 6433], [-2, 2], [6433, FMAX], [-FMAX, -6433]] },
  { name: "atan", id: 10, ref: Math.atan, ranges: [[-Infinity, Infinity], [-3, 3]] },
  { name: "exp2", id: 11, ref: (x) => 2 ** x, ranges: [[-151, 129], [-1, 1]] },
  { name: "asin", id: 12, ref: Math.asin, ranges: [[-1, 1], [0.4, 1]] },
  { name: "acos", id: 13, ref: Math.acos, ranges: [[-1, 1], [-1, -0.4], [0.4, 1]] },
  { name: "sinh", id: 14, ref: Math.sinh, ranges: [[-90, 90], [-2, 2]] },
  { name: "cosh", id: 15, ref: Math.cosh, ranges: [[-90, 90], [-2, 2]] },
  { name: "asinh", id: 16, ref: Math.asinh, ranges: [[-Infinity, Infinity], [-2, 2]] },
  { name: "acosh", id: 17, ref: Math.acosh, ranges: [[1, Infinity], [1, 3]] },
  { name: "atanh", id: 18, ref: Math.atanh, ranges: [[-1, 1], [0.3, 1]] },
  { name: "cbrt", id: 19, ref: Math.cbrt, ranges: [[-Infinity, Infinity], [0.5, 8]] },
  { name: "erfinv", id: 20, ref: erfinv, ranges: [[-1, 1], [0.9, 1]] },
];

const SPECIALS = [
  0, -0, Infinity, -Infinity, NaN, 1, -1, 0.5, -0.5, 2, -2, 1e-45, -1e-45, 1e-40, -1e-40,
  1.1754943508222875e-38, -1.1754943508222875e-38, 1e-30, -1e-30, 1e-7, -1e-7, FMAX, -FMAX,
  88.72283935546875, 88.7228469848632812, -87.33654022216797, -103.97207641601562, -104,
  89.4159851074219, -89.4159851074219, 127.99999237060547, 128, -149, -150, -126,
  3.1415927410125732, 1.5707963705062866, 0.7853981852531433, 6433, -6433, 6434, 1e5, 1e10,
  1e20, 3e38, 9, 9.1, 10, 4, 3.92, 0.921875, 0.625, 0.999999940395, -0.999999940395,
  1.0000001192, 0.41421356, 2.41421356, 4294967296, 4.6116860184e18, 1e19,
];

// Floats ordered by value map to a monotone integer line: k = bits(x) for x >= 0 and
// k = -bits(-x) for x < 0 (so -0 and +0 share k = 0).
const keyOf = (x) => (x < 0 ? -bitsOf(-x) : bitsOf(x));

// Fills out with the floats from lo to hi, every stride-th on the key line, starting at key
// k; returns the next key.
function fillSweep(out, k, k1, stride) {
  const u = new Uint32Array(out.buffer, out.byteOffset, out.length);
  let n = 0;
  for (; n < out.length && k <= k1; n++, k += stride) u[n] = k < 0 ? (-k | 0x80000000) >>> 0 : k;
  return { n, k };
}

const f64 = new Float64Array(1);
const f64hi = new Uint32Array(f64.buffer, 4, 1);

// The spacing of float32s at |v| (v finite): 2^(e - 23) for v in [2^e, 2^(e+1)), 2^-149 in
// the subnormals, 2^104 beyond the largest float.
function ulpOf(v) {
  f64[0] = v;
  const e = Math.min(Math.max(((f64hi[0] >>> 20) & 0x7ff) - 1023, -126), 127);
  return 2 ** (e - 23);
}

/** Error of the float32 result y against the float64 reference v, in ulps of v. */
export function ulpError(y, v) {
  if (v !== v || y !== y) return v !== v && y !== y ? 0 : Infinity;
  const vr = Math.fround(v);
  if (vr === y) return vr !== 0 || Object.is(vr, y) ? 0 : Infinity; // and the sign of zero
  if (y === Infinity || y === -Infinity || vr === Infinity || vr === -Infinity) return Infinity;
  return Math.abs(y - v) / ulpOf(v);
}

// ---- the wasm module ----------------------------------------------------------------------

export async function loadCore(path = new URL("../wasm/webjax-simd.wasm", import.meta.url)) {
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
  const module = await WebAssembly.compile(readFileSync(path));
  // Function imports (host callbacks of the bytecode interpreter) are never reached here.
  const env = { memory };
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === "function") env[imp.name] = () => { throw new Error(`${imp.name} called`); };
  }
  const instance = await WebAssembly.instantiate(module, { env });
  const ex = instance.exports;
  const CHUNK = 1 << 20;
  const inPtr = ex.wj_malloc(CHUNK * 4) >>> 0, outPtr = ex.wj_malloc(CHUNK * 4) >>> 0;
  return {
    ex, memory, CHUNK, inPtr, outPtr,
    /** op over xs (a Float32Array of at most CHUNK floats). */
    run(id, xs) {
      new Float32Array(memory.buffer, inPtr, xs.length).set(xs);
      ex.wj_vmath_f32(id, inPtr, outPtr, xs.length);
      return new Float32Array(memory.buffer, outPtr, xs.length).slice();
    },
  };
}

function measure(core, op, points) {
  const worst = { ulp: 0, x: NaN, y: NaN, ref: NaN };
  let count = 0, sum = 0;
  const consider = (xs) => {
    const ys = core.run(op.id, xs);
    for (let k = 0; k < xs.length; k++) {
      const e = ulpError(ys[k], op.ref(xs[k]));
      count++;
      if (e !== Infinity) sum += e;
      if (e > worst.ulp || count === 1) Object.assign(worst, { ulp: e, x: xs[k], y: ys[k], ref: op.ref(xs[k]) });
    }
  };
  const buf = new Float32Array(core.CHUNK);
  for (const [lo, hi] of op.ranges) {
    const k1 = keyOf(Math.fround(hi));
    let k = keyOf(Math.fround(lo));
    const stride = Math.max(1, Math.floor((k1 - k + 1) / points));
    while (k <= k1) {
      const r = fillSweep(buf, k, k1, stride);
      k = r.k;
      consider(buf.subarray(0, r.n));
    }
  }
  consider(Float32Array.from(SPECIALS));
  return { worst, count, mean: sum / count };
}

function bench(core, op, n, seconds = 0.5) {
  const xs = new Float32Array(n);
  const [lo, hi] = op.ranges[1]; // the typical range
  for (let k = 0; k < n; k++) xs[k] = lo + (hi - lo) * Math.random();
  const inPtr = core.ex.wj_malloc(n * 4) >>> 0, outPtr = core.ex.wj_malloc(n * 4) >>> 0;
  new Float32Array(core.memory.buffer, inPtr, n).set(xs);
  core.ex.wj_vmath_f32(op.id, inPtr, outPtr, n); // warm up
  let reps = 0;
  const t0 = performance.now();
  let t1 = t0;
  while (t1 - t0 < seconds * 1000) {
    core.ex.wj_vmath_f32(op.id, inPtr, outPtr, n);
    reps++;
    t1 = performance.now();
  }
  core.ex.wj_free(inPtr);
  core.ex.wj_free(outPtr);
  const perSec = (reps * n) / ((t1 - t0) / 1000);
  return { gelems: perSec / 1e9, gbs: (perSec * 8) / 1e9 };
}

async function main() {
  const args = process.argv.slice(2);
  const pointsArg = args.find((a) => a.startsWith("--points="));
  const points = pointsArg ? (pointsArg.slice(9) === "all" ? 2 ** 32 : Number(pointsArg.slice(9))) : 4e6;
  const names = args.filter((a) => !a.startsWith("--"));
  const ops = names.length ? OPS.filter((o) => names.includes(o.name)) : OPS;
  const core = await loadCore();

  if (!args.includes("--bench")) {
    console.log(`op        max ulp   mean ulp  points     worst x (result vs reference)`);
    for (const op of ops) {
      const { worst, count, mean } = measure(core, op, points);
      console.log(`${op.name.padEnd(9)} ${worst.ulp.toFixed(3).padStart(7)}  ${mean.toFixed(4).padStart(8)}  ${String(count).padEnd(9)}  ` +
        `x=${worst.x} (${worst.y} vs ${worst.ref})`);
    }
  }
  if (args.includes("--bench") || !names.length) {
    console.log(`\nthroughput, one thread (GB/s counts 4 bytes read + 4 written per element)`);
    for (const op of OPS.filter((o) => (names.length ? names.includes(o.name) : ["exp", "tanh", "log", "sin", "erf", "logistic"].includes(o.name)))) {
      for (const n of [1 << 14, 1 << 22]) {
        const { gelems, gbs } = bench(core, op, n);
        console.log(`${op.name.padEnd(9)} n=${String(n).padEnd(8)} ${gelems.toFixed(3)} Gelem/s  ${gbs.toFixed(2)} GB/s`);
      }
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
