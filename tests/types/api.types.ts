// Type tests: compiled with the library (`npm run build:ts`), never run. Each `@ts-expect-error`
// line is a misuse the types must reject; if a change makes the types accept it, the directive
// is unused and the build fails. The other lines must keep compiling with the types they claim.

import * as jax from "../../ts/index.js";
import { lax, numpy as np, tree } from "../../ts/index.js";
import type { Array } from "../../ts/index.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(..._: T[]) => {};

export function typeTests(x: Array, key: Array): void {
  interface Params { w: Array; b: Array }
  const loss = (p: Params, data: Array): Array => p.w.mul(data).add(p.b).sum();
  const p: Params = { w: x, b: x };

  // ---- grad keeps the parameter types ----
  const g = jax.grad(loss)(p, x);
  assertType<Equal<typeof g, { w: Array; b: Array }>>(true);
  const g2: Params = jax.grad(loss)(p, x);
  const gData: Array = jax.grad(loss, 1)(p, x);
  const [gp, gd] = jax.grad(loss, [0, 1])(p, x);
  const gw: Array = gp.w;
  gd.sum();
  const gOpts: Array = jax.grad(loss, { argnums: 1 })(p, x);
  // @ts-expect-error the gradient is Params, which has no such method
  jax.grad(loss)(p, x).notAMethod();
  // @ts-expect-error the gradient of an Array argument is an Array
  jax.grad((a: Array) => a.sum())(x).notAMethod();
  // @ts-expect-error loss takes two arguments
  jax.grad(loss)(p);
  // @ts-expect-error the first argument must be Params
  jax.grad(loss)(x, x);
  // @ts-expect-error a misspelt option
  jax.grad(loss, { hasAx: true });
  // A JS number argument has an Array gradient.
  const gn: Array = jax.grad((s: number) => np.sin(s))(1.0);

  // ---- hasAux ----
  const [ga, aux] = jax.grad((w: Array) => [w.sum(), { n: w.size }], { hasAux: true })(x);
  const auxN: number = aux.n;
  ga.sum();
  const [[value, aux2], g3] = jax.valueAndGrad((w: Array) => [w.sum(), "tag"], { hasAux: true })(x);
  const tag: string = aux2;
  value.sum();
  g3.sum();
  // @ts-expect-error aux is a string
  jax.grad((w: Array) => [w.sum(), "tag"], { hasAux: true })(x)[1].sum();

  // ---- valueAndGrad ----
  const [v, vg] = jax.valueAndGrad(loss)(p, x);
  const vv: Array = v;
  const vgp: Params = vg;
  // @ts-expect-error valueAndGrad returns a pair
  jax.valueAndGrad(loss)(p, x)[2];

  // ---- jvp / vjp / linearize ----
  const [y, dy] = jax.jvp((a: Array) => np.sin(a), [x], [x]);
  y.sum();
  dy.sum();
  // @ts-expect-error one primal per parameter
  jax.jvp((a: Array) => np.sin(a), [x, x], [x, x]);
  // @ts-expect-error the tangent output is an Array
  jax.jvp((a: Array) => np.sin(a), [x], [x])[1].notAMethod();
  const [out, pull] = jax.vjp((a: Array, q: Params) => a.mul(q.w), x, p);
  out.sum();
  const [ca, cq] = pull(x);
  ca.sum();
  const cqw: Array = cq.w;
  // @ts-expect-error vjp's primals must match the parameters
  jax.vjp((a: Array) => a, x, x);
  const [o2, pull2, aux3] = jax.vjp((a: Array) => [a.mul(2), a.size], { hasAux: true }, x);
  const aux3n: number = aux3;
  o2.sum();
  pull2(x)[0].sum();
  const [yl, fLin] = jax.linearize((a: Array) => np.sin(a), x);
  yl.sum();
  fLin(x).sum();

  // ---- vmap and jit keep the function's type ----
  const f = (a: Array, b: number): Array => a.mul(b);
  const vf: typeof f = jax.vmap(f);
  const vf2: typeof f = jax.vmap(f, [0, null]);
  const jf: typeof f = jax.jit(f);
  // @ts-expect-error wrong argument count
  jax.jit(f)(x);
  // @ts-expect-error wrong argument count
  jax.vmap(f)(x);
  // @ts-expect-error a misspelt option key is caught where the options type is closed
  jax.jit(f, { staticArgnumz: 0 });

  // ---- lax.scan, cond, loops and tree.map keep pytree structure ----
  const [carry, ys] = lax.scan((c, xi) => [c.add(xi), c.mul(xi)], np.zeros([3]), x);
  carry.sum();
  ys.sum();
  const [state, outs] = lax.scan((s, xi) => [{ h: s.h.add(xi), n: s.n }, s.h], { h: x, n: 0 }, x);
  const h: Array = state.h;
  const n: Array = state.n; // the JS number in the carry comes back an Array
  outs.sum();
  // @ts-expect-error the carry has no field z
  lax.scan((s, xi) => [s, xi], { h: x }, x)[0].z;
  // @ts-expect-error the carry must keep its structure
  lax.scan((s: { h: Array }, xi: Array) => [xi, xi], { h: x }, x);
  const c1: Array = lax.cond(true, (a: Array) => a.mul(2), (a: Array) => a, x);
  const w1 = lax.whileLoop((s) => s.i.lt(3), (s) => ({ i: s.i.add(1), v: s.v }), { i: 0, v: x });
  const w1i: Array = w1.i;
  const f1: Array = lax.foriLoop(0, 3, (i, a) => a.add(i), x);
  const m1 = tree.map((l) => 2, { a: x, b: [x, 1] });
  assertType<Equal<typeof m1, { a: number; b: number[] }>>(true);
  const m2 = tree.map((l: Array | number) => np.array(l), [x, 1] as [Array, number]);
  const m2b: Array = m2[1];
  // @ts-expect-error tree.map keeps the structure: there is no key c
  tree.map((l) => l, { a: x, b: x }).c;

  // ---- numpy: positional habits are typed; misuses are compile errors ----
  np.sum(x, 0);
  np.sum(x, 0, { keepdims: true });
  np.sum(x, { axis: [0, 1], keepdims: true });
  x.sum(0);
  x.mean(1);
  np.argmax(x, -1);
  np.zeros([2], "float64");
  np.full([2], 1, "int32");
  np.array([1, 2], "int32");
  np.linalg.norm(x, 1);
  np.linalg.norm(x, 2, 0, true);
  x.reshape(2, 3);
  x.reshape([2, 3]);
  // @ts-expect-error a misspelt option
  np.sum(x, { axes: 0 });
  // @ts-expect-error keepdims, not keep_dims
  np.sum(x, { axis: 0, keep_dims: true });
  // @ts-expect-error the axis cannot be given twice
  np.sum(x, 0, { axis: 1 });
  // @ts-expect-error a shape is one argument
  np.zeros(3, 4);
  // @ts-expect-error a shape is one argument
  np.reshape(x, 4, 3);
  // @ts-expect-error np.sin takes one argument
  np.sin(x, 3);

  // ---- item() is typed by dtype where the API knows it ----
  const b1: boolean = x.gt(0).item();
  const b2: boolean = np.all(x.gt(0)).item();
  const i1: number = np.argmax(x).item();
  const i2: number = x.astype("int32").item();
  const c64: [number, number] = x.astype("complex64").item();
  const anyItem: number | boolean | [number, number] = x.item();
  // @ts-expect-error a comparison's item is a boolean
  const notNumber: number = x.lt(0).item();
  // @ts-expect-error an arbitrary array's item may be a boolean
  const maybeBool: number = x.item();

  void [g2, gData, gw, gOpts, gn, auxN, tag, vv, vgp, cqw, aux3n, vf, vf2, jf, h, n, c1, w1i, f1, m2b, b1, b2, i1, i2, c64, anyItem, notNumber, maybeBool, key];
}
