import * as jax from "../../ts/index.js";
import { numpy as np } from "../../ts/index.js";
import { Array } from "../../ts/core/array.js";
import { expectClose } from "../util/close.js";

describe("jit", () => {
  const x = np.array([[1, -2, 3], [0.5, 4, -1]]);
  const fns: [string, (...a: any[]) => any, () => any[]][] = [
    ["sin*2", (a) => np.sin(a).mul(2), () => [x]],
    ["matmul", (a, b) => a.matmul(b), () => [x, x.T]],
    ["reductions", (a) => [a.sum({ axis: 0 }), a.max({ axis: 1, keepdims: true }), a.mean()], () => [x]],
    ["where", (a) => np.where(a.gt(0), a, a.mul(-3)), () => [x]],
    ["int ops", (a) => a.mul(3).add(1), () => [np.arange(5)]],
    ["astype", (a) => a.astype("int32").add(a.astype("int32")), () => [x]],
    ["broadcast", (a, b) => a.sub(b), () => [x, np.array([1, 2, 3])]],
  ];
  for (const [name, f, args] of fns) {
    it(`equals eager: ${name}`, () => {
      const eager = jax.tree.leaves(f(...args()));
      const jitted = jax.tree.leaves(jax.jit(f)(...args()));
      expect(jitted.length).toBe(eager.length);
      jitted.forEach((j: Array, i: number) => {
        expect(j.shape).toEqual(eager[i].shape);
        expect(j.dtype).toBe(eager[i].dtype);
        expectClose(j.dataSync(), eager[i].dataSync(), { rtol: 1e-6, atol: 1e-6 });
      });
    });
  }

  it("traces once per signature and retraces on new shape, dtype or weak type", () => {
    let traces = 0;
    const f = jax.jit((a: any) => {
      traces++;
      return a.mul(2);
    });
    f(np.ones([3]));
    f(np.ones([3]));
    f(np.zeros([3]));
    expect(traces).toBe(1);
    f(np.ones([4]));
    expect(traces).toBe(2);
    f(np.ones([3], { dtype: "int32" }));
    expect(traces).toBe(3);
    f(1); // a weak int32 scalar
    expect(traces).toBe(4);
    f(np.array(1, { dtype: "int32" })); // strong int32 scalar: a different signature
    expect(traces).toBe(5);
    f(2);
    expect(traces).toBe(5);
  });

  it("staticArgnums (including negative) and staticArgnames", () => {
    let traces = 0;
    const scale = function (a: Array, k: number, mode: string) {
      traces++;
      return mode === "add" ? a.add(k) : a.mul(k);
    };
    const f = jax.jit(scale, { staticArgnums: [1, -1] });
    expect(f(np.ones([2]), 3, "add").tolistSync()).toEqual([4, 4]);
    expect(f(np.ones([2]), 3, "mul").tolistSync()).toEqual([3, 3]);
    expect(f(np.ones([2]), 3, "mul").tolistSync()).toEqual([3, 3]);
    expect(traces).toBe(2);
    const g = jax.jit(scale, { staticArgnames: ["k", "mode"] });
    expect(g(np.ones([2]), 5, "add").tolistSync()).toEqual([6, 6]);
    expect(() => jax.jit(scale, { staticArgnames: "nope" })(np.ones([2]), 1, "add")).toThrowError(jax.ValueError, /nope/);
  });

  it("staticArgnames works with arrow functions and defaults", () => {
    const f = jax.jit((a: Array, n = 2) => a.pow(n), { staticArgnames: "n" });
    expect(f(np.array([3]), 3).tolistSync()).toEqual([27]);
  });

  it("inline puts the body into the enclosing jaxpr", () => {
    const inner = jax.jit((a: Array) => np.sin(a), { inline: true });
    const text = String(jax.makeJaxpr((a: Array) => inner(a).mul(2))(np.ones([3])));
    expect(text).not.toContain("jit[");
    expect(text).toContain("sin a");
    expect(inner(np.zeros([2])).tolistSync()).toEqual([0, 0]);
  });

  it("keepUnused shows in the jaxpr and runs", () => {
    const f = jax.jit((a: Array, _b: Array) => a.add(1), { keepUnused: true });
    const text = String(jax.makeJaxpr(f)(np.ones([2]), np.ones([3])));
    expect(text).toContain("keep_unused=True");
    expect(f(np.ones([2]), np.ones([3])).tolistSync()).toEqual([2, 2]);
  });

  it("takes and returns pytrees", () => {
    const f = jax.jit((p: { w: Array; b: Array[] }, s: Array) => ({ out: p.w.mul(s).add(p.b[0]), both: [p.b[1], s] }));
    const r = f({ w: np.array([1, 2]), b: [np.array([10, 10]), np.array(7)] }, np.array(3));
    expect(Object.keys(r).sort()).toEqual(["both", "out"]);
    expect(r.out.tolistSync()).toEqual([13, 16]);
    expect(r.both[0].tolistSync()).toBe(7);
    expect(r.both[1].tolistSync()).toBe(3);
  });

  it("nests, and makeJaxpr shows jit[name=...]", () => {
    function inner(a: Array) {
      return np.exp(a);
    }
    const f = jax.jit((a: Array) => jax.jit(inner)(a).add(1));
    expectClose(f(np.array([0, 1])).dataSync(), [2, Math.E + 1], { rtol: 1e-6 });
    const text = String(jax.makeJaxpr(f)(np.ones([2])));
    expect(text).toContain("jit[\n      name=<lambda>");
    expect(text).toContain("name=inner");
  });

  it("closes over constants (constvars) without retracing", () => {
    const c = np.array([1, 2, 3]);
    let traces = 0;
    const f = jax.jit((a: Array) => {
      traces++;
      return a.add(c);
    });
    expect(f(np.ones([3])).tolistSync()).toEqual([2, 3, 4]);
    expect(f(np.ones([3])).tolistSync()).toEqual([2, 3, 4]);
    expect(traces).toBe(1);
  });

  it("donateArgnums makes the donated input unusable with a clear error", () => {
    const f = jax.jit((a: Array, b: Array) => a.add(b), { donateArgnums: 0 });
    const a = np.ones([2]);
    const b = np.ones([2]);
    expect(f(a, b).tolistSync()).toEqual([2, 2]);
    expect(() => a.dataSync()).toThrowError(/donated/);
    expect(() => np.add(a, 1)).toThrowError(/donateArgnums/);
    expect(b.tolistSync()).toEqual([1, 1]);
    const g = jax.jit((a: Array, b: Array) => a.add(b), { donateArgnames: "b" });
    const c = np.ones([2]);
    g(np.ones([2]), c);
    expect(() => c.dataSync()).toThrowError(/donated/);
  });

  it("evalShape with ShapeDtypeStruct, with and without new", () => {
    const s1 = jax.ShapeDtypeStruct([3, 4], "float32");
    const s2 = new jax.ShapeDtypeStruct([4], np.int32);
    expect(s1 instanceof jax.ShapeDtypeStruct).toBeTrue();
    expect(String(s1)).toBe("ShapeDtypeStruct(shape=(3, 4), dtype=float32)");
    const out = jax.evalShape((a: Array, b: Array) => ({ s: a.sum({ axis: 0 }), m: a.matmul(b.astype("float32")) }), s1, s2);
    expect(out.s.shape).toEqual([4]);
    expect(out.s.dtype).toBe("float32");
    expect(out.m.shape).toEqual([3]);
    // Arrays work as shape-only arguments too.
    const o2 = jax.evalShape((a: Array) => a.T, np.ones([2, 5]));
    expect(o2.shape).toEqual([5, 2]);
  });

  it("makeJaxpr accepts ShapeDtypeStruct and staticArgnums", () => {
    const text = String(jax.makeJaxpr((a: Array, k: number) => a.mul(k), { staticArgnums: 1 })(jax.ShapeDtypeStruct([2], "float32"), 3));
    expect(text).toBe("{ lambda ; a:f32[2]. let b:f32[2] = mul a 3.0:f32[] in (b,) }");
  });

  it("works on JS scalars and returns Arrays for literal outputs", () => {
    const f = jax.jit((a: any): any[] => [a, 1.5]);
    const [a, b] = f(2);
    expect(a.dtype).toBe("int32");
    expect(b.item()).toBe(1.5);
    expect(b.dtype).toBe("float32");
  });
});
