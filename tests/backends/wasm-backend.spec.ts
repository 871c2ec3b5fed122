// The wasm Backend against the cpu reference backend: same programs, same values.
import * as jax from "../../ts/index.js";
import { float16Probes } from "../util/float16_probes.js";
import * as compiler from "../../ts/backends/wasm/program.js";
import { Instr, lower } from "../../ts/compiler/lower.js";
import { simplify } from "../../ts/compiler/simplify.js";

const np = jax.numpy;

describe("wasm backend", () => {
  let wasm: jax.BackendName | undefined;

  beforeAll(async () => {
    const names = await jax.init();
    wasm = names.find((n) => n === "wasm");
  });

  it("initialises (a missing wasm backend is a failure, not a skip) and becomes the default", () => {
    expect(wasm).toBe("wasm");
    expect(jax.defaultBackend()).toBe("wasm");
  });

  it("runs float32 add as one native program and matches cpu", () => {
    const a = Float32Array.from({ length: 4097 }, (_, i) => Math.sin(i) * 100);
    const b = Float32Array.from({ length: 4097 }, (_, i) => Math.cos(i) * 7);
    const stats = (jax.getBackend("wasm") as any).stats;
    const [programs, hostCalls] = [stats.programs, stats.hostCalls];
    const onWasm = np.array(a, { device: "wasm" }).add(np.array(b, { device: "wasm" }));
    const onCpu = np.array(a, { device: "cpu" }).add(np.array(b, { device: "cpu" }));
    expect(onWasm.device.platform).toBe("wasm");
    expect(stats.programs).toBe(programs + 1);
    expect(stats.hostCalls).toBe(hostCalls);
    expect(Array.from(onWasm.dataSync())).toEqual(Array.from(onCpu.dataSync()));
  });

  it("runs jitted programs with other primitives (reference fallback) and matches cpu", () => {
    const f = jax.jit((x: jax.Array, y: jax.Array) => np.tanh(x.mul(2).add(1)).mul(x).sub(np.exp(x.neg())).add(y).sum({ axis: 0 }));
    const x = np.array([[0.5, -1, 2], [3, 0.25, -0.75]]);
    const y = np.array([1, 2, 3]);
    const cpu = f(x, y).dataSync();
    const w = f(jax.devicePut(x, "wasm"), jax.devicePut(y, "wasm"));
    expect(w.device.platform).toBe("wasm");
    expect(Array.from(w.dataSync())).toEqual(Array.from(cpu));
  });

  it("frees what it allocates: live buffers return to their level", () => {
    const b = jax.getBackend("wasm");
    const x = np.array([1, 2, 3], { device: "wasm" });
    jax.tidy(() => void np.sin(x.add(x)).mul(3)); // caches the scalar 3 (shared and kept) on wasm
    const level = b.liveBuffers();
    for (let i = 0; i < 200; i++) jax.tidy(() => void np.sin(x.add(x)).mul(3));
    expect(b.liveBuffers()).toBe(level);
  });

  it("keeps at most 1024 compiled programs, letting the least recently run go (their device memory too)", () => {
    const b = jax.getBackend("wasm") as any;
    const hot = jax.jit((x: jax.Array) => x.mul(3));
    const x = np.ones([2]);
    for (let k = 1; k <= 700; k++) {
      expect(np.full([k], 1.5).sum().item()).toBe(1.5 * k); // two programs per size: broadcast, sum
      if (k % 100 === 0) expect(hot(x).tolistSync()).toEqual([3, 3]);
    }
    expect(b.programs.size).toBeLessThanOrEqual(1024);
    expect(b.programs.size).toBeGreaterThan(800);
    // The hot program was run recently, so it is still there: running it compiles nothing.
    const compiled = b.programs.size;
    expect(hot(x).tolistSync()).toEqual([3, 3]);
    expect(b.programs.size).toBe(compiled);
  });

  it("writes outputs into donated inputs' buffers (and the donated arrays become unusable)", () => {
    const f = jax.jit((a: jax.Array, c: jax.Array) => np.exp(a.mul(2)).add(c), { donateArgnums: 0 });
    const c = jax.devicePut(np.ones([1000]), "wasm");
    f(jax.devicePut(np.ones([1000]), "wasm"), c); // compile; caches constants
    const b = jax.getBackend("wasm");
    const a = jax.devicePut(np.full([1000], 0.5), "wasm");
    const ptr = (a as any).buffer.handle;
    const level = b.liveBuffers();
    const y = f(a, c);
    expect((y as any).buffer.handle).toBe(ptr);
    expect(b.liveBuffers()).toBe(level);
    for (const v of y.dataSync().slice(0, 2)) expect(v).toBeCloseTo(Math.E + 1, 5);
    expect(() => a.dataSync()).toThrowError(/donated/);
    // A transpose reads other positions than it writes: its output must not take the input's buffer.
    const t = jax.jit((m: jax.Array) => m.T.mul(1), { donateArgnums: 0 });
    const m = jax.devicePut(np.arange(6).astype("float32").reshape([2, 3]), "wasm");
    const mp = (m as any).buffer.handle;
    const mt = t(m);
    expect((mt as any).buffer.handle).not.toBe(mp);
    expect(mt.tolistSync()).toEqual([[0, 3], [1, 4], [2, 5]]);
  });

  it("runs gathers and scatter-adds natively (no host calls), matching cpu", () => {
    const stats = (jax.getBackend("wasm") as any).stats;
    const f = jax.jit((x: jax.Array, i: jax.Array, u: jax.Array) => [x.slice(i), x.at(i).add(u)]);
    const xc = np.arange(12, undefined, undefined, { dtype: "float32" }).reshape([4, 3]);
    const ic = np.array([3, 0, 3, -1], { dtype: "int32" });
    const uc = np.ones([4, 3]);
    const want = f(jax.devicePut(xc, "cpu"), jax.devicePut(ic, "cpu"), jax.devicePut(uc, "cpu"));
    const h0 = stats.hostCalls;
    const got = f(jax.devicePut(xc, "wasm"), jax.devicePut(ic, "wasm"), jax.devicePut(uc, "wasm"));
    expect(stats.hostCalls).toBe(h0);
    got.forEach((g: jax.Array, k: number) => expect(g.tolistSync()).toEqual(want[k].tolistSync()));
  });

  it("runs complex64 elementwise chains, transposes and sums natively (no host calls), against float64 closed forms", () => {
    const stats = (jax.getBackend("wasm") as any).stats;
    const lax = jax.lax;
    const re = [0.5, -1.25, 2, 0, 3, -0.75], im = [1, 0.5, -2, 0, -0.25, 4];
    const f = jax.jit((a: jax.Array, b: jax.Array) => {
      const z = lax.complex(a, b).reshape([2, 3]);
      const w = lax.exp(z.mul(z)).div(lax.complex(b, a.add(1)).reshape([2, 3])).sub(lax.conj(z));
      return [w, lax.abs(w), w.T.sum({ axis: 0 }), lax.real(lax.sign(z))];
    });
    const h0 = stats.hostCalls;
    const [w, absW, sums, sgn] = f(np.array(re), np.array(im));
    expect(stats.hostCalls).toBe(h0);
    expect(w.dtype).toBe("complex64");
    // float64 references of each element: w = exp(z^2) / (b + (a+1)i) - conj(z).
    const want = re.map((a, k) => {
      const b = im[k];
      const [sr, si] = [a * a - b * b, 2 * a * b];
      const [er, ei] = [Math.exp(sr) * Math.cos(si), Math.exp(sr) * Math.sin(si)];
      const [dr, di] = [b, a + 1];
      const d = dr * dr + di * di;
      return [(er * dr + ei * di) / d - a, (ei * dr - er * di) / d + b];
    });
    const got = w.dataSync();
    want.forEach(([r, i], k) => {
      const tol = 4e-7 * (Math.abs(r) + Math.abs(i));
      expect(Math.abs(got[2 * k] - r)).toBeLessThanOrEqual(tol);
      expect(Math.abs(got[2 * k + 1] - i)).toBeLessThanOrEqual(tol);
      expect(Math.abs(absW.dataSync()[k] - Math.hypot(r, i))).toBeLessThanOrEqual(tol);
    });
    const s = sums.dataSync(); // w.T summed over axis 0: the sum over each row of w
    for (const row of [0, 1]) {
      const [r, i] = [0, 1, 2].reduce(([x, y], c) => [x + want[3 * row + c][0], y + want[3 * row + c][1]], [0, 0]);
      expect(Math.abs(s[2 * row] - r)).toBeLessThanOrEqual(1e-6 * (Math.abs(r) + Math.abs(i) + 10));
      expect(Math.abs(s[2 * row + 1] - i)).toBeLessThanOrEqual(1e-6 * (Math.abs(r) + Math.abs(i) + 10));
    }
    Array.from(sgn.dataSync()).forEach((v, k) => expect(v).toBeCloseTo(Math.hypot(re[k], im[k]) ? re[k] / Math.hypot(re[k], im[k]) : 0, 6));
  });

  it("runs complex64 matrix products natively (four float32 GEMMs), against a float64 reference", () => {
    const stats = (jax.getBackend("wasm") as any).stats;
    const lax = jax.lax;
    const [m, k, n] = [5, 70, 3];
    const vals = (len: number, seed: number) => Array.from({ length: len }, (_, i) => Math.sin(seed * (i + 1)) * 2);
    const [ar, ai, br, bi] = [vals(m * k, 1), vals(m * k, 2), vals(k * n, 3), vals(k * n, 4)];
    const f = jax.jit((ar: jax.Array, ai: jax.Array, br: jax.Array, bi: jax.Array) => {
      const a = lax.complex(ar, ai).reshape([m, k]), b = lax.complex(br, bi).reshape([n, k]).T; // b read transposed
      return np.matmul(a, b).mul(lax.complex(np.array(0), np.array(1))); // then times i, fused
    });
    const h0 = stats.hostCalls;
    const got = f(np.array(ar), np.array(ai), np.array(br), np.array(bi)).dataSync();
    expect(stats.hostCalls).toBe(h0);
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) {
        let [re, im, mag] = [0, 0, 0];
        for (let t = 0; t < k; t++) {
          const [xr, xi, yr, yi] = [ar[r * k + t], ai[r * k + t], br[c * k + t], bi[c * k + t]];
          re += xr * yr - xi * yi;
          im += xr * yi + xi * yr;
          mag += Math.hypot(xr, xi) * Math.hypot(yr, yi);
        }
        // (re + im i) * i = -im + re i
        const tol = 20 * 2 ** -24 * mag;
        expect(Math.abs(got[2 * (r * n + c)] + im)).toBeLessThanOrEqual(tol);
        expect(Math.abs(got[2 * (r * n + c) + 1] - re)).toBeLessThanOrEqual(tol);
      }
    }
  });

  it("runs scan, fori_loop, while_loop and cond inside the program (no host calls), against float64 loops", () => {
    const stats = (jax.getBackend("wasm") as any).stats;
    const lax = jax.lax;
    const [steps, n] = [12, 1000];
    const xs = Array.from({ length: steps * n }, (_, i) => Math.sin(i) * 0.5);
    const h0 = stats.hostCalls;
    // Each step materializes temporaries (a reduction reads them) that must not share memory
    // with the carry or the stacked ys the loop writes row by row.
    const f = jax.jit((x: jax.Array) => {
      const [c, ys] = lax.scan((c: jax.Array, r: jax.Array) => {
        const t = np.tanh(c.add(r));
        const m = t.mul(t).sum();
        return [t.mul(0.5).add(m.mul(0.001)), t.sub(m)];
      }, np.zeros([n]), x.reshape([steps, n]), { reverse: true });
      const k = lax.foriLoop(0, 7, (i: jax.Array, a: jax.Array) => a.mul(0.5).add(i), np.array(1));
      const w = lax.whileLoop((v: jax.Array) => v.lt(1000), (v: jax.Array) => v.mul(3), np.array(1));
      const b = lax.cond(c.sum().gt(0), (u: jax.Array) => u.add(1), (u: jax.Array) => u.sub(1), c);
      return [c, ys, k, w, b];
    });
    const [c, ys, k, w, b] = f(np.array(xs)) as jax.Array[];
    expect(stats.hostCalls).toBe(h0);
    // float64 reference
    let carry = new Float64Array(n);
    const wantYs = new Float64Array(steps * n);
    for (let s = steps - 1; s >= 0; s--) {
      const t = carry.map((v, j) => Math.tanh(v + xs[s * n + j]));
      const m = t.reduce((a, v) => a + v * v, 0);
      t.forEach((v, j) => (wantYs[s * n + j] = v - m));
      carry = t.map((v) => v * 0.5 + m * 0.001);
    }
    const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number) => {
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      expect(worst).toBeLessThanOrEqual(tol);
    };
    close(c.dataSync(), carry, 1e-4);
    close(ys.dataSync(), wantYs, 2e-3); // |m| is ~300: float32 spacing there is ~3e-5
    let kk = 1;
    for (let i = 0; i < 7; i++) kk = kk * 0.5 + i;
    expect(k.item()).toBeCloseTo(kk, 5);
    expect(w.item()).toBe(2187);
    const sign = carry.reduce((a, v) => a + v, 0) > 0 ? 1 : -1;
    close(b.dataSync(), carry.map((v) => v + sign), 1e-4);
  });

  it("sorts, scans cumulatively, slices dynamically and draws random bits natively (no host calls), against JS references", () => {
    const stats = (jax.getBackend("wasm") as any).stats;
    const lax = jax.lax;
    const [rows, n] = [3, 5000]; // long lines: the sort splits rows over threads
    const vals = Array.from({ length: rows * n }, (_, i) => (i % 97 === 0 ? NaN : i % 89 === 0 ? -0 : Math.round(Math.sin(i * 1.7) * 50)));
    const f = jax.jit((x: jax.Array, i: jax.Array) => {
      const m = x.reshape([rows, n]);
      const [sorted, idx] = lax.sort([m, lax.iota("int32", n).reshape([1, n]).mul(np.ones([rows, 1], { dtype: "int32" }))], { dimension: 1, numKeys: 1 });
      const c = np.cumsum(lax.slice(m, [0, 0], [rows, 8]), { axis: 1 });
      const d = lax.dynamicSlice(m, [i, i.mul(2)], [2, 4]);
      const u = lax.dynamicUpdateSlice(np.zeros([4, 4]), np.ones([2, 2]), [i.add(5), i]);
      return [sorted, idx, c, d, u, jax.random.bits(jax.random.key(7), [6])];
    });
    const h0 = stats.hostCalls;
    const [sorted, idx, c, d, u, bits] = f(np.array(vals), np.array(1, { dtype: "int32" })) as jax.Array[];
    expect(stats.hostCalls).toBe(h0);
    const s = sorted.dataSync(), ix = idx.dataSync();
    for (let r = 0; r < rows; r++) {
      const line = vals.slice(r * n, (r + 1) * n).map((v, k) => [v, k] as [number, number]);
      // Total order: -0 before +0, NaN last; stable.
      const key = (v: number) => (Number.isNaN(v) ? Infinity : Object.is(v, -0) ? -Number.MIN_VALUE : v === Infinity ? Number.MAX_VALUE : v);
      line.sort((a, b) => key(a[0]) - key(b[0]) || a[1] - b[1]);
      line.forEach(([v, k], t) => {
        expect(Object.is(s[r * n + t], v) || (Number.isNaN(v) && Number.isNaN(s[r * n + t]))).toBe(true);
        expect(ix[r * n + t]).toBe(k);
      });
    }
    const cs = c.dataSync();
    for (let r = 0; r < rows; r++) {
      let acc = 0;
      for (let k = 0; k < 8; k++) {
        acc += vals[r * n + k];
        expect(Number.isNaN(acc) ? Number.isNaN(cs[r * 8 + k]) : cs[r * 8 + k] === acc).toBe(true);
      }
    }
    const window = [1, 2].flatMap((r) => [2, 3, 4, 5].map((k) => vals[r * n + k])); // starts (i, 2i) = (1, 2)
    Array.from(d.dataSync()).forEach((v, k) => expect(Object.is(v, window[k]) || (Number.isNaN(v) && Number.isNaN(window[k]))).toBe(true));
    // Starts clamp so the window fits: row 5 -> 2.
    expect(u.tolistSync()).toEqual([[0, 0, 0, 0], [0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0]]);
    const cpuBits = jax.jit(() => jax.random.bits(jax.random.key(7), [6]), { backend: "cpu" })();
    expect(Array.from(bits.dataSync())).toEqual(Array.from(cpuBits.dataSync()));
  });

  it("writes an elementwise kernel's result over a temporary that dies in it (in place), with the same values", () => {
    const { compileForWasm } = compiler;
    const n = 4096;
    // a and b are both materialized (each is read twice); b can take a's memory in place.
    const f = (x: jax.Array) => {
      const a = x.mul(2);
      const b = a.sub(a.sum().div(2 * n));
      return b.mul(b.sum());
    };
    const jaxpr = jax.makeJaxpr(f)(np.zeros([n])).jaxpr;
    const wasm = jax.getBackend("wasm") as any;
    const program = compileForWasm(wasm.runtime.kernels, wasm.memory, jaxpr);
    expect(program.arenaBytes).toBeLessThan(2 * 4 * n); // one n-float buffer and scalars, not two
    program.dispose();
    const xs = Array.from({ length: n }, (_, i) => 1 + Math.sin(i));
    const got = jax.jit(f)(np.array(xs)).dataSync();
    const a = xs.map((v) => 2 * Math.fround(v));
    const half = a.reduce((s, v) => s + v, 0) / (2 * n);
    const b = a.map((v) => v - half);
    const sb = b.reduce((s, v) => s + v, 0);
    b.forEach((v, i) => expect(Math.abs(got[i] - v * sb)).toBeLessThanOrEqual(1e-5 * Math.abs(sb) * (1 + Math.abs(v))));
  });

  it("computes float32 reductions of elementwise expressions inside the reduction, in scan bodies too, matching cpu", () => {
    const lax = jax.lax;
    // Instruction kinds of f's lowered program, loop bodies inlined.
    const kinds = (f: (...a: jax.Array[]) => unknown, ...args: jax.Array[]): string[] => {
      const walk = (is: Instr[]): string[] => is.flatMap((i) => [i.op, ...(i.op === "scan" ? walk(i.body) : [])]);
      return walk(lower(simplify(jax.makeJaxpr(f)(...args).jaxpr), compiler.WASM_CAPABILITIES).instrs);
    };
    // Per step: rows of 9000 (longer than the C++ scratch), a softmax-style row sum, and one
    // whole-array sum over 36000 elements (split across threads when there are some).
    const [steps, rows, n] = [5, 4, 9000];
    const xs = np.array(Float32Array.from({ length: steps * rows * n }, (_, i) => Math.sin(i * 0.37) * 2)).reshape([steps, rows, n]);
    const w = np.array(Float32Array.from({ length: n }, (_, i) => Math.cos(i) * 0.5 + 1));
    const f = (x: jax.Array, w: jax.Array) =>
      lax.scan((c: jax.Array, r: jax.Array) => {
        const m = np.max(r, { axis: 1, keepdims: true });
        const e = np.sum(np.exp(r.sub(m)).mul(w), { axis: 1 });
        const d = np.sum(np.square(r.sub(c.reshape([rows, 1]))));
        return [c.mul(0.5).add(np.log(e)).sub(d.mul(1e-6)), np.max(np.abs(r).add(c.reshape([rows, 1])), { axis: 1 })];
      }, np.zeros([rows]), x);
    const inBody = kinds(f, xs, w);
    expect(inBody.filter((k) => k === "reduceFused").length).toBe(3);
    const [c, ys] = jax.jit(f)(xs, w) as jax.Array[];
    const [cc, cys] = jax.jit(f, { backend: "cpu" })(jax.devicePut(xs, "cpu"), jax.devicePut(w, "cpu")) as jax.Array[];
    const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number) => {
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
      expect(worst).toBeLessThanOrEqual(tol);
    };
    close(c.dataSync(), cc.dataSync(), 1e-4);
    close(ys.dataSync(), cys.dataSync(), 1e-5);

    // float64 and complex64 reductions keep their own kernels, and agree with cpu as before.
    const x64 = xs.astype("float64").reshape([steps * rows, n]);
    const g64 = (x: jax.Array) => np.sum(x.mul(x), { axis: 1 });
    const gc = (x: jax.Array) => np.sum(lax.complex(x, x.mul(0.5)).mul(lax.complex(x.mul(-1), x)), { axis: 1 });
    const gcast = (x: jax.Array) => np.sum(x.mul(3).astype("float32"), { axis: 1 });
    for (const [g, x] of [[g64, x64], [gc, xs.reshape([steps * rows, n])], [gcast, x64]] as const) {
      expect(kinds(g, x)).not.toContain("reduceFused");
      const got = jax.jit(g)(x) as jax.Array, want = jax.jit(g, { backend: "cpu" })(jax.devicePut(x, "cpu")) as jax.Array;
      expect(got.dtype).toBe(want.dtype);
      close(got.dataSync(), want.dataSync(), g === g64 ? 1e-12 : 1e-4); // float32 sums of 9000 terms
    }
  });

  it("computes float16 in float32 lanes rounded after every op (no host calls), bit for bit as the cpu reference", () => {
    const stats = (jax.getBackend("wasm") as any).stats;
    const n = 5000;
    // Values across float16's range: subnormals, large ones whose products overflow to inf, ties.
    const vals = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 2 ** ((i % 40) - 24) + (i % 7 === 0 ? 1 + 2 ** -11 : 0));
    const f = (x: jax.Array, y: jax.Array) => [np.tanh(x.mul(2).add(1)).mul(x).sub(np.exp(x.neg())), x.mul(y).add(y.div(x)), np.sqrt(np.abs(x)).astype("float32"), x.astype("float32").mul(3).astype("float16")];
    const x = np.array(vals).astype("float16"), y = np.array(vals.map((v) => v * 0.75 + 0.5)).astype("float16");
    const h0 = stats.hostCalls;
    const got = jax.jit(f)(x, y) as jax.Array[];
    expect(stats.hostCalls).toBe(h0);
    const want = jax.jit(f, { backend: "cpu" })(jax.devicePut(x, "cpu"), jax.devicePut(y, "cpu")) as jax.Array[];
    got.forEach((g, k) => {
      expect(g.dtype).toBe(want[k].dtype);
      const [a, b] = [g.dataSync(), want[k].dataSync()];
      // transcendental results (output 0) within one float16 ulp; the rest exact
      let worst = 0;
      for (let i = 0; i < a.length; i++) {
        if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
        const ulp = Math.max(2 ** -24, 2 ** (Math.floor(Math.log2(Math.abs(b[i]) || 1)) - 10));
        worst = Math.max(worst, a[i] === b[i] ? 0 : Math.abs(a[i] - b[i]) / ulp);
      }
      expect(worst).toBeLessThanOrEqual(k === 0 ? 1 : 0);
    });
    // Reductions and matmuls accumulate in float32 and round once: within a float16 ulp or so.
    const g = (a: jax.Array, b: jax.Array) => [a.reshape([50, 100]).mul(0.01).sum({ axis: 1 }), np.matmul(a.reshape([50, 100]).mul(5e-4), b.reshape([100, 50]).mul(5e-4))];
    const h1 = stats.hostCalls;
    const [s, m] = jax.jit(g)(x, y) as jax.Array[];
    expect(stats.hostCalls).toBe(h1);
    const [s64, m64] = jax.jit(g, { backend: "cpu" })(jax.devicePut(x, "cpu"), jax.devicePut(y, "cpu")) as jax.Array[];
    expect(s.dtype).toBe("float16");
    expect(m.dtype).toBe("float16");
    expect(Array.from(m64.dataSync()).every(Number.isFinite)).toBe(true); // no overflow: every entry compares
    for (const [a, b] of [[s, s64], [m, m64]]) {
      const [p, q] = [a.dataSync(), b.dataSync()];
      for (let i = 0; i < q.length; i++) {
        if (Number.isNaN(q[i]) || !Number.isFinite(q[i])) expect(Object.is(p[i], q[i]) || (Number.isNaN(p[i]) && Number.isNaN(q[i]))).toBe(true);
        else expect(Math.abs(p[i] - q[i])).toBeLessThanOrEqual(2 ** -9 * Math.abs(q[i]) + 2 ** -20);
      }
    }
  });

  it("converts every float16 to float32 and float32 values around every float16 back, as the reference", () => {
    const { halves, midpoints } = float16Probes();
    // h is read twice, so it is stored as float16 and loaded back (both conversions run).
    const f = jax.jit((x: jax.Array) => {
      const h = x.astype("float16");
      return [h, h.astype("float32").mul(1)];
    });
    for (const values of [halves, midpoints]) {
      const got = f(np.array(values)) as jax.Array[];
      const want = f(jax.devicePut(np.array(values), "cpu")) as jax.Array[];
      for (const k of [0, 1]) {
        const [g, w] = [got[k].dataSync(), want[k].dataSync()];
        let bad = 0;
        for (let i = 0; i < w.length; i++) if (!Object.is(g[i], w[i]) && !(Number.isNaN(g[i]) && Number.isNaN(w[i]))) bad++;
        expect(bad).withContext(`output ${k}`).toBe(0);
      }
    }
  });
});
