// The WebGPU backend as users meet it: choosing it (never the default on a software adapter),
// placement (committed and uncommitted arrays), synchronous reads that name their asynchronous
// twins, float64 refused with a message naming wasm, steady loops that create no buffers,
// callbacks and while loops inside jitted programs, eviction under a memory limit, an array
// larger than one storage binding, and device loss and recovery.
import * as jax from "../../ts/index.js";
import { lax, numpy as np } from "../../ts/index.js";
type Array = jax.Array;
import { isSoftwareAdapter } from "../../ts/backends/webgpu/device.js";
import { caught } from "../util/caught.js";
import { startWebGpu, webgpuOrPending } from "../util/webgpu.js";

const gpuArray = (v: any, dtype?: string) => jax.devicePut(np.array(v, dtype as any), "webgpu");

describe("webgpu: choosing the backend", () => {
  beforeAll(async () => {
    await startWebGpu();
  });

  it("recognises software adapters by flag or by name (they are never the default)", () => {
    expect(isSoftwareAdapter({ description: "llvmpipe (LLVM 15.0.6, 256 bits)" })).toBeTrue();
    expect(isSoftwareAdapter({ description: "SwiftShader Device (Subzero)", vendor: "google" })).toBeTrue();
    expect(isSoftwareAdapter({ description: "Microsoft Basic Render Driver" })).toBeTrue();
    expect(isSoftwareAdapter({ description: "NVIDIA GeForce RTX 4090", isFallbackAdapter: true })).toBeTrue();
    expect(isSoftwareAdapter({ description: "NVIDIA GeForce RTX 4090", vendor: "nvidia" })).toBeFalse();
    expect(isSoftwareAdapter({ description: "", vendor: "apple", architecture: "metal-3" })).toBeFalse();
  });

  it("lists webgpu after init where an adapter exists; a software adapter is not the default", () => {
    const gpu = webgpuOrPending();
    if (!gpu) return;
    expect(jax.devices("webgpu")[0].platform).toBe("webgpu");
    expect(gpu.adapter.software).withContext(`adapter ${gpu.adapter.description}`).toBeTrue(); // CI has only software adapters
    expect(jax.defaultBackend()).toBe("wasm");
  });

  it("runs where asked: setDefaultBackend, jit's backend, devicePut", async () => {
    if (!webgpuOrPending()) return;
    const prev = jax.defaultBackend();
    jax.setDefaultBackend("webgpu");
    try {
      const a = np.array([1, 2, 3]);
      expect(a.device.platform).toBe("webgpu");
      expect(await a.mul(2).tolist()).toEqual([2, 4, 6]);
    } finally {
      jax.setDefaultBackend(prev);
    }
    const f = jax.jit((x: Array) => x.add(1), { backend: "webgpu" });
    const y = f(np.array([1, 2]));
    expect(y.device.platform).toBe("webgpu");
    expect(await y.tolist()).toEqual([2, 3]);
    const z = gpuArray([4, 5]).sub(1);
    expect(z.device.platform).toBe("webgpu");
    expect(await z.tolist()).toEqual([3, 4]);
  });
});

describe("webgpu: synchronous reads", () => {
  beforeAll(async () => {
    await startWebGpu();
  });

  it("throw a SyncReadError naming the asynchronous twin", () => {
    if (!webgpuOrPending()) return;
    const x = gpuArray([1.5]);
    const cases: [string, () => unknown, string][] = [
      ["dataSync", () => x.dataSync(), "await x.data()"],
      ["tolistSync", () => x.tolistSync(), "await x.tolist()"],
      ["item", () => x.item(), "await x.itemAsync()"],
      ["toString", () => x.toString(), "await x.toStringAsync()"],
      ["String(x)", () => String(x), "await x.toStringAsync()"],
      ["template literal", () => `${x}`, "await x.toStringAsync()"],
      ["Number(x)", () => Number(x), "await x.itemAsync()"],
      ["unary plus", () => +x, "await x.itemAsync()"],
      ["comparison", () => (x as any) < 1, "await x.itemAsync()"],
      ["np.allclose", () => np.allclose(x, x), "await np.allcloseAsync(a, b)"],
    ];
    for (const [what, read, twin] of cases) {
      const e = caught(read);
      expect(e?.name).withContext(what).toBe("SyncReadError");
      expect(e?.message).withContext(what).toContain(twin);
      expect(e?.message).withContext(what).toContain("WebGPU");
    }
  });

  it("have asynchronous twins that give the values", async () => {
    if (!webgpuOrPending()) return;
    const x = gpuArray([[1, 2], [3, 4]]);
    expect(Array.from(await x.data())).toEqual([1, 2, 3, 4]);
    expect(await x.tolist()).toEqual([[1, 2], [3, 4]]);
    expect(await x.sum().itemAsync()).toBe(10);
    expect(await x.toStringAsync()).toBe("Array([[1, 2], [3, 4]], dtype=float32)");
    expect(await np.allcloseAsync(x, x.add(1e-7))).toBeTrue();
    expect(await np.allcloseAsync(x, x.add(1))).toBeFalse();
    const onWasm = await jax.devicePutAsync(x, "wasm");
    expect(onWasm.device.platform).toBe("wasm");
    expect(onWasm.tolistSync()).toEqual([[1, 2], [3, 4]]);
  });
});

