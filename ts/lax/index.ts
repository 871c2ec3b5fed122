// jax.lax: thin wrappers that bind one primitive each, with lax's strictness (no implicit
// rank or dtype promotion). A bare JS number operand becomes a weakly typed scalar of the
// other operand's dtype, as lax does with Python scalars.

import { Array, ArrayLike } from "../core/array.js";
import { canonicalAxis } from "../core/aval.js";
import { DType, toDType } from "../core/dtype.js";
import { Primitive } from "../core/primitive.js";
import { declare, declareAs } from "../core/signature.js";
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
const binary = <R extends Array = Array>(name: string, prim: Primitive, params = "x, y") =>
  declare(`lax.${name}`, params, "", (x: ArrayLike, y: ArrayLike): Array => bind1(prim, operands([x, y]))) as (x: ArrayLike, y: ArrayLike) => R;
const unary = (name: string, prim: Primitive) => declare(`lax.${name}`, "x", "", (x: ArrayLike): Array => bind1(prim, [toArray(x)]));
type BoolArray = Array<"bool">;

/** `x + y`, lax's strict form: shapes and dtypes must match (JS numbers take the other operand's dtype). @example lax.add(np.array([1, 2]), 1)   // [2, 3] */
export const add = binary("add", m.add);
/** `x - y` (shapes and dtypes must match). @example lax.sub(np.array([3, 4]), np.array([1, 1]))   // [2, 3] */
export const sub = binary("sub", m.sub);
/** `x * y` (shapes and dtypes must match). @example lax.mul(np.array([2, 3]), 2)   // [4, 6] */
export const mul = binary("mul", m.mul);
/** `x / y`; integers round towards zero, as C. @example lax.div(np.array([7, -7], "int32"), 2)   // [3, -3] */
export const div = binary("div", m.div);
/** C-style remainder (the sign of the dividend). @example lax.rem(np.array([-7], "int32"), 3)   // [-1] */
export const rem = binary("rem", m.rem);
/** `x ** y` elementwise. @example lax.pow(np.array([2, 3]), 2)   // [4, 9] */
export const pow = binary("pow", m.pow);
/** Elementwise maximum. @example lax.max(np.array([1, 5]), 3)   // [3, 5] */
export const max = binary("max", m.max);
/** Elementwise minimum. @example lax.min(np.array([1, 5]), 3)   // [1, 3] */
export const min = binary("min", m.min);
/** Elementwise arctangent of `x / y`, by quadrant. @example lax.atan2(np.array([1]), np.array([-1]))   // [2.356] */
export const atan2 = binary("atan2", m.atan2);
/** The next representable float after `x1` towards `x2`. @example lax.nextafter(np.array([1]), np.array([2]))   // [1.0000001] */
export const nextafter = binary("nextafter", m.nextafter, "x1, x2");
/** Elementwise bitwise AND. @example lax.bitwiseAnd(np.array([6], "int32"), 3)   // [2] */
export const bitwiseAnd = binary("bitwiseAnd", m.and);
/** Elementwise bitwise OR. @example lax.bitwiseOr(np.array([4], "int32"), 1)   // [5] */
export const bitwiseOr = binary("bitwiseOr", m.or);
/** Elementwise bitwise XOR. @example lax.bitwiseXor(np.array([6], "int32"), 3)   // [5] */
export const bitwiseXor = binary("bitwiseXor", m.xor);
/** Elementwise `x << y`. @example lax.shiftLeft(np.array([1], "int32"), 4)   // [16] */
export const shiftLeft = binary("shiftLeft", m.shiftLeft);
/** Elementwise `x >>> y` (zeros shifted in). @example lax.shiftRightLogical(np.array([-16], "int32"), 28)   // [15] */
export const shiftRightLogical = binary("shiftRightLogical", m.shiftRightLogical);
/** Elementwise `x >> y` (the sign bit shifted in). @example lax.shiftRightArithmetic(np.array([-16], "int32"), 2)   // [-4] */
export const shiftRightArithmetic = binary("shiftRightArithmetic", m.shiftRightArithmetic);
/** Elementwise `x == y` (a bool array). @example lax.eq(np.array([1, 2]), 2)   // [false, true] */
export const eq = binary<BoolArray>("eq", m.eq);
/** Elementwise `x != y` (a bool array). @example lax.ne(np.array([1, 2]), 2)   // [true, false] */
export const ne = binary<BoolArray>("ne", m.ne);
/** Elementwise `x < y` (a bool array). @example lax.lt(np.array([1, 2]), 2)   // [true, false] */
export const lt = binary<BoolArray>("lt", m.lt);
/** Elementwise `x <= y` (a bool array). @example lax.le(np.array([1, 3]), 2)   // [true, false] */
export const le = binary<BoolArray>("le", m.le);
/** Elementwise `x > y` (a bool array). @example lax.gt(np.array([1, 3]), 2)   // [false, true] */
export const gt = binary<BoolArray>("gt", m.gt);
/** Elementwise `x >= y` (a bool array). @example lax.ge(np.array([1, 2]), 2)   // [false, true] */
export const ge = binary<BoolArray>("ge", m.ge);
/** A complex64 array from real and imaginary parts. @example lax.complex(np.array([1]), np.array([2]))   // [1 + 2i] */
export const complex = binary("complex", m.complex);
/** Elementwise `-x`. @example lax.neg(np.array([1, -2]))   // [-1, 2] */
export const neg = unary("neg", m.neg);
/** Elementwise sign: -1, 0 or 1. @example lax.sign(np.array([-3, 0, 2]))   // [-1, 0, 1] */
export const sign = unary("sign", m.sign);
/** Elementwise floor. @example lax.floor(np.array([1.5, -1.5]))   // [1, -2] */
export const floor = unary("floor", m.floor);
/** Elementwise ceiling. @example lax.ceil(np.array([1.5, -1.5]))   // [2, -1] */
export const ceil = unary("ceil", m.ceil);
/** Elementwise: not infinite and not NaN. @example lax.isFinite(np.array([1, Infinity]))   // [true, false] */
export const isFinite = unary("isFinite", m.isFinite) as (x: ArrayLike) => BoolArray;
/** Elementwise e^x. @example lax.exp(np.array([0, 1]))   // [1, 2.718] */
export const exp = unary("exp", m.exp);
/** Elementwise 2^x. @example lax.exp2(np.array([3]))   // [8] */
export const exp2 = unary("exp2", m.exp2);
/** Elementwise natural logarithm. @example lax.log(np.array([1]))   // [0] */
export const log = unary("log", m.log);
/** Elementwise log(1 + x), accurate for small x. @example lax.log1p(np.array([1e-8]))   // [1e-8] */
export const log1p = unary("log1p", m.log1p);
/** Elementwise e^x - 1, accurate for small x. @example lax.expm1(np.array([1e-8]))   // [1e-8] */
export const expm1 = unary("expm1", m.expm1);
/** Elementwise hyperbolic tangent. @example lax.tanh(np.array([0]))   // [0] */
export const tanh = unary("tanh", m.tanh);
/** Elementwise 1 / (1 + e^-x), the sigmoid. @example lax.logistic(np.array([0]))   // [0.5] */
export const logistic = unary("logistic", m.logistic);
/** Elementwise sine. @example lax.sin(np.array([0]))   // [0] */
export const sin = unary("sin", m.sin);
/** Elementwise cosine. @example lax.cos(np.array([0]))   // [1] */
export const cos = unary("cos", m.cos);
/** Elementwise tangent. @example lax.tan(np.array([0]))   // [0] */
export const tan = unary("tan", m.tan);
/** Elementwise inverse sine. @example lax.asin(np.array([1]))   // [π/2] */
export const asin = unary("asin", m.asin);
/** Elementwise inverse cosine. @example lax.acos(np.array([1]))   // [0] */
export const acos = unary("acos", m.acos);
/** Elementwise inverse tangent. @example lax.atan(np.array([1]))   // [π/4] */
export const atan = unary("atan", m.atan);
/** Elementwise hyperbolic sine. @example lax.sinh(np.array([0]))   // [0] */
export const sinh = unary("sinh", m.sinh);
/** Elementwise hyperbolic cosine. @example lax.cosh(np.array([0]))   // [1] */
export const cosh = unary("cosh", m.cosh);
/** Elementwise inverse hyperbolic sine. @example lax.asinh(np.array([0]))   // [0] */
export const asinh = unary("asinh", m.asinh);
/** Elementwise inverse hyperbolic cosine. @example lax.acosh(np.array([1]))   // [0] */
export const acosh = unary("acosh", m.acosh);
/** Elementwise inverse hyperbolic tangent. @example lax.atanh(np.array([0]))   // [0] */
export const atanh = unary("atanh", m.atanh);
/** Elementwise square root. @example lax.sqrt(np.array([4]))   // [2] */
export const sqrt = unary("sqrt", m.sqrt);
/** Elementwise 1 / sqrt(x). @example lax.rsqrt(np.array([4]))   // [0.5] */
export const rsqrt = unary("rsqrt", m.rsqrt);
/** Elementwise cube root. @example lax.cbrt(np.array([27]))   // [3] */
export const cbrt = unary("cbrt", m.cbrt);
/** Elementwise absolute value. @example lax.abs(np.array([-2]))   // [2] */
export const abs = unary("abs", m.abs);
/** Elementwise x * x. @example lax.square(np.array([3]))   // [9] */
export const square = unary("square", m.square);
/** Elementwise bitwise NOT (logical NOT for bools). @example lax.bitwiseNot(np.array([0], "int32"))   // [-1] */
export const bitwiseNot = unary("bitwiseNot", m.not);
/** Alias of `lax.bitwiseNot` (JAX's `lax.bitwise_not`). @example lax.not(np.array([true]))   // [false] */
export const not = bitwiseNot;
/** Elementwise error function. @example lax.erf(np.array([0]))   // [0] */
export const erf = unary("erf", m.erf);
/** Elementwise inverse error function. @example lax.erfInv(np.array([0]))   // [0] */
export const erfInv = unary("erfInv", m.erfInv);
/** The real part of a complex64 array. @example lax.real(lax.complex(np.array([1]), np.array([2])))   // [1] */
export const real = unary("real", m.real);
/** The imaginary part of a complex64 array. @example lax.imag(lax.complex(np.array([1]), np.array([2])))   // [2] */
export const imag = unary("imag", m.imag);
/** The complex conjugate. @example lax.conj(lax.complex(np.array([1]), np.array([2])))   // [1 - 2i] */
export const conj = unary("conj", m.conj);
/** `x ** y` for a static integer `y`. @example lax.integerPow(x, 3) */
export const integerPow = declare("lax.integerPow", "x, y:int", "", (x: ArrayLike, y: number): Array => bind1(m.integerPow, [toArray(x)], { y }));
/** Rounds: method 0 rounds half away from zero (the default), 1 half to even. @example lax.round(x, 1) */
export const round = declare("lax.round", "x, roundingMethod?:int", "", (x: ArrayLike, roundingMethod = 0): Array => bind1(m.round, [toArray(x)], { rounding_method: roundingMethod }));

