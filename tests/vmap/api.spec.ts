// vmap's options and errors, named-axis collectives, and compositions with jit and autodiff,
// each checked against an explicit loop over the batch.

import * as jax from "../../ts/index.js";
import { Array, lax, numpy as np } from "../../ts/index.js";
import { expectClose } from "../util/close.js";

const L = (x: Array) => x.tolistSync();
const f64 = (v: any) => np.array(v, { dtype: "float64" });
const loop = (n: number, f: (i: number) => Array) => np.stack(globalThis.Array.from({ length: n }, (_, i) => f(i)));

describe("vmap options", () => {
  const x = f64([[1, 2, 3], [4, 5, 6]]);
  const y = f64([10, 20, 30]);

  it("inAxes as int, negative int, null, array and pytree prefix", () => {
    const f = (a: Array, b: Array) => a.mul(b).sum();
    expectClose(L(jax.vmap(f, { inAxes: [0, null] })(x, y)), [140, 320]);
    expectClose(L(jax.vmap(f, { inAxes: [-1, 0] })(x, y)), [10 * 5, 20 * 7, 30 * 9]);
    expectClose(L(jax.vmap(f, { inAxes: 1 })(x, f64([[1, 1, 1], [2, 2, 2]]))), [9, 12, 15]);
    const g = (p: { a: Array; b: Array }, c: Array) => p.a.add(p.b).mul(c);
    const out = jax.vmap(g, { inAxes: [{ a: 0, b: null }, null] })({ a: x, b: y }, f64(2));
    expectClose(L(out), [[22, 44, 66], [28, 50, 72]]);
  });

  it("outAxes, axisSize, pytrees of outputs", () => {
    const out = jax.vmap((a: Array) => ({ s: a.sum(), t: a.mul(2) }), { outAxes: { s: 0, t: 1 } })(x);
    expectClose(L(out.s), [6, 15]);
    expect(out.t.shape).toEqual([3, 2]);
    expectClose(L(out.t), [[2, 8], [4, 10], [6, 12]]);
    const c = jax.vmap(() => f64(7), { axisSize: 3, inAxes: [] as any })();
    expectClose(L(c), [7, 7, 7]);
    const unm = jax.vmap((a: Array, b: Array) => b, { inAxes: [0, null], outAxes: null })(x, y);
    expectClose(L(unm), [10, 20, 30]);
    const neg = jax.vmap((a: Array) => a.mul(1), { outAxes: -1 })(x);
    expectClose(L(neg), [[1, 4], [2, 5], [3, 6]]);
  });

  it("nested vmaps with distinct axis names and collectives", () => {
    const f = (v: Array) => v.sub(lax.pmean(v, "rows")).add(lax.psum(v, "cols").mul(0));
    const out = jax.vmap(jax.vmap(f, { axisName: "cols" }), { axisName: "rows" })(x);
    const ref = loop(2, (i) => loop(3, (j) => f64(L(x)[i][j] - (L(x)[0][j] + L(x)[1][j]) / 2)));
    expectClose(L(out), L(ref));
    const both = jax.vmap(jax.vmap((v: Array) => lax.psum(v, ["rows", "cols"]), { axisName: "cols" }), { axisName: "rows" })(x);
    expectClose(L(both), [[21, 21, 21], [21, 21, 21]]);
  });

  it("gives JAX's errors for bad axes and sizes", () => {
    expect(() => jax.vmap((a: Array, b: Array) => a.add(b))(x, f64([1, 2, 3]))).toThrowError(jax.ValueError, "vmap got inconsistent sizes for array axes to be mapped:\n  * one axis had size 2: axis 0 of argument a of type float64[2,3];\n  * one axis had size 3: axis 0 of argument b of type float64[3]");
    expect(() => jax.vmap((a: Array, b: { c: Array }) => a)(x, { c: f64([1, 2, 3]) })).toThrowError(jax.ValueError, /axis 0 of argument b\['c'\] of type float64\[3\]/);
    expect(() => jax.vmap((a: Array) => a, { inAxes: 2 })(x)).toThrowError(jax.ValueError, /vmap was requested to map its argument along axis 2, which implies that its rank should be at least 3, but is only 2/);
    expect(() => jax.vmap((a: Array) => a, { inAxes: [0, 0] })(x)).toThrowError(jax.ValueError, /len\(in_axes\)=2, len\(args\)=1/);
    expect(() => jax.vmap((a: Array) => a, { inAxes: null })(x)).toThrowError(jax.ValueError, /at least one non-None value in in_axes/);
    expect(() => jax.vmap((a: Array) => a, { outAxes: null })(x)).toThrowError(jax.ValueError, /mapped output but out_axes is None/);
    expect(() => jax.vmap((a: Array) => a, { inAxes: "x" as any })(x)).toThrowError(jax.ValueError, /in_axes must be an int, None/);
    expect(() => jax.vmap((a: Array) => a, { axisSize: 4 })(x)).toThrowError(jax.ValueError, /inconsistent sizes/);
    // The runtime stays usable after an error.
    expectClose(L(jax.vmap((a: Array) => a.sum())(x)), [6, 15]);
  });
});

