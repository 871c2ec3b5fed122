// Moving and materialising the mapped axis: what most batching rules reduce to.

import { Array } from "../core/array.js";
import { bind1 } from "../core/trace.js";
import { broadcastInDim, transpose } from "../primitives/layout.js";

/** `x` with axis `from` moved to position `to` (a transpose; a no-op when they agree). */
export function moveaxis(x: Array, from: number, to: number): Array {
  if (from === to) return x;
  const perm = x.shape.map((_, i) => i).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return bind1(transpose, [x], { permutation: perm });
}

/** Inserts a new axis of length `size` at `axis`, repeating `x` along it. */
export function broadcastAxis(x: Array, size: number, axis: number): Array {
  const shape = [...x.shape];
  shape.splice(axis, 0, size);
  const dims = x.shape.map((_, i) => (i < axis ? i : i + 1));
  return bind1(broadcastInDim, [x], { shape, broadcast_dimensions: dims, sharding: null });
}

/**
 * `x` with its mapped axis (`dim`, or none) at position `to`, materialising it by broadcasting
 * when `x` is not mapped.
 */
export function matchAxis(x: Array, dim: number | null, size: number, to: number): Array {
  return dim === null ? broadcastAxis(x, size, to) : moveaxis(x, dim, to);
}

/** Shorthand for `matchAxis(x, dim, size, 0)`. */
export const bdimToFront = (x: Array, dim: number | null, size: number): Array => matchAxis(x, dim, size, 0);
