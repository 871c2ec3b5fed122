// The differentiation APIs: grad family options, Jacobians and Hessians of pytrees, custom
// rules, checkpoint, errors — checked against closed forms and finite differences.

import * as jax from "../../ts/index.js";
import { Array, lax, numpy as np } from "../../ts/index.js";
import { checkGrads } from "../util/check_grads.js";
import { expectClose } from "../util/close.js";

const L = (x: Array) => x.tolistSync();
const f64 = (v: any) => np.array(v as any, { dtype: "float64" });

describe("grad, valueAndGrad", () => {
  it("gives closed-form gradients and values", () => {
    const x = f64([0.5, 1, 2]);
    expectClose(L(jax.grad((x: Array) => np.sin(x).sum())(x)), [0.5, 1, 2].map(Math.cos));
    const [v, g] = jax.valueAndGrad((x: Array) => x.mul(x).sum())(x);
    expectClose(v.item(), 5.25);
    expectClose(L(g), [1, 2, 4]);
  });

  it("handles argnums: int, negative, array (an array of gradients)", () => {
    const f = (a: Array, b: Array, c: Array) => a.mul(b).mul(c).sum();
    const [a, b, c] = [f64([1, 2]), f64([3, 4]), f64([5, 6])];
    expectClose(L(jax.grad(f, { argnums: 1 })(a, b, c)), [5, 12]);
    expectClose(L(jax.grad(f, { argnums: -1 })(a, b, c)), [3, 8]);
    const gs = jax.grad(f, { argnums: [2, 0] })(a, b, c);
    expect(globalThis.Array.isArray(gs)).toBeTrue();
    expectClose(L(gs[0]), [3, 8]);
    expectClose(L(gs[1]), [15, 24]);
    expect(() => jax.grad(f, { argnums: 3 })(a, b, c)).toThrowError(/argnums/);
  });

  it("differentiates pytrees of parameters", () => {
    const params = { w: f64([[1, 2], [3, 4]]), b: f64([1, -1]) };
    const x = f64([1, 1]);
    const loss = (p: any) => np.tanh(p.w.matmul(x).add(p.b)).sum();
    const g = jax.grad(loss)(params);
    const z = [4, 6];
    const d = z.map((v) => 1 - Math.tanh(v) ** 2);
    expectClose(L(g.b), d);
    expectClose(L(g.w), [[d[0], d[0]], [d[1], d[1]]]);
  });

  it("hasAux returns the auxiliary output without differentiating it", () => {
    const [g, aux] = jax.grad((x: Array) => [x.mul(x).sum(), { n: x.sum() }], { hasAux: true })(f64([1, 2]));
    expectClose(L(g), [2, 4]);
    expectClose(aux.n.item(), 3);
    const [[v, aux2], g2] = jax.valueAndGrad((x: Array) => [x.sum(), x.mul(2)], { hasAux: true })(f64([1, 2]));
    expectClose(v.item(), 3);
    expectClose(L(aux2), [2, 4]);
    expectClose(L(g2), [1, 1]);
  });

  it("grad of grad of grad (perturbation-safe nesting)", () => {
    const d3 = jax.grad(jax.grad(jax.grad((x: Array) => np.sin(x))));
    expectClose(d3(f64(0.7)).item(), -Math.cos(0.7));
    // Perturbation confusion (Siskind & Pearlmutter): d/dx [x * d/dy (x + y)] = 1.
    const inner = (x: Array) => jax.grad((y: Array) => x.add(y))(f64(1));
    expectClose(jax.grad((x: Array) => x.mul(inner(x)))(f64(1)).item(), 1);
    const [, t] = jax.jvp((x: Array) => x.mul(jax.jvp((y: Array) => x.mul(y), [f64(2)], [f64(1)])[1]), [f64(3)], [f64(1)]);
    expectClose(t.item(), 6); // d/dx x * x = 2x at 3
  });

  it("holomorphic: complex inputs and outputs; real inputs are an error", () => {
    const z = lax.complex(np.array(1, { dtype: "float32" }), np.array(1, { dtype: "float32" }));
    const g = jax.grad((z: Array) => z.mul(z), { holomorphic: true })(z); // 2z
    expectClose(g.tolistSync(), [2, 2], { rtol: 1e-6 }); // 2z = 2 + 2i
    expect(() => jax.grad((x: Array) => x.mul(x), { holomorphic: true })(f64(1))).toThrowError(TypeError, /holomorphic=True requires inputs with complex dtype/);
    expect(() => jax.grad((z: Array) => z.mul(z))(z)).toThrowError(TypeError, /real-valued outputs/);
  });

  it("allowInt gives zero cotangents for integer inputs; without it integer inputs are an error", () => {
    const f = (x: Array, n: Array) => x.mul(n).sum();
    expect(() => jax.grad(f, { argnums: 1 })(f64([1, 2]), np.array([3, 4], { dtype: "int32" }))).toThrowError(TypeError, /allowInt/);
    const [gx, gn] = jax.grad(f, { argnums: [0, 1], allowInt: true })(f64([1, 2]), np.array([3, 4], { dtype: "int32" }));
    expectClose(L(gx), [3, 4]);
    expect(gn.shape).toEqual([2]);
    expect(L(gn)).toEqual([false, false]);
  });

  it("rejects non-scalar outputs with JAX's message", () => {
    expect(() => jax.grad((x: Array) => x)(f64([1, 2]))).toThrowError(TypeError, /Gradient only defined for scalar-output functions. Output had shape: \(2,\)/);
  });

  it("reduceAxes sums gradients over a named vmap axis", () => {
    const w = f64([1, 2]);
    const xs = f64([[1, 0], [0, 1], [1, 1]]);
    const per = jax.vmap((x: Array) => jax.grad((w: Array) => w.mul(x).sum(), { reduceAxes: ["batch"] })(w), { axisName: "batch" })(xs);
    expect(per.shape).toEqual([3, 2]);
    for (const row of L(per)) expectClose(row, [2, 2]);
  });
});