/** Converts to `newDtype` (no weak type). @example lax.convertElementType(x, "int32") */
export const convertElementType = declare("lax.convertElementType", "operand, newDtype:dtype", "", (x: ArrayLike, newDtype: DType | string): Array =>
  bind1(l.convertElementType, [toArray(x)], { new_dtype: toDType(newDtype), weak_type: false }));

interface DotOptions {
  /** Accepted for JAX's signature; every backend computes at full precision. */
  precision?: unknown;
  preferredElementType?: DType | string | null;
}
function dotGeneralImpl(x: ArrayLike, y: ArrayLike, dimensionNumbers: DotDimensionNumbers, { preferredElementType = null }: DotOptions): Array {
  const [a, b] = operands([x, y]);
  return bind1(dotGeneralP, [a, b], { dimension_numbers: dimensionNumbers, precision: null, preferred_element_type: preferredElementType === null ? null : toDType(preferredElementType) });
}
/**
 * The general tensor contraction: `[[lhsContract, rhsContract], [lhsBatch, rhsBatch]]`.
 * @example lax.dotGeneral(a, b, [[[1], [0]], [[], []]])   // a @ b
 */
export const dotGeneral: {
  (lhs: ArrayLike, rhs: ArrayLike, dimensionNumbers: DotDimensionNumbers, opts?: DotOptions): Array;
  (lhs: ArrayLike, rhs: ArrayLike, dimensionNumbers: DotDimensionNumbers, precision: unknown, preferredElementType?: DType | string | null): Array;
} = declareAs("lax.dotGeneral", "lhs, rhs, dimensionNumbers, precision?, preferredElementType?:dtype", "precision preferredElementType", dotGeneralImpl);
/** Contracts the last axis of `lhs` with the first of `rhs`. @example lax.dot(a, b) */
export const dot = declare("lax.dot", "lhs, rhs", "precision preferredElementType", (x: ArrayLike, y: ArrayLike, opts: DotOptions = {}): Array =>
  dotGeneralImpl(x, y, [[[toArray(x).ndim - 1], [0]], [[], []]], opts));

