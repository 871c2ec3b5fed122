// float16 on WebGPU, on both paths: with shader-f16 (array<f16> views of the buffers and the
// hardware's conversions, shaders/f16_native.wgsl) and without it (integer arithmetic on the
// bits, shaders/f16_emulated.wgsl). Every half converts to float32 and back, float32 values
// around every rounding boundary round as the reference does, and elementwise chains round
// after every op, bit for bit as the cpu reference.
import * as jax from "../../ts/index.js";
import { numpy as np } from "../../ts/index.js";
import { currentWebGpu, startWebGpu, webgpuOrPending } from "../util/webgpu.js";
import { float16Probes } from "../util/float16_probes.js";

/** Elements of `got` that are not `want` bit for bit (any NaN matches any NaN). */
function mismatches(got: ArrayLike<number>, want: ArrayLike<number>): string[] {
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 5; i++) {
    if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) bad.push(`[${i}] got ${got[i]} want ${want[i]}`);
  }
  return bad;
}

describe("webgpu float16", () => {
  beforeAll(async () => {
    await startWebGpu();
  });

  for (const native of [true, false]) {
    const path = native ? "with shader-f16" : "without shader-f16 (emulated)";

    describe(path, () => {
      beforeAll(() => currentWebGpu()?.setShaderF16(native));
      afterAll(() => currentWebGpu()?.setShaderF16(true));

      it("converts every float16 to float32 and float32 values around every float16 back, as the reference", async () => {
        const gpu = webgpuOrPending();
        if (!gpu) return;
        if (native && !gpu.adapter.hasF16) return pending(`this adapter (${gpu.adapter.description}) has no shader-f16`);
        const { halves, midpoints } = float16Probes();
        // h is read twice, so it is stored as float16 and loaded back (both conversions run).
        const f = (x: jax.Array) => {
          const h = x.astype("float16");
          return [h, h.astype("float32").mul(1)];
        };
        for (const values of [halves, midpoints]) {
          const got = jax.jit(f, { backend: "webgpu" })(np.array(values)) as jax.Array[];
          const want = jax.jit(f, { backend: "cpu" })(np.array(values)) as jax.Array[];
          for (const k of [0, 1]) expect(mismatches(await got[k].data(), await want[k].data())).withContext(`${path}, output ${k}`).toEqual([]);
        }
      });

      it("rounds float16 chains after every op, bit for bit as the reference (sums and products within a float16 ulp)", async () => {
        const gpu = webgpuOrPending();
        if (!gpu) return;
        if (native && !gpu.adapter.hasF16) return pending(`this adapter (${gpu.adapter.description}) has no shader-f16`);
        const n = 5000;
        const vals = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 2 ** ((i % 40) - 24) + (i % 7 === 0 ? 1 + 2 ** -11 : 0));
        const x = np.array(vals).astype("float16"), y = np.array(vals.map((v) => v * 0.75 + 0.5)).astype("float16");
        const f = (a: jax.Array, b: jax.Array) => [a.mul(b).add(b.div(a)), np.sqrt(np.abs(a)).sub(b), a.astype("float32").mul(3).astype("float16"), np.maximum(a, b)];
        const got = jax.jit(f, { backend: "webgpu" })(x, y) as jax.Array[];
        const want = jax.jit(f, { backend: "cpu" })(x, y) as jax.Array[];
        for (let k = 0; k < got.length; k++) {
          expect(got[k].dtype).toBe("float16");
          expect(mismatches(await got[k].data(), await want[k].data())).withContext(`${path}, output ${k}`).toEqual([]);
        }
        const g = (a: jax.Array, b: jax.Array) => [a.reshape([50, 100]).mul(0.01).sum(1), np.matmul(a.reshape([50, 100]).mul(5e-4), b.reshape([100, 50]).mul(5e-4))];
        const [s, m] = jax.jit(g, { backend: "webgpu" })(x, y) as jax.Array[];
        const [s0, m0] = jax.jit(g, { backend: "cpu" })(x, y) as jax.Array[];
        for (const [a, b] of [[s, s0], [m, m0]]) {
          const [p, q] = [await a.data(), await b.data()];
          for (let i = 0; i < q.length; i++) expect(Math.abs(p[i] - q[i])).toBeLessThanOrEqual(2 ** -9 * Math.abs(q[i]) + 2 ** -20);
        }
      });
    });
  }
});

