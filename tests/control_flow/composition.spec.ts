// Transformations stacked on control flow: jit(vmap(grad(f))) and vmap(jacfwd(jacrev(f)))
// against the same functions written as JS loops, and control flow nested in control flow.

import * as jax from "../../ts/index.js";
import { Array, numpy as np } from "../../ts/index.js";
import { cond, foriLoop, scan, whileLoop } from "../../ts/lax/control_flow.js";
import { checkGrads } from "../util/check_grads.js";
import { expectClose } from "../util/close.js";

const L = (x: Array) => x.tolistSync();
const f64 = (v: any) => np.array(v, { dtype: "float64" });
const TOL = { atol: 1e-11, rtol: 1e-10 };

// A loss over a sequence: a scan with a cond in its body (leaky update), and its JS-loop twin
// that decides the branch from concrete values (so it can only run outside of tracing of x).
const step = (w: Array) => (h: Array, x: Array): [Array, Array] => {
  const z = np.tanh(w.mul(h).add(x));
  const hn = cond(z.gt(0), (u: Array) => u, (u: Array) => u.mul(0.1), z);
  return [hn, hn.mul(hn)];
};
const lossScan = (w: Array, xs: Array) => {
  const [h, ys] = scan(step(w), f64(0.2), xs);
  return h.add(ys.sum());
};
function lossLoop(w: Array, xs: Array, branches: boolean[]): Array {
  let h = f64(0.2);
  let total: Array = f64(0);
  for (let i = 0; i < xs.shape[0]; i++) {
    const z = np.tanh(w.mul(h).add(xs.slice(i)));
    h = branches[i] ? z : z.mul(0.1);
    total = total.add(h.mul(h));
  }
  return h.add(total);
}
// The branches the scan takes at concrete inputs, to build the loop reference.
function branchesAt(w: number, xs: number[]): boolean[] {
  let h = 0.2;
  return xs.map((x) => {
    const z = Math.tanh(w * h + x);
    h = z > 0 ? z : 0.1 * z;
    return z > 0;
  });
}

const XS = [0.3, -0.8, 0.5, -0.1, 0.9];
const WS = [1.2, -0.7, 0.4];

describe("compositions over control flow", () => {
  it("jit(vmap(grad(f))) matches grads of the JS loop per example", () => {
    const g = jax.jit(jax.vmap(jax.grad(lossScan, { argnums: [0, 1] }), { inAxes: [0, null] }))(f64(WS), f64(XS));
    WS.forEach((w, i) => {
      const br = branchesAt(w, XS);
      const [gw, gx] = jax.grad((a: Array, b: Array) => lossLoop(a, b, br), { argnums: [0, 1] })(f64(w), f64(XS));
      expectClose(L(g[0].slice(i)), L(gw), TOL);
      expectClose(L(g[1].slice(i)), L(gx), TOL);
    });
  });

  it("vmap(jacfwd(jacrev(f))) matches the loop's Hessians per example", () => {
    const hess = (f: (p: Array) => Array) => jax.jacfwd(jax.jacrev(f));
    const ps = f64([[1.2, 0.3], [-0.7, -0.8], [0.4, 0.5]]);
    const H = jax.vmap(hess((p: Array) => lossScan(p.slice(0), f64(XS).add(p.slice(1)))))(ps);
    L(ps).forEach(([w, s]: number[], i: number) => {
      const br = branchesAt(w, XS.map((x) => x + s));
      const Hr = hess((p: Array) => lossLoop(p.slice(0), f64(XS).add(p.slice(1)), br))(f64([w, s]));
      expectClose(L(H.slice(i)), L(Hr), TOL);
    });
  });

  it("vmap(grad) of a foriLoop-with-static-bounds over a cond equals the loop", () => {
    const f = (x: Array) => foriLoop(0, 4, (i: Array, v: Array) => cond(i.astype("float64").lt(2), (u: Array) => u.mul(x), (u: Array) => np.sin(u).add(x), v), x);
    const ref = (x: number) => [1, 1, 1, 1].reduce((v, _, i) => (i < 2 ? v * x : Math.sin(v) + x), x);
    const xs = [0.3, 0.9, -1.1];
    const g = jax.vmap(jax.grad(f))(f64(xs));
    expectClose(L(g), xs.map((x) => (ref(x + 1e-6) - ref(x - 1e-6)) / 2e-6), { atol: 1e-7, rtol: 1e-6 });
    expectClose(L(jax.vmap(f)(f64(xs))), xs.map(ref), TOL);
  });

  it("nests: scan in scan, scan in cond, while in scan (forward), cond in while", () => {
    const nested = (x: Array) => scan((c: Array) => [scan((d: Array, y: Array) => [d.mul(y).add(c), null], c, x)[0], null], f64(1), null, { length: 2 })[0];
    const nestedRef = (x: Array) => { let c = f64(1); for (let k = 0; k < 2; k++) { let d = c; for (let i = 0; i < 2; i++) d = d.mul(x.slice(i)).add(c); c = d; } return c; };
    const x2 = f64([0.5, 1.5]);
    expectClose(L(jax.grad(nested)(x2)), L(jax.grad(nestedRef)(x2)), TOL);
    checkGrads(nested, [x2], { order: 2, atol: 1e-4, rtol: 1e-4 });

    const inCond = (x: Array) => cond(x.sum().gt(0), (v: Array) => scan((c: Array, a: Array) => [c.mul(a), null], f64(1), v)[0], (v: Array) => v.sum(), x);
    expectClose(L(jax.grad(inCond)(f64([0.3, 0.5, 0.7]))), [0.35, 0.21, 0.15], TOL);
    expectClose(L(jax.grad(inCond)(f64([-0.3, -0.5, 0.7]))), [1, 1, 1], TOL);

    // x ↦ each step multiplies c by x until c ≥ 5 (a while inside a scan): jvp only.
    const whileIn = (x: Array) => scan((c: Array) => [whileLoop((v: Array) => v.lt(5), (v: Array) => v.mul(x), c), null], x, null, { length: 2 })[0];
    expectClose(L(jax.jvp(whileIn, [f64(1.5)], [f64(1)])[1]), 4 * 1.5 ** 3, TOL);

    const condIn = (x: Array) => whileLoop(([i]: Array[]) => i.lt(4), ([i, v]: Array[]) => [i.add(1), cond(v.gt(1), (u: Array) => u.mul(0.5), (u: Array) => u.mul(x), v)], [0, f64(1)])[1];
    // x = 3: 1 -> 3 -> 1.5 -> 0.75 -> 2.25, d/dx = 3·0.5·0.5·3... checked by finite differences.
    checkGrads(condIn, [f64(3)], { order: 1, modes: ["fwd"], atol: 1e-5, rtol: 1e-5 });
    expectClose(L(jax.vmap(condIn)(f64([3, 0.5]))), [2.25, 0.0625], TOL);
  });
});
