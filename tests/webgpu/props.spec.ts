// The primitive property suite (tests/util/backend_properties.ts) on WebGPU against the cpu
// reference: every primitive eager and under jit, jit ≡ eager on random programs, GEMM-sized
// dot_general, conversions between every pair of dtypes, wide fused kernels, reductions of
// elementwise expressions, collectives under vmap. WebGPU has no float64: cases that would use
// it use float32 instead (demoteFloat64). Deno runs it on llvmpipe, Chromium on SwiftShader.
import { demoteFloat64 } from "../util/primitive_cases.js";
import { backendProperties } from "../util/backend_properties.js";
import { NO_WEBGPU, startWebGpu } from "../util/webgpu.js";

describe("webgpu backend properties (against cpu)", () => {
  let gpu: Awaited<ReturnType<typeof startWebGpu>> = null;
  beforeAll(async () => {
    gpu = await startWebGpu();
  });
  // SwiftShader flushes float32 subnormals (WGSL allows it): there, inputs and results are compared flushed.
  backendProperties({ name: "webgpu", float64: false, adapt: demoteFloat64, ftz: () => gpu?.flushesSubnormals ?? false }, () => gpu !== null, NO_WEBGPU);
});
