// The float32 math of the WebGPU kernels (shaders/vmath.wgsl, the WGSL port of core-cpp/vmath):
// each function on a sweep of its domain against float64, within the bound measured on this
// adapter (WEBGPU_ULPS, where it differs from the wasm core's), and numpy's special values
// exactly. Runs wherever WebGPU has an adapter (Deno: llvmpipe, Chromium: SwiftShader).
import * as jax from "../../ts/index.js";
import { numpy as np } from "../../ts/index.js";
import { OPS, SPECIALS, SPECIAL_VALUES, sweep, ulpError } from "../util/vmath_reference.js";
import { startWebGpu, webgpuOrPending } from "../util/webgpu.js";

const POINTS_PER_RANGE = 6000;

/**
 * Bounds measured on WebGPU where they exceed the wasm core's (OPS[].ulps): the shader compiler
 * may contract a * b + c into an fma (llvmpipe does), which moves a few results by a fraction of
 * an ulp. Measured maxima: asin 2.04 (llvmpipe).
 */
const WEBGPU_ULPS: Record<string, number> = { asin: 2.5 };

const FN: Record<string, (x: jax.Array) => jax.Array> = { erfinv: jax.lax.erfInv };

const op = (name: string) => OPS.find((o) => o.name === name)!.ref;

async function onGpu(name: string, xs: ArrayLike<number>): Promise<Float32Array> {
  const x = jax.devicePut(np.array(Float32Array.from(xs)), "webgpu");
  const y = (FN[name] ?? (jax.lax as any)[name])(x) as jax.Array;
  return (await y.data()) as Float32Array;
}

/** Subnormals as signed zeros (a device that flushes them computes on those). */
const flush = (v: number) => (v !== 0 && Math.abs(v) < 2 ** -126 ? (v < 0 ? -0 : 0) : v);

describe("webgpu vmath (WGSL float32 math)", () => {
  // SwiftShader flushes float32 subnormals, as WGSL allows: there inputs and results are
  // compared flushed (a subnormal input is 0; a subnormal result may be 0).
  let ftz = false;
  beforeAll(async () => {
    ftz = (await startWebGpu())?.flushesSubnormals ?? false;
  });

  for (const op of OPS) {
    const bound = WEBGPU_ULPS[op.name] ?? op.ulps;
    it(`${op.name} is within ${bound} ulp on a sweep and exact on special values`, async () => {
      if (!webgpuOrPending()) return;
      const xs = Float32Array.from([...op.ranges.flatMap(([lo, hi]) => sweep(lo, hi, POINTS_PER_RANGE)), ...SPECIALS]);
      const ys = await onGpu(op.name, xs);
      let worst = { ulp: 0, x: 0, y: 0, ref: 0 };
      for (let k = 0; k < xs.length; k++) {
        // Flushing devices: against the result for x or for x flushed, whichever is nearer.
        const ref = ftz ? flush(op.ref(xs[k])) : op.ref(xs[k]);
        const ulp = ftz ? Math.min(ulpError(flush(ys[k]), ref), ulpError(flush(ys[k]), flush(op.ref(flush(xs[k]))))) : ulpError(ys[k], ref);
        if (!(ulp <= worst.ulp)) worst = { ulp, x: xs[k], y: ys[k], ref };
      }
      expect(worst.ulp).withContext(`${op.name}(${worst.x}) = ${worst.y}, reference ${worst.ref}`).toBeLessThanOrEqual(bound);
    });
  }

  it("gives numpy's special values", async () => {
    if (!webgpuOrPending()) return;
    for (const [name, xs, want] of SPECIAL_VALUES) {
      const got = Array.from(await onGpu(name, xs));
      if (!ftz) expect(got).withContext(name).toEqual(want);
      // Flushing devices: subnormal inputs and results as zeros (cbrt(1e-45) is cbrt(0) there).
      else expect(got.map(flush)).withContext(`${name} (subnormals flushed)`).toEqual(xs.map((x, i) => flush(flush(x) === x ? want[i] : Math.fround(op(name)(flush(x))))));
    }
    if (!ftz) expect((await onGpu("logistic", [-100]))[0]).toBeGreaterThan(0); // 3.7e-44, a subnormal
  });
});
