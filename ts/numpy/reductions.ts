// Reductions with numpy's `axis` / `keepdims` options.

import { Array, ArrayLike, ReduceOptions } from "../core/array.js";
import { canonicalAxis } from "../core/aval.js";
import { isInexact, isInteger } from "../core/dtype.js";
import { Primitive } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import * as r from "../primitives/reduce.js";
import { astype, toArray } from "./convert.js";
import { divide } from "./ufuncs.js";
import { expandDimsMany } from "./shape.js";

/** Canonical, sorted axes from numpy's `axis` option (null/undefined = all axes). */
export function normalizeAxes(axis: number | number[] | null | undefined, ndim: number): number[] {
  if (axis === null || axis === undefined) return Array_range(ndim);
  const list = typeof axis === "number" ? [axis] : axis;
  return list.map((a) => canonicalAxis(a, ndim)).sort((a, b) => a - b);
}

const Array_range = (n: number) => globalThis.Array.from({ length: n }, (_, i) => i);

function reducer(prim: Primitive, opts: { upcastBool?: boolean; upcastInt?: boolean } = {}) {
  return (x: ArrayLike, { axis, keepdims = false }: ReduceOptions = {}): Array => {
    let a = toArray(x);
    if (opts.upcastBool && a.dtype === "bool") a = astype(a, "int32");
    const axes = normalizeAxes(axis, a.ndim);
    const out = bind1(prim, [a], { axes, out_sharding: null });
    return keepdims ? expandDimsMany(out, axes) : out;
  };
}

/** Sum over axes. @example np.sum(x, {axis: 0, keepdims: true}) */
export const sum = reducer(r.reduceSum, { upcastBool: true });
export const prod = reducer(r.reduceProd, { upcastBool: true });
export const max = reducer(r.reduceMax);
export const min = reducer(r.reduceMin);
export const amax = max;
export const amin = min;

export function all(x: ArrayLike, opts: ReduceOptions = {}): Array {
  const a = toArray(x);
  return reducer(r.reduceAnd)(a.dtype === "bool" ? a : a.ne(0), opts);
}
export function any(x: ArrayLike, opts: ReduceOptions = {}): Array {
  const a = toArray(x);
  return reducer(r.reduceOr)(a.dtype === "bool" ? a : a.ne(0), opts);
}

/** Mean over axes (integers average as float32). */
export function mean(x: ArrayLike, opts: ReduceOptions = {}): Array {
  let a = toArray(x);
  if (!isInexact(a.dtype)) a = astype(a, "float32");
  const axes = normalizeAxes(opts.axis, a.ndim);
  const n = axes.reduce((p, ax) => p * a.shape[ax], 1);
  return divide(sum(a, opts), n);
}

export function variance(x: ArrayLike, opts: ReduceOptions & { ddof?: number } = {}): Array {
  let a = toArray(x);
  if (!isInexact(a.dtype)) a = astype(a, "float32");
  const axes = normalizeAxes(opts.axis, a.ndim);
  const n = axes.reduce((p, ax) => p * a.shape[ax], 1);
  const centered = a.sub(mean(a, { axis: axes, keepdims: true }));
  const sq = a.dtype === "complex64" ? centered.mul(centered.ne(0).astype("complex64")) : centered.mul(centered);
  return divide(sum(sq, { axis: axes, keepdims: opts.keepdims }), n - (opts.ddof ?? 0));
}
export { variance as var };

export function std(x: ArrayLike, opts: ReduceOptions & { ddof?: number } = {}): Array {
  return variance(x, opts).pow(0.5);
}

function argReducer(prim: Primitive) {
  return (x: ArrayLike, { axis, keepdims = false }: { axis?: number | null; keepdims?: boolean } = {}): Array => {
    let a = toArray(x);
    if (axis === null || axis === undefined) {
      a = a.reshape([a.size]);
      const out = bind1(prim, [a], { axes: [0], index_dtype: "int32" });
      return keepdims ? out.reshape(toArray(x).shape.map(() => 1)) : out;
    }
    const ax = canonicalAxis(axis, a.ndim);
    const out = bind1(prim, [a], { axes: [ax], index_dtype: "int32" });
    return keepdims ? expandDimsMany(out, [ax]) : out;
  };
}
export const argmax = argReducer(r.argmax);
export const argmin = argReducer(r.argmin);

function cumulative(prim: Primitive) {
  return (x: ArrayLike, { axis, reverse = false }: { axis?: number | null; reverse?: boolean } = {}): Array => {
    let a = toArray(x);
    if (a.dtype === "bool" || (isInteger(a.dtype) && a.dtype !== "int32" && prim !== r.cummax && prim !== r.cummin)) a = astype(a, "int32");
    if (axis === null || axis === undefined) {
      a = a.reshape([a.size]);
      axis = 0;
    }
    return bind1(prim, [a], { axis: canonicalAxis(axis, a.ndim), reverse });
  };
}
export const cumsum = cumulative(r.cumsum);
export const cumprod = cumulative(r.cumprod);
