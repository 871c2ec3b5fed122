// Shape manipulation: reshape, transpose, expandDims, squeeze.

import { Array, ArrayLike } from "../core/array.js";
import { canonicalAxis, prod } from "../core/aval.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { bind1 } from "../core/trace.js";
import * as l from "../primitives/layout.js";
import { toArray } from "./convert.js";

/** Reshape; one dimension may be -1. @example np.reshape(np.arange(6), [2, -1]) */
export function reshape(x: ArrayLike, shape: number[] | number): Array {
  const a = toArray(x);
  const s = typeof shape === "number" ? [shape] : [...shape];
  const neg = s.indexOf(-1);
  if (neg >= 0) {
    const rest = prod(s.filter((_, i) => i !== neg));
    if (rest === 0 || a.size % rest !== 0) throw new TypeError(`cannot reshape array of shape ${shapeStr(a.shape)} into shape ${shapeStr(s)}.`);
    s[neg] = a.size / rest;
  }
  if (s.length === a.ndim && s.every((d, i) => d === a.shape[i])) return a;
  return bind1(l.reshape, [a], { new_sizes: s, dimensions: null, sharding: null });
}

/** Permute axes (reverses them by default). */
export function transpose(x: ArrayLike, axes?: number[]): Array {
  const a = toArray(x);
  const perm = axes ? axes.map((ax) => canonicalAxis(ax, a.ndim)) : a.shape.map((_, i) => a.ndim - 1 - i);
  if (perm.every((p, i) => p === i)) return a;
  return bind1(l.transpose, [a], { permutation: perm });
}

/** Inserts size-1 axes at the given (sorted, canonical) output positions. */
export function expandDimsMany(x: Array, axes: number[]): Array {
  if (!axes.length) return x;
  const shape = [...x.shape];
  for (const ax of [...axes].sort((a, b) => a - b)) shape.splice(ax, 0, 1);
  const dims: number[] = [];
  for (let i = 0, k = 0; i < shape.length; i++) if (!axes.includes(i)) dims[k++] = i;
  return bind1(l.broadcastInDim, [x], { shape, broadcast_dimensions: dims, sharding: null });
}

/** np.expandDims(x, axis): axis may be negative or an array of axes. */
export function expandDims(x: ArrayLike, axis: number | number[]): Array {
  const a = toArray(x);
  const list = typeof axis === "number" ? [axis] : axis;
  const nd = a.ndim + list.length;
  return expandDimsMany(a, list.map((ax) => canonicalAxis(ax, nd)));
}

/** Removes size-1 axes (all of them, or those named in `axis`). */
export function squeeze(x: ArrayLike, { axis }: { axis?: number | number[] | null } = {}): Array {
  const a = toArray(x);
  const dims = axis === null || axis === undefined
    ? a.shape.flatMap((d, i) => (d === 1 ? [i] : []))
    : (typeof axis === "number" ? [axis] : axis).map((ax) => canonicalAxis(ax, a.ndim));
  for (const d of dims) {
    if (a.shape[d] !== 1) throw new ValueError(`cannot select an axis to squeeze out which has size not equal to one, got shape=${shapeStr(a.shape)} and dimensions=${shapeStr(dims)}`);
  }
  if (!dims.length) return a;
  return bind1(l.squeeze, [a], { dimensions: dims.sort((p, q) => p - q) });
}

export function swapaxes(x: ArrayLike, a1: number, a2: number): Array {
  const a = toArray(x);
  const perm = a.shape.map((_, i) => i);
  const [i, j] = [canonicalAxis(a1, a.ndim), canonicalAxis(a2, a.ndim)];
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return transpose(a, perm);
}

export function moveaxis(x: ArrayLike, source: number, destination: number): Array {
  const a = toArray(x);
  const [s, d] = [canonicalAxis(source, a.ndim), canonicalAxis(destination, a.ndim)];
  const perm = a.shape.map((_, i) => i).filter((i) => i !== s);
  perm.splice(d, 0, s);
  return transpose(a, perm);
}

export const ravel = (x: ArrayLike): Array => reshape(x, [-1]);
