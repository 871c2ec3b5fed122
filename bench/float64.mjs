// float64 on the wasm backend: a fused elementwise chain, a whole-array sum and a matmul,
// each jitted, with float32 beside them for scale.
//
//   node bench/float64.mjs [--webjax=FILE] [--reps=N]
//
// after `npm run build` (dist/webjax.mjs). --webjax=FILE loads another build of the library,
// e.g. another tree's dist/webjax.mjs, to compare before and after on one machine. A timed run
// is one call of the jitted function on arrays already on the wasm device (the backend is
// synchronous: the result is computed when the call returns); the table gives medians after
// a warm-up. Each case's first result is checked against plain JavaScript float64.
import process from "node:process";
import { performance } from "node:perf_hooks";

const args = process.argv.slice(2);
const webjaxArg = args.find((a) => a.startsWith("--webjax="))?.slice(9);
const repsArg = args.find((a) => a.startsWith("--reps="))?.slice(7);
const moduleUrl = webjaxArg ? new URL(webjaxArg, `file://${process.cwd()}/`).href : new URL("../dist/webjax.mjs", import.meta.url).href;
const jax = await import(moduleUrl);
await jax.init();
const np = jax.numpy;

function values(n, seed, lo = -2, hi = 2) {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((hi - lo) * s) / 2 ** 32;
  }
  return out;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median ms of `run` (whose result is disposed) after warm-up. */
function time(run, reps) {
  for (let i = 0; i < 2; i++) run().forEach((o) => o.dispose());
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const outs = run();
    ts.push(performance.now() - t0);
    outs.forEach((o) => o.dispose());
  }
  return median(ts);
}

function check(what, got, want, rtol) {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= rtol * (Math.abs(want[i]) + 1))) throw new Error(`${what}: [${i}] got ${got[i]}, want ${want[i]}`);
  }
}

const N = 1 << 20, S = 2048, M = 512;
const xv = values(N, 1), sv = values(S * S, 2), av = values(M * M, 3), bv = values(M * M, 4);
const stats = jax.getBackend("wasm").stats;
const rows = [];
for (const dtype of ["float64", "float32"]) {
  const put = (v, shape) => jax.devicePut(np.array(v, { dtype }).reshape(shape), "wasm");
  const [x, s, a, b] = [put(xv, [N]), put(sv, [S, S]), put(av, [M, M]), put(bv, [M, M])];
  const chain = jax.jit((x) => np.tanh(x.mul(2).add(1)).mul(x).sub(np.exp(x.neg())));
  const sum = jax.jit((x) => x.sum());
  const matmul = jax.jit((a, b) => a.matmul(b));
  const rtol = dtype === "float64" ? 1e-12 : 1e-4;
  const host0 = stats.hostCalls;
  const y = chain(x);
  check(`${dtype} chain`, y.dataSync().subarray(0, 1000), Array.from(xv.subarray(0, 1000), (v) => Math.tanh(2 * v + 1) * v - Math.exp(-v)), rtol);
  const want = sv.reduce((t, v) => t + (dtype === "float32" ? Math.fround(v) : v), 0);
  check(`${dtype} sum`, sum(s).dataSync(), [want], dtype === "float64" ? 1e-12 : 1e-4 * 2048);
  const c = matmul(a, b).dataSync();
  const rowRef = Array.from({ length: M }, (_, j) => av.subarray(0, M).reduce((t, v, k) => t + (dtype === "float32" ? Math.fround(v) * Math.fround(bv[k * M + j]) : v * bv[k * M + j]), 0));
  check(`${dtype} matmul`, c.subarray(0, M), rowRef, rtol);
  const hostCalls = stats.hostCalls - host0;
  const reps = Number(repsArg ?? 15);
  const tc = time(() => [chain(x)], reps), ts = time(() => [sum(s)], reps), tm = time(() => [matmul(a, b)], reps);
  rows.push([dtype, `${tc.toFixed(2)} ms (${((N * 8) / tc / 1e6).toFixed(2)} GB/s f64-equiv)`, `${ts.toFixed(2)} ms`, `${tm.toFixed(2)} ms (${((2 * M ** 3) / tm / 1e6).toFixed(2)} GFLOP/s)`, hostCalls]);
  [x, s, a, b, y].forEach((t) => t.dispose());
}
console.log(`webjax ${webjaxArg ?? "dist/webjax.mjs"}, wasm backend, medians of ${repsArg ?? 15} runs`);
console.log(["dtype", "chain tanh(2x+1)*x - exp(-x), 2^20", "sum 2048x2048", "matmul 512x512", "host calls (first runs)"].join(" | "));
for (const r of rows) console.log(r.join(" | "));
