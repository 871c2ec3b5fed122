// Matrix products on CPU adapters read quads of A and B (quadKernel: vec4 loads, 8x8 of C per
// invocation) where the views allow it: every layout pair (A along k or along its rows, B along
// the columns or along k), edges of the 64x64 blocks, batches, int32/uint32 wrapping, views at
// offsets, products inside a scan (a window that moves each step), and the shapes that fall back
// to the scalar kernel (k or n not a multiple of 4, unaligned views), against float64 sums
// computed here. Both kernel styles.
import * as jax from "../../ts/index.js";
import { numpy as np, lax } from "../../ts/index.js";
type Array = jax.Array;
import type { KernelStyle } from "../../ts/backends/webgpu/kernels/dot.js";
import { startWebGpu, withStyle } from "../util/webgpu.js";

/** Row-major C = A B (A: b x m x k, B: b x k x n) in float64, or wrapped to 32 bits for integers. */
function reference(a: ArrayLike<number>, b: ArrayLike<number>, [batch, m, k, n]: number[], int: "int32" | "uint32" | null): number[] {
  const out: number[] = [];
  for (let p = 0; p < batch; p++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        if (int) {
          for (let t = 0; t < k; t++) s = (s + Math.imul(a[(p * m + i) * k + t], b[(p * k + t) * n + j])) | 0;
          out.push(int === "uint32" ? s >>> 0 : s);
        } else {
          for (let t = 0; t < k; t++) s += a[(p * m + i) * k + t] * b[(p * k + t) * n + j];
          out.push(s);
        }
      }
  return out;
}

const floats = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => (((i + seed) * 7919) % 211) / 64 - 1.6);

function expectClose(got: ArrayLike<number>, want: number[], k: number, title: string): void {
  expect(got.length).withContext(title).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  // float32 sums of k products of values below 2 in magnitude.
  expect(worst).withContext(title).toBeLessThan(4e-7 * k);
}

/** Row-major transpose of the last two axes of a [batch, r, c] array. */
function swap(x: ArrayLike<number>, [batch, r, c]: number[]): number[] {
  const out: number[] = [];
  for (let p = 0; p < batch; p++) for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) out.push(x[(p * r + i) * c + j]);
  return out;
}