describe("collectives", () => {
  const x = f64([[1, 5], [3, 2], [0, 4]]);
  const run = (f: (v: Array) => any) => jax.vmap(f, { axisName: "i" })(x);

  it("psum, pmean, pmax, pmin, axisIndex", () => {
    expectClose(L(run((v) => lax.psum(v, "i"))), [[4, 11], [4, 11], [4, 11]]);
    expectClose(L(run((v) => lax.pmean(v, "i"))), [[4 / 3, 11 / 3], [4 / 3, 11 / 3], [4 / 3, 11 / 3]]);
    expectClose(L(run((v) => lax.pmax(v, "i"))), [[3, 5], [3, 5], [3, 5]]);
    expectClose(L(run((v) => lax.pmin(v, "i"))), [[0, 2], [0, 2], [0, 2]]);
    expect(L(run(() => lax.axisIndex("i")))).toEqual([0, 1, 2]);
    expectClose(L(run((v) => lax.psum(f64(1), "i").add(v.mul(0)))), [[3, 3], [3, 3], [3, 3]]);
  });

  it("allGather (axis, tiled) and psumScatter", () => {
    const g = run((v) => lax.allGather(v, "i"));
    expect(g.shape).toEqual([3, 3, 2]);
    expectClose(L(g), [L(x), L(x), L(x)]);
    const g1 = run((v) => lax.allGather(v, "i", { axis: 1 }));
    expect(g1.shape).toEqual([3, 2, 3]);
    expectClose(L(g1)[0], [[1, 3, 0], [5, 2, 4]]);
    const gt = run((v) => lax.allGather(v, "i", { tiled: true }));
    expectClose(L(gt)[2], [1, 5, 3, 2, 0, 4]);
    const s = jax.vmap((v: Array) => lax.psumScatter(v, "i"), { axisName: "i" })(f64([[1, 2, 3], [10, 20, 30], [100, 200, 300]]));
    expectClose(L(s), [111, 222, 333]);
  });

  it("are differentiable and jittable", () => {
    // JAX 0.10.2: psum transposes to psum, so each member's gradient counts every member's
    // copy of the total (jax.vmap(jax.grad(lambda v: psum(v * v, "i").sum()), axis_name="i")).
    const g = jax.vmap(jax.grad((v: Array) => lax.psum(v.mul(v), "i").sum()), { axisName: "i" })(x);
    expectClose(L(g), L(x.mul(2 * 3)));
    expectClose(L(jax.vmap(jax.grad((v: Array) => lax.psum(v, "i")), { axisName: "i" })(f64([1, 1, 1]))), [3, 3, 3]);
    const j = jax.jit(jax.vmap((v: Array) => v.sub(lax.pmean(v, "i")), { axisName: "i" }))(x);
    expectClose(L(j), L(x.sub(x.mean({ axis: 0 }))));
  });

  it("an unknown axis name raises UnboundAxisError, eagerly and under jit", () => {
    expect(() => lax.psum(f64(1), "nope")).toThrowError(jax.UnboundAxisError, /unbound axis name: nope/);
    expect(() => jax.jit((v: Array) => lax.psum(v, "nope"))(f64(1))).toThrowError(jax.UnboundAxisError);
    expect(() => run((v) => lax.pmax(v, "j"))).toThrowError(jax.UnboundAxisError);
    expectClose(L(run((v) => lax.psum(v, "i"))), [[4, 11], [4, 11], [4, 11]]);
  });
});

describe("vmap composed with jit and autodiff", () => {
  const f = (w: Array, x: Array) => np.tanh(w.mul(x)).sum().mul(x.sum());
  const w = f64([0.3, -0.2, 0.5]);
  const xs = f64([[1, 2, 3], [0.5, -1, 2], [2, 0, 1], [-1, 1, 1]]);

  it("jit(vmap(grad(f))) matches a loop", () => {
    const got = jax.jit(jax.vmap(jax.grad(f), { inAxes: [null, 0] }))(w, xs);
    const ref = loop(4, (i) => jax.grad(f)(w, xs.slice(i)));
    expectClose(L(got), L(ref), { atol: 1e-12 });
  });

  it("vmap(jacfwd(jacrev(f))) matches a loop", () => {
    const h = (x: Array) => np.sin(x).mul(x.sum());
    const got = jax.vmap(jax.jacfwd(jax.jacrev(h)))(xs);
    const ref = loop(4, (i) => jax.hessian(h)(xs.slice(i)));
    expect(got.shape).toEqual([4, 3, 3, 3]);
    expectClose(L(got), L(ref), { atol: 1e-12 });
  });

  it("vmap of jit and jit of vmap", () => {
    const g = jax.jit((a: Array) => np.exp(a).sum());
    expectClose(L(jax.vmap(g)(xs)), L(loop(4, (i) => g(xs.slice(i)))), { atol: 1e-12 });
    expectClose(L(jax.jit(jax.vmap(g))(xs)), L(loop(4, (i) => g(xs.slice(i)))), { atol: 1e-12 });
  });
});