/** Broadcasts to `shape`, operand axis i going to `broadcastDimensions[i]`. @example lax.broadcastInDim(x, [2, 3], [1]) */
export const broadcastInDim = declare("lax.broadcastInDim", "operand, shape:shape, broadcastDimensions:axis", "", (x: ArrayLike, shape: number[], broadcastDimensions: number[]): Array =>
  bind1(l.broadcastInDim, [toArray(x)], { shape, broadcast_dimensions: broadcastDimensions, sharding: null }));
/** Adds leading dimensions `sizes`. @example lax.broadcast(x, [2]) */
export const broadcast = declare("lax.broadcast", "operand, sizes:shape", "", (x: ArrayLike, sizes: number[]): Array => {
  const a = toArray(x);
  return broadcastInDim(a, [...sizes, ...a.shape], a.shape.map((_, i) => i + sizes.length));
});
/** Reshape to `newSizes` (no -1: lax is explicit). @example lax.reshape(x, [2, 3]) */
export const reshape = declare("lax.reshape", "operand, newSizes:shape", "", (x: ArrayLike, newSizes: number[]): Array =>
  bind1(l.reshape, [toArray(x)], { new_sizes: newSizes, dimensions: null, sharding: null }));
/** Permutes the axes. @example lax.transpose(x, [1, 0]) */
export const transpose = declare("lax.transpose", "operand, permutation:axis", "", (x: ArrayLike, permutation: number[]): Array =>
  bind1(l.transpose, [toArray(x)], { permutation }));
