// The primitive property suite (tests/util/backend_properties.ts) on WebGPU against the cpu
// reference: every primitive eager and under jit, jit ≡ eager on random programs, GEMM-sized
// dot_general, conversions between every pair of dtypes, wide fused kernels, reductions of
// elementwise expressions, collectives under vmap. WebGPU has no float64: cases that would use
// it use float32 instead (demoteFloat64). Deno runs it on llvmpipe, Chromium on SwiftShader.
import fc from "fast-check";
import { CASES, demoteFloat64, dotGeneral, largeDot } from "../util/primitive_cases.js";
import { backendProperties, checkers } from "../util/backend_properties.js";
import { fcParams } from "../util/compare.js";
import { NO_WEBGPU, startWebGpu, withStyle } from "../util/webgpu.js";

describe("webgpu backend properties (against cpu)", () => {
  let gpu: Awaited<ReturnType<typeof startWebGpu>> = null;
  beforeAll(async () => {
    gpu = await startWebGpu();
  });
  // SwiftShader flushes float32 subnormals (WGSL allows it): there, inputs and results are compared flushed.
  backendProperties({ name: "webgpu", float64: false, adapt: demoteFloat64, ftz: () => gpu?.flushesSubnormals ?? false }, () => gpu !== null, NO_WEBGPU);
});

describe("webgpu kernels for GPUs and for CPU adapters (against cpu)", () => {
  let gpu: Awaited<ReturnType<typeof startWebGpu>> = null;
  beforeAll(async () => {
    gpu = await startWebGpu();
  });
  const { checkCase, checkExpressionReduction } = checkers({ name: "webgpu", float64: false, adapt: demoteFloat64, ftz: () => gpu?.flushesSubnormals ?? false });
  // Both styles run on every adapter here, whichever the adapter would get (cpu on CPU
  // implementations of WebGPU, gpu on GPUs): matmuls past the tiles, transposed (strided) and
  // batched; reductions in one pass and in pieces, arg reductions, fused inputs.
  for (const style of ["gpu", "cpu"] as const) {
    it(`${style} style: dot_general and reductions match cpu`, () =>
      withStyle(style, async () => {
        await fc.assert(fc.asyncProperty(fc.gen(), (g) => checkCase("dot_general", largeDot(g))), fcParams(12));
        await fc.assert(fc.asyncProperty(fc.gen(), (g) => checkCase("dot_general", dotGeneral(g))), fcParams(20));
        for (const name of ["reduce_sum", "reduce_max", "argmax", "argmin", "reduce_and"]) {
          await fc.assert(fc.asyncProperty(fc.gen(), (g) => checkCase(name, CASES[name](g))), fcParams(15));
        }
        await fc.assert(fc.asyncProperty(fc.gen(), checkExpressionReduction), fcParams(20));
      }), 240000);
  }
});
