// jax.lax: thin wrappers that bind one primitive each, with lax's strictness (no implicit
// rank or dtype promotion). A bare JS number operand becomes a weakly typed scalar of the
// other operand's dtype, as lax does with Python scalars.

import { Array, ArrayLike } from "../core/array.js";
import { canonicalAxis } from "../core/aval.js";
import { DType, toDType } from "../core/dtype.js";
import { Primitive } from "../core/primitive.js";
import { bind, bind1, scalar } from "../core/trace.js";
import { DotDimensionNumbers, dotGeneral as dotGeneralP } from "../primitives/dot.js";
import * as ix from "../primitives/indexing.js";
import * as l from "../primitives/layout.js";
import * as m from "../primitives/math.js";
import * as r from "../primitives/reduce.js";
import { toArray } from "../numpy/convert.js";

export type { DotDimensionNumbers };

/** Operands as Arrays; JS numbers take the dtype of the first Array operand (weakly typed). */
function operands(xs: (ArrayLike)[]): Array[] {
  const ref = xs.find((x): x is Array => x instanceof Array);
  return xs.map((x) => (typeof x === "number" || typeof x === "boolean") && ref ? scalar(Number(x), ref.dtype, true) : toArray(x));
}

/** lax accepts rank-0 operands next to shaped ones; other shapes must match exactly. */
const nary = (prim: Primitive) => (...xs: ArrayLike[]): Array => bind1(prim, operands(xs));
const unary = (prim: Primitive) => (x: ArrayLike): Array => bind1(prim, [toArray(x)]);

export const add = nary(m.add), sub = nary(m.sub), mul = nary(m.mul), div = nary(m.div), rem = nary(m.rem);
export const pow = nary(m.pow), max = nary(m.max), min = nary(m.min), atan2 = nary(m.atan2), nextafter = nary(m.nextafter);
export const bitwiseAnd = nary(m.and), bitwiseOr = nary(m.or), bitwiseXor = nary(m.xor);
export const shiftLeft = nary(m.shiftLeft), shiftRightLogical = nary(m.shiftRightLogical), shiftRightArithmetic = nary(m.shiftRightArithmetic);
export const eq = nary(m.eq), ne = nary(m.ne), lt = nary(m.lt), le = nary(m.le), gt = nary(m.gt), ge = nary(m.ge);
export const complex = nary(m.complex);
export const neg = unary(m.neg), sign = unary(m.sign), floor = unary(m.floor), ceil = unary(m.ceil), isFinite = unary(m.isFinite);
export const exp = unary(m.exp), exp2 = unary(m.exp2), log = unary(m.log), log1p = unary(m.log1p), expm1 = unary(m.expm1);
export const tanh = unary(m.tanh), logistic = unary(m.logistic), sin = unary(m.sin), cos = unary(m.cos), tan = unary(m.tan);
export const asin = unary(m.asin), acos = unary(m.acos), atan = unary(m.atan), sinh = unary(m.sinh), cosh = unary(m.cosh);
export const asinh = unary(m.asinh), acosh = unary(m.acosh), atanh = unary(m.atanh);
export const sqrt = unary(m.sqrt), rsqrt = unary(m.rsqrt), cbrt = unary(m.cbrt), abs = unary(m.abs), square = unary(m.square);
export const bitwiseNot = unary(m.not), not = bitwiseNot, erf = unary(m.erf), erfInv = unary(m.erfInv);
export const real = unary(m.real), imag = unary(m.imag), conj = unary(m.conj);
export const integerPow = (x: ArrayLike, y: number): Array => bind1(m.integerPow, [toArray(x)], { y });
/** rounding: 0 rounds half away from zero (the default), 1 half to even. */
export const round = (x: ArrayLike, roundingMethod = 0): Array => bind1(m.round, [toArray(x)], { rounding_method: roundingMethod });

export function convertElementType(x: ArrayLike, newDtype: DType | string): Array {
  return bind1(l.convertElementType, [toArray(x)], { new_dtype: toDType(newDtype), weak_type: false });
}