/** Removes the given size-1 dimensions. @example lax.squeeze(x, [0]) */
export const squeeze = declare("lax.squeeze", "array, dimensions:axis", "", (x: ArrayLike, dimensions: number[]): Array => {
  const a = toArray(x);
  return bind1(l.squeeze, [a], { dimensions: dimensions.map((d) => canonicalAxis(d, a.ndim)).sort((p, q) => p - q) });
});
/** Inserts size-1 dimensions at the given output positions. @example lax.expandDims(x, [0]) */
export const expandDims = declare("lax.expandDims", "array, dimensions:axis", "", (x: ArrayLike, dimensions: number[]): Array => {
  const a = toArray(x);
  const nd = a.ndim + dimensions.length;
  const dims = dimensions.map((d) => canonicalAxis(d, nd));
  const shape: number[] = [];
  for (let i = 0, k = 0; i < nd; i++) shape.push(dims.includes(i) ? 1 : a.shape[k++]);
  return broadcastInDim(a, shape, shape.flatMap((_, i) => (dims.includes(i) ? [] : [i])));
});

/** `onTrue` where `pred`, else `onFalse`, elementwise. @example lax.select(x.gt(0), x, y) */
export const select = declare("lax.select", "pred, onTrue, onFalse", "", (pred: ArrayLike, onTrue: ArrayLike, onFalse: ArrayLike): Array => {
  const [t, f] = operands([onTrue, onFalse]);
  return bind1(l.selectN, [toArray(pred), f, t]);
});
/** `cases[which]` elementwise. @example lax.selectN(i, a, b, c) */
export const selectN = declare("lax.selectN", "which, ...cases", "", (which: ArrayLike, ...cases: ArrayLike[]): Array =>
  bind1(l.selectN, [toArray(which), ...operands(cases)]));
