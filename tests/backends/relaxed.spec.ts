// The relaxed-SIMD variant, wasm/webjax-relaxed-threads.wasm: chosen exactly where the
// engine has relaxed SIMD and threads (Chromium >= 114, Deno; not Node 20 unless started
// with --experimental-wasm-relaxed-simd), with simd-threads' ABI, its workers on the same
// module, and GEMM results that agree with simd-threads. Runs in Node and Chromium: no
// node: imports here. Deno's check is in tests/deno/smoke.mjs.
import { relaxedSimd } from "wasm-feature-detect";

import { load, type LoadedRuntime } from "../../ts/backends/wasm/loader.js";
import { readWasmBytes, wasmUrl } from "../../ts/backends/wasm/locate.js";
import { loadWasmRuntime } from "../../ts/backends/wasm/runtime.js";

const inNode = typeof process !== "undefined" && !!process.versions?.node && !("Deno" in globalThis);
const nodeMajor = inNode ? Number(process.versions.node.split(".")[0]) : 0;
const nodeRelaxedFlag = inNode && [...process.execArgv, process.env.NODE_OPTIONS ?? ""].some((a) => a.includes("relaxed-simd"));
const chromeMajor = Number(
  (typeof navigator !== "undefined" && /(?:HeadlessChrome|Chrome|Chromium)\/(\d+)/.exec(navigator.userAgent)?.[1]) || 0,
);

/** Imports and exports of a compiled module, as comparable strings. */
function abi(module: WebAssembly.Module): string[] {
  return [
    ...WebAssembly.Module.imports(module).map((d) => `import ${d.module}.${d.name} ${d.kind}`),
    ...WebAssembly.Module.exports(module).map((d) => `export ${d.name} ${d.kind}`),
  ].sort();
}

