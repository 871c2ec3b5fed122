// Array creation: zeros, ones, full, arange, linspace, eye and the *Like variants.

import { Array, ArrayLike } from "../core/array.js";
import { DType, toDType } from "../core/dtype.js";
import { ValueError } from "../core/errors.js";
import { bind1, scalar } from "../core/trace.js";
import { broadcastInDim, iota } from "../primitives/layout.js";
import { astype, toArray } from "./convert.js";
import { add, equal, multiply } from "./ufuncs.js";

type Shape = number | number[];
const shapeOf = (s: Shape): number[] => (typeof s === "number" ? [s] : [...s]);

function checkShape(shape: number[]): number[] {
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new ValueError(`Invalid shape [${shape}]: dimensions must be non-negative integers.`);
  return shape;
}

/**
 * An array of `shape` filled with `value` (float32 for JS numbers unless `dtype` says otherwise).
 * @example np.full([2, 3], 7)
 */
export function full(shape: Shape, value: ArrayLike, opts: { dtype?: DType | string } = {}): Array {
  const s = checkShape(shapeOf(shape));
  let v: Array;
  if (typeof value === "number" || typeof value === "boolean") {
    const d = opts.dtype ? toDType(opts.dtype) : typeof value === "boolean" ? "bool" : "float32";
    v = scalar(Number(value), d, false);
  } else v = opts.dtype ? astype(toArray(value), opts.dtype) : toArray(value);
  return bind1(broadcastInDim, [v], { shape: s, broadcast_dimensions: v.shape.map((_, i) => i + s.length - v.ndim), sharding: null });
}

export const zeros = (shape: Shape, opts: { dtype?: DType | string } = {}) => full(shape, 0, opts);
export const ones = (shape: Shape, opts: { dtype?: DType | string } = {}) => full(shape, 1, opts);
export const zerosLike = (x: Array, opts: { dtype?: DType | string } = {}) => full(x.shape, 0, { dtype: opts.dtype ?? x.dtype });
export const onesLike = (x: Array, opts: { dtype?: DType | string } = {}) => full(x.shape, 1, { dtype: opts.dtype ?? x.dtype });
export const fullLike = (x: Array, v: number, opts: { dtype?: DType | string } = {}) => full(x.shape, v, { dtype: opts.dtype ?? x.dtype });
export const empty = zeros;

/**
 * Evenly spaced values in [start, stop). Integer arguments give int32, as in JAX.
 * @example np.arange(6)          // int32 [0..5]
 * @example np.arange(0, 1, 0.25) // float32
 */
export function arange(start: number, stop?: number, step = 1, opts: { dtype?: DType | string } = {}): Array {
  if (stop === undefined) [start, stop] = [0, start];
  const ints = [start, stop, step].every(Number.isInteger);
  const dtype = opts.dtype ? toDType(opts.dtype) : ints ? "int32" : "float32";
  if (step === 0) throw new ValueError("arange: step must not be zero.");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  let r = bind1(iota, [], { dtype: ints || dtype !== "float32" ? dtype : "float32", shape: [n], dimension: 0, sharding: null });
  if (step !== 1) r = multiply(r, step);
  if (start !== 0) r = add(r, start);
  return r.dtype === dtype ? r : astype(r, dtype);
}

/** `num` evenly spaced values from start to stop (inclusive by default). */
export function linspace(start: number, stop: number, num = 50, opts: { endpoint?: boolean; dtype?: DType | string } = {}): Array {
  const endpoint = opts.endpoint ?? true;
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const i = bind1(iota, [], { dtype: "float32", shape: [num], dimension: 0, sharding: null });
  let r = add(multiply(i, step), start);
  if (endpoint && num > 1) r = r.at(num - 1).set(stop);
  return opts.dtype ? astype(r, opts.dtype) : r;
}

/** The N×M identity (ones on diagonal k). */
export function eye(n: number, m = n, opts: { k?: number; dtype?: DType | string } = {}): Array {
  const rows = bind1(iota, [], { dtype: "int32", shape: [n, m], dimension: 0, sharding: null });
  const cols = bind1(iota, [], { dtype: "int32", shape: [n, m], dimension: 1, sharding: null });
  return astype(equal(add(rows, opts.k ?? 0), cols), opts.dtype ?? "float32");
}
export const identity = (n: number, opts: { dtype?: DType | string } = {}) => eye(n, n, opts);