/** `x` limited to [min, max] (note JAX's order). @example lax.clamp(0, x, 1) */
export const clamp = declare("lax.clamp", "min, x, max", "", (lo: ArrayLike, x: ArrayLike, hi: ArrayLike): Array => {
  const [a, b, c] = operands([x, lo, hi]);
  return bind1(l.clamp, [b, a, c]);
});
/** 0, 1, ..., size-1. @example lax.iota("int32", 4) */
export const iota = declare("lax.iota", "dtype:dtype, size:int", "", (dtype: DType | string, size: number): Array =>
  bind1(l.iota, [], { dtype: toDType(dtype), shape: [size], dimension: 0, sharding: null }));
/** The index along `dimension` at every position of `shape`. @example lax.broadcastedIota("int32", [2, 3], 1) */
export const broadcastedIota = declare("lax.broadcastedIota", "dtype:dtype, shape:shape, dimension:int", "", (dtype: DType | string, shape: number[], dimension: number): Array =>
  bind1(l.iota, [], { dtype: toDType(dtype), shape, dimension, sharding: null }));

// ---- slicing ----
/** A static slice. @example lax.slice(x, [0, 1], [2, 3]) */
export const slice = declare("lax.slice", "operand, startIndices:shape, limitIndices:shape, strides?", "", (x: ArrayLike, startIndices: number[], limitIndices: number[], strides: number[] | null = null): Array =>
  bind1(ix.slice, [toArray(x)], { start_indices: startIndices, limit_indices: limitIndices, strides }));
/** A static slice of one axis. @example lax.sliceInDim(x, 0, 2, 1, 1) */
export const sliceInDim = declare("lax.sliceInDim", "operand, startIndex:int, limitIndex:int, stride?:int, axis?:int", "", (x: ArrayLike, start: number, limit: number, stride = 1, axis = 0): Array => {
  const a = toArray(x);
  const ax = canonicalAxis(axis, a.ndim);
  const s = a.shape.map((_, i) => (i === ax ? start : 0)), e = a.shape.map((n, i) => (i === ax ? limit : n));
  return slice(a, s, e, stride === 1 ? null : a.shape.map((_, i) => (i === ax ? stride : 1)));
});
const startScalars = (name: string, xs: (number | Array)[]) =>
  xs.map((s, i) => {
    if (typeof s !== "number") return s;
    // JAX: "index arguments to dynamic_slice must be integers"; a fraction or NaN must not truncate silently.
    if (!Number.isInteger(s)) throw new TypeError(`${name}: start index ${i} is ${s}; start indices must be integers (JS integers, or int32/uint32 scalar Arrays).`);
    return scalar(s, "int32", false);
  });
/** A slice at traced starts (clamped so it fits, as in XLA). @example lax.dynamicSlice(x, [i, 0], [2, 3]) */
export const dynamicSlice = declare("lax.dynamicSlice", "operand, startIndices, sliceSizes:shape", "", (x: ArrayLike, startIndices: (number | Array)[], sliceSizes: number[]): Array =>
  bind1(ix.dynamicSlice, [toArray(x), ...startScalars("dynamicSlice", startIndices)], { slice_sizes: sliceSizes }));
