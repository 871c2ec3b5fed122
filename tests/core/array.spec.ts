import * as jax from "../../ts/index.js";
import { numpy as np } from "../../ts/index.js";
import { Array } from "../../ts/core/array.js";
import { getBackend } from "../../ts/core/backend.js";

// The default backend: cpu until jax.init() runs (another spec may have run it), then wasm.
const live = () => getBackend().liveBuffers();

describe("np.array dtype rules", () => {
  it("JS numbers make float32, booleans bool, typed arrays keep their type", () => {
    expect(np.array([1, 2, 3]).dtype).toBe("float32");
    expect(np.array(1).dtype).toBe("float32");
    expect(np.array(1).weakType).toBeFalse();
    expect(np.array([true, false]).dtype).toBe("bool");
    expect(np.array(new Int32Array([1, 2])).dtype).toBe("int32");
    expect(np.array(new Uint32Array([1, 2])).dtype).toBe("uint32");
    expect(np.array(new Float64Array([1, 2])).dtype).toBe("float64");
    expect(np.array([1, 2], { dtype: "int32" }).dtype).toBe("int32");
    expect(np.array([1, 2], { dtype: np.uint32 }).dtype).toBe("uint32");
    expect(np.arange(6).dtype).toBe("int32");
    expect(np.arange(0, 1, 0.25).dtype).toBe("float32");
  });

  it("nested arrays give shapes; ragged input is an error", () => {
    expect(np.array([[1, 2, 3], [4, 5, 6]]).shape).toEqual([2, 3]);
    expect(np.array([]).shape).toEqual([0]);
    expect(np.array(5).shape).toEqual([]);
    expect(() => np.array([[1, 2], [3]])).toThrowError(/ragged/);
  });

  it("JS numbers are weak: x.mul(2) keeps x's dtype", () => {
    for (const d of ["float32", "int32", "float16", "uint32"] as const) {
      const y = np.ones([2], { dtype: d }).mul(2);
      expect(y.dtype).withContext(d).toBe(d);
      expect(y.weakType).withContext(d).toBeFalse();
    }
    expect(np.arange(3).mul(0.5).dtype).toBe("float32");
  });
});

describe("Array values", () => {
  it("tolist / item / dataSync / data", async () => {
    const x = np.array([[1, 2], [3, 4]]);
    expect(x.tolistSync()).toEqual([[1, 2], [3, 4]]);
    expect(await x.tolist()).toEqual([[1, 2], [3, 4]]);
    expect(Array.prototype.isPrototypeOf(x)).toBeTrue();
    expect(globalThis.Array.from(x.dataSync())).toEqual([1, 2, 3, 4]);
    expect(x.dataSync() instanceof Float32Array).toBeTrue();
    expect(globalThis.Array.from(await x.data())).toEqual([1, 2, 3, 4]);
    expect(np.array(2.5).tolistSync()).toBe(2.5);
    expect(np.array([7]).item()).toBe(7);
    expect(np.array([true]).item()).toBe(true);
    expect(np.array([false, true]).tolistSync()).toEqual([false, true]);
    expect(() => x.item()).toThrowError(TypeError, /size 1/);
    expect(x.shape).toEqual([2, 2]);
    expect(x.ndim).toBe(2);
    expect(x.size).toBe(4);
    expect(x.T.tolistSync()).toEqual([[1, 3], [2, 4]]);
    expect(String(x.device)).toBe(`${jax.defaultBackend()}:0`);
  });

  it("toString", () => {
    expect(np.array([1.5, 2]).toString()).toBe("Array([1.5, 2], dtype=float32)");
    expect(np.arange(3).toString()).toBe("Array([0, 1, 2], dtype=int32)");
    expect(np.array([[true], [false]]).toString()).toBe("Array([[true], [false]], dtype=bool)");
  });
});