describe("webgpu: placement", () => {
  beforeAll(async () => {
    await startWebGpu();
  });

  it("moves uncommitted arrays toward WebGPU, never back", async () => {
    if (!webgpuOrPending()) return;
    const onWasm = np.array([1, 2]); // uncommitted, on the default backend (wasm)
    const y = onWasm.add(gpuArray([10, 20]));
    expect(y.device.platform).toBe("webgpu");
    expect(await y.tolist()).toEqual([11, 22]);
    const z = gpuArray([1, 2]).add(np.array([3, 4]));
    expect(z.device.platform).toBe("webgpu");
  });

  it("refuses committed arrays on different backends, naming devicePut", () => {
    if (!webgpuOrPending()) return;
    const a = jax.devicePut(np.array([1, 2]), "wasm");
    const b = gpuArray([1, 2]);
    const e = caught(() => a.add(b));
    expect(e?.message).toContain("devicePut");
    expect(e?.message).toMatch(/committed to wasm:0.*committed to webgpu:0|committed to webgpu:0.*committed to wasm:0/);
    // A committed wasm array with an uncommitted WebGPU one: moving that back would read asynchronously.
    const c = jax.jit((x: Array) => x.mul(2), { backend: "webgpu" })(np.array([1]));
    const e2 = caught(() => jax.jit((x: Array, y: Array) => x.add(y), { backend: "wasm" })(a, c));
    expect(e2?.message).toContain("devicePut");
  });

  it("devicePut off WebGPU names devicePutAsync; devicePut onto it is synchronous", async () => {
    if (!webgpuOrPending()) return;
    const x = gpuArray([1, 2]);
    const e = caught(() => jax.devicePut(x, "wasm"));
    expect(e?.message).toContain("devicePutAsync");
    expect((await jax.devicePutAsync(x, "cpu")).tolistSync()).toEqual([1, 2]);
  });

  it("refuses float64 with a message naming the wasm backend", () => {
    if (!webgpuOrPending()) return;
    const e = caught(() => jax.devicePut(np.array([1, 2], "float64"), "webgpu"));
    expect(e?.message).toContain("float64");
    expect(e?.message).toContain("wasm");
    const e2 = caught(() => jax.jit((x: Array) => x.astype("float64").sum(), { backend: "webgpu" })(np.array([1])));
    expect(e2?.message).toMatch(/float64.*wasm/s);
  });
});

