// Axis helpers the numpy functions share (internal: not part of `np`).

import { Array } from "../core/array.js";
import { canonicalAxis } from "../core/aval.js";
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
