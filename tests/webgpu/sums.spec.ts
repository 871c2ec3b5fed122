// float32 sums on WebGPU as accurate as a tree reduction, with the kernels for CPU adapters
// (serial loops in pieces of at most MAX_LOOP elements, then a pass over the pieces' partial
// results) and for GPUs (workgroup trees): past 2^24 elements, where one running float32 sum of
// ones stops growing exactly, sums of ones are exact (wasm's and XLA's are), and random values
// sum within a few ulps of float64. Regression: a user's sum of 20M ones on llvmpipe gave
// 19999948, the CPU kernels' second pass adding 334 partial sums of 59881 in one running sum.
import * as jax from "../../ts/index.js";
import { numpy as np } from "../../ts/index.js";
type Array = jax.Array;
import type { KernelStyle } from "../../ts/backends/webgpu/kernels/dot.js";
import { startWebGpu, withStyle } from "../util/webgpu.js";


/** Uniform float32 values in [1, 2) from a fixed xorshift stream (the same on every engine). */
function randomOneToTwo(n: number, seed = 0x9e3779b9): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = 1 + (s >>> 9) / 2 ** 23; // exactly representable
  }
  return out;
}

describe("webgpu: float32 sums are as accurate as a tree reduction", () => {
  beforeAll(async () => {
    await startWebGpu();
  });

  for (const style of ["cpu", "gpu"] as KernelStyle[]) {
    it(`(${style} kernels) sums and means of ones past 2^24 elements exactly: 20M uploaded, 2^25+3, 2×(2^24+3) and 256×60000 made in the jit`, async () => {
      await withStyle(style, async () => {
        const sum = jax.jit((x: Array) => [x.sum(), x.mean()], { backend: "webgpu" });
        const x = np.ones([20_000_000]);
        const [s, m] = sum(x) as Array[];
        x.dispose();
        expect(await s.itemAsync()).toBe(20_000_000);
        expect(await m.itemAsync()).toBe(1);
        const n = 2 ** 25 + 3;
        const made = jax.jit(() => [np.ones([n]).sum(), np.ones([n]).mul(2).sum(), np.ones([2, 2 ** 24 + 3]).sum(1), np.ones([2, 20_000_000]).mean(1), np.ones([256, 60_000]).sum(1)], { backend: "webgpu" });
        const [a, b, rows, means, full] = made() as Array[];
        expect(await a.itemAsync()).toBe(Math.fround(n)); // 2^25 + 4, the float32 nearest
        expect(await b.itemAsync()).toBe(Math.fround(2 * n));
        expect(await rows.tolist()).toEqual([2 ** 24 + 4, 2 ** 24 + 4]);
        expect(await means.tolist()).toEqual([1, 1]);
        // Rows of MAX_LOOP elements, one invocation each with CPU kernels: no iteration past llvmpipe's loop limit.
        expect(new Set(await full.data())).toEqual(new Set([60_000]));
      });
    });

    it(`(${style} kernels) sums 20M random values in [1, 2) within 2e-7 (relative) of the float64 sum`, async () => {
      await withStyle(style, async () => {
        const n = 20_000_000;
        const data = randomOneToTwo(n);
        let want = 0;
        for (let i = 0; i < n; i++) want += data[i];
        const x = np.array(data);
        const f = jax.jit((x: Array) => [x.sum(), x.reshape([2, n / 2]).sum(1), x.mul(0.5).sum()], { backend: "webgpu" });
        const [s, halves, scaled] = f(x) as Array[];
        x.dispose();
        let firstHalf = 0;
        for (let i = 0; i < n / 2; i++) firstHalf += data[i];
        const got = (await s.itemAsync()) as number;
        expect(Math.abs(got - want) / want).withContext(`sum ${got}, float64 ${want}`).toBeLessThan(2e-7);
        const [h0, h1] = (await halves.tolist()) as number[];
        expect(Math.abs(h0 - firstHalf) / firstHalf).withContext(`first half ${h0}, float64 ${firstHalf}`).toBeLessThan(2e-7);
        expect(Math.abs(h1 - (want - firstHalf)) / (want - firstHalf)).withContext(`second half ${h1}`).toBeLessThan(2e-7);
        const half = (await scaled.itemAsync()) as number;
        expect(Math.abs(half - want / 2) / (want / 2)).withContext(`fused sum ${half}, float64 ${want / 2}`).toBeLessThan(2e-7);
      });
    });
  }
});
