// Copies that swap the last two axes go four by four on CPU adapters (quadTranspose: a 4x4
// block per invocation, vec4 loads and stores): sizes divisible by 4 (several tiles, partial
// tiles), odd sizes and unaligned views that fall back, 3-D and 4-D swaps, int32 and uint32
// bits, and transposed views that start at an offset, against values permuted here. Both kernel
// styles.
import * as jax from "../../ts/index.js";
import { numpy as np } from "../../ts/index.js";
type Array = jax.Array;
import type { KernelStyle } from "../../ts/backends/webgpu/kernels/dot.js";
import { startWebGpu, withStyle } from "../util/webgpu.js";


/** `data` (row-major, `shape`) permuted by `perm`, row-major. */
function permute(data: ArrayLike<number>, shape: number[], perm: number[]): number[] {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outShape = perm.map((d) => shape[d]);
  const idx = outShape.map(() => 0);
  const out: number[] = [];
  for (let o = 0; o < data.length; o++) {
    let i = 0;
    for (let d = 0; d < perm.length; d++) i += idx[d] * strides[perm[d]];
    out.push(data[i]);
    for (let d = outShape.length - 1; d >= 0 && ++idx[d] === outShape[d]; d--) idx[d] = 0;
  }
  return out;
}

function values(kind: "float32" | "int32" | "uint32", n: number): Float32Array | Int32Array | Uint32Array {
  if (kind === "float32") return new Float32Array(n).map((_, i) => ((i * 37) % 101) - 50.25);
  if (kind === "int32") return new Int32Array(n).map((_, i) => ((i * 7919) % 2001) * 1_000_003 - 1_000_000_000);
  return new Uint32Array(n).map((_, i) => (i * 2654435761) >>> 0);
}

describe("webgpu: transposing copies four by four", () => {
  beforeAll(async () => {
    await startWebGpu();
  });

  const cases: [string, number[], number[]][] = [
    ["8x12 .T", [8, 12], [1, 0]],
    ["40x72 .T (partial tiles)", [40, 72], [1, 0]],
    ["4x4 .T", [4, 4], [1, 0]],
    ["6x10 .T (falls back)", [6, 10], [1, 0]],
    ["5x8 .T (falls back)", [5, 8], [1, 0]],
    ["8x7 .T (falls back)", [8, 7], [1, 0]],
    ["[3, 8, 12] swap of the last two", [3, 8, 12], [0, 2, 1]],
    ["[3, 6, 12] swap of the last two (falls back)", [3, 6, 12], [0, 2, 1]],
    ["[4, 8, 12] reversed", [4, 8, 12], [2, 1, 0]],
    ["[2, 3, 4, 8] (0, 1, 3, 2)", [2, 3, 4, 8], [0, 1, 3, 2]],
    ["[2, 3, 4, 8] (1, 0, 3, 2)", [2, 3, 4, 8], [1, 0, 3, 2]],
    ["[3, 2, 8, 4] (2, 1, 3, 0)", [3, 2, 8, 4], [2, 1, 3, 0]],
  ];

  for (const style of ["cpu", "gpu"] as KernelStyle[]) {
    for (const kind of ["float32", "int32", "uint32"] as const) {
      it(`(${style} kernels) ${kind}: ${cases.map((c) => c[0]).join(", ")}`, async () => {
        await withStyle(style, async () => {
          for (const [title, shape, perm] of cases) {
            const data = values(kind, shape.reduce((a, b) => a * b, 1));
            const x = np.array(data).reshape(shape);
            const f = jax.jit((x: Array) => np.transpose(x, perm), { backend: "webgpu" });
            const y = f(x) as Array;
            expect(y.shape).withContext(title).toEqual(perm.map((d) => shape[d]));
            expect(Array.from(await y.data())).withContext(title).toEqual(permute(data, shape, perm));
            x.dispose();
          }
        });
      });
    }

    it(`(${style} kernels) transposed views at an offset, aligned or not, and x.T + 1`, async () => {
      await withStyle(style, async () => {
        const data = values("float32", 10 * 13);
        const x = np.array(data).reshape([10, 13]);
        const sub = (r0: number, r1: number, c0: number, c1: number) => {
          const out: number[] = [];
          for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out.push(data[r * 13 + c]);
          return out;
        };
        const checks: [string, (x: Array) => Array, number[], number[]][] = [
          // Row stride 13 (not a multiple of 4): both fall back.
          ["x[1:9, 1:5].T", (x) => x.slice([1, 9], [1, 5]).transpose(), sub(1, 9, 1, 5), [8, 4]],
          ["x[2:10, 0:12].T", (x) => x.slice([2, 10], [0, 12]).transpose(), sub(2, 10, 0, 12), [8, 12]],
        ];
        for (const [title, fn, flat, shape] of checks) {
          const y = jax.jit(fn, { backend: "webgpu" })(x) as Array;
          expect(Array.from(await y.data())).withContext(title).toEqual(permute(flat, shape, [1, 0]));
        }
        // A contiguous 16x12 array sliced by rows (offset 24, a multiple of 4), swapped.
        const d2 = values("float32", 20 * 12);
        const z = np.array(d2).reshape([20, 12]);
        const rows = jax.jit((z: Array) => z.slice([2, 18]).transpose(), { backend: "webgpu" })(z) as Array;
        expect(Array.from(await rows.data())).toEqual(permute(Array.from(d2.slice(24, 18 * 12)), [16, 12], [1, 0]));
        // Columns 1..9 (offset 1, not a multiple of 4: falls back) and 4..12 (offset 4).
        for (const c0 of [1, 4]) {
          const cols = jax.jit((z: Array) => z.slice(null, [c0, c0 + 8]).transpose(), { backend: "webgpu" })(z) as Array;
          const flat: number[] = [];
          for (let r = 0; r < 20; r++) for (let c = c0; c < c0 + 8; c++) flat.push(d2[r * 12 + c]);
          expect(Array.from(await cols.data())).withContext(`z[:, ${c0}:${c0 + 8}].T`).toEqual(permute(flat, [20, 8], [1, 0]));
        }
        const plus = jax.jit((z: Array) => z.transpose().add(1), { backend: "webgpu" })(z) as Array;
        expect(Array.from(await plus.data())).toEqual(permute(d2, [20, 12], [1, 0]).map((v) => Math.fround(v + 1)));
        // Past transposeCopyMin (2^15 elements) a CPU adapter copies the transposed input first.
        const d3 = values("float32", 200 * 256);
        const big = np.array(d3).reshape([200, 256]);
        const bigPlus = jax.jit((z: Array) => z.transpose().mul(2).add(z.transpose()), { backend: "webgpu" })(big) as Array;
        expect(Array.from(await bigPlus.data())).toEqual(permute(d3, [200, 256], [1, 0]).map((v) => Math.fround(Math.fround(v * 2) + v)));
        big.dispose();
        x.dispose();
        z.dispose();
      });
    });
  }
});
