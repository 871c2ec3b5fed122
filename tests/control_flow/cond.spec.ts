// lax.cond and lax.switch (the `cond` primitive of ts/primitives/control_flow.ts): values,
// JAX's jaxprs and errors, derivatives of the branch taken (forward, reverse, second order),
// and vmap, where a batched predicate turns the cond into a select.

import * as jax from "../../ts/index.js";
import { Array, numpy as np } from "../../ts/index.js";
import { cond, switch_ } from "../../ts/lax/control_flow.js";
import { checkGrads } from "../util/check_grads.js";
import { expectClose } from "../util/close.js";

const L = (x: Array) => x.tolistSync();
const f64 = (v: any) => np.array(v, { dtype: "float64" });
const i32 = (v: any) => np.array(v, { dtype: "int32" });

// sin(x)·y on the true branch, x² + y on the false one; the predicate is sum(x) > 1.
const f = (x: Array, y: Array) =>
  cond(x.sum().gt(1), (a: Array, b: Array) => np.sin(a).mul(b).sum(), (a: Array, b: Array) => a.mul(a).add(b).sum(), x, y);

describe("lax.cond / lax.switch: evaluation", () => {
  it("runs the branch the predicate picks, with pytrees in and out and closures", () => {
    const x = f64([0.5, 1, 2]);
    const big = f64([10, 20, 30]);
    const branches = (p: any) =>
      cond(p, (o: any) => ({ s: o.a.add(big), t: [o.b] }), (o: any) => ({ s: o.a.mul(2), t: [o.b.neg()] }), { a: x, b: f64(3) });
    const t = branches(true), e = branches(false);
    expectClose(L(t.s), [10.5, 21, 32]);
    expectClose(L(t.t[0]), 3);
    expectClose(L(e.s), [1, 2, 4]);
    expectClose(L(e.t[0]), -3);
    // Number predicates compare with 0, as in JAX.
    expectClose(L(cond(2.5, (v: Array) => v, (v: Array) => v.neg(), x)), [0.5, 1, 2]);
    expectClose(L(cond(np.array(0), (v: Array) => v, (v: Array) => v.neg(), x)), [-0.5, -1, -2]);
    expectClose(L(f(x, f64(2))), 2 * (Math.sin(0.5) + Math.sin(1) + Math.sin(2)));
    expectClose(L(f(x.mul(0.1), f64(2))), 0.0025 + 0.01 + 0.04 + 6);
  });

  it("switch clamps its index; one branch is called directly", () => {
    const brs = [(v: Array) => v, (v: Array) => v.mul(10), (v: Array) => np.sin(v)];
    const x = f64([1, 2]);
    expectClose(L(switch_(1, brs, x)), [10, 20]);
    expectClose(L(switch_(i32(2), brs, x)), [Math.sin(1), Math.sin(2)]);
    expectClose(L(switch_(-4, brs, x)), [1, 2]);
    expectClose(L(switch_(9, brs, x)), [Math.sin(1), Math.sin(2)]);
    expect(String(jax.makeJaxpr((v: Array) => switch_(0, [(u: Array) => u.mul(3)], v))(np.ones([2])))).not.toContain("cond");
  });

  it("runs under jit, where the predicate is traced", () => {
    const g = jax.jit((x: Array) => cond(x.gt(0), (v: Array) => np.sqrt(v), (v: Array) => v.mul(v), x));
    expectClose(L(g(f64(4))), 2);
    expectClose(L(g(f64(-3))), 9);
  });

  it("prints like JAX's make_jaxpr", () => {
    const jc = jax.makeJaxpr((p: Array, x: Array) => cond(p, (v: Array) => np.sin(v), (v: Array) => v.mul(2), x))(np.array(true), np.array(1));
    expect(String(jc)).toBe(
      [
        "{ lambda ; a:bool[] b:f32[]. let",
        "    c:i32[] = convert_element_type[new_dtype=int32 weak_type=False] a",
        "    d:f32[] = cond[",
        "      branches=(",
        "        { lambda ; e:f32[]. let f:f32[] = mul e 2.0:f32[] in (f,) }",
        "        { lambda ; g:f32[]. let h:f32[] = sin g in (h,) }",
        "      )",
        "    ] c b",
        "  in (d,) }",
      ].join("\n"),
    );
    const js = jax.makeJaxpr((i: Array, x: Array) => switch_(i, [(v: Array) => np.sin(v), (v: Array) => v.mul(2), (v: Array) => v], x))(i32(1), np.array(1));
    expect(String(js)).toBe(
      [
        "{ lambda ; a:i32[] b:f32[]. let",
        "    c:i32[] = clamp 0:i32[] a 2:i32[]",
        "    d:f32[] = cond[",
        "      branches=(",
        "        { lambda ; e:f32[]. let f:f32[] = sin e in (f,) }",
        "        { lambda ; g:f32[]. let h:f32[] = mul g 2.0:f32[] in (h,) }",
        "        { lambda ; i:f32[]. let  in (i,) }",
        "      )",
        "    ] c b",
        "  in (d,) }",
      ].join("\n"),
    );
  });

  it("raises JAX's errors", () => {
    const one = np.array(1);
    expect(() => cond(true, (v: Array) => v, ((v: Array) => [v, v]) as any, one)).toThrowError(
      TypeError, /cond branch outputs must have the same pytree structure.*true_fun output is a pytree leaf but false_fun output is a list of length 2/s);
    function tf(v: Array) { return v; }
    function ff(v: Array) { return v.astype("int32"); }
    expect(() => cond(true, tf, ff, one)).toThrowError(
      TypeError,
      "cond branches must have equal output types but they differ.\n\ntrue_fun is tf\nfalse_fun is ff\n\n" +
        "The output of true_fun has type float32[] but the corresponding output of false_fun has type int32[], so the dtypes do not match.\n\n" +
        "Revise true_fun and/or false_fun so that all output types match.",
    );
    expect(() => cond(true, (v: Array) => [v, v], (v: Array) => [v.astype("int32"), v.reshape([1])], one)).toThrowError(
      TypeError, /\* the output of true_fun at path \[0\] has type float32\[\] .*int32\[\], so the dtypes do not match;\n  \* the output of true_fun at path \[1\] .*float32\[1\], so the shapes do not match\./s);
    expect(() => cond(np.ones([2]).gt(0), (v: Array) => v, (v: Array) => v, one)).toThrowError(TypeError, /^Pred must be a scalar, got .* of shape \(2,\)\.$/s);
    expect(() => cond(np.array([1, 2], { dtype: "complex64" }).slice(0), (v: Array) => v, (v: Array) => v, one)).toThrowError(
      TypeError, "Pred type must be either boolean or number, got complex64.");
    expect(() => cond(null as any, (v: Array) => v, (v: Array) => v, one)).toThrowError(TypeError, "cond predicate is None");
    expect(() => cond(true, 3 as any, (v: Array) => v, one)).toThrowError(TypeError, "lax.cond: true_fun and false_fun arguments should be callable.");
    expect(() => switch_(1.5, [(v: Array) => v, (v: Array) => v], one)).toThrowError(TypeError, "Index type must be an integer, got 1.5 as float32");
    expect(() => switch_(i32([0, 1]), [(v: Array) => v, (v: Array) => v], one)).toThrowError(TypeError, /^Branch index must be scalar, got .* of shape \(2,\)\.$/s);
    expect(() => switch_(0, [], one)).toThrowError(jax.ValueError, "Empty branch sequence");
    expect(() => switch_(0, [(v: Array) => v, (v: Array) => v.astype("int32")], one)).toThrowError(
      TypeError, /switch branches must have equal output types.*branch 0 is .*\nbranch1 is/s);
  });
});