export function dotGeneral(x: ArrayLike, y: ArrayLike, dimensionNumbers: DotDimensionNumbers, { preferredElementType = null }: { preferredElementType?: DType | string | null } = {}): Array {
  const [a, b] = operands([x, y]);
  return bind1(dotGeneralP, [a, b], { dimension_numbers: dimensionNumbers, precision: null, preferred_element_type: preferredElementType === null ? null : toDType(preferredElementType) });
}
export const dot = (x: ArrayLike, y: ArrayLike, opts: { preferredElementType?: DType | string | null } = {}): Array =>
  dotGeneral(x, y, [[[toArray(x).ndim - 1], [0]], [[], []]], opts);

export function broadcastInDim(x: ArrayLike, shape: number[], broadcastDimensions: number[]): Array {
  return bind1(l.broadcastInDim, [toArray(x)], { shape, broadcast_dimensions: broadcastDimensions, sharding: null });
}
/** Adds leading dimensions `sizes`. */
export function broadcast(x: ArrayLike, sizes: number[]): Array {
  const a = toArray(x);
  return broadcastInDim(a, [...sizes, ...a.shape], a.shape.map((_, i) => i + sizes.length));
}
export function reshape(x: ArrayLike, newSizes: number[]): Array {
  return bind1(l.reshape, [toArray(x)], { new_sizes: newSizes, dimensions: null, sharding: null });
}
export function transpose(x: ArrayLike, permutation: number[]): Array {
  return bind1(l.transpose, [toArray(x)], { permutation });
}
export function squeeze(x: ArrayLike, dimensions: number[]): Array {
  const a = toArray(x);
  return bind1(l.squeeze, [a], { dimensions: dimensions.map((d) => canonicalAxis(d, a.ndim)).sort((p, q) => p - q) });
}
export function expandDims(x: ArrayLike, dimensions: number[]): Array {
  const a = toArray(x);
  const nd = a.ndim + dimensions.length;
  const dims = dimensions.map((d) => canonicalAxis(d, nd));
  const shape: number[] = [];
  for (let i = 0, k = 0; i < nd; i++) shape.push(dims.includes(i) ? 1 : a.shape[k++]);
  return broadcastInDim(a, shape, shape.flatMap((_, i) => (dims.includes(i) ? [] : [i])));
}

/** `select(pred, onTrue, onFalse)`. */
export function select(pred: ArrayLike, onTrue: ArrayLike, onFalse: ArrayLike): Array {
  const [t, f] = operands([onTrue, onFalse]);
  return bind1(l.selectN, [toArray(pred), f, t]);
}
/** `selectN(which, ...cases)`: cases[which] elementwise. */
export function selectN(which: ArrayLike, ...cases: ArrayLike[]): Array {
  return bind1(l.selectN, [toArray(which), ...operands(cases)]);
}
export function clamp(lo: ArrayLike, x: ArrayLike, hi: ArrayLike): Array {
  const [a, b, c] = operands([x, lo, hi]);
  return bind1(l.clamp, [b, a, c]);
}
export function iota(dtype: DType | string, size: number): Array {
  return bind1(l.iota, [], { dtype: toDType(dtype), shape: [size], dimension: 0, sharding: null });
}
export function broadcastedIota(dtype: DType | string, shape: number[], dimension: number): Array {
  return bind1(l.iota, [], { dtype: toDType(dtype), shape, dimension, sharding: null });
}

// ---- slicing ----
/** `lax.slice(x, starts, limits, strides?)`. */
export function slice(x: ArrayLike, startIndices: number[], limitIndices: number[], strides: number[] | null = null): Array {
  return bind1(ix.slice, [toArray(x)], { start_indices: startIndices, limit_indices: limitIndices, strides });
}
export function sliceInDim(x: ArrayLike, start: number, limit: number, stride = 1, axis = 0): Array {
  const a = toArray(x);
  const ax = canonicalAxis(axis, a.ndim);
  const s = a.shape.map((_, i) => (i === ax ? start : 0)), e = a.shape.map((n, i) => (i === ax ? limit : n));
  return slice(a, s, e, stride === 1 ? null : a.shape.map((_, i) => (i === ax ? stride : 1)));
}
const startScalars = (name: string, xs: (number | Array)[]) =>
  xs.map((s, i) => {
    if (typeof s !== "number") return s;
    // JAX: "index arguments to dynamic_slice must be integers"; a fraction or NaN must not truncate silently.
    if (!Number.isInteger(s)) throw new TypeError(`${name}: start index ${i} is ${s}; start indices must be integers (JS integers, or int32/uint32 scalar Arrays).`);
    return scalar(s, "int32", false);
  });