describe("webgpu: programs", () => {
  beforeAll(async () => {
    await startWebGpu();
  });

  it("creates no new buffers and keeps live arrays level over 1,000 steady jitted calls", async () => {
    const gpu = webgpuOrPending();
    if (!gpu) return;
    const f = jax.jit((x: Array, y: Array) => {
      const t = x.mul(y).add(1).T;
      return [t.sum(0), t.matmul(y), lax.cumsum(np.maximum(x, 0), 1)];
    });
    const x = gpuArray(Float32Array.from({ length: 12 }, (_, i) => i / 7)).reshape([3, 4]);
    const y = gpuArray(Float32Array.from({ length: 12 }, () => 0.5)).reshape([3, 4]);
    for (let i = 0; i < 20; i++) (f(x, y) as Array[]).forEach((o) => o.dispose());
    await jax.effectsBarrier();
    const [buffers, live] = [gpu.buffersCreated, gpu.liveBuffers()];
    for (let i = 0; i < 1000; i++) {
      if (i % 2) jax.tidy(() => void f(x, y));
      else (f(x, y) as Array[]).forEach((o) => o.dispose());
    }
    await jax.effectsBarrier();
    expect(gpu.buffersCreated).withContext("GPU buffers created").toBe(buffers);
    // (Arrays of earlier specs may be collected meanwhile: no more than before.)
    expect(gpu.liveBuffers()).withContext("live arrays").toBeLessThanOrEqual(live);
  });

  it("runs a callback inside a jitted program (the program waits for it), in order with later calls", async () => {
    if (!webgpuOrPending()) return;
    const seen: number[][] = [];
    const cb = (v: Array) => {
      seen.push(Array.from(v.dataSync()));
      return np.array(Array.from(v.dataSync(), (t) => t * 10));
    };
    const f = jax.jit((x: Array) => jax.pureCallback(cb, jax.ShapeDtypeStruct([3], "float32"), x.add(1)).mul(2).add(x));
    const x = gpuArray([1, 2, 3]);
    const y = f(x);
    const z = y.add(1); // queued behind the callback
    expect(await y.tolist()).toEqual([41, 62, 83]);
    expect(await z.tolist()).toEqual([42, 63, 84]);
    expect(seen).toEqual([[2, 3, 4]]);
  });

  it("reports an error a callback raises at the next await, and runs on afterwards", async () => {
    if (!webgpuOrPending()) return;
    const f = jax.jit((x: Array) => jax.pureCallback(() => {
      throw new Error("callback failed on purpose");
    }, jax.ShapeDtypeStruct([1], "float32"), x));
    const y = f(gpuArray([1]));
    await expectAsync(y.data()).toBeRejectedWithError(/callback failed on purpose/);
    expect(await gpuArray([1, 2]).add(1).tolist()).toEqual([2, 3]);
  });

  it("runs while loops with a data-dependent trip count, scans and conds on the GPU", async () => {
    const gpu = webgpuOrPending();
    if (!gpu) return;
    const collatz = jax.jit((n: Array) => lax.whileLoop(([m]: Array[]) => m.ne(1), ([m, k]: Array[]) => [np.where(np.remainder(m, 2).eq(0), np.floorDivide(m, 2), m.mul(3).add(1)), k.add(1)], [n, np.array(0, "int32")]));
    const [, steps] = collatz(gpuArray(27, "int32")) as Array[];
    expect(await steps.itemAsync()).toBe(111);
    const h0 = gpu.stats.hostCalls;
    const g = jax.jit((x: Array) => {
      const [c, ys] = lax.scan((c: Array, r: Array) => [lax.cond(r.sum().gt(0), (a: Array) => a.add(r), (a: Array) => a.sub(r), c), c.mul(2)], np.zeros([2]), x);
      return [c, ys];
    });
    const [c, ys] = g(gpuArray([[1, 2], [-5, 1], [3, 3]])) as Array[];
    expect(await c.tolist()).toEqual([1 + 5 + 3, 2 - 1 + 3]);
    expect(await ys.tolist()).toEqual([[0, 0], [2, 4], [12, 2]]);
    expect(gpu.stats.hostCalls).toBe(h0);
  });

  it("evicts arrays to host memory under a memory limit and brings them back on use", async () => {
    const gpu = webgpuOrPending();
    if (!gpu) return;
    const before = jax.config.read("memoryLimit") as number;
    const n = 1 << 18; // 1 MiB of float32 each
    const xs = Array.from({ length: 6 }, (_, k) => jax.jit((i: Array) => i.astype("float32").add(k), { backend: "webgpu" })(np.arange(n)));
    const ev0 = gpu.memory.stats().evictions;
    jax.config.update("memoryLimit", 3.5 * 4 * n);
    try {
      const ys = xs.map((x) => x.mul(2)); // each needs room: older arrays leave
      expect(gpu.memory.stats().evictions).toBeGreaterThan(ev0);
      for (let k = 0; k < 6; k++) {
        const v = await ys[k].data();
        expect([v[0], v[n - 1]]).withContext(`array ${k}`).toEqual([2 * k, 2 * (n - 1 + k)]);
        ys[k].dispose();
      }
      const again = await xs[0].add(0).data(); // evicted long ago: restored
      expect([again[0], again[n - 1]]).toEqual([0, n - 1]);
    } finally {
      jax.config.update("memoryLimit", before);
      xs.forEach((x) => x.dispose());
    }
  });
});

describe("webgpu: transposed reads", () => {
  beforeAll(async () => {
    await startWebGpu();
  });

  it("kernels reading inputs transposed (visited in 16x16 tiles) match cpu, at sizes off the tile grid", async () => {
    if (!webgpuOrPending()) return;
    const cases: [number[], number[]][] = [[[17, 33], [1, 0]], [[40, 16], [1, 0]], [[3, 20, 35], [0, 2, 1]], [[18, 5, 19], [2, 1, 0]], [[64, 64], [1, 0]]];
    for (const [shape, perm] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: n }, (_, i) => (i * 37) % 101);
      const f = (x: Array) => [lax.transpose(x, perm).add(1), lax.transpose(lax.rev(x, [0]), perm).mul(2)];
      const got = jax.jit(f, { backend: "webgpu" })(np.array(data).reshape(shape)) as Array[];
      const want = jax.jit(f, { backend: "cpu" })(np.array(data).reshape(shape)) as Array[];
      for (let k = 0; k < 2; k++) expect(Array.from(await got[k].data())).withContext(`${shape} ${perm} output ${k}`).toEqual(Array.from(await want[k].data()));
    }
  });
});