describe("memory", () => {
  it("dispose() frees the buffer and later use throws", () => {
    const before = live();
    const x = np.array([1, 2, 3]);
    expect(live()).toBe(before + 1);
    x.dispose();
    expect(live()).toBe(before);
    expect(() => x.dataSync()).toThrowError(/dispose/);
    expect(() => x.add(1)).toThrowError(/dispose/);
    expect(x.toString()).toContain("disposed");
    x.dispose(); // idempotent
    expect(live()).toBe(before);
  });

  it("Symbol.dispose disposes", () => {
    const before = live();
    {
      const x = np.ones([4]);
      x[Symbol.dispose]();
    }
    expect(live()).toBe(before);
  });

  it("tidy frees intermediates and keeps results (nested, pytree results)", () => {
    const x = np.array([1, 2, 3]);
    const body = () => {
      const a = np.sin(x);
      const b = a.mul(2);
      const inner = jax.tidy(() => b.add(1).sub(3));
      return { y: inner, z: [b] };
    };
    jax.tidy(() => void body()); // warms the shared constants for 2, 1 and 3
    const before = live();
    const out = jax.tidy(body);
    expect(live()).toBe(before + 2);
    expect(out.y.shape).toEqual([3]);
    expect(out.z[0].dataSync().length).toBe(3);
    expect(x.tolistSync()).toEqual([1, 2, 3]);
    out.y.dispose();
    out.z[0].dispose();
    expect(live()).toBe(before);
  });

  it("tidy disposes what it created even when fn throws", () => {
    const before = live();
    expect(() => jax.tidy(() => {
      np.ones([3]).mul(2);
      throw new Error("inside tidy");
    })).toThrowError("inside tidy");
    // The scope is popped (the next tidy works) even though nothing was returned.
    jax.tidy(() => np.ones([2]).add(1).dispose());
    expect(live()).toBeLessThanOrEqual(before + 2);
  });

  it("100k eager ops with dispose/tidy keep the live buffer count flat", () => {
    const x = np.ones([4]);
    const before = live();
    for (let i = 0; i < 50_000; i++) x.add(1).dispose();
    for (let i = 0; i < 500; i++) jax.tidy(() => { for (let j = 0; j < 100; j++) x.mul(2).add(1); });
    expect(live()).toBe(before);
  });

  it("library functions called eagerly free the intermediates they make (dispose frees all of a call)", async () => {
    await jax.init();
    const pool = getBackend("wasm").memory!;
    const x = np.arange(64 * 8).astype("float32").reshape([64, 8]);
    const key = jax.random.key(0);
    const idx = np.array([1, 3], { dtype: "int32" });
    const xt = x.T;
    const calls: [string, () => Array][] = [
      ["x.slice(3)", () => x.slice(3)],
      ["iterating rows", () => { const rows = [...x]; rows.slice(1).forEach((r) => r.dispose()); return rows[0]; }],
      ["np.mean", () => np.mean(x)],
      ["np.var", () => np.var(x, 0)],
      ["np.linalg.norm", () => np.linalg.norm(x)],
      ["x.at(0).set(5)", () => x.at(0).set(5)],
      ["x.at(idx).add(1)", () => x.at(idx).add(1)],
      ["random.normal", () => jax.random.normal(key, [4])],
      ["x.mean(0)", () => x.mean(0)],
      ["matmul", () => x.matmul(xt)],
    ];
    for (const [name, f] of calls) {
      f().dispose(); // compiles and caches what it needs
      const before = pool.stats().numArrays;
      for (let i = 0; i < 5; i++) f().dispose();
      expect(pool.stats().numArrays - before).withContext(name).toBe(0);
    }
    // What is returned stays, with the right values.
    expect(x.slice(3).tolistSync()).toEqual([24, 25, 26, 27, 28, 29, 30, 31]);
    expect(np.mean(x).item()).toBeCloseTo(255.5, 3);
  });

  it("100k dropped eager arrays stay within the memory limit, with no flag and no dispose", async () => {
    // Finalizers run only when the event loop turns, so inside this synchronous loop the memory
    // limit is what bounds the device memory: past it, the oldest arrays are evicted.
    await jax.init();
    const wasm = getBackend("wasm");
    const before = jax.config.read("memoryLimit") as number;
    jax.config.update("memoryLimit", 2 ** 20);
    try {
      const x = np.ones([4]);
      let peak = 0;
      for (let i = 0; i < 100_000; i++) {
        x.add(1);
        if (i % 1000 === 0) peak = Math.max(peak, wasm.memory!.stats().bytesInUse);
      }
      expect(peak).toBeLessThanOrEqual(2 ** 20);
      expect(wasm.liveBuffers()).toBeLessThan(2 ** 20 / 32 + 1);
      expect(x.add(1).tolistSync()).toEqual([2, 2, 2, 2]);
    } finally {
      jax.config.update("memoryLimit", before);
    }
  }, 60_000);
});
