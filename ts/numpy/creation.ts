// Array creation: zeros, ones, full, arange, linspace, eye and the *Like variants.

import { Array, ArrayLike } from "../core/array.js";
import { DType, toDType } from "../core/dtype.js";
import { ValueError } from "../core/errors.js";
import { declare, declareAs } from "../core/signature.js";
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

type DTypeLike = DType | string;
interface DTypeOption { dtype?: DTypeLike | null }

/** `np.zeros(shape, dtype?)` and its kin: the dtype positionally (as in JAX) or as an option. */
export interface Creation {
  (shape: Shape, opts?: DTypeOption): Array;
  (shape: Shape, dtype: DTypeLike | null | undefined): Array;
}
/** `np.zerosLike(a, dtype?, shape?)`: an array like `a` (its shape and dtype unless given). */
export interface CreationLike {
  (a: Array, opts?: DTypeOption & { shape?: Shape }): Array;
  (a: Array, dtype: DTypeLike | null | undefined, shape?: Shape): Array;
}

const fullImpl = (shape: Shape, value: ArrayLike, opts: DTypeOption): Array => {
  const s = checkShape(shapeOf(shape));
  let v: Array;
  if (typeof value === "number" || typeof value === "boolean") {
    const d = opts.dtype ? toDType(opts.dtype) : typeof value === "boolean" ? "bool" : "float32";
    v = scalar(Number(value), d, false);
  } else v = opts.dtype ? astype(toArray(value), opts.dtype) : toArray(value);
  return bind1(broadcastInDim, [v], { shape: s, broadcast_dimensions: v.shape.map((_, i) => i + s.length - v.ndim), sharding: null });
};

/**
 * An array of `shape` filled with `fillValue` (float32 for JS numbers unless `dtype` says otherwise).
 * @example np.full([2, 3], 7)            @example np.full([2], 7, "int32")
 */
export const full: {
  (shape: Shape, fillValue: ArrayLike, opts?: DTypeOption): Array;
  (shape: Shape, fillValue: ArrayLike, dtype: DTypeLike | null | undefined): Array;
} = declareAs("np.full", "shape:shape, fillValue, dtype?:dtype", "dtype", fullImpl);

/** Zeros of `shape` (float32 unless `dtype` says otherwise). @example np.zeros([2, 3])  @example np.zeros([2], "int32") */
export const zeros: Creation = declareAs("np.zeros", "shape:shape, dtype?:dtype", "dtype", (shape: Shape, opts: DTypeOption) => fullImpl(shape, 0, opts));
/** Ones of `shape`. @example np.ones([3], np.float64) */
export const ones: Creation = declareAs("np.ones", "shape:shape, dtype?:dtype", "dtype", (shape: Shape, opts: DTypeOption) => fullImpl(shape, 1, opts));
/** `np.empty` is `np.zeros` (arrays are always initialised). @example np.empty([4]) */
export const empty: Creation = declareAs("np.empty", "shape:shape, dtype?:dtype", "dtype", (shape: Shape, opts: DTypeOption) => fullImpl(shape, 0, opts));

const like = (name: string, value: number) =>
  declareAs<CreationLike>(`np.${name}`, "a, dtype?:dtype, shape?:shape", "dtype shape", (x: Array, opts: DTypeOption & { shape?: Shape }) =>
    fullImpl(opts.shape ?? x.shape, value, { dtype: opts.dtype ?? x.dtype }));
/** Zeros with the shape and dtype of `a`. @example np.zerosLike(x) */
export const zerosLike = like("zerosLike", 0);
/** Ones with the shape and dtype of `a`. @example np.onesLike(x, "int32") */
export const onesLike = like("onesLike", 1);
/** `fillValue` with the shape and dtype of `a`. @example np.fullLike(x, 7) */
export const fullLike: {
  (a: Array, fillValue: ArrayLike, opts?: DTypeOption & { shape?: Shape }): Array;
  (a: Array, fillValue: ArrayLike, dtype: DTypeLike | null | undefined, shape?: Shape): Array;
} = declareAs("np.fullLike", "a, fillValue, dtype?:dtype, shape?:shape", "dtype shape", (x: Array, v: ArrayLike, opts: DTypeOption & { shape?: Shape }) =>
  fullImpl(opts.shape ?? x.shape, v, { dtype: opts.dtype ?? x.dtype }));