describe("webgpu: long serial work", () => {
  beforeAll(async () => {
    await startWebGpu();
  });

  // llvmpipe stops an invocation's loops after 65535 iterations in all, silently: kernels split
  // longer work among invocations and dispatches. Closed forms on 100k-200k steps.
  it("reductions, arg reductions, cumulative sums and scatters past 65535 steps are right", async () => {
    if (!webgpuOrPending()) return;
    const n = 200000;
    const f = jax.jit(() => {
      const ones = np.ones([n]);
      const ramp = lax.iota("int32", n).astype("float32");
      const hits = np.zeros([1]).at(np.zeros([n], "int32")).add(ones);
      return [ones.sum(), ramp.argmax(), np.cumsum(ones), hits, np.cumsum(ones.reshape([2, n / 2]), 1)];
    }, { backend: "webgpu" });
    const [s, am, cs, hits, cs2] = f() as Array[];
    expect(await s.itemAsync()).toBe(n);
    expect(await am.itemAsync()).toBe(n - 1);
    const c = await cs.data();
    expect([c[0], c[65535], c[65536], c[n - 1]]).toEqual([1, 65536, 65537, n]);
    expect(await hits.tolist()).toEqual([n]);
    const c2 = await cs2.data();
    expect([c2[n / 2 - 1], c2[n - 1]]).toEqual([n / 2, n / 2]);
  });
});

describe("webgpu: large arrays", () => {
  beforeAll(async () => {
    await startWebGpu();
  });

  it("computes on an array larger than one storage binding (bound in pieces), against closed forms", async () => {
    const gpu = webgpuOrPending();
    if (!gpu) return;
    // Bindings of at most 128 MiB (llvmpipe's limit; SwiftShader allows 1 GiB): an array of 160 MiB.
    const piece0 = gpu.limits.pieceBytes;
    gpu.setMaxBindingBytes(2 ** 27);
    const piece = gpu.limits.pieceBytes;
    const n = 4 * Math.ceil((piece * 1.25) / 16);
    const before = jax.config.read("memoryLimit") as number;
    jax.config.update("memoryLimit", Math.max(before, 4 * 4 * n + 2 ** 26));
    try {
      const f = jax.jit(() => {
        const x = lax.iota("int32", n).astype("float32").mul(1 / n); // in [0, 1), made on the device
        const y = x.mul(2).add(1);                     // elementwise over every piece
        return [y.sum(), y.slice([n - 3, n]), y.reshape([n / 4, 4]).T.slice(null, [n / 4 - 2, n / 4])];
      }, { backend: "webgpu" });
      const [s, tail, t] = f() as Array[];
      const want = (k: number) => Math.fround(2 * Math.fround(Math.fround(k) * Math.fround(1 / n)) + 1);
      expect(Array.from(await tail.data())).toEqual([n - 3, n - 2, n - 1].map(want));
      expect(await t.tolist()).toEqual([0, 1, 2, 3].map((r) => [n - 8 + r, n - 4 + r].map(want)));
      const total = (await s.itemAsync()) as number;
      expect(Math.abs(total - 2 * n)).toBeLessThan(2 * n * 1e-5); // sum of 2k/n + 1 = n - 1 + n
    } finally {
      jax.config.update("memoryLimit", before);
      gpu.setMaxBindingBytes(piece0);
    }
  });
});

describe("webgpu: device loss", () => {
  beforeAll(async () => {
    await startWebGpu();
  });

  it("is a clear error naming it; the device is recreated and the next computation works", async () => {
    const gpu = webgpuOrPending();
    if (!gpu) return;
    const x = gpuArray([1, 2]);
    expect(await x.add(1).tolist()).toEqual([2, 3]);
    const device = gpu.device;
    device.destroy(); // as a driver reset would
    await device.lost;
    const e = caught(() => gpuArray([5]).add(1));
    expect(e?.name).toBe("DeviceLostError");
    expect(e?.message).toMatch(/lost.*effectsBarrier/s);
    await jax.effectsBarrier(); // the new device is ready
    expect(gpu.device).not.toBe(device);
    expect(caught(() => x.add(1))?.message).toMatch(/device that was lost/);
    expect(await gpuArray([3, 4]).mul(2).add(1).tolist()).toEqual([7, 9]);
    const f = jax.jit((a: Array) => a.sum(), { backend: "webgpu" });
    expect(await f(np.array([1, 2, 3])).itemAsync()).toBe(6);
  });
});