describe("jvp, vjp, linearize, linearTranspose", () => {
  it("agree with each other and with closed forms", () => {
    const f = (x: Array) => np.exp(x).mul(np.sin(x));
    const x = f64([0.1, 0.2, 0.3]);
    const t = f64([1, 2, 3]);
    const [y, dy] = jax.jvp(f, [x], [t]);
    const d = [0.1, 0.2, 0.3].map((v) => Math.exp(v) * (Math.sin(v) + Math.cos(v)));
    expectClose(L(dy), d.map((v, i) => v * (i + 1)));
    const [y2, fLin] = jax.linearize(f, x);
    expectClose(L(y2), L(y));
    expectClose(L(fLin(t)), L(dy));
    const [, pull] = jax.vjp(f, x);
    expectClose(L(pull(t)[0]), L(dy));
    const fT = jax.linearTranspose((v: Array) => v.mul(3).sum(), x);
    expectClose(L(fT(f64(2))[0]), [6, 6, 6]);
  });

  it("vjp with hasAux and pytrees", () => {
    const [out, pull] = jax.vjp((a: Array, b: { c: Array }) => [a.mul(b.c), a.sum()], f64([1, 2]), { c: f64([3, 4]) });
    expectClose(L(out[0]), [3, 8]);
    const [ga, gb] = pull([f64([1, 1]), f64(1)]);
    expectClose(L(ga), [4, 5]);
    expectClose(L(gb.c), [1, 2]);
    const [o2, pull2, aux2] = jax.vjp((a: Array) => [a.mul(2), a.sum()], { hasAux: true }, f64([1, 2]));
    expectClose(L(o2), [2, 4]);
    expectClose(aux2.item(), 3);
    expectClose(L(pull2(f64([1, 1]))[0]), [2, 2]);
  });

  it("errors: shape and dtype mismatches, integer tangents", () => {
    expect(() => jax.jvp((x: Array) => x, [f64([1, 2])], [f64([1, 2, 3])])).toThrowError(/jvp called with different primal and tangent shapes/);
    expect(() => jax.jvp((x: Array) => x, [f64([1, 2])], [np.array([1, 2], { dtype: "float32" })])).toThrowError(TypeError, /primal and tangent arguments to jax.jvp do not match/);
    expect(() => jax.jvp((x: Array) => x, [np.array([1, 2])], [f64([1, 2])])).toThrowError(TypeError, /float0/);
    const [, dy] = jax.jvp((x: Array, n: Array) => x.mul(n), [f64([1, 2]), np.array([3, 4])], [f64([1, 1]), null]);
    expectClose(L(dy), [3, 4]);
    const [, pull] = jax.vjp((x: Array) => x.mul(2), f64([1, 2]));
    expect(() => pull(f64([1, 2, 3]))).toThrowError(/Shape of cotangent input to vjp pullback function/);
  });
});

