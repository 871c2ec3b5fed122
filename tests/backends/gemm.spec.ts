// wj_gemm_f32 (core-cpp/gemm.cpp) against a float64 JS reference, in both wasm
// variants: shapes around every block size and micro-tile edge, every direct path,
// transposed operands and padded rows via strides, strided C, batches (broadcast too).
// Runs in Node and Chromium: no node: imports here.
import type { Core } from "../../bindings/core.js";
import type { LoadedRuntime } from "../../ts/backends/wasm/loader.js";
import { loadWasmRuntime, type WasmRuntime } from "../../ts/backends/wasm/runtime.js";

interface Case {
  batch?: number;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  /** Extra elements at the end of every stored row (or column, when transposed). */
  padA?: number;
  padB?: number;
  padC?: number;
  /** Every batch entry uses the same B (b_bs = 0). */
  broadcastB?: boolean;
  /** A's column stride when not transposed (a non-unit stride on both axes). */
  aColStride?: number;
}

/** A seeded generator, so a failure names a case that reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A batch x rows x cols operand laid out with the given strides, in element units. */
interface Layout {
  bs: number;
  rs: number;
  cs: number;
  size: number;
}

function layout(batch: number, rows: number, cols: number, trans: boolean, pad: number, colStride = 1, shareBatch = false): Layout {
  const [rs, cs] = trans ? [1, rows + pad] : [(cols - 1) * colStride + 1 + pad, colStride];
  const entry = trans ? cs * cols : rs * rows;
  return { bs: shareBatch ? 0 : entry, rs, cs, size: (shareBatch ? 1 : batch) * entry };
}

function describeCase(c: Case): string {
  const flags = [
    c.transA && "A^T",
    c.transB && "B^T",
    c.padA && `padA ${c.padA}`,
    c.padB && `padB ${c.padB}`,
    c.padC && `padC ${c.padC}`,
    c.broadcastB && "B broadcast",
    c.aColStride && `A col stride ${c.aColStride}`,
  ].filter(Boolean);
  return `batch ${c.batch ?? 1}, ${c.m}x${c.k} @ ${c.k}x${c.n}${flags.length ? ` (${flags.join(", ")})` : ""}`;
}

const SENTINEL = 12345.5;

/** Runs one case; returns a list of problems (empty when it matches). */
function runCase(core: Core, c: Case, seed: number): string[] {
  const batch = c.batch ?? 1;
  const { m, n, k } = c;
  const A = layout(batch, m, k, !!c.transA, c.padA ?? 0, c.aColStride ?? 1);
  const B = layout(batch, k, n, !!c.transB, c.padB ?? 0, 1, !!c.broadcastB);
  const cRs = n + (c.padC ?? 0);
  const cBs = m * cRs + 3; // a gap between batch entries, which must stay untouched
  const cSize = batch * cBs;

  // Storage outside the logical operands is NaN: reading it poisons the result.
  const random = rng(seed);
  const fill = (size: number, l: Layout, rows: number, cols: number, batches: number) => {
    const x = new Float32Array(Math.max(size, 1)).fill(NaN);
    for (let p = 0; p < batches; p++)
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) x[p * l.bs + i * l.rs + j * l.cs] = random() * 2 - 1;
    return x;
  };
  const a = fill(A.size, A, m, k, batch);
  const b = fill(B.size, B, k, n, c.broadcastB ? 1 : batch);

  const pa = core.malloc(a.length * 4);
  const pb = core.malloc(b.length * 4);
  const pc = core.malloc(cSize * 4);
  let out: Float32Array;
  try {
    const buffer = core.memory.buffer;
    new Float32Array(buffer, pa, a.length).set(a);
    new Float32Array(buffer, pb, b.length).set(b);
    new Float32Array(buffer, pc, cSize).fill(SENTINEL);
    core.exports.wj_gemm_f32(pa, pb, pc, batch, m, n, k, A.bs, A.rs, A.cs, B.bs, B.rs, B.cs, cBs, cRs);
    out = new Float32Array(core.memory.buffer, pc, cSize).slice();
  } finally {
    core.free(pa);
    core.free(pb);
    core.free(pc);
  }

  const problems: string[] = [];
  const tol = 1e-5 * Math.sqrt(Math.max(k, 1));
  const written = new Uint8Array(cSize);
  for (let p = 0; p < batch && problems.length < 5; p++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        let scale = 0;
        for (let l = 0; l < k; l++) {
          const prod = a[p * A.bs + i * A.rs + l * A.cs] * b[p * B.bs + l * B.rs + j * B.cs];
          sum += prod;
          scale += Math.abs(prod);
        }
        const at = p * cBs + i * cRs + j;
        written[at] = 1;
        const got = out[at];
        if (!(Math.abs(got - sum) <= tol * scale + 1e-30)) {
          if (problems.length < 5) problems.push(`c[${p}][${i}][${j}] = ${got}, want ${sum} (tolerance ${(tol * scale).toExponential(2)})`);
        }
      }
    }
  }
  for (let at = 0; at < cSize && problems.length < 5; at++) {
    if (!written[at] && out[at] !== SENTINEL) problems.push(`wrote outside c: element ${at} = ${out[at]}`);
  }
  return problems;
}

