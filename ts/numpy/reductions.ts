// Reductions with numpy's `axis` (positional or an option) and `keepdims` options.

import { Array, ArrayLike, Axis, ReduceOptions } from "../core/array.js";
import { canonicalAxis } from "../core/aval.js";
import { isInexact, isInteger } from "../core/dtype.js";
import { Primitive } from "../core/primitive.js";
import { declare, declareAs } from "../core/signature.js";
import { bind1 } from "../core/trace.js";
import * as r from "../primitives/reduce.js";
import { expandDimsMany, normalizeAxes } from "./axes.js";
import { astype, toArray } from "./convert.js";
import { divide } from "./ufuncs.js";

/** A reduction over `axis` (all axes when it is null or absent), given positionally or as an option. */
export interface Reduction<R extends Array = Array, O = {}> {
  (a: ArrayLike, opts?: ReduceOptions & O): R;
  (a: ArrayLike, axis: Axis | undefined, opts?: { keepdims?: boolean } & O): R;
}

/** An index reduction (`argmax`): one axis, or the flattened array when it is null or absent. */
export interface ArgReduction {
  (a: ArrayLike, opts?: { axis?: number | null; keepdims?: boolean }): Array<"int32">;
  (a: ArrayLike, axis: number | null | undefined, opts?: { keepdims?: boolean }): Array<"int32">;
}

/** A cumulative reduction along one axis (the flattened array when it is null or absent). */
export interface Cumulative {
  (a: ArrayLike, opts?: { axis?: number | null; reverse?: boolean }): Array;
  (a: ArrayLike, axis: number | null | undefined, opts?: { reverse?: boolean }): Array;
}

const REDUCE = "axis keepdims";

function reducer<R extends Array = Array>(name: string, prim: Primitive, opts: { upcastBool?: boolean; toBool?: boolean } = {}): Reduction<R> {
  return declareAs(`np.${name}`, "a, axis?:axis", REDUCE, (x: ArrayLike, { axis, keepdims = false }: ReduceOptions): Array => {
    let a = toArray(x);
    if (opts.upcastBool && a.dtype === "bool") a = astype(a, "int32");
    if (opts.toBool && a.dtype !== "bool") a = a.ne(0);
    const axes = normalizeAxes(axis, a.ndim);
    const out = bind1(prim, [a], { axes, out_sharding: null });
    return keepdims ? expandDimsMany(out, axes) : out;
  });
}

/** Sum over axes. @example np.sum(x, 0)   @example np.sum(x, {axis: [0, 1], keepdims: true}) */
export const sum = reducer("sum", r.reduceSum, { upcastBool: true });
/** Product over axes. @example np.prod(x, -1) */
export const prod = reducer("prod", r.reduceProd, { upcastBool: true });
/** Largest element over axes. @example np.max(x, 1) */
export const max = reducer("max", r.reduceMax);
/** Smallest element over axes. @example np.min(x, 1) */
export const min = reducer("min", r.reduceMin);
/** Alias of `np.max`. @example np.amax(np.array([1, 3, 2]))   // 3 */
export const amax = max;
/** Alias of `np.min`. @example np.amin(np.array([1, 3, 2]))   // 1 */
export const amin = min;
/** Whether every element is true (nonzero). @example np.all(x.gt(0), 0) */
export const all = reducer<Array<"bool">>("all", r.reduceAnd, { toBool: true });
/** Whether any element is true (nonzero). @example np.any(np.isnan(x)) */
export const any = reducer<Array<"bool">>("any", r.reduceOr, { toBool: true });

/** Mean over axes (integers average as float32). @example np.mean(x, 1) */
export const mean: Reduction = declareAs("np.mean", "a, axis?:axis", REDUCE, (x: ArrayLike, opts: ReduceOptions): Array => {
  let a = toArray(x);
  if (!isInexact(a.dtype)) a = astype(a, "float32");
  const axes = normalizeAxes(opts.axis, a.ndim);
  const n = axes.reduce((p, ax) => p * a.shape[ax], 1);
  return divide(sum(a, opts), n);
});

function varianceOf(x: ArrayLike, opts: ReduceOptions & { ddof?: number }): Array {
  let a = toArray(x);
  if (!isInexact(a.dtype)) a = astype(a, "float32");
  const axes = normalizeAxes(opts.axis, a.ndim);
  const n = axes.reduce((p, ax) => p * a.shape[ax], 1);
  const centered = a.sub(mean(a, { axis: axes, keepdims: true }));
  const sq = a.dtype === "complex64" ? centered.mul(centered.ne(0).astype("complex64")) : centered.mul(centered);
  return divide(sum(sq, { axis: axes, keepdims: opts.keepdims }), n - (opts.ddof ?? 0));
}

/** Variance over axes (`ddof` delta degrees of freedom). @example np.var(x, 0, {ddof: 1}) */
export const variance: Reduction<Array, { ddof?: number }> = declareAs("np.var", "a, axis?:axis", "axis keepdims ddof", varianceOf);
export { variance as var };

/** Standard deviation over axes. @example np.std(x, 0) */
export const std: Reduction<Array, { ddof?: number }> = declareAs("np.std", "a, axis?:axis", "axis keepdims ddof", (x: ArrayLike, opts: ReduceOptions & { ddof?: number }) =>
  varianceOf(x, opts).pow(0.5));

function argReducer(name: string, prim: Primitive): ArgReduction {
  return declareAs(`np.${name}`, "a, axis?:int", REDUCE, (x: ArrayLike, { axis, keepdims = false }: { axis?: number | null; keepdims?: boolean }): Array => {
    let a = toArray(x);
    if (axis === null || axis === undefined) {
      a = a.reshape([a.size]);
      const out = bind1(prim, [a], { axes: [0], index_dtype: "int32" });
      return keepdims ? out.reshape(toArray(x).shape.map(() => 1)) : out;
    }
    const ax = canonicalAxis(axis, a.ndim);
    const out = bind1(prim, [a], { axes: [ax], index_dtype: "int32" });
    return keepdims ? expandDimsMany(out, [ax]) : out;
  });
}
/** Index of the largest element (int32). @example np.argmax(x, -1) */
export const argmax = argReducer("argmax", r.argmax);
/** Index of the smallest element (int32). @example np.argmin(x, -1) */
export const argmin = argReducer("argmin", r.argmin);

function cumulative(name: string, prim: Primitive): Cumulative {
  return declareAs(`np.${name}`, "a, axis?:int", "axis reverse", (x: ArrayLike, { axis, reverse = false }: { axis?: number | null; reverse?: boolean }): Array => {
    let a = toArray(x);
    // JAX promotes bool (and narrow ints) to int32 and keeps uint32 unsigned.
    if (a.dtype === "bool" && prim !== r.cummax && prim !== r.cummin) a = astype(a, "int32");
    if (axis === null || axis === undefined) {
      a = a.reshape([a.size]);
      axis = 0;
    }
    return bind1(prim, [a], { axis: canonicalAxis(axis, a.ndim), reverse });
  });
}
/** Running sum along an axis. @example np.cumsum(x, 0) */
export const cumsum = cumulative("cumsum", r.cumsum);
/** Running product along an axis. @example np.cumprod(x, 0) */
export const cumprod = cumulative("cumprod", r.cumprod);
