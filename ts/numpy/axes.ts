// Axis helpers the numpy functions share (internal: not part of `np`).

import { Array } from "../core/array.js";
import { canonicalAxis, prod } from "../core/aval.js";
import { shapeStr } from "../core/errors.js";
import { bind1 } from "../core/trace.js";
import * as l from "../primitives/layout.js";

/** Canonical, sorted axes from numpy's `axis` option (null/undefined = all axes). */
export function normalizeAxes(axis: number | number[] | null | undefined, ndim: number): number[] {
  if (axis === null || axis === undefined) return globalThis.Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === "number" ? [axis] : axis;
  return list.map((a) => canonicalAxis(a, ndim)).sort((a, b) => a - b);
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

/** The target shape of a reshape, with its one -1 resolved; JAX's TypeErrors otherwise. */
export function reshapeTarget(from: readonly number[], shape: number | readonly number[]): number[] {
  const s = typeof shape === "number" ? [shape] : [...shape];
  if (s.some((d) => !Number.isInteger(d))) throw new TypeError(`Shapes must be 1D sequences of concrete values of integer type, got ${shapeStr(s)}.`);
  const size = prod(from);
  const unknown = s.filter((d) => d === -1).length;
  if (unknown > 1) throw new TypeError(`can only specify one unknown axis size with a \`-1\` value, got ${shapeStr(s)}`);
  if (unknown === 1) {
    const known = prod(s.filter((d) => d !== -1));
    if (s.some((d) => d < -1) || known === 0 || size % known !== 0) {
      throw new TypeError(`cannot reshape array of shape ${shapeStr(from)} (size ${size}) into shape ${shapeStr(s)} because the product of specified axis sizes (${known}) does not evenly divide ${size}`);
    }
    s[s.indexOf(-1)] = size / known;
  } else if (prod(s) !== size) {
    throw new TypeError(`cannot reshape array of shape ${shapeStr(from)} (size ${size}) into shape ${shapeStr(s)} (size ${prod(s)})`);
  } else if (s.some((d) => d < 0)) {
    throw new TypeError(`reshape new_sizes must all be positive, got ${shapeStr(s)}.`);
  }
  return s;
}