/**
 * Evenly spaced values in [start, stop). Integer arguments give int32, as in JAX.
 * @example np.arange(6)          // int32 [0..5]
 * @example np.arange(0, 1, 0.25) // float32
 */
export const arange: {
  (start: number, stop?: number | null, step?: number | null, opts?: DTypeOption): Array;
  (start: number, stop: number | null | undefined, step: number | null | undefined, dtype: DTypeLike | null | undefined): Array;
} = declareAs("np.arange", "start, stop?, step?, dtype?:dtype", "dtype", (start: number, stop: number | null | undefined, step: number | null | undefined, opts: DTypeOption): Array => {
  if (stop === undefined || stop === null) [start, stop] = [0, start];
  step ??= 1;
  const ints = [start, stop, step].every(Number.isInteger);
  const dtype = opts.dtype ? toDType(opts.dtype) : ints ? "int32" : "float32";
  if (step === 0) throw new ValueError("arange: step must not be zero.");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  let r = bind1(iota, [], { dtype: ints || dtype !== "float32" ? dtype : "float32", shape: [n], dimension: 0, sharding: null });
  if (step !== 1) r = multiply(r, step);
  if (start !== 0) r = add(r, start);
  return r.dtype === dtype ? r : astype(r, dtype);
});

/** `num` evenly spaced values from start to stop (inclusive by default). @example np.linspace(0, 1, 5) */
export const linspace: {
  (start: number, stop: number, opts?: { num?: number; endpoint?: boolean; dtype?: DTypeLike | null }): Array;
  (start: number, stop: number, num: number | undefined, opts?: { endpoint?: boolean; dtype?: DTypeLike | null }): Array;
  (start: number, stop: number, num: number | undefined, endpoint: boolean | undefined, opts?: { dtype?: DTypeLike | null }): Array;
} =
  declareAs("np.linspace", "start, stop, num?:int, endpoint?", "num endpoint dtype", (start: number, stop: number, opts: { num?: number; endpoint?: boolean; dtype?: DTypeLike | null }): Array => {
    const num = opts.num ?? 50;
    const endpoint = opts.endpoint ?? true;
    const div = endpoint ? num - 1 : num;
    const step = div > 0 ? (stop - start) / div : 0;
    const i = bind1(iota, [], { dtype: "float32", shape: [num], dimension: 0, sharding: null });
    let r = add(multiply(i, step), start);
    if (endpoint && num > 1) r = r.at(num - 1).set(stop);
    return opts.dtype ? astype(r, opts.dtype) : r;
  });

/** The N×M identity, or ones on diagonal `k`. @example np.eye(3)  @example np.eye(3, 4, 1, "int32") */
export const eye: {
  (N: number, M?: number | null, opts?: { k?: number; dtype?: DTypeLike | null }): Array;
  (N: number, M: number | null | undefined, k: number | undefined, dtype?: DTypeLike | null): Array;
} = declareAs("np.eye", "N:int, M?:int, k?:int, dtype?:dtype", "k dtype", (n: number, m: number | null | undefined, opts: { k?: number; dtype?: DTypeLike | null }): Array => {
  m ??= n;
  const rows = bind1(iota, [], { dtype: "int32", shape: [n, m], dimension: 0, sharding: null });
  const cols = bind1(iota, [], { dtype: "int32", shape: [n, m], dimension: 1, sharding: null });
  return astype(equal(add(rows, opts.k ?? 0), cols), opts.dtype ?? "float32");
});
/** The n×n identity. @example np.identity(3, "int32") */
export const identity: {
  (n: number, opts?: DTypeOption): Array;
  (n: number, dtype: DTypeLike | null | undefined): Array;
} = declareAs("np.identity", "n:int, dtype?:dtype", "dtype", (n: number, opts: DTypeOption) => eye(n, n, opts));
