// np.sort and np.argsort on lax's sort primitive (stable; XLA's total order puts NaN last).

import { Array, ArrayLike } from "../core/array.js";
import { canonicalAxis } from "../core/aval.js";
import { DType, toDType } from "../core/dtype.js";
import { declareAs } from "../core/signature.js";
import { bind, bind1, scalar } from "../core/trace.js";
import * as ix from "../primitives/indexing.js";
import { iota } from "../primitives/layout.js";
import { astype, toArray } from "./convert.js";
import { subtract } from "./ufuncs.js";

interface SortOptions {
  axis?: number | null;
  descending?: boolean;
  stable?: boolean;
}

interface SortFn<O> {
  (a: ArrayLike, opts?: O): Array;
  (a: ArrayLike, axis: number | null | undefined, opts?: O): Array;
}

/** The array and axis to sort along (`axis: null` sorts the flattened array). */
function operand(a: ArrayLike, axis: number | null | undefined): [Array, number] {
  const x = toArray(a);
  if (axis === null) return [x.reshape([x.size]), 0];
  return [x, canonicalAxis(axis ?? -1, Math.max(1, x.ndim))];
}

/**
 * Sorted copy along `axis` (default the last; null flattens), as `jnp.sort`.
 * @example np.sort(np.array([3, 1, 2]))                         // [1, 2, 3]
 * @example np.sort(x, 0, { descending: true })
 */
export const sort = declareAs<SortFn<SortOptions>>("np.sort", "a, axis?:int", "axis descending stable", (a: ArrayLike, { axis, descending = false, stable = true }: SortOptions): Array => {
  const [x, ax] = operand(a, axis);
  const sorted = bind(ix.sort, [x], { dimension: ax, is_stable: stable, num_keys: 1 })[0];
  return descending ? bind1(ix.rev, [sorted], { dimensions: [ax] }) : sorted;
});

/**
 * Indices that sort along `axis` (default the last; null flattens), stable, as `jnp.argsort`;
 * descending keeps equal elements in their order.
 * @example np.argsort(np.array([3, 1, 2]))                      // [1, 2, 0]
 */
export const argsort = declareAs<SortFn<SortOptions & { dtype?: DType | string }>>("np.argsort", "a, axis?:int", "axis descending stable dtype", (a: ArrayLike, { axis, descending = false, stable = true, dtype }: SortOptions & { dtype?: DType | string }): Array => {
  let [x, ax] = operand(a, axis);
  if (descending) x = bind1(ix.rev, [x], { dimensions: [ax] });
  const idx = bind1(iota, [], { dtype: "int32", shape: x.shape, dimension: ax, sharding: null });
  let out = bind(ix.sort, [x, idx], { dimension: ax, is_stable: stable, num_keys: 1 })[1];
  // Sorting the reversed array ascending and reversing back keeps ties in their order.
  if (descending) out = subtract(scalar(x.shape[ax] - 1, "int32", true), bind1(ix.rev, [out], { dimensions: [ax] }));
  return dtype ? astype(out, toDType(dtype)) : out;
});