describe("lax.cond: differentiation", () => {
  const x = f64([0.5, 1, 2]);
  const y = f64(2);

  it("takes the derivative of the branch taken (jvp, grad, value and grad)", () => {
    // true branch: d/dx sin(x)·y = cos(x)·y, d/dy = Σ sin(x)
    const [gx, gy] = jax.grad(f, { argnums: [0, 1] })(x, y);
    expectClose(L(gx), [0.5, 1, 2].map((v) => 2 * Math.cos(v)));
    expectClose(L(gy), Math.sin(0.5) + Math.sin(1) + Math.sin(2));
    // false branch: d/dx (x² + y) summed = 2x, d/dy = 3
    const xs = x.mul(0.1);
    const [hx, hy] = jax.grad(f, { argnums: [0, 1] })(xs, y);
    expectClose(L(hx), [0.1, 0.2, 0.4]);
    expectClose(L(hy), 3);
    const [, t] = jax.jvp(f, [x, y], [np.onesLike(x), f64(1)]);
    expectClose(L(t), [0.5, 1, 2].reduce((s, v) => s + 2 * Math.cos(v) + Math.sin(v), 0));
  });

  it("keeps symbolic zeros: an output no branch makes depend on the input has a zero tangent", () => {
    const g = (a: Array) => cond(a.gt(0), (v: Array) => [v.mul(3), f64(1)], (v: Array) => [v.neg(), f64(2)], a);
    const [, [t0, t1]] = jax.jvp(g, [f64(2)], [f64(1)]);
    expectClose(L(t0), 3);
    expectClose(L(t1), 0);
    expectClose(L(jax.grad((a: Array) => g(a)[0].add(g(a)[1]))(f64(-2))), -1);
  });

  it("matches finite differences to second order in both modes", () => {
    checkGrads(f, [x, y], { order: 2, atol: 1e-4, rtol: 1e-4 });
    checkGrads(f, [x.mul(0.1), y], { order: 2, atol: 1e-4, rtol: 1e-4 });
    // switch with three branches and an operand tuple
    const s = (i: number) => (a: Array, b: Array) =>
      switch_(i, [([u, v]: Array[]) => u.mul(v), ([u, v]: Array[]) => np.sin(u).add(v.mul(v)), ([u, v]: Array[]) => np.exp(u.mul(v))], [a, b]);
    for (const i of [0, 1, 2]) checkGrads(s(i), [f64([0.3, -0.7]), f64([1.1, 0.4])], { order: 2, atol: 1e-4, rtol: 1e-4 });
  });

  it("hessian through cond picks the branch's second derivative", () => {
    const h = (v: Array) => cond(v.sum().gt(0), (u: Array) => np.sin(u).sum(), (u: Array) => u.mul(u).mul(u).sum(), v);
    expectClose(L(jax.hessian(h)(f64([0.5, 1]))), [[-Math.sin(0.5), 0], [0, -Math.sin(1)]], { atol: 1e-12 });
    expectClose(L(jax.hessian(h)(f64([-0.5, -1]))), [[-3, 0], [0, -6]], { atol: 1e-12 });
    expectClose(L(jax.jacfwd(jax.jacrev(h))(f64([-0.5, -1]))), [[-3, 0], [0, -6]], { atol: 1e-12 });
  });

  it("differentiates integer branch outputs and operands as zero", () => {
    const g = (a: Array, n: Array) => cond(n.gt(1), (u: Array, k: Array) => [u.mul(k.astype("float64")), k.add(1)], (u: Array, k: Array) => [u, k], a, n);
    const [, [t, tk]] = jax.jvp((a: Array) => g(a, i32(3)), [f64(2)], [f64(1)]);
    expectClose(L(t), 3);
    expect(tk.dtype).toBe("int32");
    expectClose(L(jax.grad((a: Array) => g(a, i32(3))[0])(f64(2))), 3);
  });
});

