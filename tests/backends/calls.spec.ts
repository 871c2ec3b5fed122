// Each call of a compiled wasm program owns what it allocates: a callback that calls the same
// program again gets slot tables and scratch of its own, and a call that throws frees its
// outputs and scratch before the error propagates.
import * as jax from "../../ts/index.js";
import { Array } from "../../ts/index.js";
import { pureCallback } from "../../ts/transforms/callback.js";

const np = jax.numpy;

describe("wasm calls", () => {
  beforeAll(async () => {
    expect(await jax.init()).toContain("wasm");
  });

  for (const backend of ["cpu", "wasm"] as const) {
    it(`a callback that calls the same jitted function again gets the right answer (${backend})`, () => {
      // f(x) = 2 * g(x) + x, where g calls f again on the host while `remaining` lasts:
      // with k nested calls f(x) = (2^(k+2) - 1) x. The temporaries (x*1, g*2) must survive them.
      let remaining = 0;
      const f: (x: Array) => Array = jax.jit(
        (x: Array) => {
          const g = pureCallback((v: Array) => (remaining-- > 0 ? f(v) : v), jax.ShapeDtypeStruct([3], "float32"), x.mul(1));
          return g.mul(2).add(x);
        },
        { backend },
      );
      for (const k of [0, 1, 4]) {
        remaining = k;
        expect(f(jax.devicePut(np.array([1, 2, 3]), backend)).tolistSync()).withContext(`${k} nested`).toEqual([1, 2, 3].map((v) => (2 ** (k + 2) - 1) * v));
      }
    });
  }

  it("an input disposed by a callback while its program runs is released when the call ends, not before", () => {
    const pool = jax.getBackend("wasm").memory!;
    const x = np.arange(1 << 16).astype("float32");
    let during = -1;
    let before = -1;
    const f = jax.jit((a: Array) => {
      const s = pureCallback(() => {
        before = pool.stats().bytesInUse;
        x.dispose();
        during = pool.stats().bytesInUse; // still held: the program reads x after this callback
        return np.zeros([]);
      }, jax.ShapeDtypeStruct([], "float32"), a.sum());
      return a.mul(2).add(s);
    });
    const y = f(x).dataSync();
    expect(during).toBe(before);
    expect([y[0], y[1], y[65535]]).toEqual([0, 2, 131070]);
    expect(pool.stats().bytesInUse).toBeLessThanOrEqual(before - (1 << 18));
    expect(() => x.dataSync()).toThrowError(/disposed/);
  });

  it("a callback that throws inside a compiled program frees everything the call allocated", () => {
    const wasm = jax.getBackend("wasm");
    const big = jax.ShapeDtypeStruct([1 << 20], "float32");
    const f = jax.jit((x: Array) => {
      const y = x.mul(2).add(1); // a 4 MiB temporary in the call's arena
      return [pureCallback(() => {
        throw new Error("callback failed");
      }, big, y), y.sum()];
    });
    const x = np.ones([1 << 20]);
    expect(() => f(x)).toThrowError(/callback failed/);
    const before = wasm.memory!.stats();
    for (let i = 0; i < 300; i++) expect(() => f(x)).toThrowError(/callback failed/);
    const after = wasm.memory!.stats();
    expect(after.numArrays).toBe(before.numArrays);
    expect(after.bytesInUse).toBe(before.bytesInUse);
    expect(after.evictions).toBe(before.evictions);
    // The next good call works.
    expect(jax.jit((x: Array) => x.sum())(x).item()).toBe(1 << 20);
  });
});