// Blocking in core-cpp/gemm.cpp: micro-tile 4 x 8, KC 512, MC 64, NC 512; the direct
// paths at or below 32k multiply-adds or when m < 4 or n < 8; threads from ~1M.
const CASES: Case[] = [
  // Direct paths.
  { m: 1, n: 1, k: 1 },
  { m: 1, n: 1, k: 37 },
  { m: 3, n: 5, k: 7 },
  { m: 8, n: 8, k: 8 },
  { m: 13, n: 31, k: 17 },
  { m: 32, n: 32, k: 32 },
  { m: 2, n: 700, k: 400 }, // few rows, large row-major B: the streaming (axpy) path
  { m: 1, n: 3, k: 500, transB: true }, // contiguous dot products
  { m: 5, n: 6, k: 9, transA: true, transB: true }, // neither side contiguous along k: scalar
  { m: 9, n: 7, k: 11, aColStride: 3, padA: 2 },
  { m: 20, n: 2, k: 30, transB: true },
  { m: 3, n: 400, k: 100, transA: true, transB: true }, // skinny, awkward strides: packed
  { m: 100, n: 3, k: 200, transA: true, transB: true, padA: 1 },
  // Packed path: micro-tile edges, KC/MC/NC crossings, primes.
  { m: 4, n: 8, k: 2048 },
  { m: 5, n: 9, k: 1031 },
  { m: 37, n: 41, k: 43 },
  { m: 64, n: 64, k: 64 },
  { m: 97, n: 89, k: 257 },
  { m: 131, n: 67, k: 300 },
  { m: 133, n: 530, k: 261 },
  { m: 200, n: 13, k: 517 },
  { m: 7, n: 1100, k: 50 },
  // Transposes, padding, strided C.
  { m: 61, n: 53, k: 59, transA: true },
  { m: 61, n: 53, k: 59, transB: true },
  { m: 61, n: 53, k: 59, transA: true, transB: true },
  { m: 130, n: 70, k: 600, transA: true, transB: true, padA: 3, padB: 5, padC: 7 },
  { m: 45, n: 100, k: 33, padA: 1, padB: 4, padC: 11 },
  { m: 45, n: 100, k: 33, aColStride: 2 },
  // k = 0 clears c.
  { m: 6, n: 10, k: 0 },
  { m: 100, n: 100, k: 0, padC: 3 },
  // Batches: whole entries per thread, sliced entries, broadcast B.
  { batch: 2, m: 70, n: 90, k: 50 },
  { batch: 3, m: 67, n: 71, k: 73, transA: true },
  { batch: 5, m: 33, n: 17, k: 65, transB: true, padC: 2 },
  { batch: 16, m: 16, n: 16, k: 16 },
  { batch: 9, m: 40, n: 36, k: 44, broadcastB: true },
  { batch: 2, m: 1, n: 600, k: 500, broadcastB: true },
  { batch: 7, m: 3, n: 3, k: 3, transA: true },
  // Split over threads (from ~1M multiply-adds): entries, slices of columns or rows.
  { batch: 4, m: 100, n: 120, k: 90 },
  { batch: 1, m: 300, n: 40, k: 200, transB: true },
  { batch: 3, m: 90, n: 150, k: 100, padC: 1 },
  { m: 1, n: 3000, k: 800 },
  { m: 3000, n: 1, k: 400, transB: true },
  // Packed, in more slices (of 512+ columns or rows) than threads, taken as they free up.
  { m: 20, n: 1600, k: 60 },
  { m: 1600, n: 20, k: 40, transA: true },
];

function randomCases(count: number, seed: number): Case[] {
  const r = rng(seed);
  const dim = () => 1 + Math.floor(r() ** 2 * 90);
  return Array.from({ length: count }, () => ({
    batch: r() < 0.3 ? 2 + Math.floor(r() * 3) : 1,
    m: dim(),
    n: dim(),
    k: dim(),
    transA: r() < 0.5,
    transB: r() < 0.5,
    padA: r() < 0.3 ? 1 + Math.floor(r() * 5) : 0,
    padB: r() < 0.3 ? 1 + Math.floor(r() * 5) : 0,
    padC: r() < 0.3 ? 1 + Math.floor(r() * 5) : 0,
    broadcastB: r() < 0.15,
  }));
}

for (const threads of [true, false]) {
  describe(`wasm gemm f32 (threads: ${threads})`, () => {
    let rt: WasmRuntime;
    let core: Core;

    beforeAll(async () => {
      rt = await loadWasmRuntime({ threads });
      core = (rt as LoadedRuntime).kernels;
    });

    CASES.forEach((c, i) => {
      it(`matches float64 for ${describeCase(c)}`, () => {
        expect(runCase(core, c, 1000 + i)).withContext(`wasm ${rt.variant} (${rt.threads} threads): ${describeCase(c)}`).toEqual([]);
      });
    });

    it("matches float64 for 40 random shapes, layouts and batches", () => {
      const failures: string[] = [];
      randomCases(40, 7).forEach((c, i) => {
        const problems = runCase(core, c, 2000 + i);
        if (problems.length) failures.push(`${describeCase(c)}: ${problems[0]}`);
      });
      expect(failures).withContext(`wasm ${rt.variant} (${rt.threads} threads)`).toEqual([]);
    });

    it("spreads a large product over every thread", () => {
      const n = 256;
      const pa = core.malloc(n * n * 4);
      const pb = core.malloc(n * n * 4);
      const pc = core.malloc(n * n * 4);
      try {
        new Float32Array(core.memory.buffer, pa, n * n).fill(1);
        new Float32Array(core.memory.buffer, pb, n * n).fill(0.5);
        core.exports.wj_gemm_f32(pa, pb, pc, 1, n, n, n, n * n, n, 1, n * n, n, 1, n * n, n);
        const ids = (rt as LoadedRuntime).lastThreadIds();
        expect(ids.length).toBe(rt.threads);
        if (rt.variant !== "simd" && rt.threads > 1) expect(ids.length).toBeGreaterThan(1);
        const c = new Float32Array(core.memory.buffer, pc, n * n);
        expect(c[0]).toBe(n / 2);
        expect(c[n * n - 1]).toBe(n / 2);
      } finally {
        core.free(pa);
        core.free(pb);
        core.free(pc);
      }
    });
  });
}