describe("lax.cond: vmap", () => {
  it("with a batched predicate computes both branches and selects per example", () => {
    const xs = f64([[0.5, 1, 2], [0.05, 0.1, 0.2], [1, 1, 1]]);
    const ys = f64([2, 3, -1]);
    const out = jax.vmap(f)(xs, ys);
    const ref = L(xs).map((r: number[], i: number) => (r.reduce((a, b) => a + b) > 1 ? r.reduce((s, v) => s + Math.sin(v) * L(ys)[i], 0) : r.reduce((s, v) => s + v * v + L(ys)[i], 0)));
    expectClose(L(out), ref);
    expect(String(jax.makeJaxpr(jax.vmap(f))(xs, ys))).not.toContain("cond[");
  });

  it("with an unbatched predicate stays a cond over batched branches", () => {
    const g = (a: Array, b: Array) => cond(b.gt(0), (u: Array) => u.mul(2), (u: Array) => u.neg(), a);
    const out = jax.vmap(g, { inAxes: [0, null] })(f64([1, 2, 3]), f64(1));
    expectClose(L(out), [2, 4, 6]);
    expect(String(jax.makeJaxpr(jax.vmap(g, { inAxes: [0, null] }))(f64([1, 2, 3]), f64(1)))).toContain("cond[");
    // Only one branch depends on the mapped operand: the output is still batched.
    const h = (a: Array, b: Array) => cond(b.gt(0), (u: Array) => u.mul(2), () => f64(7), a);
    expectClose(L(jax.vmap(h, { inAxes: [0, null] })(f64([1, 2]), f64(-1))), [7, 7]);
  });

  it("switch with a batched index clamps and selects", () => {
    const brs = [(v: Array) => v, (v: Array) => v.mul(2), (v: Array) => np.sin(v)];
    const out = jax.vmap((i: Array, v: Array) => switch_(i, brs, v))(i32([0, 1, 2, 7, -3]), f64([1, 1, 1, 1, 1]));
    expectClose(L(out), [1, 2, Math.sin(1), Math.sin(1), 1]);
  });

  it("vmap of grad does not leak NaNs from the branch not taken", () => {
    const g = (v: Array) => cond(v.gt(0), (u: Array) => np.sqrt(u), (u: Array) => u.mul(0), v);
    expectClose(L(jax.vmap(jax.grad(g))(f64([-1, 4]))), [0, 0.25]);
    const vg = jax.vmap(jax.grad(f), { inAxes: [0, 0] })(f64([[0.5, 1, 2], [0.05, 0.1, 0.2]]), f64([2, 3]));
    expectClose(L(vg), [[0.5, 1, 2].map((v) => 2 * Math.cos(v)), [0.1, 0.2, 0.4]]);
  });
});

