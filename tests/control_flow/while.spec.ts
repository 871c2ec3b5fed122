// lax.whileLoop and lax.foriLoop with dynamic bounds (the `while` primitive): values against JS
// loops, JAX's jaxpr and errors, forward-mode derivatives (reverse mode raises JAX's error),
// and vmap with per-example trip counts.

import * as jax from "../../ts/index.js";
import { Array, numpy as np } from "../../ts/index.js";
import { foriLoop, whileLoop } from "../../ts/lax/control_flow.js";
import { checkGrads } from "../util/check_grads.js";
import { expectClose } from "../util/close.js";

const L = (x: Array) => x.tolistSync();
const f64 = (v: any) => np.array(v, { dtype: "float64" });
const i32 = (v: any) => np.array(v, { dtype: "int32" });
const REVERSE = /^Reverse-mode differentiation does not work for lax\.while_loop or lax\.fori_loop with dynamic start\/stop values\. Try using lax\.scan, or using fori_loop with static start\/stop\.$/;

// Multiply by x until the value reaches 10, counting the steps.
const grow = (x: Array) => whileLoop(([, v]: Array[]) => v.lt(10), ([n, v]: Array[]) => [n.add(1), v.mul(x)], [0, x]);
function growRef(x: number): [number, number] {
  let n = 0, v = x;
  while (v < 10) [n, v] = [n + 1, v * x];
  return [n, v];
}

describe("lax.whileLoop: evaluation", () => {
  it("matches a JS loop, with a pytree carry", () => {
    for (const x of [1.5, 3, 11]) {
      const [n, v] = grow(f64(x));
      const [nr, vr] = growRef(x);
      expect(L(n)).toBe(nr);
      expectClose(L(v), vr);
    }
    const out = whileLoop((c: any) => c.i.lt(4), (c: any) => ({ i: c.i.add(1), acc: [c.acc[0].add(c.i.astype("float64"))] }), { i: 0, acc: [f64(0.5)] });
    expect(L(out.i)).toBe(4);
    expectClose(L(out.acc[0]), 6.5);
  });

  it("runs under jit with a traced bound, and foriLoop with dynamic bounds is a while", () => {
    const f = jax.jit((n: Array, x: Array) => foriLoop(0, n, (i: Array, v: Array) => v.add(i.astype("float64")).mul(x), f64(1)));
    // v <- (v + i)·x for i = 0, 1, 2
    const ref = (n: number, x: number) => { let v = 1; for (let i = 0; i < n; i++) v = (v + i) * x; return v; };
    expectClose(L(f(i32(3), f64(2))), ref(3, 2));
    expectClose(L(f(i32(0), f64(2))), 1);
    const text = String(jax.makeJaxpr((n: Array) => foriLoop(0, n, (_: Array, v: Array) => v.mul(2), np.array(1)))(i32(3)));
    expect(text).toContain("while[");
    expect(text).not.toContain("scan[");
  });

  it("prints like JAX's make_jaxpr", () => {
    const text = String(jax.makeJaxpr((x: Array) => whileLoop((c: Array[]) => c[0].lt(10), (c: Array[]) => [c[0].add(1), c[1].mul(x)], [0, x]))(np.array(1)));
    expect(text).toBe(
      [
        "{ lambda ; a:f32[]. let",
        "    b:i32[] c:f32[] = while[",
        "      body_jaxpr={ lambda ; d:f32[] e:i32[] f:f32[]. let",
        "          g:i32[] = add e 1:i32[]",
        "          h:f32[] = mul f d",
        "        in (g, h) }",
        "      body_nconsts=1",
        "      cond_jaxpr={ lambda ; i:i32[] j:f32[]. let",
        "          k:bool[] = lt i 10:i32[]",
        "        in (k,) }",
        "      cond_nconsts=0",
        "    ] a 0:i32[] a",
        "  in (b, c) }",
      ].join("\n"),
    );
  });

  it("raises JAX's errors", () => {
    const one = np.array(1);
    expect(() => whileLoop((c: Array) => c, (c: Array) => c, one)).toThrowError(
      TypeError, "cond_fun must return a boolean scalar, but got output type(s) [ShapedArray(float32[])].");
    expect(() => whileLoop(((c: Array) => [c.lt(1), c.lt(2)]) as any, (c: Array) => c, one)).toThrowError(TypeError, /^cond_fun must return a boolean scalar, but got pytree PyTreeDef/);
    expect(() => whileLoop((c: Array) => c.lt(1), (c: Array) => c.astype("int32"), one)).toThrowError(
      TypeError,
      "while_loop body function carry input and carry output must have equal types, but they differ:\n\n" +
        "The input carry c has type float32[] but the corresponding output carry component has type int32[], so the dtypes do not match.\n\n" +
        "Revise the function so that all output types match the corresponding input types.",
    );
    expect(() => whileLoop(3 as any, (c: Array) => c, one)).toThrowError(TypeError, "lax.while_loop: body_fun and cond_fun arguments should be callable.");
    expect(() => jax.jit((n: Array) => foriLoop(0, n, (_: Array, v: Array) => v, one, { unroll: 2 }))(i32(3))).toThrowError(
      jax.ValueError, "Can only use `unroll` in `fori_loop` if the loop bounds are statically known.");
    expect(() => foriLoop(i32(0), np.array(3, { dtype: "uint32" }), (_: Array, v: Array) => v, one)).toThrowError(
      TypeError, "lower and upper arguments to fori_loop must have equal types, got int32 and uint32");
  });
});

