// Products: matmul, dot, vdot, outer (all lower to dot_general).

import { Array, ArrayLike } from "../core/array.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { declare, declareAs } from "../core/signature.js";
import { bind1 } from "../core/trace.js";
import { dotGeneral } from "../primitives/dot.js";
import { promoteArgs } from "./convert.js";
import { expandDims, reshape, squeeze } from "./shape.js";
import { broadcastTo, multiply } from "./ufuncs.js";
import { sum } from "./reductions.js";

/** Matrix product with numpy's rules for 1-d operands and batch broadcasting. @example np.matmul(a, b) */
export const matmul = declare("np.matmul", "a, b", "", (x: ArrayLike, y: ArrayLike): Array => {
  let [a, b] = promoteArgs([x, y]);
  if (a.ndim === 0 || b.ndim === 0) throw new ValueError("matmul: operands must not be 0-d; use np.multiply for scalars.");
  const aVec = a.ndim === 1, bVec = b.ndim === 1;
  if (a.ndim <= 2 && b.ndim <= 2) {
    // No batch dimensions: one dot_general contracting a's last axis with b's first (vectors
    // included), which is the jaxpr JAX stages.
    const ka = a.ndim - 1, kb = 0;
    if (a.shape[ka] !== b.shape[kb]) {
      throw new ValueError(`matmul: contracting dimension mismatch: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} (${a.shape[ka]} != ${b.shape[kb]}).`);
    }
    return bind1(dotGeneral, [a, b], { dimension_numbers: [[[ka], [kb]], [[], []]], precision: null, preferred_element_type: a.dtype });
  }
  if (aVec) a = expandDims(a, 0);
  if (bVec) b = expandDims(b, -1);
  if (a.shape[a.ndim - 1] !== b.shape[b.ndim - 2]) {
    throw new ValueError(`matmul: contracting dimension mismatch: shapes ${shapeStr(x instanceof Array ? x.shape : a.shape)} and ${shapeStr(y instanceof Array ? y.shape : b.shape)} (${a.shape[a.ndim - 1]} != ${b.shape[b.ndim - 2]}).`);
  }
  const batch = broadcastBatch(a.shape.slice(0, -2), b.shape.slice(0, -2));
  a = broadcastTo(a, [...batch, ...a.shape.slice(-2)]);
  b = broadcastTo(b, [...batch, ...b.shape.slice(-2)]);
  const nb = batch.length;
  const bd = batch.map((_, i) => i);
  let out = bind1(dotGeneral, [a, b], {
    dimension_numbers: [[[nb + 1], [nb]], [bd, bd]],
    precision: null,
    preferred_element_type: a.dtype,
  });
  if (aVec) out = squeeze(out, { axis: -2 });
  if (bVec) out = squeeze(out, { axis: -1 });
  return out;
});

function broadcastBatch(s: number[], t: number[]): number[] {
  const n = Math.max(s.length, t.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = s[s.length - n + i] ?? 1, b = t[t.length - n + i] ?? 1;
    if (a !== b && a !== 1 && b !== 1) throw new ValueError(`matmul: batch dimensions ${shapeStr(s)} and ${shapeStr(t)} do not broadcast.`);
    out.push(a === 1 ? b : a);
  }
  return out;
}

/** np.dot: matmul for ≤2-d, sum over the last axis of x and second-to-last of y otherwise. @example np.dot(a, b) */
export const dot = declare("np.dot", "a, b", "", (x: ArrayLike, y: ArrayLike): Array => {
  const [a, b] = promoteArgs([x, y]);
  if (a.ndim === 0 || b.ndim === 0) return multiply(a, b);
  if (a.ndim <= 2 && b.ndim <= 2) return matmul(a, b);
  const ca = a.ndim - 1, cb = Math.max(0, b.ndim - 2);
  return bind1(dotGeneral, [a, b], { dimension_numbers: [[[ca], [cb]], [[], []]], precision: null, preferred_element_type: a.dtype });
});

/** Dot product of the flattened arrays (the first conjugated). @example np.vdot(a, b) */
export const vdot = declare("np.vdot", "a, b", "", (x: ArrayLike, y: ArrayLike): Array => {
  const [a, b] = promoteArgs([x, y]);
  return sum(multiply(reshape(a.dtype === "complex64" ? a.astype("complex64") : a, [-1]), reshape(b, [-1])));
});

/** Outer product of the flattened arrays. @example np.outer(a, b) */
export const outer = declare("np.outer", "a, b", "", (x: ArrayLike, y: ArrayLike): Array => {
  const [a, b] = promoteArgs([x, y]);
  return multiply(reshape(a, [-1, 1]), reshape(b, [1, -1]));
});