describe("jacfwd, jacrev, hessian", () => {
  const f = (x: Array) => np.sin(x).mul(x.sum());

  it("match each other for any ranks", () => {
    const x = f64([[0.1, 0.2], [0.3, 0.4]]);
    const jf = jax.jacfwd(f)(x);
    const jr = jax.jacrev(f)(x);
    expect(jf.shape).toEqual([2, 2, 2, 2]);
    expectClose(L(jf), L(jr), { atol: 1e-12 });
    const s = 1.0;
    const xv = [0.1, 0.2, 0.3, 0.4];
    const J = xv.map((xi, i) => xv.map((_, j) => (i === j ? Math.cos(xi) * s : 0) + Math.sin(xi)));
    expectClose(L(jf.reshape([4, 4])), J, { atol: 1e-12 });
  });

  it("nest pytrees as JAX does: outputs outside, inputs inside; argnums arrays give tuples", () => {
    const g = (a: Array, b: Array) => ({ p: a.mul(b), q: a.sum() });
    const [a, b] = [f64([1, 2]), f64([3, 4, 5]).slice([0, 2])];
    for (const jac of [jax.jacfwd, jax.jacrev]) {
      const J = jac(g, { argnums: [0, 1] })(a, b);
      expect(J.p[0].shape).toEqual([2, 2]);
      expectClose(L(J.p[0]), [[3, 0], [0, 4]]);
      expectClose(L(J.p[1]), [[1, 0], [0, 2]]);
      expectClose(L(J.q[0]), [1, 1]);
      expectClose(L(J.q[1]), [0, 0]);
    }
  });

  it("Hessians of multi-argument functions", () => {
    const h = (x: Array, y: Array) => x.mul(x).mul(y).sum().add(np.sin(y).sum());
    const [x, y] = [f64([1, 2]), f64([0.5, 0.25])];
    const H = jax.hessian(h, { argnums: [0, 1] })(x, y);
    expectClose(L(H[0][0]), [[1, 0], [0, 0.5]]);
    expectClose(L(H[0][1]), [[2, 0], [0, 4]]);
    expectClose(L(H[1][0]), [[2, 0], [0, 4]]);
    expectClose(L(H[1][1]), [[-Math.sin(0.5), 0], [0, -Math.sin(0.25)]]);
  });
});