describe("lax.whileLoop: differentiation", () => {
  it("forward mode: jvp, jacfwd and linearize follow the iterations taken", () => {
    // x ↦ x^(n+1) with n fixed by the primal trip count: derivative (n+1)·x^n.
    for (const x of [1.5, 3, 11]) {
      const [n] = growRef(x);
      const [, [, t]] = jax.jvp(grow, [f64(x)], [f64(1)]);
      expectClose(L(t), (n + 1) * x ** n);
      expectClose(L(jax.jacfwd((v: Array) => grow(v)[1])(f64(x))), (n + 1) * x ** n);
    }
    const [y, fLin] = jax.linearize((v: Array) => grow(v)[1], f64(1.5));
    expectClose(L(y), 1.5 ** 6);
    expectClose(L(fLin(f64(2))), 2 * 6 * 1.5 ** 5);
    checkGrads((v: Array) => grow(v)[1], [f64(1.5)], { order: 2, modes: ["fwd"], atol: 1e-4, rtol: 1e-4 });
  });

  it("tangents only flow into the carries that need them (fixpoint)", () => {
    // c0 gets x's tangent only through c1, which is updated from c0 after the first step.
    const f = (x: Array) => whileLoop(([i]: Array[]) => i.lt(3), ([i, a, b]: Array[]) => [i.add(1), b, a.mul(x)], [0, f64(1), f64(1)]);
    const [, [, ta, tb]] = jax.jvp(f, [f64(2)], [f64(1)]);
    // a: 1, 1·x, x, x² -> after 3 steps a = x, b = x² ... checked against the closed form.
    const ref = (x: number) => { let a = 1, b = 1; for (let i = 0; i < 3; i++) [a, b] = [b, a * x]; return [a, b]; };
    const h = 1e-6;
    const [ap, bp] = ref(2 + h), [am, bm] = ref(2 - h);
    expectClose(L(ta), (ap - am) / (2 * h), { atol: 1e-6 });
    expectClose(L(tb), (bp - bm) / (2 * h), { atol: 1e-6 });
  });

  it("reverse mode raises JAX's error; static foriLoop bounds avoid it", () => {
    expect(() => jax.grad((v: Array) => grow(v)[1])(f64(1.5))).toThrowError(jax.ValueError, REVERSE);
    expect(() => jax.vjp((v: Array) => grow(v)[1], f64(1.5))[1](f64(1))).toThrowError(jax.ValueError, REVERSE);
    const dyn = (n: Array) => (x: Array) => foriLoop(0, n, (_: Array, v: Array) => v.mul(x), x);
    expect(() => jax.grad(jax.jit((x: Array, n: Array) => dyn(n)(x)))(f64(2), i32(3))).toThrowError(jax.ValueError, REVERSE);
    expectClose(L(jax.grad((x: Array) => foriLoop(0, 3, (_: Array, v: Array) => v.mul(x), x))(f64(2))), 32);
    // A loop whose carries do not depend on the differentiated input is fine.
    const n = (x: Array) => x.mul(whileLoop((v: Array) => v.lt(5), (v: Array) => v.add(2), f64(0)));
    expectClose(L(jax.grad(n)(f64(3))), 6);
  });
});

describe("lax.whileLoop: vmap", () => {
  it("a batched predicate runs each example for its own trip count", () => {
    const xs = [1.5, 3, 11, 1.1];
    const [n, v] = jax.vmap(grow)(f64(xs));
    expect(L(n)).toEqual(xs.map((x) => growRef(x)[0]));
    expectClose(L(v), xs.map((x) => growRef(x)[1]));
    // per-example bounds of a dynamic foriLoop
    const fl = jax.vmap((k: Array, x: Array) => foriLoop(0, k, (_: Array, u: Array) => u.mul(x), f64(1)));
    expectClose(L(fl(i32([0, 1, 2, 5]), f64([3, 3, 3, 2]))), [1, 3, 9, 32]);
  });

  it("an unbatched predicate keeps one loop; batched cond consts make it per example", () => {
    // Only the multiplier is batched: every example runs 4 steps.
    const steps = (x: Array) => whileLoop(([i]: Array[]) => i.lt(4), ([i, v]: Array[]) => [i.add(1), v.mul(x)], [0, f64(1)])[1];
    expectClose(L(jax.vmap(steps)(f64([1, 2, 3]))), [1, 16, 81]);
    expect(String(jax.makeJaxpr(jax.vmap(steps))(f64([1, 2, 3])))).not.toContain("reduce_or");
    // A batched threshold in the predicate.
    const until = (limit: Array) => whileLoop((v: Array) => v.lt(limit), (v: Array) => v.mul(2), f64(1));
    expectClose(L(jax.vmap(until)(f64([0, 3, 100]))), [1, 4, 128]);
    expect(String(jax.makeJaxpr(jax.vmap(until))(f64([0, 3, 100])))).toContain("reduce_or");
  });

  it("vmap of jvp and jit of vmap", () => {
    const xs = [1.5, 3, 11];
    const t = jax.vmap((x: Array) => jax.jvp((v: Array) => grow(v)[1], [x], [f64(1)])[1])(f64(xs));
    expectClose(L(t), xs.map((x) => { const [n] = growRef(x); return (n + 1) * x ** n; }));
    const [, v] = jax.jit(jax.vmap(grow))(f64(xs));
    expectClose(L(v), xs.map((x) => growRef(x)[1]));
  });
});