/** `update` written into `operand` at traced starts. @example lax.dynamicUpdateSlice(x, u, [i, 0]) */
export const dynamicUpdateSlice = declare("lax.dynamicUpdateSlice", "operand, update, startIndices", "", (x: ArrayLike, update: ArrayLike, startIndices: (number | Array)[]): Array => {
  const [a, u] = operands([x, update]);
  return bind1(ix.dynamicUpdateSlice, [a, u, ...startScalars("dynamicUpdateSlice", startIndices)]);
});
/** The slice at a traced index of one axis. @example lax.dynamicIndexInDim(x, i, 0, false) */
export const dynamicIndexInDim = declare("lax.dynamicIndexInDim", "operand, index, axis?:int, keepdims?", "", (x: ArrayLike, index: number | Array, axis = 0, keepdims = true): Array => {
  const a = toArray(x);
  const ax = canonicalAxis(axis, a.ndim);
  const out = dynamicSlice(a, a.shape.map((_, i) => (i === ax ? index : 0)), a.shape.map((n, i) => (i === ax ? 1 : n)));
  return keepdims ? out : squeeze(out, [ax]);
});
/** Joins along an existing dimension. @example lax.concatenate([a, b], 0) */
export const concatenate = declare("lax.concatenate", "operands, dimension:int", "", (xs: ArrayLike[], dimension: number): Array =>
  bind1(ix.concatenate, xs.map(toArray), { dimension }));
/** `pad(x, paddingValue, [[lo, hi, interior], ...])`; negative lo/hi crop. @example lax.pad(x, 0, [[1, 1, 0]]) */
export const pad = declare("lax.pad", "operand, paddingValue, paddingConfig", "", (x: ArrayLike, paddingValue: ArrayLike, paddingConfig: [number, number, number][]): Array => {
  const [a, v] = operands([x, paddingValue]);
  return bind1(ix.pad, [a, v], { padding_config: paddingConfig });
});
/** Reverses the given dimensions. @example lax.rev(x, [0]) */
export const rev = declare("lax.rev", "operand, dimensions:axis", "", (x: ArrayLike, dimensions: number[]): Array => bind1(ix.rev, [toArray(x)], { dimensions }));

interface SortOptions { dimension?: number; isStable?: boolean; numKeys?: number }
function sortImpl(x: ArrayLike | ArrayLike[], { dimension = -1, isStable = true, numKeys = 1 }: SortOptions): Array | Array[] {
  const xs = (globalThis.Array.isArray(x) ? x : [x]).map(toArray);
  const outs = bind(ix.sort, xs, { dimension: canonicalAxis(dimension, xs[0].ndim), is_stable: isStable, num_keys: numKeys });
  return globalThis.Array.isArray(x) ? outs : outs[0];
}
/**
 * Sorts one array, or several by the first `numKeys` of them, along `dimension` (default last).
 * @example lax.sort(x)   @example const [k, v] = lax.sort([keys, vals], 0, true, 1)
 */
export const sort: {
  (operand: Array, opts?: SortOptions): Array;
  (operand: Array, dimension: number | undefined, isStable?: boolean, numKeys?: number): Array;
  (operand: ArrayLike[], opts?: SortOptions): Array[];
  (operand: ArrayLike[], dimension: number | undefined, isStable?: boolean, numKeys?: number): Array[];
} = declareAs("lax.sort", "operand, dimension?:int, isStable?, numKeys?:int", "dimension isStable numKeys", sortImpl);
/** Sorts `keys` and carries `values` along. @example const [k, v] = lax.sortKeyVal(keys, vals) */
export const sortKeyVal = declare("lax.sortKeyVal", "keys, values, dimension?:int, isStable?", "", (keys: ArrayLike, values: ArrayLike, dimension = -1, isStable = true): [Array, Array] =>
  sortImpl([keys, values], { dimension, isStable }) as [Array, Array]);