/** Starts are clamped so the slice fits, as in XLA. */
export function dynamicSlice(x: ArrayLike, startIndices: (number | Array)[], sliceSizes: number[]): Array {
  return bind1(ix.dynamicSlice, [toArray(x), ...startScalars("dynamicSlice", startIndices)], { slice_sizes: sliceSizes });
}
export function dynamicUpdateSlice(x: ArrayLike, update: ArrayLike, startIndices: (number | Array)[]): Array {
  const [a, u] = operands([x, update]);
  return bind1(ix.dynamicUpdateSlice, [a, u, ...startScalars("dynamicUpdateSlice", startIndices)]);
}
export function dynamicIndexInDim(x: ArrayLike, index: number | Array, axis = 0, keepdims = true): Array {
  const a = toArray(x);
  const ax = canonicalAxis(axis, a.ndim);
  const out = dynamicSlice(a, a.shape.map((_, i) => (i === ax ? index : 0)), a.shape.map((n, i) => (i === ax ? 1 : n)));
  return keepdims ? out : squeeze(out, [ax]);
}
export function concatenate(xs: ArrayLike[], dimension: number): Array {
  return bind1(ix.concatenate, xs.map(toArray), { dimension });
}
/** `pad(x, paddingValue, [[lo, hi, interior], ...])`; negative lo/hi crop. */
export function pad(x: ArrayLike, paddingValue: ArrayLike, paddingConfig: [number, number, number][]): Array {
  const [a, v] = operands([x, paddingValue]);
  return bind1(ix.pad, [a, v], { padding_config: paddingConfig });
}
export function rev(x: ArrayLike, dimensions: number[]): Array {
  return bind1(ix.rev, [toArray(x)], { dimensions });
}
/** Sorts one array, or several by the first `numKeys` of them, along `dimension` (default last). */
export function sort(x: ArrayLike | ArrayLike[], { dimension = -1, isStable = true, numKeys = 1 }: { dimension?: number; isStable?: boolean; numKeys?: number } = {}): any {
  const xs = (globalThis.Array.isArray(x) ? x : [x]).map(toArray);
  const outs = bind(ix.sort, xs, { dimension: canonicalAxis(dimension, xs[0].ndim), is_stable: isStable, num_keys: numKeys });
  return globalThis.Array.isArray(x) ? outs : outs[0];
}
export function sortKeyVal(keys: ArrayLike, values: ArrayLike, dimension = -1, isStable = true): [Array, Array] {
  return sort([keys, values], { dimension, isStable }) as [Array, Array];
}

// ---- reductions ----
const reduce = (prim: Primitive) => (x: ArrayLike, axes: number[]): Array => {
  const a = toArray(x);
  return bind1(prim, [a], { axes: axes.map((d) => canonicalAxis(d, a.ndim)), out_sharding: null });
};
export const reduceSum = reduce(r.reduceSum), reduceProd = reduce(r.reduceProd), reduceMax = reduce(r.reduceMax), reduceMin = reduce(r.reduceMin);
export const reduceAnd = reduce(r.reduceAnd), reduceOr = reduce(r.reduceOr);
const argReduce = (prim: Primitive) => (x: ArrayLike, axis: number, indexDtype: DType | string = "int32"): Array => {
  const a = toArray(x);
  return bind1(prim, [a], { axes: [canonicalAxis(axis, a.ndim)], index_dtype: toDType(indexDtype) });
};
export const argmax = argReduce(r.argmax), argmin = argReduce(r.argmin);
const cumulative = (prim: Primitive) => (x: ArrayLike, { axis = 0, reverse = false }: { axis?: number; reverse?: boolean } = {}): Array => {
  const a = toArray(x);
  return bind1(prim, [a], { axis: canonicalAxis(axis, a.ndim), reverse });
};
export const cumsum = cumulative(r.cumsum), cumprod = cumulative(r.cumprod), cummax = cumulative(r.cummax), cummin = cumulative(r.cummin);
export { stopGradient } from "../transforms/stop_gradient.js";
export { psum, pmean, pmax, pmin, allGather, psumScatter, axisIndex, axisSize } from "./parallel.js";
export { cond, switch_ as switch, whileLoop, foriLoop, scan, map } from "./control_flow.js";
