// checkGrads, like jax.test_util.check_grads: forward and reverse derivatives of `f` against
// central finite differences, in float64 on the cpu backend, recursively up to `order`.

import { Array, jvp, numpy as np, tree, vjp } from "../../ts/index.js";
import { expectClose } from "./close.js";
import { rng } from "./rng.js";

export interface CheckGradsOptions {
  order?: number;
  modes?: ("fwd" | "rev")[];
  eps?: number;
  atol?: number;
  rtol?: number;
  seed?: number;
  what?: string;
}

/** Standard normals (Box-Muller) from a seeded uniform generator. */
function normals(seed: number): () => number {
  const uniform = rng(seed);
  return () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
}

const f64 = (x: Array | number) => (x instanceof Array ? x : np.array(x)).astype("float64");
const randLike = (x: Array, rand: () => number) => np.array(globalThis.Array.from({ length: x.size }, rand), { dtype: "float64" }).reshape(x.shape);
const flat = (x: unknown): Array[] => tree.leaves(x).map((l: Array | number) => f64(l));
const vdot = (a: Array[], b: Array[]) => a.reduce((s, x, i) => s + Number(x.mul(b[i]).sum().item()), 0);

function numericalJvp(f: (...a: Array[]) => unknown, args: Array[], ts: Array[], eps: number): Array[] {
  const plus = flat(f(...args.map((x, i) => x.add(ts[i].mul(eps)))));
  const minus = flat(f(...args.map((x, i) => x.sub(ts[i].mul(eps)))));
  return plus.map((p, i) => p.sub(minus[i]).div(2 * eps));
}

/**
 * Checks `f`'s jvp and/or vjp at `args` against finite differences, then the derivatives of
 * those (order 2, ...). Arguments are cast to float64.
 */
export function checkGrads(f: (...a: Array[]) => unknown, args: (Array | number)[], opts: CheckGradsOptions = {}): void {
  const { order = 1, modes = ["fwd", "rev"], eps = 1e-6, atol = 1e-5, rtol = 1e-5, seed = 0, what = "checkGrads" } = opts;
  const rand = normals(seed + 17);
  const xs = args.map(f64);
  const ts = xs.map((x) => randLike(x, rand));
  const num = numericalJvp(f, xs, ts, eps);
  if (modes.includes("fwd")) {
    const [, dy] = jvp(f, xs, ts);
    flat(dy).forEach((d, i) => expectClose(d.tolistSync(), num[i].tolistSync(), { atol, rtol, what: `${what} order ${order} jvp output ${i}` }));
  }
  let ct: Array[] = [];
  if (modes.includes("rev")) {
    const [y, pull] = vjp(f, ...xs);
    ct = flat(y).map((o) => randLike(o, rand));
    const cts = flat(pull(tree.unflatten(tree.structure(y), ct)));
    const lhs = vdot(ct, num);
    const rhs = vdot(cts, ts);
    expectClose(rhs, lhs, { atol: atol * 10, rtol: rtol * 10, what: `${what} order ${order} vjp <ct, J t> vs <J^T ct, t>` });
  }
  if (order > 1) {
    const next = { ...opts, order: order - 1, seed: seed + 1 };
    if (modes.includes("fwd")) checkGrads((...a: Array[]) => jvp(f, a, ts)[1], xs, { ...next, what: `${what} d/fwd` });
    if (modes.includes("rev")) {
      checkGrads((...a: Array[]) => {
        const [y, pull] = vjp(f, ...a);
        return pull(tree.unflatten(tree.structure(y), ct));
      }, xs, { ...next, what: `${what} d/rev` });
    }
  }
}