describe("stopGradient, checkpoint", () => {
  it("stopGradient maps pytrees and stops derivatives", () => {
    expectClose(jax.grad((x: Array) => x.mul(jax.stopGradient(x)))(f64(3)).item(), 3);
    const t = jax.stopGradient({ a: f64(1), n: np.array(2, { dtype: "int32" }) });
    expect(t.n.dtype).toBe("int32");
    expectClose(jax.grad((x: Array) => lax.stopGradient(x.mul(x)).add(x))(f64(3)).item(), 1);
  });

  it("checkpoint recomputes the forward pass in the backward pass", () => {
    const f = (x: Array) => np.sin(np.sin(x));
    const x = f64(0.3);
    const g = jax.grad(jax.checkpoint(f))(x);
    expectClose(g.item(), Math.cos(Math.sin(0.3)) * Math.cos(0.3));
    const count = (j: jax.ClosedJaxpr, name: string): number =>
      j.jaxpr.eqns.reduce((n, e) => n + (e.primitive.name === name ? 1 : 0) + Object.values(e.params).reduce((m: number, p: any) => m + (p instanceof jax.ClosedJaxpr ? count(p, name) : 0), 0), 0);
    const plain = jax.makeJaxpr(jax.grad(f))(x);
    const remat = jax.makeJaxpr(jax.grad(jax.checkpoint(f)))(x);
    expect(count(plain, "sin")).toBe(2);
    // As in JAX: sin twice forward, and the inner sin once more inside the backward remat2.
    expect(count(remat, "sin")).toBe(3);
    expect(String(remat)).toContain("remat2[");
    expect(String(jax.makeJaxpr(jax.checkpoint(f))(x))).toContain("differentiated=False");
  });

  it("policies decide what is saved", () => {
    const w = f64([[1, 2], [3, 4]]);
    const f = (x: Array) => np.sin(x.matmul(w)).sum();
    const x = f64([[0.1, 0.2]]);
    const count = (j: jax.ClosedJaxpr, name: string): number =>
      j.jaxpr.eqns.reduce((n, e) => n + (e.primitive.name === name ? 1 : 0) + Object.values(e.params).reduce((m: number, p: any) => m + (p instanceof jax.ClosedJaxpr ? count(p, name) : 0), 0), 0);
    const dots = (policy?: jax.CheckpointPolicy) => count(jax.makeJaxpr(jax.grad(jax.checkpoint(f, { policy })))(x), "dot_general");
    expect(dots(jax.checkpointPolicies.nothingSaveable)).toBe(dots(undefined));
    expect(dots(jax.checkpointPolicies.dotsSaveable)).toBe(dots(jax.checkpointPolicies.everythingSaveable));
    expect(dots(jax.checkpointPolicies.nothingSaveable)).toBe(dots(jax.checkpointPolicies.dotsSaveable) + 1);
    const named = (x: Array) => np.sin(jax.checkpointName(x.matmul(w), "h")).sum();
    const n = (policy: jax.CheckpointPolicy) => count(jax.makeJaxpr(jax.grad(jax.checkpoint(named, { policy })))(x), "dot_general");
    expect(n(jax.checkpointPolicies.saveOnlyTheseNames("h"))).toBe(n(jax.checkpointPolicies.saveAnyNamesButThese("other")));
    expect(n(jax.checkpointPolicies.saveOnlyTheseNames("other"))).toBe(n(jax.checkpointPolicies.saveOnlyTheseNames("h")) + 1);
    for (const p of [jax.checkpointPolicies.nothingSaveable, jax.checkpointPolicies.dotsWithNoBatchDimsSaveable, jax.checkpointPolicies.saveOnlyTheseNames("h")]) {
      expectClose(L(jax.grad(jax.checkpoint(named, { policy: p }))(x)), L(jax.grad(named)(x)), { atol: 1e-12 });
    }
  });

  it("checkpoint composes with jit, vmap, staticArgnums and higher order", () => {
    const f = jax.checkpoint((x: Array, k: number) => np.sin(x).mul(k), { staticArgnums: 1 });
    expectClose(jax.jit(jax.grad((x: Array) => f(x, 3).sum()))(f64([0, 1])).tolistSync(), [3, 3 * Math.cos(1)]);
    expectClose(L(jax.vmap(jax.grad((x: Array) => f(x, 2)))(f64([0, 1]))), [2, 2 * Math.cos(1)]);
    expectClose(jax.grad(jax.grad((x: Array) => f(x, 1)))(f64(0.5)).item(), -Math.sin(0.5));
    checkGrads((x: Array) => f(x, 2), [f64([0.3, 0.6])], { order: 2 });
  });
});

