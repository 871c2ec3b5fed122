// float64 runs natively in the wasm core (fused kernels, reductions, GEMM, layout ops, gather and
// scatter): no host calls, and the values of float64 math, checked against plain JavaScript.
// Integer div/rem and float32 pow/atan2 are native too (the reference's edge cases are pinned).
import * as jax from "../../ts/index.js";

const np = jax.numpy;
const lax = jax.lax;

/** The spacing of float64 values at |x|. */
const ulp = (x: number) => 2 ** (Math.max(Math.floor(Math.log2(Math.abs(x) || 2 ** -1022)), -1022) - 52);

/** Deterministic values in [lo, hi) (a small LCG: the spec does not depend on Math.random). */
function values(n: number, lo: number, hi: number, seed = 1): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const t = s / 2 ** 32;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (hi - lo) * (t + s / 2 ** 64);
  }
  return out;
}

describe("wasm float64 kernels", () => {
  let stats: { programs: number; hostCalls: number };

  beforeAll(async () => {
    await jax.init();
    stats = (jax.getBackend("wasm") as any).stats;
  });

  /** Runs `fn` on wasm and returns its results and the host calls it made. */
  function onWasm(fn: () => jax.Array[]): [jax.Array[], number] {
    const before = stats.hostCalls;
    const outs = fn();
    return [outs, stats.hostCalls - before];
  }

  it("compiles a float64 program (elementwise chain, reduction, dot, conversions, layout, gather, scatter-add) with no host calls", () => {
    const [R, C, N] = [37, 45, 19];
    const xv = values(R * C, -3, 3, 7);
    const mv = values(C * N, -1, 1, 11);
    const idxv = Int32Array.of(3, 0, 36, 3);
    const x = jax.devicePut(np.array(xv, { dtype: "float64" }).reshape([R, C]), "wasm");
    const m = jax.devicePut(np.array(mv, { dtype: "float64" }).reshape([C, N]), "wasm");
    const idx = jax.devicePut(np.array(idxv, { dtype: "int32" }), "wasm");
    const f = jax.jit((x: jax.Array, m: jax.Array, idx: jax.Array) => {
      const y = np.tanh(x.mul(2).add(1)).mul(x).sub(np.exp(x.neg()));
      const s = y.sum({ axis: 1 });
      const d = y.matmul(m);
      return [y, s, d, d.astype("float32"), d.mul(10).astype("int32"), np.concatenate([s, np.pad(s, [[1, 2]], { constantValues: 0.5 })]),
        np.take(x, idx, { axis: 0 }), x.at(idx).add(1.5), np.argmax(y, { axis: 1 }), y.max()];
    });
    const [outs, hostCalls] = onWasm(() => f(x, m, idx) as jax.Array[]);
    expect(hostCalls).withContext("host calls").toBe(0);
    const [y, s, d, d32, di, cat, g, sc, am, mx] = outs.map((o) => Array.from(o.dataSync() as ArrayLike<number>));
    outs.forEach((o) => expect(o.dtype).toBe(o === outs[3] ? "float32" : o === outs[4] || o === outs[8] ? "int32" : "float64"));

    // The chain: within a few ulps of its terms (tanh and exp are each within ~2 ulps).
    const yRef = Array.from(xv, (v) => Math.tanh(2 * v + 1) * v - Math.exp(-v));
    yRef.forEach((want, i) => {
      const scale = Math.abs(Math.tanh(2 * xv[i] + 1) * xv[i]) + Math.exp(-xv[i]);
      expect(Math.abs(y[i] - want)).withContext(`y[${i}]`).toBeLessThanOrEqual(8 * 2 ** -53 * scale);
    });
    // Reductions and the product: float64 sums of the kernel's own y, in any order.
    for (let r = 0; r < R; r++) {
      let want = 0, mag = 0;
      for (let c = 0; c < C; c++) (want += y[r * C + c]), (mag += Math.abs(y[r * C + c]));
      expect(Math.abs(s[r] - want)).toBeLessThanOrEqual(C * 2 ** -53 * mag);
      for (let n = 0; n < N; n++) {
        let dot = 0, dmag = 0;
        for (let c = 0; c < C; c++) (dot += y[r * C + c] * mv[c * N + n]), (dmag += Math.abs(y[r * C + c] * mv[c * N + n]));
        expect(Math.abs(d[r * N + n] - dot)).withContext(`d[${r}, ${n}]`).toBeLessThanOrEqual(2 * C * 2 ** -53 * dmag);
      }
      const row = y.slice(r * C, (r + 1) * C);
      expect(am[r]).toBe(row.indexOf(Math.max(...row)));
    }
    expect(mx[0]).toBe(Math.max(...y));
    expect(d32).toEqual(d.map(Math.fround));
    expect(di).toEqual(d.map((v) => Math.trunc(v * 10) | 0));
    expect(cat).toEqual([...s, 0.5, ...s, 0.5, 0.5]);
    expect(g).toEqual([...idxv].flatMap((i) => [...xv.slice(i * C, (i + 1) * C)]));
    const scRef = Array.from(xv);
    for (const i of idxv) for (let c = 0; c < C; c++) scRef[i * C + c] += 1.5;
    expect(sc).toEqual(scRef);
  });

  it("float64 matmuls of skinny and batched shapes (the GEMM's row blocks and column slices) match plain sums", () => {
    for (const [batch, m, k, n] of [[1, 3, 300, 500], [1, 200, 70, 9], [3, 17, 5, 130], [1, 1, 0, 4]]) {
      const av = values(batch * m * k, -1, 1, m), bv = values(batch * k * n, -1, 1, n);
      const [[c], hostCalls] = onWasm(() => [jax.jit((a: jax.Array, b: jax.Array) => a.matmul(b))(
        jax.devicePut(np.array(av, { dtype: "float64" }).reshape([batch, m, k]), "wasm"), jax.devicePut(np.array(bv, { dtype: "float64" }).reshape([batch, k, n]), "wasm")) as jax.Array]);
      expect(hostCalls).toBe(0);
      const got = c.dataSync() as Float64Array;
      for (let p = 0; p < batch; p++)
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) {
            let want = 0, mag = 0;
            for (let l = 0; l < k; l++) (want += av[(p * m + i) * k + l] * bv[(p * k + l) * n + j]), (mag += Math.abs(av[(p * m + i) * k + l] * bv[(p * k + l) * n + j]));
            expect(Math.abs(got[(p * m + i) * n + j] - want)).withContext(`[${batch}, ${m}, ${k}, ${n}] at ${p}, ${i}, ${j}`).toBeLessThanOrEqual(2 * k * 2 ** -53 * mag);
          }
    }
  });

  it("float64 transcendental functions are within 2 ulps of JavaScript's Math (4 for the composite ones)", () => {
    const cases: [string, (x: jax.Array) => jax.Array, (v: number) => number, number, number, number][] = [
      ["exp", np.exp, Math.exp, -700, 700, 2], ["expm1", np.expm1, Math.expm1, -5, 5, 2], ["log", np.log, Math.log, 1e-300, 1e300, 2],
      ["log1p", np.log1p, Math.log1p, -0.99, 10, 2], ["sin", np.sin, Math.sin, -1e4, 1e4, 2], ["cos", np.cos, Math.cos, -1e4, 1e4, 2],
      ["atan", np.arctan, Math.atan, -20, 20, 2], ["cbrt", np.cbrt, Math.cbrt, -1e9, 1e9, 2], ["asinh", np.arcsinh, Math.asinh, -50, 50, 2],
      ["acosh", np.arccosh, Math.acosh, 1, 50, 2], ["atanh", np.arctanh, Math.atanh, -1, 1, 2], ["exp2", np.exp2, (v) => 2 ** v, -1000, 1000, 2],
      ["tan", np.tan, Math.tan, -100, 100, 4], ["tanh", np.tanh, Math.tanh, -5, 5, 4], ["sinh", np.sinh, Math.sinh, -30, 30, 4],
      ["cosh", np.cosh, Math.cosh, -30, 30, 4], ["asin", np.arcsin, Math.asin, -1, 1, 4], ["acos", np.arccos, Math.acos, -1, 1, 4],
      ["logistic", lax.logistic, (v) => 1 / (1 + Math.exp(-v)), -30, 30, 4],
    ];
    for (const [name, fn, ref, lo, hi, ulps] of cases) {
      const xv = values(4000, lo, hi, name.length);
      const [[out], hostCalls] = onWasm(() => [fn(jax.devicePut(np.array(xv, { dtype: "float64" }), "wasm"))]);
      expect(hostCalls).withContext(`${name}: host calls`).toBe(0);
      const got = out.dataSync() as Float64Array;
      let worst = 0, at = 0;
      xv.forEach((v, i) => {
        const e = Math.abs(got[i] - ref(v)) / ulp(ref(v));
        if (e > worst) [worst, at] = [e, v];
      });
      expect(worst).withContext(`${name}: ${worst} ulps at ${at}`).toBeLessThanOrEqual(ulps);
    }
  });

  it("float64 pow and atan2 follow JavaScript's ** and Math.atan2, special values included", () => {
    const sp = [0, -0, 1, -1, 0.5, -2, 3, Infinity, -Infinity, NaN, 1e300, 5e-324];
    const a = sp.flatMap((u) => sp.map(() => u)), b = sp.flatMap(() => sp);
    const xv = values(2000, 0, 10, 3), yv = values(2000, -60, 60, 4);
    const [[p, t, p2], hostCalls] = onWasm(() => {
      const [A, B, X, Y] = [a, b, xv, yv].map((v) => jax.devicePut(np.array(v, { dtype: "float64" }), "wasm"));
      return [lax.pow(A, B), lax.atan2(A, B), lax.pow(X, Y)];
    });
    expect(hostCalls).toBe(0);
    // Zeros, infinities and NaNs exactly; other values within 2 ulps.
    const near = (got: ArrayLike<number>, want: number[], what: string) =>
      want.forEach((w, i) => {
        if (w === 0 || !Number.isFinite(w)) expect(Object.is(got[i], w)).withContext(`${what} ${a[i]}, ${b[i]}: ${got[i]}, want ${w}`).toBeTrue();
        else expect(Math.abs(got[i] - w)).withContext(`${what} ${a[i]}, ${b[i]}`).toBeLessThanOrEqual(2 * ulp(w));
      });
    near(p.dataSync() as Float64Array, a.map((u, i) => u ** b[i]), "pow");
    near(t.dataSync() as Float64Array, a.map((u, i) => Math.atan2(u, b[i])), "atan2");
    const got = p2.dataSync() as Float64Array;
    xv.forEach((x, i) => expect(Math.abs(got[i] - x ** yv[i])).withContext(`${x} ** ${yv[i]}`).toBeLessThanOrEqual(2 * ulp(x ** yv[i])));
  });

  it("integer div and rem, and float32 pow and atan2, run natively with the reference's edge cases", () => {
    const i32 = (v: number[]) => jax.devicePut(np.array(Int32Array.from(v), { dtype: "int32" }), "wasm");
    const u32 = (v: number[]) => jax.devicePut(np.array(Uint32Array.from(v), { dtype: "uint32" }), "wasm");
    const f32 = (v: number[]) => jax.devicePut(np.array(Float32Array.from(v), { dtype: "float32" }), "wasm");
    const [outs, hostCalls] = onWasm(() => {
      const [a, b] = [i32([7, -7, 7, -7, -2147483648, 5, 0, -2147483648]), i32([2, 2, -2, -2, -1, 0, 0, 3])];
      const [c, d] = [u32([7, 0xffffffff, 5, 0]), u32([2, 16, 0, 0])];
      const [x, y] = [f32([2, 0.5, -8, 0, 1e30, 3]), f32([0.5, -3, 1 / 3, -1, 2, -0])];
      return [lax.div(a, b), lax.rem(a, b), lax.div(c, d), lax.rem(c, d), lax.pow(x, y), lax.atan2(x, y)];
    });
    expect(hostCalls).toBe(0);
    const [q, r, uq, ur, p, t] = outs.map((o) => Array.from(o.dataSync() as ArrayLike<number>));
    // x / 0 is -1 (uint32: all ones), x rem 0 is x, INT_MIN / -1 saturates as the reference casts.
    expect(q).toEqual([3, -3, -3, 3, 2147483647, -1, -1, -715827882]);
    expect(r).toEqual([1, -1, 1, -1, 0, 5, 0, -2]);
    expect(uq).toEqual([3, 0x0fffffff, 0xffffffff, 0xffffffff]);
    expect(ur).toEqual([1, 15, 5, 0]);
    const xs = [2, 0.5, -8, 0, 1e30, 3].map(Math.fround), ys = [0.5, -3, 1 / 3, -1, 2, -0].map(Math.fround);
    expect(p).toEqual(xs.map((v, i) => Math.fround(v ** ys[i])));
    expect(t).toEqual(xs.map((v, i) => Math.fround(Math.atan2(v, ys[i]))));
  });
});
