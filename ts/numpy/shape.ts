// Shape manipulation: reshape, transpose, expandDims, squeeze, swapaxes, moveaxis, ravel.

import { Array, ArrayLike } from "../core/array.js";
import { canonicalAxis } from "../core/aval.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { declare, declareAs } from "../core/signature.js";
import { bind1 } from "../core/trace.js";
import * as l from "../primitives/layout.js";
import { expandDimsMany, reshapeTarget } from "./axes.js";
import { toArray } from "./convert.js";

/** Reshape; one dimension may be -1. @example np.reshape(np.arange(6), [2, -1]) */
export const reshape = declare("np.reshape", "a, shape:shape", "", (x: ArrayLike, shape: number[] | number): Array => {
  const a = toArray(x);
  const s = reshapeTarget(a.shape, shape);
  if (s.length === a.ndim && s.every((d, i) => d === a.shape[i])) return a;
  return bind1(l.reshape, [a], { new_sizes: s, dimensions: null, sharding: null });
});

/** Permute axes (reverses them by default). @example np.transpose(x, [1, 0, 2]) */
export const transpose = declare("np.transpose", "a, axes?:axis", "", (x: ArrayLike, axes?: number[] | null): Array => {
  const a = toArray(x);
  const perm = axes ? axes.map((ax) => canonicalAxis(ax, a.ndim)) : a.shape.map((_, i) => a.ndim - 1 - i);
  if (perm.length !== a.ndim || new Set(perm).size !== perm.length) {
    throw new ValueError(`axes don't match array: transpose of an array of shape ${shapeStr(a.shape)} by ${shapeStr(axes ?? [])}.`);
  }
  if (perm.every((p, i) => p === i)) return a;
  return bind1(l.transpose, [a], { permutation: perm });
});

/** Inserts size-1 axes; `axis` may be negative or an array of axes. @example np.expandDims(x, 0) */
export const expandDims = declare("np.expandDims", "a, axis:axis", "", (x: ArrayLike, axis: number | number[]): Array => {
  const a = toArray(x);
  const list = typeof axis === "number" ? [axis] : axis;
  const nd = a.ndim + list.length;
  return expandDimsMany(a, list.map((ax) => canonicalAxis(ax, nd)));
});

/** Removes size-1 axes (all of them, or those named in `axis`). @example np.squeeze(x, 0) */
export const squeeze: {
  (a: ArrayLike, axis?: number | number[] | null): Array;
  (a: ArrayLike, opts: { axis?: number | number[] | null }): Array;
} = declareAs("np.squeeze", "a, axis?:axis", "axis", (x: ArrayLike, { axis }: { axis?: number | number[] | null }): Array => {
  const a = toArray(x);
  const dims = axis === null || axis === undefined
    ? a.shape.flatMap((d, i) => (d === 1 ? [i] : []))
    : (typeof axis === "number" ? [axis] : axis).map((ax) => canonicalAxis(ax, a.ndim));
  for (const d of dims) {
    if (a.shape[d] !== 1) throw new ValueError(`cannot select an axis to squeeze out which has size not equal to one, got shape=${shapeStr(a.shape)} and dimensions=${shapeStr(dims)}`);
  }
  if (!dims.length) return a;
  return bind1(l.squeeze, [a], { dimensions: dims.sort((p, q) => p - q) });
});

/** Exchanges two axes. @example np.swapaxes(x, 0, -1) */
export const swapaxes = declare("np.swapaxes", "a, axis1:int, axis2:int", "", (x: ArrayLike, a1: number, a2: number): Array => {
  const a = toArray(x);
  const perm = a.shape.map((_, i) => i);
  const [i, j] = [canonicalAxis(a1, a.ndim), canonicalAxis(a2, a.ndim)];
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return transpose(a, perm);
});

/** Moves one axis to a new position. @example np.moveaxis(x, 0, -1) */
export const moveaxis = declare("np.moveaxis", "a, source:int, destination:int", "", (x: ArrayLike, source: number, destination: number): Array => {
  const a = toArray(x);
  const [s, d] = [canonicalAxis(source, a.ndim), canonicalAxis(destination, a.ndim)];
  const perm = a.shape.map((_, i) => i).filter((i) => i !== s);
  perm.splice(d, 0, s);
  return transpose(a, perm);
});

/** The elements as a 1-d array. @example np.ravel(np.ones([2, 3]))   // shape [6] */
export const ravel = declare("np.ravel", "a", "", (x: ArrayLike): Array => reshape(x, [-1]));