describe("customJvp, customVjp, customGradient", () => {
  it("log1pexp: a stable custom JVP (JAX's docs example)", () => {
    const log1pexp = jax.customJvp((x: Array) => np.log(np.exp(x).add(1)));
    log1pexp.defjvp(([x]: Array[], [t]: Array[]) => [log1pexp(x), t.mul(np.subtract(1, np.divide(1, np.exp(x).add(1))))]);
    const x = np.array(100, { dtype: "float32" });
    expect(Number.isNaN(jax.grad((x: Array) => np.log(np.exp(x).add(1)))(x).item() as number)).toBeTrue();
    expectClose(jax.grad(log1pexp)(x).item(), 1);
    expectClose(jax.jit(jax.grad(log1pexp))(x).item(), 1);
    expectClose(L(jax.vmap(jax.grad(log1pexp))(f64([0, 1]))), [0.5, 1 / (1 + Math.exp(-1))]);
    expectClose(jax.grad(jax.grad(log1pexp))(f64(0)).item(), 0.25); // sigmoid'(0)
    expect(String(jax.makeJaxpr(log1pexp)(x))).toContain("custom_jvp_call[");
  });

  it("defjvps, nondiffArgnums, symbolic zeros, closed-over values", () => {
    const f = jax.customJvp((x: Array, y: Array) => x.mul(y));
    f.defjvps((g: Array, _ans: Array, _x: Array, y: Array) => g.mul(y), (g: Array, _ans: Array, x: Array) => g.mul(x).mul(10));
    const [, t] = jax.jvp(f, [f64(2), f64(3)], [f64(1), f64(1)]);
    expectClose(t.item(), 3 + 20);
    const app = jax.customJvp((k: number, x: Array) => x.mul(k), { nondiffArgnums: [0] });
    app.defjvp((k: number, [x]: Array[], [t]: Array[]) => [app(k, x), t.mul(k).mul(2)]);
    expectClose(jax.grad((x: Array) => app(3, x))(f64(1)).item(), 6);
    const sz = jax.customJvp((x: Array, y: Array) => x.add(y));
    let seen: unknown = null;
    sz.defjvp(([x, y]: Array[], [tx, ty]: any[]) => {
      seen = ty;
      return [sz(x, y), tx];
    }, { symbolicZeros: true });
    jax.jvp((x: Array) => sz(x, f64(1)), [f64(1)], [f64(1)]);
    expect(seen instanceof jax.SymbolicZero).toBeTrue();
    const w = f64(2);
    const closes = jax.customJvp((x: Array) => x.mul(w));
    closes.defjvp(([x]: Array[], [t]: Array[]) => [closes(x), t.mul(w)]);
    expect(() => jax.grad((w2: Array) => jax.customJvp((x: Array) => x.mul(w2)).defjvp(([x]: Array[], [t]: Array[]) => [x, t])(f64(1)))(w)).toThrowError(TypeError, /closed-over value/);
  });

  it("gradient clipping with customVjp (JAX's docs example)", () => {
    const clip = jax.customVjp((lo: number, hi: number, x: Array) => x, { nondiffArgnums: [0, 1] });
    clip.defvjp((lo: number, hi: number, x: Array) => [x, null], (lo: number, hi: number, _res: null, g: Array) => [np.clip(g, lo, hi)]);
    const f = (x: Array) => clip(-0.5, 0.5, np.sin(x).mul(5));
    // The incoming cotangent 1 is clipped to 0.5, then flows through d(5 sin x) = 5 cos x.
    expectClose(jax.grad(f)(f64(0)).item(), 2.5);
    expectClose(jax.grad(f)(f64(1.5)).item(), 2.5 * Math.cos(1.5));
    expectClose(jax.jit(jax.grad(f))(f64(0)).item(), 2.5);
    expectClose(L(jax.vmap(jax.grad((x: Array) => clip(-0.5, 0.5, x.mul(4))))(f64([0, 1.5]))), [2, 2]);
  });

  it("customVjp with residuals works under jit, vmap and grad-of-grad; jvp raises JAX's error", () => {
    const f = jax.customVjp((x: Array) => np.sin(x));
    f.defvjp((x: Array) => [np.sin(x), np.cos(x)], (c: Array, g: Array) => [g.mul(c)]);
    expectClose(jax.grad(f)(f64(0.5)).item(), Math.cos(0.5));
    expectClose(jax.grad(jax.jit(f))(f64(0.5)).item(), Math.cos(0.5));
    expectClose(L(jax.jit(jax.vmap(jax.grad(f)))(f64([0, 1]))), [1, Math.cos(1)]);
    expectClose(jax.grad(jax.grad(f))(f64(0.5)).item(), -Math.sin(0.5));
    expect(() => jax.jvp(f, [f64(0.5)], [f64(1)])).toThrowError(TypeError, "can't apply forward-mode autodiff (jvp) to a custom_vjp function.");
    expect(() => jax.jacfwd(f)(f64([0.5]))).toThrowError(TypeError, /custom_vjp/);
    expect(String(jax.makeJaxpr(f)(f64(0.5)))).toContain("custom_vjp_call[");
    const bad = jax.customVjp((x: Array, y: Array) => x.mul(y));
    bad.defvjp((x: Array, y: Array) => [x.mul(y), null], (_: null, g: Array) => [g]);
    expect(() => jax.grad(bad)(f64(1), f64(2))).toThrowError(TypeError, /Custom VJP bwd rule must produce an output with the same container/);
  });

  it("customGradient: the function returns [out, gradFn]", () => {
    const f = jax.customGradient((x: Array) => [np.sin(x), (g: Array) => [g.mul(np.cos(x)).mul(2)]]);
    expectClose(jax.grad(f)(f64(0.3)).item(), 2 * Math.cos(0.3));
    expectClose(jax.jit(jax.grad(f))(f64(0.3)).item(), 2 * Math.cos(0.3));
    expectClose(L(f(f64([0.3]))), [Math.sin(0.3)]);
  });

  it("closureConvert hoists closed-over tracers", () => {
    const outer = (w: Array) => {
      const [g, consts] = jax.closureConvert((x: Array) => x.mul(w), f64(1));
      expect(consts.length).toBe(1);
      return g(f64(3), ...consts);
    };
    expectClose(jax.grad(outer)(f64(2)).item(), 3);
  });
});

describe("fwdAndBwd", () => {
  it("splits the passes and reuses the jitted backward pass", () => {
    const f = (x: Array, w: Array) => x.matmul(w).sum();
    const [fwd, bwd] = jax.fwdAndBwd(f, { argnums: [0, 1] });
    const [x, w] = [f64([[1, 2]]), f64([[1], [1]])];
    const [y, res] = fwd(x, w);
    expectClose(y.item(), 3);
    const [gx, gw] = bwd(res, f64(1));
    expectClose(L(gx), [[1, 1]]);
    expectClose(L(gw), [[1], [2]]);
    const [, res2] = fwd(f64([[3, 4]]), w);
    expectClose(L(bwd(res2, f64(2))[1]), [[6], [8]]);
    const [f2, b2] = jax.fwdAndBwd((x: Array) => [np.sin(x).sum(), x.sum()], { hasAux: true, jitted: false });
    const [v, r, aux] = f2(f64([0.5]));
    expectClose(v.item(), Math.sin(0.5));
    expectClose(aux.item(), 0.5);
    expectClose(L(b2(r, f64(1))), [Math.cos(0.5)]);
  });
});
