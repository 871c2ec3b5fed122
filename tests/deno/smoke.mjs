// Deno smoke test for the bundled library: `npx deno run -A tests/deno/smoke.mjs`
// (after `npm run build`). Prints one line per named check, writes the counts to
// $WEBJAX_DENO_RESULTS when set, and exits non-zero on any failure.
import * as webjax from "../../dist/webjax.mjs";

const results = [];

async function check(name, body) {
  try {
    const detail = await body();
    results.push({ name, ok: true });
    console.log(`  ✓ deno > ${name}${detail ? ` (${detail})` : ""}`);
  } catch (err) {
    results.push({ name, ok: false, error: String(err?.stack ?? err) });
    console.log(`  ✗ FAIL deno > ${name}\n      ${String(err?.stack ?? err).split("\n").join("\n      ")}`);
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const DOUBLE_WGSL = `
@group(0) @binding(0) var<storage, read_write> data: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < arrayLength(&data)) { data[id.x] = 2.0 * data[id.x]; }
}`;

console.log(`deno: running in Deno ${Deno.version.deno} (V8 ${Deno.version.v8})`);

await check("wasm runtime loads the relaxed-threads variant (relaxed SIMD, FMA) from dist/webjax.mjs and adds", async () => {
  const rt = await webjax.loadWasmRuntime();
  assert(rt.variant === "relaxed-threads", `expected variant relaxed-threads, got ${rt.variant}`);
  assert(rt.threads >= 2, `expected at least 2 threads, got ${rt.threads}`);
  const n = 10_000;
  const a = Float32Array.from({ length: n }, (_, i) => i * 0.5);
  const b = Float32Array.from({ length: n }, (_, i) => 1 - i);
  const sum = rt.addF32(a, b);
  assert(sum.length === n, `expected length ${n}, got ${sum.length}`);
  for (let i = 0; i < n; i++) {
    assert(sum[i] === Math.fround(a[i] + b[i]), `sum[${i}] = ${sum[i]}, expected ${Math.fround(a[i] + b[i])}`);
  }
  return `${rt.variant}, ${rt.threads} threads`;
});

await check("relaxed-threads runs on every worker and its GEMM matches float64", async () => {
  const rt = await webjax.loadWasmRuntime();
  rt.addF32(new Float32Array(1 << 20), new Float32Array(1 << 20));
  const ids = rt.lastThreadIds();
  assert(ids.length === rt.threads, `add of 2^20 ran on threads [${ids}] of ${rt.threads}`);
  const [m, n, k] = [67, 45, 129];
  const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i));
  const core = rt.kernels;
  const [pa, pb, pc] = [core.malloc(a.byteLength), core.malloc(b.byteLength), core.malloc(m * n * 4)];
  new Float32Array(core.memory.buffer, pa, a.length).set(a);
  new Float32Array(core.memory.buffer, pb, b.length).set(b);
  core.exports.wj_gemm_f32(pa, pb, pc, 1, m, n, k, m * k, k, 1, k * n, n, 1, m * n, n);
  const c = new Float32Array(core.memory.buffer, pc, m * n).slice();
  [pa, pb, pc].forEach((p) => core.free(p));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0, scale = 0;
      for (let l = 0; l < k; l++) (sum += a[i * k + l] * b[l * n + j]), (scale += Math.abs(a[i * k + l] * b[l * n + j]));
      assert(Math.abs(c[i * n + j] - sum) <= 1e-5 * Math.sqrt(k) * scale, `c[${i}][${j}] = ${c[i * n + j]}, float64 ${sum}`);
    }
  }
  return `${rt.variant}, threads [${ids}]`;
});

await check("WebGPU adapter is available (llvmpipe) and runs a compute shader", async () => {
  assert(navigator.gpu, "navigator.gpu is missing in Deno");
  const adapter = await navigator.gpu.requestAdapter();
  assert(adapter, "navigator.gpu.requestAdapter() returned null: install mesa-vulkan-drivers, set XDG_RUNTIME_DIR");
  const info = adapter.info;
  const device = await adapter.requestDevice();
  const input = Float32Array.from({ length: 1000 }, (_, i) => i - 500.5);
  const storage = device.createBuffer({
    size: input.byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(storage, 0, input);
  const readback = device.createBuffer({ size: input.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const pipeline = device.createComputePipeline({
    layout: "auto",
    compute: { module: device.createShaderModule({ code: DOUBLE_WGSL }), entryPoint: "main" },
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: storage } }],
  }));
  pass.dispatchWorkgroups(Math.ceil(input.length / 64));
  pass.end();
  encoder.copyBufferToBuffer(storage, 0, readback, 0, input.byteLength);
  device.queue.submit([encoder.finish()]);
  await readback.mapAsync(GPUMapMode.READ);
  const output = new Float32Array(readback.getMappedRange().slice(0));
  readback.unmap();
  device.destroy();
  for (let i = 0; i < input.length; i++) assert(output[i] === 2 * input[i], `output[${i}] = ${output[i]}`);
  return `${info.description || info.device || "?"}, vendor ${info.vendor}, fallback ${info.isFallbackAdapter}`;
});

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
const out = Deno.env.get("WEBJAX_DENO_RESULTS");
if (out) Deno.writeTextFileSync(out, JSON.stringify({ passed, failed, skipped: 0, errors: [], ran: true }, null, 2));
console.log(`deno: passed=${passed} failed=${failed}`);
// Worker threads of the runtime would keep the process alive.
Deno.exit(failed === 0 ? 0 : 1);
