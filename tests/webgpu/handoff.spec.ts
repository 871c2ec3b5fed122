// Small computations on WebGPU arrays made from host values run on wasm (webgpuCpuHandoff, as
// TensorFlow.js hands small tensors to its CPU backend): where the placement was implicit, every
// argument has a host copy and no array passes the limit. Their results are WebGPU arrays read
// without a round trip. Explicit backends, committed arguments, GPU-made arrays, arrays past
// the limit and a limit of 0 keep the GPU; the values are the same either way.
import * as jax from "../../ts/index.js";
import { numpy as np } from "../../ts/index.js";
type Array = jax.Array;
import { startWebGpu, webgpuOrPending } from "../util/webgpu.js";

describe("webgpu: small computations handed to wasm", () => {
  let prevBackend: ReturnType<typeof jax.defaultBackend>;
  beforeAll(async () => {
    await startWebGpu(); // sets the limit to 0 for the other WebGPU specs
  });
  beforeEach(() => {
    prevBackend = jax.defaultBackend();
    jax.config.update("webgpuCpuHandoff", 1024);
  });
  afterEach(() => {
    jax.config.update("webgpuCpuHandoff", 0);
    jax.setDefaultBackend(prevBackend);
  });

  /** What `fn` did to the backend's counters: programs run on the GPU, computations handed off. */
  function counted<T>(fn: () => T): { value: T; programs: number; handedOff: number } {
    const gpu = webgpuOrPending()!;
    const [p0, h0] = [gpu.stats.programs, gpu.stats.handedOff];
    const value = fn();
    return { value, programs: gpu.stats.programs - p0, handedOff: gpu.stats.handedOff - h0 };
  }

  it("runs a tiny jitted call and an eager op on host-made arrays on wasm; results are WebGPU arrays", async () => {
    if (!webgpuOrPending()) return;
    jax.setDefaultBackend("webgpu");
    const x = np.array([0.5, -1.25, 2, 3.5]);
    const y = np.array([1, 2, -3, 0.25]);
    const f = jax.jit((x: Array) => x.mul(2).add(1));
    const r = counted(() => f(x) as Array);
    expect([r.programs, r.handedOff]).toEqual([0, 1]);
    expect(r.value.device.platform).toBe("webgpu");
    expect(Array.from(await r.value.data())).toEqual([2, -1.5, 5, 8]);
    const e = counted(() => x.add(y));
    expect([e.programs, e.handedOff]).toEqual([0, 1]);
    expect(Array.from(await e.value.data())).toEqual([1.5, 0.75, -1, 3.75]);
    // A handed-off result feeds the next small computation, and a large one on the GPU.
    const big = np.ones([2048]);
    const g = counted(() => jax.jit((r: Array, b: Array) => b.mul(r.sum()))(r.value, big) as Array);
    expect([g.programs, g.handedOff]).toEqual([1, 0]);
    const gv = await g.value.data();
    expect(gv.length).toBe(2048);
    expect(gv[0]).toBe(13.5);
    expect(gv[2047]).toBe(13.5);
    // A GPU-made array has no host copy: small work on it stays on the GPU.
    const onGpu = counted(() => g.value.slice([0, 4]).mul(2));
    expect(onGpu.handedOff).toBe(0);
    expect(Array.from(await onGpu.value.data())).toEqual([27, 27, 27, 27]);
  });

  it("moves small host-made WebGPU arrays to wasm synchronously (devicePut, grad of a wasm-committed array)", async () => {
    if (!webgpuOrPending()) return;
    jax.setDefaultBackend("webgpu");
    const onWasm = jax.devicePut(np.array([1, 2, 3]), "wasm");
    expect(onWasm.device.platform).toBe("wasm");
    expect(Array.from(onWasm.dataSync())).toEqual([1, 2, 3]);
    expect(jax.devicePut(3, "wasm").item()).toBe(3);
    // grad's cotangent is made on the default backend (WebGPU) and joins the committed wasm argument.
    const y = np.array([5, -7, 8], { device: "wasm" });
    expect(Array.from(jax.grad((v: Array) => np.sum(v.mul(v)))(y).dataSync())).toEqual([10, -14, 16]);
    expect(Array.from(np.where(y.gt(0), y, 0).dataSync())).toEqual([5, 0, 8]);
    // Past the limit there is no host copy: reading back stays asynchronous, and says so.
    expect(() => jax.devicePut(np.ones([2048]), "wasm")).toThrowError(/devicePutAsync/);
  });

  it("frees small results in a loop that never disposes (Deno's external memory stays bounded)", async () => {
    if (!webgpuOrPending()) return;
    const deno = (globalThis as { Deno?: { memoryUsage(): { external: number } } }).Deno;
    if (!deno) {
      pending("measures Deno.memoryUsage(); Chromium has no memory API for a page");
      return;
    }
    jax.setDefaultBackend("webgpu");
    let v = np.zeros([1024]);
    const step = jax.jit((v: Array) => v.add(1).mul(0.999));
    const before = deno.memoryUsage().external;
    for (let i = 1; i <= 30000; i++) {
      v = i % 2 ? step(v) as Array : v.add(1).mul(0.999);
      if (i % 100 === 0) await v.data();
    }
    // Kept alive, each step's 4 KiB result (and its copies) would come to over 200 MiB.
    expect(deno.memoryUsage().external - before).toBeLessThan(64 * 2 ** 20);
    expect((await v.data())[0]).toBeGreaterThan(900);
  });

  it("keeps the GPU for jit's backend, committed arguments, arrays past the limit and a limit of 0", async () => {
    if (!webgpuOrPending()) return;
    jax.setDefaultBackend("webgpu");
    const f = (x: Array) => x.mul(x).sum();
    const x = np.arange(8).astype("float32");
    const explicit = counted(() => jax.jit(f, { backend: "webgpu" })(x) as Array);
    expect([explicit.programs, explicit.handedOff]).toEqual([1, 0]);
    expect(await explicit.value.itemAsync()).toBe(140);
    const committed = counted(() => jax.jit(f)(jax.devicePut(x, "webgpu")) as Array);
    expect(committed.handedOff).toBe(0);
    expect(await committed.value.itemAsync()).toBe(140);
    const large = np.ones([1025]);
    const past = counted(() => jax.jit(f)(large) as Array);
    expect(past.handedOff).toBe(0);
    expect(await past.value.itemAsync()).toBe(1025);
    // Small arguments, a result past the limit.
    const outer = counted(() => jax.jit((a: Array) => np.outer(a, np.arange(200).astype("float32")))(x) as Array);
    expect(outer.handedOff).toBe(0);
    expect((await outer.value.data())[7 * 200 + 199]).toBe(7 * 199);
    jax.config.update("webgpuCpuHandoff", 0);
    const x0 = np.arange(8).astype("float32");
    const off = counted(() => jax.jit(f)(x0) as Array);
    expect([off.programs, off.handedOff]).toEqual([1, 0]);
    expect(await off.value.itemAsync()).toBe(140);
  });

  it("gives the GPU's values for int32, bool, float16 and a callback, and errors where the call is", async () => {
    if (!webgpuOrPending()) return;
    jax.setDefaultBackend("webgpu");
    const i = np.array(new Int32Array([7, -9, 2 ** 30, 5]));
    const h = np.array([0.1, 1000.5, -3.25, 65504]).astype("float16");
    const f = jax.jit((i: Array, h: Array) => [i.mul(3), i.gt(0), h.mul(h.astype("float32").astype("float16")), np.floorDivide(i, 2)]);
    const handed = counted(() => f(i, h) as Array[]);
    expect(handed.handedOff).toBe(1);
    jax.config.update("webgpuCpuHandoff", 0);
    const i2 = np.array(new Int32Array([7, -9, 2 ** 30, 5]));
    const h2 = np.array([0.1, 1000.5, -3.25, 65504]).astype("float16");
    const onGpu = counted(() => f(i2, h2) as Array[]);
    expect(onGpu.handedOff).toBe(0);
    for (let k = 0; k < 4; k++) {
      expect(handed.value[k].dtype).toBe(onGpu.value[k].dtype);
      expect(Array.from(await handed.value[k].data() as ArrayLike<number>)).withContext(`output ${k}`).toEqual(Array.from(await onGpu.value[k].data() as ArrayLike<number>));
    }
    jax.config.update("webgpuCpuHandoff", 1024);
    const seen: number[] = [];
    const cb = jax.jit((x: Array) => jax.pureCallback((v: any) => (seen.push(v.shape[0]), np.array(v).add(1)), jax.ShapeDtypeStruct(x.shape, x.dtype), x).mul(2));
    const c = counted(() => cb(np.array([1, 2, 3])) as Array);
    expect(c.handedOff).toBe(1);
    expect(seen).toEqual([3]);
    expect(Array.from(await c.value.data())).toEqual([4, 6, 8]);
    const bad = jax.jit((x: Array) => jax.pureCallback(() => { throw new Error("from the callback"); }, jax.ShapeDtypeStruct(x.shape, x.dtype), x));
    expect(() => bad(np.array([1, 2]))).toThrowError(/from the callback/);
    expect(Array.from(await (jax.jit((x: Array) => x.add(1))(np.array([1, 2])) as Array).data())).toEqual([2, 3]);
    expect(() => jax.config.update("webgpuCpuHandoff", -1)).toThrowError(TypeError, /whole number of elements/);
  });
});