// ---- reductions ----
const reduce = (name: string, prim: Primitive) => declare(`lax.${name}`, "operand, axes:axis", "", (x: ArrayLike, axes: number[]): Array => {
  const a = toArray(x);
  return bind1(prim, [a], { axes: axes.map((d) => canonicalAxis(d, a.ndim)), out_sharding: null });
});
/** Sums over `axes`. @example lax.reduceSum(np.array([[1, 2], [3, 4]]), [0])   // [4, 6] */
export const reduceSum = reduce("reduceSum", r.reduceSum);
/** Multiplies over `axes`. @example lax.reduceProd(np.array([[1, 2], [3, 4]]), [1])   // [2, 12] */
export const reduceProd = reduce("reduceProd", r.reduceProd);
/** The maximum over `axes`. @example lax.reduceMax(np.array([[1, 5], [3, 4]]), [0])   // [3, 5] */
export const reduceMax = reduce("reduceMax", r.reduceMax);
/** The minimum over `axes`. @example lax.reduceMin(np.array([[1, 5], [3, 4]]), [0])   // [1, 4] */
export const reduceMin = reduce("reduceMin", r.reduceMin);
/** Logical AND over `axes`. @example lax.reduceAnd(np.array([[true, false], [true, true]]), [1])   // [false, true] */
export const reduceAnd = reduce("reduceAnd", r.reduceAnd);
/** Logical OR over `axes`. @example lax.reduceOr(np.array([[true, false], [false, false]]), [1])   // [true, false] */
export const reduceOr = reduce("reduceOr", r.reduceOr);
const argReduce = (name: string, prim: Primitive) => declare(`lax.${name}`, "operand, axis:int, indexDtype?:dtype", "", (x: ArrayLike, axis: number, indexDtype: DType | string = "int32"): Array => {
  const a = toArray(x);
  return bind1(prim, [a], { axes: [canonicalAxis(axis, a.ndim)], index_dtype: toDType(indexDtype) });
});
/** The index of the largest element along `axis` (int32 unless `indexDtype`). @example lax.argmax(np.array([[1, 5], [4, 2]]), 1)   // [1, 0] */
export const argmax = argReduce("argmax", r.argmax);
/** The index of the smallest element along `axis` (int32 unless `indexDtype`). @example lax.argmin(np.array([[1, 5], [4, 2]]), 1)   // [0, 1] */
export const argmin = argReduce("argmin", r.argmin);

/** A running reduction along `axis` (default 0), `reverse` from the end. */
export interface LaxCumulative {
  (operand: ArrayLike, opts?: { axis?: number; reverse?: boolean }): Array;
  (operand: ArrayLike, axis: number | undefined, reverse?: boolean): Array;
}
const cumulative = (name: string, prim: Primitive) =>
  declareAs<LaxCumulative>(`lax.${name}`, "operand, axis?:int, reverse?", "axis reverse", (x: ArrayLike, { axis = 0, reverse = false }: { axis?: number; reverse?: boolean }): Array => {
    const a = toArray(x);
    return bind1(prim, [a], { axis: canonicalAxis(axis, a.ndim), reverse });
  });
/** Running sum along `axis` (default 0); `reverse` from the end. @example lax.cumsum(np.array([1, 2, 3]))   // [1, 3, 6] */
export const cumsum = cumulative("cumsum", r.cumsum);
/** Running product along `axis` (default 0); `reverse` from the end. @example lax.cumprod(np.array([1, 2, 3]))   // [1, 2, 6] */
export const cumprod = cumulative("cumprod", r.cumprod);
/** Running maximum along `axis` (default 0); `reverse` from the end. @example lax.cummax(np.array([1, 3, 2]))   // [1, 3, 3] */
export const cummax = cumulative("cummax", r.cummax);
/** Running minimum along `axis` (default 0); `reverse` from the end. @example lax.cummin(np.array([3, 1, 2]), {reverse: true})   // [1, 1, 2] */
export const cummin = cumulative("cummin", r.cummin);
export { stopGradient } from "../transforms/stop_gradient.js";
export { psum, pmean, pmax, pmin, allGather, psumScatter, ppermute, allToAll, axisIndex, axisSize, pcast } from "./parallel.js";
export { cond, switch_ as switch, whileLoop, foriLoop, scan, map } from "./control_flow.js";
