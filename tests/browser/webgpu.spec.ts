// Browser-only: WebGPU and cross-origin isolation in headless Chromium (karma).
// Node never loads this folder (see jasmine.json); a missing adapter is a failure.

const DOUBLE_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> data: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < arrayLength(&data)) {
    data[id.x] = 2.0 * data[id.x];
  }
}`;

async function requireDevice(): Promise<GPUDevice> {
  if (!("gpu" in navigator) || !navigator.gpu) {
    throw new Error(
      "navigator.gpu is missing: launch Chromium with --enable-unsafe-webgpu " +
        "--use-webgpu-adapter=swiftshader (see karma.conf.cjs)",
    );
  }
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) {
    throw new Error("navigator.gpu.requestAdapter() returned null: no WebGPU adapter (SwiftShader?)");
  }
  return adapter.requestDevice();
}

describe("browser environment", () => {
  it("is cross-origin isolated (COOP/COEP), so SharedArrayBuffer and threads are live", () => {
    expect(globalThis.crossOriginIsolated)
      .withContext("karma must send COOP same-origin and COEP require-corp")
      .toBe(true);
    expect(typeof SharedArrayBuffer).toBe("function");
  });
});

describe("WebGPU in Chromium", () => {
  it("runs a WGSL compute shader that doubles a buffer and reads it back", async () => {
    const device = await requireDevice();
    const n = 1000;
    const input = Float32Array.from({ length: n }, (_, i) => i - 500.5);

    const storage = device.createBuffer({
      size: input.byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(storage, 0, input);
    const readback = device.createBuffer({
      size: input.byteLength,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });

    const pipeline = device.createComputePipeline({
      layout: "auto",
      compute: { module: device.createShaderModule({ code: DOUBLE_WGSL }), entryPoint: "main" },
    });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: storage } }],
    });

    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    pass.end();
    encoder.copyBufferToBuffer(storage, 0, readback, 0, input.byteLength);
    device.queue.submit([encoder.finish()]);

    await readback.mapAsync(GPUMapMode.READ);
    const output = new Float32Array(readback.getMappedRange().slice(0));
    readback.unmap();
    storage.destroy();
    readback.destroy();
    device.destroy();

    expect(Array.from(output)).toEqual(Array.from(input, (x) => 2 * x));
  });
});