describe("webgpu: matrix products from quads of A and B", () => {
  beforeAll(async () => {
    await startWebGpu();
  });

  // [batch, m, k, n]: block edges (m, n not multiples of 64 or of 8), the smallest quads, k = 4.
  const shapes = [[1, 64, 64, 64], [1, 70, 36, 44], [1, 5, 8, 4], [1, 1, 4, 12], [3, 9, 20, 68], [2, 128, 4, 8]];

  for (const style of ["cpu", "gpu"] as KernelStyle[]) {
    it(`(${style} kernels) float32, every layout of A and B, batched and not`, async () => {
      await withStyle(style, async () => {
        for (const dims of shapes) {
          const [batch, m, k, n] = dims;
          const a = floats(batch * m * k, 1), b = floats(batch * k * n, 5);
          const want = reference(a, b, dims, null);
          const A = np.array(a).reshape([batch, m, k]), B = np.array(b).reshape([batch, k, n]);
          // The same products with A and/or B stored transposed (quads along m, along k).
          const At = np.array(swap(a, [batch, m, k])).reshape([batch, k, m]);
          const Bt = np.array(swap(b, [batch, k, n])).reshape([batch, n, k]);
          const T = (x: Array) => np.swapaxes(x, 1, 2);
          const products: [string, () => Array][] = [
            ["A B", () => jax.jit((x: Array, y: Array) => np.matmul(x, y), { backend: "webgpu" })(A, B) as Array],
            ["At.T B", () => jax.jit((x: Array, y: Array) => np.matmul(T(x), y), { backend: "webgpu" })(At, B) as Array],
            ["A Bt.T", () => jax.jit((x: Array, y: Array) => np.matmul(x, T(y)), { backend: "webgpu" })(A, Bt) as Array],
            ["At.T Bt.T", () => jax.jit((x: Array, y: Array) => np.matmul(T(x), T(y)), { backend: "webgpu" })(At, Bt) as Array],
          ];
          for (const [title, run] of products) {
            const c = run();
            expect(c.shape).withContext(`${title} ${dims}`).toEqual([batch, m, n]);
            expectClose(await c.data(), want, k, `${title} ${dims}`);
          }
          for (const x of [A, B, At, Bt]) x.dispose();
        }
      });
    });

    it(`(${style} kernels) int32 and uint32 products wrap`, async () => {
      await withStyle(style, async () => {
        const dims = [2, 12, 8, 20];
        const [batch, m, k, n] = dims;
        const ai = Int32Array.from({ length: batch * m * k }, (_, i) => ((i * 2654435761) | 0) >> 3);
        const bi = Int32Array.from({ length: batch * k * n }, (_, i) => ((i * 40503 + 7) | 0) % 100003);
        for (const kind of ["int32", "uint32"] as const) {
          const A = np.array(kind === "int32" ? ai : Uint32Array.from(ai)).reshape([batch, m, k]);
          const B = np.array(kind === "int32" ? bi : Uint32Array.from(bi)).reshape([batch, k, n]);
          const c = jax.jit((x: Array, y: Array) => np.matmul(x, y), { backend: "webgpu" })(A, B) as Array;
          expect(c.dtype).toBe(kind);
          expect(Array.from(await c.data())).withContext(kind).toEqual(reference(ai, bi, dims, kind));
        }
      });
    });

    it(`(${style} kernels) views at offsets, shapes that fall back, and products in a scan`, async () => {
      await withStyle(style, async () => {
        const a = floats(24 * 16, 3), b = floats(16 * 24, 11);
        const A = np.array(a).reshape([24, 16]), B = np.array(b).reshape([16, 24]);
        const rows = (x: ArrayLike<number>, w: number, r0: number, r1: number, c0: number, c1: number) => {
          const out: number[] = [];
          for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out.push(x[r * w + c]);
          return out;
        };
        // [rows of A, cols of A (= rows of B), cols of B]: aligned slices (quads) and not (fall back).
        const cuts: [number, number, number, number, number, number][] = [
          [4, 20, 0, 16, 0, 24], // A's rows from 4: offset 64
          [1, 9, 4, 12, 8, 20], // k from 4: offset of A 20, of B 4*24 + 8
          [0, 8, 1, 13, 0, 24], // k from 1: unaligned A (falls back)
          [0, 8, 0, 16, 2, 14], // B's columns from 2 (falls back)
          [0, 8, 0, 15, 0, 24], // k = 15 (falls back)
          [0, 8, 0, 16, 0, 22], // n = 22 (falls back)
        ];
        for (const [r0, r1, k0, k1, c0, c1] of cuts) {
          const title = `A[${r0}:${r1}, ${k0}:${k1}] B[${k0}:${k1}, ${c0}:${c1}]`;
          const f = jax.jit((x: Array, y: Array) => np.matmul(x.slice([r0, r1], [k0, k1]), y.slice([k0, k1], [c0, c1])), { backend: "webgpu" });
          const want = reference(rows(a, 16, r0, r1, k0, k1), rows(b, 24, k0, k1, c0, c1), [1, r1 - r0, k1 - k0, c1 - c0], null);
          expectClose(await (f(A, B) as Array).data(), want, k1 - k0, title);
        }
        // A scan over the rows of xs (windows of 8x16 that move each step) times a fixed 16x24.
        const xs = np.array(floats(3 * 8 * 16, 7)).reshape([3, 8, 16]);
        const scanned = jax.jit((xs: Array, w: Array) => lax.scan((c: Array, x: Array) => [c.add(np.matmul(x, w)), np.matmul(x, w)], np.zeros([8, 24]), xs), { backend: "webgpu" });
        const [total, each] = scanned(xs, B) as [Array, Array];
        const xv = await xs.data();
        const steps = [0, 1, 2].map((s) => reference(Array.from(xv.slice(s * 128, (s + 1) * 128)), b, [1, 8, 16, 24], null));
        expectClose(await each.data(), steps.flat(), 16, "scan ys");
        expectClose(await total.data(), steps[0].map((v, i) => v + steps[1][i] + steps[2][i]), 48, "scan carry");
        for (const x of [A, B, xs]) x.dispose();
      });
    });
  }
});
