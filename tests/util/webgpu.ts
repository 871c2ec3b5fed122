// For the WebGPU specs: starting the runtime and finding the webgpu backend, which exists in Deno
// (llvmpipe) and Chromium (SwiftShader) but not in Node 20; specs there are pending, with why.
import * as jax from "../../ts/index.js";
import type { Backend } from "../../ts/core/backend.js";
import type { WebGpuBackend } from "../../ts/backends/webgpu/backend.js";
import type { KernelStyle } from "../../ts/backends/webgpu/kernels/dot.js";

export const NO_WEBGPU = "no WebGPU in this environment (Node 20 has none; these specs run in Deno on llvmpipe and in Chromium on SwiftShader)";

let gpu: WebGpuBackend | null | undefined;

/**
 * Starts the runtime once; the webgpu backend, or null where there is none. The WebGPU specs
 * test the GPU's kernels, so small computations stay on the GPU here: webgpuCpuHandoff is 0
 * (tests/webgpu/handoff.spec.ts turns it on for its own specs).
 */
export async function startWebGpu(): Promise<WebGpuBackend | null> {
  jax.config.update("webgpuCpuHandoff", 0);
  if (gpu === undefined) {
    const names = await jax.init();
    gpu = names.includes("webgpu") ? (jax.getBackend("webgpu") as unknown as WebGpuBackend) : null;
  }
  return gpu;
}

/** The webgpu backend once started, or null (for beforeAll/afterAll, which cannot be pending). */
export function currentWebGpu(): WebGpuBackend | null {
  return gpu ?? null;
}

/** The webgpu backend inside a spec (after startWebGpu in beforeAll); marks the spec pending where there is none. */
export function webgpuOrPending(): WebGpuBackend | null {
  if (!gpu) pending(NO_WEBGPU);
  return gpu ?? null;
}

export const asBackend = (b: WebGpuBackend): Backend => b as unknown as Backend;

/** Runs `body` with the webgpu backend's kernels for `style` (pending where there is no WebGPU), restoring its own after. */
export async function withStyle(style: KernelStyle, body: () => Promise<void>): Promise<void> {
  const gpu = webgpuOrPending();
  if (!gpu) return;
  const before = gpu.limits.style;
  gpu.setKernelStyle(style);
  try {
    await body();
  } finally {
    gpu.setKernelStyle(before);
  }
}
