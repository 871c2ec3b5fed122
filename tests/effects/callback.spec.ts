// jax.pureCallback eagerly, under jit on both backends, vmap (every vmapMethod), control flow
// and differentiation; jax.effectsBarrier.
import * as jax from "../../ts/index.js";
import { expectClose } from "../util/close.js";
import { Array } from "../../ts/index.js";
import { NotImplementedError, effectsBarrier, pureCallback, trackEffect } from "../../ts/transforms/callback.js";

const np = jax.numpy;
const lax = jax.lax;
const S3 = jax.ShapeDtypeStruct([3], "float32");
const BACKENDS = ["cpu", "wasm"] as const;

/** A callback that records the shapes it is called with. */
function recorder<F extends (...args: any[]) => any>(fn: F) {
  const calls: number[][][] = [];
  const cb = (...args: any[]) => {
    calls.push(args.map((a) => [...a.shape]));
    return fn(...args);
  };
  return { cb, calls };
}

describe("pureCallback", () => {
  beforeAll(async () => {
    await jax.init();
  });

  it("runs eagerly on concrete host (cpu) Arrays, once per call", () => {
    let seen: Array | null = null;
    const r = recorder((x: Array) => {
      seen = x;
      return np.sin(x);
    });
    const x = np.array([0, 1, 2]);
    const y = pureCallback(r.cb, S3, x);
    expect(r.calls).toEqual([[[3]]]);
    expect(seen!.device.platform).toBe("cpu");
    expect(y.dtype).toBe("float32");
    expect(y.shape).toEqual([3]);
    expectClose(y.tolistSync(), [0, 1, 2].map(Math.sin), { rtol: 1e-6 });
  });

  for (const backend of BACKENDS) {
    it(`calls back into JS from a compiled program on ${backend}, once per call`, () => {
      const r = recorder((x: Array) => np.array(x.dataSync().map((v) => v * 10)));
      const f = jax.jit((x: Array) => pureCallback(r.cb, S3, np.sin(x)).add(1), { backend });
      const x = jax.devicePut(np.array([0, 1, 2]), backend);
      const y1 = f(x);
      const y2 = f(x);
      expect(r.calls.length).toBe(2);
      expect(y1.device.platform).toBe(backend);
      // sin runs natively on wasm (within a few ulps of the float64 reference).
      expectClose([...y2.dataSync()], [0, 1, 2].map((v) => Math.sin(v) * 10 + 1), { rtol: 1e-6 });
    });
  }

  it("accepts Arrays, typed arrays (row-major), nested JS arrays and JS scalars as results", () => {
    const s22 = jax.ShapeDtypeStruct([2, 2], "float32");
    const i3 = jax.ShapeDtypeStruct([3], "int32");
    const b2 = jax.ShapeDtypeStruct([2], "bool");
    const s0 = jax.ShapeDtypeStruct([], "float32");
    for (const backend of BACKENDS) {
      const f = jax.jit(
        (x: Array) => [
          pureCallback(() => new Float32Array([1, 2, 3, 4]), s22, x),
          pureCallback(() => [[1, 2], [3, 4]], s22, x),
          pureCallback(() => Int32Array.from([7, 8, 9]), i3, x),
          pureCallback(() => [true, false], b2, x),
          pureCallback(() => 2.5, s0, x),
          pureCallback(() => np.arange(3), i3, x),
          pureCallback(() => [np.arange(3)], i3, x), // a one-element list around the result, as (x,) in JAX
        ],
        { backend },
      );
      const outs = f(jax.devicePut(np.ones([3]), backend)) as Array[];
      expect(outs.map((o) => o.tolistSync())).toEqual([[[1, 2], [3, 4]], [[1, 2], [3, 4]], [7, 8, 9], [true, false], 2.5, [0, 1, 2], [0, 1, 2]]);
      expect(outs.map((o) => o.dtype)).toEqual(["float32", "float32", "int32", "bool", "float32", "int32", "int32"]);
    }
  });

  it("passes pytrees of arguments and reads pytrees of results along resultShapeDtypes", () => {
    const cb = (x: Array, d: { k: Array; l: [Array] }) => ({ a: x.add(d.k), b: [d.l[0].mul(2)] });
    const f = (x: Array, y: Array) => pureCallback(cb, { a: S3, b: [S3] }, x, { k: y, l: [y] });
    const eager = f(np.ones([3]), np.full([3], 2));
    const jitted = jax.jit(f)(np.ones([3]), np.full([3], 2));
    for (const r of [eager, jitted]) {
      expect(r.a.tolistSync()).toEqual([3, 3, 3]);
      expect(r.b[0].tolistSync()).toEqual([4, 4, 4]);
    }
  });

  it("treats a trailing plain object with option keys (or {}) as options, other objects as arguments", () => {
    const seen: unknown[] = [];
    const cb = (...args: unknown[]) => {
      seen.push(args.length);
      return np.zeros([3]);
    };
    pureCallback(cb, S3, np.ones([3]), { vmapMethod: "sequential" });
    pureCallback(cb, S3, np.ones([3]), {});
    pureCallback(cb, S3, np.ones([3]), { a: np.ones([1]) });
    pureCallback(cb, S3, { sharding: np.ones([1]) }, {});
    expect(seen).toEqual([1, 1, 2, 1]);
  });

  describe("result checks (errors name what was expected and what came back)", () => {
    for (const backend of BACKENDS) {
      it(`shape and dtype mismatches under jit on ${backend}, and the next call works`, () => {
        const x = jax.devicePut(np.ones([3]), backend);
        const shape = jax.jit((v: Array) => pureCallback(() => np.ones([4]), S3, v), { backend });
        expect(() => shape(x)).toThrowMatching(
          (e) => e.name === "ValueError" && /Incorrect output shape for return value #0: Expected: \(3,\), Actual: \(4,\)/.test(e.message),
        );
        const dtype = jax.jit((v: Array) => pureCallback(() => Int32Array.from([1, 2, 3]), S3, v), { backend });
        expect(() => dtype(x)).toThrowError(TypeError, /Incorrect output dtype for return value #0: Expected: float32, Actual: Int32Array/);
        const nested = jax.jit((v: Array) => pureCallback(() => [[1, 2, 3]], S3, v), { backend });
        expect(() => nested(x)).toThrowError(/Expected: \(3,\), Actual: \(1, 3\)/);
        const count = jax.jit((v: Array) => pureCallback(() => [np.ones([3])], [S3, S3], v), { backend });
        expect(() => count(x)).toThrowError(/Mismatched number of outputs from callback\. Expected: 2/);
        const ok = jax.jit((v: Array) => pureCallback((a: Array) => a.mul(2), S3, v).add(v), { backend });
        expect(ok(x).tolistSync()).toEqual([3, 3, 3]);
      });
    }

    it("eager mismatches, a Promise, a bad vmapMethod and bad resultShapeDtypes", () => {
      const x = np.ones([3]);
      expect(() => pureCallback(() => np.ones([2, 2]), S3, x)).toThrowError(/Expected: \(3,\), Actual: \(2, 2\)/);
      expect(() => pureCallback(() => [true, true, false], S3, x)).toThrowError(TypeError, /Expected: float32, Actual: bool/);
      expect(() => pureCallback(async () => np.ones([3]), S3, x)).toThrowError(TypeError, /returned a Promise/);
      expect(() => pureCallback(() => x, S3, x, { vmapMethod: "foo" as any })).toThrowError(
        /vmap_method must be on of the allowed methods .* but got: foo/,
      );
      expect(() => pureCallback(() => x, 3 as any, x)).toThrowError(TypeError, /must have a shape and a dtype/);
    });
  });

  describe("dead code and duplicates", () => {
    for (const backend of BACKENDS) {
      it(`an unused callback is dropped under jit on ${backend}; two call sites run twice`, () => {
        const r = recorder((x: Array) => x);
        const twice = jax.jit((x: Array) => pureCallback(r.cb, S3, x).add(pureCallback(r.cb, S3, x)), { backend });
        twice(jax.devicePut(np.ones([3]), backend));
        expect(r.calls.length).toBe(2); // as in JAX: callbacks are not merged
        const u = recorder((x: Array) => x);
        const unused = jax.jit((x: Array) => (pureCallback(u.cb, S3, x), x.mul(2)), { backend });
        expect(unused(jax.devicePut(np.ones([3]), backend)).tolistSync()).toEqual([2, 2, 2]);
        expect(u.calls.length).toBe(0); // both backends drop dead code before running
      });
    }

    it("a callback without operands runs on every call under jit (wasm)", () => {
      let n = 0;
      const f = jax.jit(() => pureCallback(() => ++n, jax.ShapeDtypeStruct([], "float32")), { backend: "wasm" });
      f();
      f();
      expect(n).toBe(2); // constant folding leaves callbacks alone
    });
  });

  describe("vmap", () => {
    const run = (method: string | undefined, jit: boolean, backend: "cpu" | "wasm") => {
      const r = recorder((x: Array, y: Array) => x.add(y));
      const g = (x: Array, y: Array) => pureCallback(r.cb, S3, x, y, method === undefined ? {} : { vmapMethod: method as any });
      let f = jax.vmap(g, { inAxes: [0, null] });
      if (jit) f = jax.jit(f, { backend });
      const out = f(jax.devicePut(np.ones([4, 3]), backend), jax.devicePut(np.array([1, 2, 3]), backend));
      return { out, calls: r.calls };
    };

    for (const backend of BACKENDS) {
      for (const jit of [false, true]) {
        const where = jit ? `under jit on ${backend}` : `eagerly on ${backend}`;
        it(`sequential / sequential_unrolled call once per element ${where}`, () => {
          for (const m of ["sequential", "sequential_unrolled"]) {
            const { out, calls } = run(m, jit, backend);
            expect(calls).toEqual([[[3], [3]], [[3], [3]], [[3], [3]], [[3], [3]]]);
            expect(out.tolistSync()).toEqual([[2, 3, 4], [2, 3, 4], [2, 3, 4], [2, 3, 4]]);
          }
        });
        it(`expand_dims / broadcast_all call once with the batch ${where}`, () => {
          const e = run("expand_dims", jit, backend);
          expect(e.calls).toEqual([[[4, 3], [1, 3]]]);
          expect(e.out.tolistSync()).toEqual([[2, 3, 4], [2, 3, 4], [2, 3, 4], [2, 3, 4]]);
          const b = run("broadcast_all", jit, backend);
          expect(b.calls).toEqual([[[4, 3], [4, 3]]]);
          expect(b.out.shape).toEqual([4, 3]);
        });
      }
    }

    it("without a vmapMethod raises JAX's NotImplementedError", () => {
      expect(() => run(undefined, false, "cpu")).toThrowMatching(
        (e) => e instanceof NotImplementedError && /when vmap_method is one of 'sequential', .* Got vmap_method=None/.test(e.message),
      );
    });

    it("moves a mapped axis that is not leading to the front", () => {
      const r = recorder((x: Array) => x.mul(2));
      const f = jax.vmap((x: Array) => pureCallback(r.cb, S3, x, { vmapMethod: "expand_dims" }), { inAxes: 1, outAxes: 1 });
      const x = np.array([[1, 2], [3, 4], [5, 6]]);
      expect(f(x).tolistSync()).toEqual([[2, 4], [6, 8], [10, 12]]);
      expect(r.calls).toEqual([[[2, 3]]]);
    });

    it("legacy_vectorized passes mapped operands batched and the others as they are", () => {
      const r = recorder((x: Array, y: Array) => x.add(y));
      const f = jax.vmap((x: Array, y: Array) => pureCallback(r.cb, S3, x, y, { vmapMethod: "legacy_vectorized" }), { inAxes: [0, null] });
      expect(f(np.ones([2, 3]), np.array([1, 2, 3])).tolistSync()).toEqual([[2, 3, 4], [2, 3, 4]]);
      expect(r.calls).toEqual([[[2, 3], [3]]]);
    });

    it("nested vmaps with sequential call once per element of both axes", () => {
      const r = recorder((x: Array) => x.mul(2));
      const g = (x: Array) => pureCallback(r.cb, S3, x, { vmapMethod: "sequential" });
      const y = jax.jit(jax.vmap(jax.vmap(g)))(np.ones([2, 5, 3]));
      expect(r.calls.length).toBe(10);
      expect(y.shape).toEqual([2, 5, 3]);
    });
  });

  describe("control flow", () => {
    for (const backend of BACKENDS) {
      it(`inside scan, while and cond under jit on ${backend}`, () => {
        const r = recorder((x: Array) => x.add(1));
        const scanned = jax.jit((c0: Array, xs: Array) => lax.scan((c: Array, x: Array) => [c.add(x), pureCallback(r.cb, S3, x)], c0, xs), { backend });
        const [c, ys] = scanned(jax.devicePut(np.zeros([3]), backend), jax.devicePut(np.ones([4, 3]), backend));
        expect(r.calls.length).toBe(4);
        expect(c.tolistSync()).toEqual([4, 4, 4]);
        expect(ys.shape).toEqual([4, 3]);
        expect(ys.tolistSync()[3]).toEqual([2, 2, 2]);

        r.calls.length = 0;
        const looped = jax.jit(
          (x: Array) => lax.whileLoop((s: Array[]) => s[0].lt(3), (s: Array[]) => [s[0].add(1), pureCallback(r.cb, S3, s[1])], [0, x]),
          { backend },
        );
        const [i, v] = looped(jax.devicePut(np.zeros([3]), backend));
        expect(r.calls.length).toBe(3);
        expect(i.item()).toBe(3);
        expect(v.tolistSync()).toEqual([3, 3, 3]);

        r.calls.length = 0;
        const branch = jax.jit((p: Array, x: Array) => lax.cond(p, (u: Array) => pureCallback(r.cb, S3, u), (u: Array) => u.mul(2), x), { backend });
        expect(branch(jax.devicePut(np.array(false), backend), jax.devicePut(np.ones([3]), backend)).tolistSync()).toEqual([2, 2, 2]);
        expect(r.calls.length).toBe(0);
        expect(branch(jax.devicePut(np.array(true), backend), jax.devicePut(np.ones([3]), backend)).tolistSync()).toEqual([2, 2, 2]);
        expect(r.calls.length).toBe(1);
      });
    }
  });

  describe("differentiation", () => {
    it("raises JAX's error under jvp and grad", () => {
      const f = (x: Array) => pureCallback((a: Array) => np.sin(a), S3, x);
      const msg = /Pure callbacks do not support JVP\. Please use `jax\.custom_jvp`/;
      expect(() => jax.jvp(f, [np.ones([3])], [np.ones([3])])).toThrowError(msg);
      expect(() => jax.grad((x: Array) => f(x).sum())(np.ones([3]))).toThrowError(msg);
      // A callback whose inputs carry no tangent is fine.
      expect(jax.grad((x: Array) => x.mul(f(np.ones([3]))).sum())(np.ones([3])).shape).toEqual([3]);
    });

    it("works through customJvp and customVjp rules, under jit and vmap", () => {
      const sin = jax.customJvp((x: Array) => pureCallback((a: Array) => np.sin(a), S3, x, { vmapMethod: "expand_dims" }));
      sin.defjvp(([x]: Array[], [t]: Array[]) => [sin(x), np.cos(x).mul(t)]);
      const x = np.array([0.5, 1, 2]);
      const want = np.cos(x).tolistSync();
      expect(jax.grad((v: Array) => sin(v).sum())(x).tolistSync()).toEqual(want);
      expect(jax.jit(jax.grad((v: Array) => sin(v).sum()))(x).tolistSync()).toEqual(want);
      const rows = jax.vmap(jax.grad((v: Array) => sin(v).sum()))(np.stack([x, x]));
      expect(rows.tolistSync()).toEqual([want, want]);

      const sq = jax.customVjp((v: Array) => pureCallback((a: Array) => a.mul(a), S3, v));
      sq.defvjp((v: Array) => [sq(v), v], (v: Array, g: Array) => [g.mul(v).mul(2)]);
      expect(jax.grad((v: Array) => sq(v).sum())(x).tolistSync()).toEqual([1, 2, 4]);
      expect(jax.jit(jax.grad((v: Array) => sq(v).sum()), { backend: "wasm" })(x).tolistSync()).toEqual([1, 2, 4]);
    });
  });
});

describe("effectsBarrier", () => {
  it("resolves after computations and callbacks dispatched before it", async () => {
    const log: string[] = [];
    const f = jax.jit((x: Array) => pureCallback((a: Array) => (log.push("callback"), a), S3, x));
    f(np.ones([3]));
    trackEffect(new Promise<void>((resolve) => setTimeout(() => (log.push("async effect"), resolve()), 20)));
    log.push("dispatched");
    await effectsBarrier();
    log.push("barrier");
    expect(log).toEqual(["callback", "dispatched", "async effect", "barrier"]);
  });

  it("waits for effects that start more effects, and reports their failures", async () => {
    const log: string[] = [];
    trackEffect(
      new Promise<void>((resolve) =>
        setTimeout(() => {
          trackEffect(new Promise<void>((r) => setTimeout(() => (log.push("inner"), r()), 5)));
          log.push("outer");
          resolve();
        }, 5),
      ),
    );
    await effectsBarrier();
    expect(log).toEqual(["outer", "inner"]);
    trackEffect(Promise.reject(new Error("effect failed")));
    await expectAsync(effectsBarrier()).toBeRejectedWithError(/effect failed/);
    await expectAsync(effectsBarrier()).toBeResolved();
  });
});
