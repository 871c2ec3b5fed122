// Finding a WebGPU adapter and opening a device with the limits and features the kernels use.
// A software adapter (SwiftShader, llvmpipe, WARP) is usable but never made the default
// backend: the wasm core is faster on the same CPU.

/** A device and what it allows. */
export interface GpuDevice {
  readonly device: GPUDevice;
  readonly adapterInfo: { vendor: string; architecture: string; device: string; description: string };
  /** A CPU implementation of WebGPU (never the default backend). */
  readonly software: boolean;
  readonly hasF16: boolean;
  readonly limits: {
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
    maxStorageBuffersPerShaderStage: number;
    minStorageBufferOffsetAlignment: number;
    minUniformBufferOffsetAlignment: number;
    maxComputeWorkgroupStorageSize: number;
  };
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|\bwarp\b/i;

/** Whether an adapter is a CPU implementation (by the flag where the engine has it, else by name). */
export function isSoftwareAdapter(info: { description?: string; vendor?: string; device?: string; architecture?: string; isFallbackAdapter?: boolean }, fallback = false): boolean {
  if (fallback || info.isFallbackAdapter) return true;
  return SOFTWARE.test([info.description, info.vendor, info.device, info.architecture].filter(Boolean).join(" "));
}

/** The engine's WebGPU entry point, or null (Node 20 has none). */
export function gpuApi(): GPU | null {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  return nav?.gpu ?? null;
}

/** Opens a device on the best adapter, or returns null (no WebGPU, or no adapter). */
export async function openDevice(onLost: (info: GPUDeviceLostInfo, device: GPUDevice) => void): Promise<GpuDevice | null> {
  const gpu = gpuApi();
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) return null;
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const lim = adapter.limits;
  const hasF16 = adapter.features.has("shader-f16");
  const requiredLimits = {
    maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
    maxBufferSize: lim.maxBufferSize,
    maxStorageBuffersPerShaderStage: lim.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupStorageSize: lim.maxComputeWorkgroupStorageSize,
  };
  const device = await adapter.requestDevice({ requiredFeatures: hasF16 ? ["shader-f16"] : [], requiredLimits });
  device.lost.then((why) => onLost(why, device));
  const fallback = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  const adapterInfo = { vendor: info.vendor ?? "", architecture: info.architecture ?? "", device: info.device ?? "", description: info.description ?? "" };
  return {
    device,
    adapterInfo,
    software: isSoftwareAdapter({ ...adapterInfo, isFallbackAdapter: (info as { isFallbackAdapter?: boolean }).isFallbackAdapter }, fallback),
    hasF16,
    limits: { ...requiredLimits, minStorageBufferOffsetAlignment: device.limits.minStorageBufferOffsetAlignment, minUniformBufferOffsetAlignment: device.limits.minUniformBufferOffsetAlignment },
  };
}