/** A seeded generator in [-1, 1), so both variants multiply the same operands. */
function operands(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

/** c[i][j] of row-major a (m x k) times b (k x n) in float64, and the sum of its terms' magnitudes. */
function reference(a: Float32Array, b: Float32Array, n: number, k: number, i: number, j: number): { sum: number; scale: number } {
  let sum = 0;
  let scale = 0;
  for (let l = 0; l < k; l++) {
    sum += a[i * k + l] * b[l * n + j];
    scale += Math.abs(a[i * k + l] * b[l * n + j]);
  }
  return { sum, scale };
}

/** Row-major m x k times k x n on one runtime; also says which threads took part. */
function gemm(rt: LoadedRuntime, a: Float32Array, b: Float32Array, m: number, n: number, k: number): { c: Float32Array; ids: number[] } {
  const core = rt.kernels;
  const [pa, pb, pc] = [core.malloc(m * k * 4), core.malloc(k * n * 4), core.malloc(m * n * 4)];
  try {
    new Float32Array(core.memory.buffer, pa, m * k).set(a);
    new Float32Array(core.memory.buffer, pb, k * n).set(b);
    core.exports.wj_gemm_f32(pa, pb, pc, 1, m, n, k, m * k, k, 1, k * n, n, 1, m * n, n);
    return { c: new Float32Array(core.memory.buffer, pc, m * n).slice(), ids: rt.lastThreadIds() };
  } finally {
    core.free(pa);
    core.free(pb);
    core.free(pc);
  }
}

describe("wasm relaxed-SIMD variant", () => {
  let hasRelaxed: boolean;

  beforeAll(async () => {
    hasRelaxed = await relaxedSimd();
  });

  it("is chosen exactly where the engine has relaxed SIMD and threads", async () => {
    const rt = await loadWasmRuntime();
    const threaded = rt.variant !== "simd";
    const expected = !threaded ? "simd" : hasRelaxed ? "relaxed-threads" : "simd-threads";
    console.log(`relaxed SIMD: ${hasRelaxed ? "yes" : "no"}; default wasm variant ${rt.variant} (${rt.threads} threads)`);
    expect(rt.variant).withContext(`relaxed SIMD ${hasRelaxed}, threaded ${threaded}`).toBe(expected);
  });

  if (inNode && nodeMajor === 20 && !nodeRelaxedFlag) {
    it("is not chosen in Node 20 without --experimental-wasm-relaxed-simd", async () => {
      expect(hasRelaxed).toBe(false);
      expect((await loadWasmRuntime()).variant).toBe("simd-threads");
    });
  }

  if (chromeMajor >= 114) {
    it(`is chosen in Chromium ${chromeMajor} (cross-origin isolated)`, async () => {
      expect(hasRelaxed).withContext("Chromium >= 114 has relaxed SIMD on by default").toBe(true);
      const rt = await loadWasmRuntime();
      expect(rt.variant).toBe("relaxed-threads");
      expect(rt.threads).toBeGreaterThanOrEqual(2);
    });
  }

  it("is never chosen single-threaded, nor when relaxedSimd: false", async () => {
    const single = await load({ threads: false }, () => {});
    const plain = await load({ relaxedSimd: false }, () => {});
    try {
      expect(single.variant).toBe("simd");
      expect(plain.variant).not.toBe("relaxed-threads");
    } finally {
      single.dispose?.();
      plain.dispose?.();
    }
  });

  it("is in wasm/, compiles wherever relaxed SIMD is available, and has simd-threads' imports and exports", async () => {
    const bytes = await readWasmBytes(wasmUrl("webjax-relaxed-threads.wasm"));
    expect(bytes.byteLength).toBeGreaterThan(1000);
    const valid = WebAssembly.validate(bytes);
    if (hasRelaxed) expect(valid).withContext("the engine has relaxed SIMD but rejects the module").toBe(true);
    // Without relaxed SIMD a module that uses it must not validate; one that does not yet may.
    if (!valid) return;
    const plain = await WebAssembly.compile(await readWasmBytes(wasmUrl("webjax-simd-threads.wasm")));
    expect(abi(await WebAssembly.compile(bytes))).toEqual(abi(plain));
  });

  it("gives the same GEMM with Deno's micro-kernel (checked loads), to the bit, and float64's", async () => {
    if (!hasRelaxed) return;
    const rt = (await load({}, () => {})) as LoadedRuntime;
    try {
      const [m, n, k] = [67, 75, 530]; // edge tiles, two KC slices
      const a = operands(m * k, 3);
      const b = operands(k * n, 4);
      rt.kernels.setCheckedLoads(false);
      const splats = gemm(rt, a, b, m, n, k).c;
      rt.kernels.setCheckedLoads(true);
      const shuffles = gemm(rt, a, b, m, n, k).c;
      let differ = 0;
      let worst = 0;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          const { sum, scale } = reference(a, b, n, k, i, j);
          if (splats[i * n + j] !== shuffles[i * n + j]) differ++;
          worst = Math.max(worst, Math.abs(shuffles[i * n + j] - sum) / (1e-5 * Math.sqrt(k) * scale));
        }
      }
      expect(differ).withContext("entries where the two micro-kernels differ").toBe(0);
      expect(worst).withContext("worst error over its tolerance").toBeLessThanOrEqual(1);
    } finally {
      rt.dispose();
    }
  });

  it("runs GEMM on its workers, agreeing with simd-threads and float64", async () => {
    const relaxed = (await load({}, () => {})) as LoadedRuntime;
    const plain = (await load({ relaxedSimd: false }, () => {})) as LoadedRuntime;
    try {
      const [m, n, k] = [97, 130, 301];
      const a = operands(m * k, 1);
      const b = operands(k * n, 2);
      const fast = gemm(relaxed, a, b, m, n, k);
      const slow = gemm(plain, a, b, m, n, k);
      // The workers instantiated the same module, so every thread ran this variant's kernels.
      expect(fast.ids.length).withContext(`${relaxed.variant} threads that ran`).toBe(relaxed.threads);
      if (relaxed.threads > 1) expect(fast.ids.length).toBeGreaterThan(1);
      const bad: string[] = [];
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          const { sum, scale } = reference(a, b, n, k, i, j);
          const tol = 1e-5 * Math.sqrt(k) * scale;
          const [x, y] = [fast.c[i * n + j], slow.c[i * n + j]];
          if (!(Math.abs(x - sum) <= tol && Math.abs(x - y) <= 2 * tol) && bad.length < 5) {
            bad.push(`c[${i}][${j}]: ${relaxed.variant} ${x}, ${plain.variant} ${y}, float64 ${sum}`);
          }
        }
      }
      expect(bad).withContext(`${relaxed.variant} (${relaxed.threads} threads) vs ${plain.variant}`).toEqual([]);
      // A diagnostic: does the packed kernel round -1 + (1 + 2^-12)^2 once (FMA) or twice?
      const s = 64;
      const pa = new Float32Array(s * s).map((_, i) => [1, 1 + 2 ** -12][i % s] ?? 0);
      const pb = new Float32Array(s * s).map((_, i) => [-1, 1 + 2 ** -12][Math.floor(i / s)] ?? 0);
      const probe = gemm(relaxed, pa, pb, s, s, s).c;
      const fused = probe.filter((x) => x === 2 ** -11 + 2 ** -24).length;
      console.log(`${relaxed.variant}: ${s}x${s}x${s} probe fused (FMA) in ${fused} of ${s * s}, rounded twice in ${probe.filter((x) => x === 2 ** -11).length}`);
    } finally {
      relaxed.dispose();
      plain.dispose();
    }
  });
});
