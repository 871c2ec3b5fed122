// Reductions read four words at a time (reduceQuad, the CPU kernels' vec4 path): along a
// contiguous reduced axis (inner = 1) and across four adjacent outputs (inner divisible by 4),
// with and without pieces of the reduced axis, for max/min with NaN and signed zeros, integer
// ops and products, against values computed here. Both kernel styles.
import * as jax from "../../ts/index.js";
import { numpy as np } from "../../ts/index.js";
type Array = jax.Array;
import type { KernelStyle } from "../../ts/backends/webgpu/kernels/dot.js";
import { startWebGpu, withStyle } from "../util/webgpu.js";


type Op = "max" | "min" | "sum" | "prod";

/** op over `axis` of a [rows, cols] array in `data`, in float64 (then as the dtype rounds it). */
function reference(op: Op, data: ArrayLike<number>, rows: number, cols: number, axis: number): number[] {
  const n = axis === 0 ? cols : rows, m = axis === 0 ? rows : cols;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let acc = op === "max" ? -Infinity : op === "min" ? Infinity : op === "sum" ? 0 : 1;
    for (let k = 0; k < m; k++) {
      const v = axis === 0 ? data[k * cols + i] : data[i * cols + k];
      if (op === "max") acc = Number.isNaN(acc) || Number.isNaN(v) ? NaN : v > acc || (v === acc && Object.is(acc, -0)) ? v : acc;
      else if (op === "min") acc = Number.isNaN(acc) || Number.isNaN(v) ? NaN : v < acc || (v === acc && Object.is(v, -0)) ? v : acc;
      else if (op === "sum") acc += v;
      else acc *= v;
    }
    out.push(acc);
  }
  return out;
}

describe("webgpu: reductions through vec4 loads", () => {
  beforeAll(async () => {
    await startWebGpu();
  });

  for (const style of ["cpu", "gpu"] as KernelStyle[]) {
    it(`(${style} kernels) float32 max/min with NaN, infinities and signed zeros, along and across`, async () => {
      await withStyle(style, async () => {
        const rows = 12, cols = 20; // 5 quads a row: the max/min loop's odd quad
        const data = new Float32Array(rows * cols);
        for (let i = 0; i < data.length; i++) data[i] = ((i * 37) % 23) - 11;
        data[3 * cols + 5] = NaN; // row 3, column 5
        data[7 * cols + 2] = -Infinity;
        data[8 * cols + 9] = Infinity;
        for (let k = 0; k < rows; k++) data[k * cols + 12] = k % 2 ? -0 : 0; // column 12 all zeros
        for (let k = 0; k < cols; k++) data[10 * cols + k] = k % 3 ? -0 : 0; // row 10 all zeros
        for (let k = 0; k < rows; k++) data[k * cols + 13] = -0;
        for (let k = 0; k < rows; k++) data[k * cols + 14] = Infinity; // min over axis 0: +inf
        for (let k = 0; k < cols; k++) data[11 * cols + k] = -Infinity; // max over axis 1: -inf
        new Uint32Array(data.buffer)[5 * cols + 7] = 0xffc00000; // a NaN with its sign bit set (x86's default NaN)
        const x = np.array(data).reshape([rows, cols]);
        const f = jax.jit((x: Array) => [x.max(0), x.max(1), x.min(0), x.min(1)], { backend: "webgpu" });
        const outs = f(x) as Array[];
        const want = [reference("max", data, rows, cols, 0), reference("max", data, rows, cols, 1), reference("min", data, rows, cols, 0), reference("min", data, rows, cols, 1)];
        for (let i = 0; i < 4; i++) {
          const got = Array.from(await outs[i].data());
          expect(got.length).toBe(want[i].length);
          for (let k = 0; k < got.length; k++) expect(Object.is(got[k], want[i][k]) || (Number.isNaN(got[k]) && Number.isNaN(want[i][k]))).withContext(`output ${i}[${k}]: ${got[k]} vs ${want[i][k]}`).toBeTrue();
        }
        x.dispose();
      });
    });

    it(`(${style} kernels) int32 and uint32 max/min/sum and float32 products along and across`, async () => {
      await withStyle(style, async () => {
        const rows = 8, cols = 12;
        const ints = new Int32Array(rows * cols).map((_, i) => ((i * 7919) % 201) - 100);
        const x = np.array(ints).reshape([rows, cols]);
        const u = np.array(new Uint32Array(ints.map((v) => (v + 100) * 40_000_000))).reshape([rows, cols]);
        const floats = new Float32Array(rows * cols).map((_, i) => 0.75 + ((i * 13) % 7) / 10);
        const p = np.array(floats).reshape([rows, cols]);
        const f = jax.jit((x: Array, u: Array, p: Array) => [x.max(0), x.max(1), x.min(0), x.min(1), x.sum(0), x.sum(1), u.max(0), u.max(1), p.prod(0), p.prod(1)], { backend: "webgpu" });
        const outs = f(x, u, p) as Array[];
        const uvals = Array.from(ints, (v) => ((v + 100) * 40_000_000) >>> 0);
        const want = [
          reference("max", ints, rows, cols, 0), reference("max", ints, rows, cols, 1), reference("min", ints, rows, cols, 0), reference("min", ints, rows, cols, 1),
          reference("sum", ints, rows, cols, 0), reference("sum", ints, rows, cols, 1), reference("max", uvals, rows, cols, 0), reference("max", uvals, rows, cols, 1),
        ];
        for (let i = 0; i < want.length; i++) expect(Array.from(await outs[i].data())).withContext(`output ${i}`).toEqual(want[i]);
        const prods = [reference("prod", floats, rows, cols, 0), reference("prod", floats, rows, cols, 1)];
        for (let i = 0; i < 2; i++) {
          const got = await outs[8 + i].data();
          for (let k = 0; k < got.length; k++) expect(Math.abs(got[k] - prods[i][k])).toBeLessThan(1e-5 * Math.abs(prods[i][k]));
        }
        for (const a of [x, u, p]) a.dispose();
      });
    });

    it(`(${style} kernels) float32 sums in pieces of the reduced axis, along ([4, 40000] over axis 1) and across ([40000, 8] over axis 0)`, async () => {
      await withStyle(style, async () => {
        const n = 40_000;
        const data = new Float32Array(4 * n).map((_, i) => 1 + ((i * 2654435761) % 1000) / 1000);
        const a = np.array(data).reshape([4, n]);
        const b = np.array(data).reshape([n, 4]);
        const f = jax.jit((a: Array, b: Array) => [a.sum(1), b.sum(0), a.max(1), b.min(0)], { backend: "webgpu" });
        const [s1, s0, m1, m0] = f(a, b) as Array[];
        const check = async (got: Array, want: number[], rtol: number) => {
          const g = await got.data();
          expect(g.length).toBe(want.length);
          for (let k = 0; k < g.length; k++) expect(Math.abs(g[k] - want[k])).toBeLessThanOrEqual(rtol * Math.abs(want[k]));
        };
        await check(s1, reference("sum", data, 4, n, 1), 2e-7);
        await check(s0, reference("sum", data, n, 4, 0), 2e-7);
        await check(m1, reference("max", data, 4, n, 1), 0);
        await check(m0, reference("min", data, n, 4, 0), 0);
        a.dispose();
        b.dispose();
      });
    });
  }
});
