// stop_gradient: the identity whose derivative is zero.

import { declareAs } from "../core/signature.js";
import { Array } from "../core/array.js";
import { Primitive } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import * as tree from "../core/tree.js";
import { toArray } from "../numpy/convert.js";
import { isDifferentiable } from "./ad_util.js";

export const stopGradientP: Primitive = new Primitive("stop_gradient", {
  abstractEval: ([x]) => [x],
  impl: ([x]) => [x],
  cpu: ([x]) => [x],
  jvp: ([x]) => [[bind1(stopGradientP, [x])], [null]],
  batch: ([x], [d]) => [[bind1(stopGradientP, [x])], [d]],
});

function stopGradientImpl<T>(x: T): T {
  return tree.map((l: any) => {
    const a: Array = toArray(l);
    return isDifferentiable(a.dtype) ? bind1(stopGradientP, [a]) : a;
  }, x);
}

// ---- the public, checked entry points ----

/**
 * The identity on values, with zero derivative; maps over pytrees (integer leaves pass as is).
 * @example jax.grad((x) => x.mul(jax.stopGradient(x)))(3.0)   // 3, not 6
 */
export const stopGradient: <T>(x: T) => T = declareAs("jax.stopGradient", "x", "", stopGradientImpl);
