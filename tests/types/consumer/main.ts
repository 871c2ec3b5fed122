// A small program against the shipped dist/webjax.d.ts, as a user's project sees the package.
// scripts/check-dist-types.mjs compiles it with `tsc --strict --lib es2022` (no other types)
// and with tsc's defaults; neither may report an error.

import * as jax from "webjax";
import { lax, numpy as np, tree } from "webjax";

interface Params { w: jax.Array; b: jax.Array }
const loss = (p: Params, x: jax.Array): jax.Array => np.tanh(x.matmul(p.w)).add(p.b).sum();

export async function main(): Promise<number> {
  await jax.init();
  const p: Params = { w: np.ones([3, 2]), b: np.zeros([2]) };
  const x = np.ones([4, 3]);
  const g: Params = jax.jit(jax.grad(loss))(p, x);
  const [value, grads] = jax.valueAndGrad(loss)(p, x);
  const step = tree.map((a: jax.Array, b: jax.Array) => a.sub(b.mul(0.1)), p, grads);
  const [carry, ys] = lax.scan((c, xi) => [c.add(xi), c], np.zeros([3]), x);
  const mask: boolean = np.all(x.gt(0)).item();
  using tmp = np.sum(x, 0);
  // @ts-expect-error the gradient is Params
  g.notAMethod();
  // @ts-expect-error loss takes two arguments
  jax.grad(loss)(p);
  // @ts-expect-error a shape is one argument
  np.zeros(3, 4);
  return Number(value) + step.w.size + carry.size + ys.size + (mask ? 1 : 0) + tmp.size;
}