describe("checklist samples for the control flow primitives", () => {
  // What tests/core/primitives.spec.ts needs for cond, while and scan: abstract evaluation
  // agrees with evaluation and with staging.
  const closed = (fn: (...a: Array[]) => Array[], ...args: Array[]) => new jax.ClosedJaxpr(jax.makeJaxpr(fn)(...args).jaxpr, []);
  const f32 = (...shape: number[]) => np.full(shape, 0.5, { dtype: "float32" });
  const SAMPLES: Record<string, { prim: string; inputs: Array[]; params: any }> = {
    cond: { prim: "cond", inputs: [i32(1), f32(3)], params: { branches: [closed((a) => [np.sin(a)], f32(3)), closed((a) => [a.mul(2)], f32(3))] } },
    while: {
      prim: "while",
      inputs: [i32(3)],
      params: { cond_jaxpr: closed((i) => [i.lt(5)], i32(0)), body_jaxpr: closed((i) => [i.add(1)], i32(0)), cond_nconsts: 0, body_nconsts: 0 },
    },
    scan: {
      prim: "scan",
      inputs: [f32(3), f32(4, 3)],
      params: { jaxpr: closed((c, x) => [c.add(x), np.sin(x)], f32(3), f32(3)), length: 4, reverse: false, unroll: 1, num_consts: 0, num_carry: 1 },
    },
  };
  for (const [name, s] of Object.entries(SAMPLES)) {
    it(`${name}: abstractEval agrees with evaluation and staging`, async () => {
      const { allPrimitives } = await import("../../ts/core/primitive.js");
      const { bind } = await import("../../ts/core/trace.js");
      const p = allPrimitives().find((q) => q.name === s.prim)!;
      expect(p).toBeDefined();
      const avals = p.rules.abstractEval(s.inputs.map((x) => x.aval), s.params);
      const outs = bind(p, s.inputs, s.params);
      expect(outs.map((o) => o.aval.str())).toEqual(avals.map((a) => a.str()));
      const staged = jax.makeJaxpr((...xs: Array[]) => bind(p, xs, s.params))(...s.inputs);
      expect(staged.outAvals.map((a) => a.str())).toEqual(avals.map((a) => a.str()));
      for (const rule of ["jvp", "transpose", "batch", "linearize", "cpu", "impl"] as const) expect(p.rules[rule]).withContext(rule).toBeDefined();
    });
  }
  it("while: evaluation of the sample counts up to 5", async () => {
    const { bind } = await import("../../ts/core/trace.js");
    const { whileP } = await import("../../ts/primitives/control_flow.js");
    expect(L(bind(whileP, SAMPLES.while.inputs, SAMPLES.while.params)[0])).toBe(5);
  });
});
