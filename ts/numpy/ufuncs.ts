// Elementwise jnp functions: promote dtypes and ranks as JAX does, then bind the lax primitive.

import { Array, ArrayLike } from "../core/array.js";
import { isComplex, isFloat, isInteger } from "../core/dtype.js";
import { Primitive } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import * as m from "../primitives/math.js";
import { promoteArgs, promoteRanks, toArray } from "./convert.js";

const binary = (prim: Primitive, opts: { inexact?: boolean } = {}) =>
  (x: ArrayLike, y: ArrayLike): Array => bind1(prim, promoteRanks(promoteArgs([x, y], opts)));

const unary = (prim: Primitive, opts: { inexact?: boolean } = {}) =>
  (x: ArrayLike): Array => bind1(prim, promoteArgs([x], opts));

/** Elementwise sum with broadcasting. @example np.add(np.array([1, 2]), 1) */
export const add = binary(m.add);
export const subtract = binary(m.sub);
export const multiply = binary(m.mul);
/** True division: integers divide as floats. */
export const divide = binary(m.div, { inexact: true });
export const trueDivide = divide;
export const maximum = binary(m.max);
export const minimum = binary(m.min);
export const arctan2 = binary(m.atan2, { inexact: true });
export const nextafter = binary(m.nextafter, { inexact: true });
export const equal = binary(m.eq);
export const notEqual = binary(m.ne);
export const less = binary(m.lt);
export const lessEqual = binary(m.le);
export const greater = binary(m.gt);
export const greaterEqual = binary(m.ge);
export const bitwiseAnd = binary(m.and);
export const bitwiseOr = binary(m.or);
export const bitwiseXor = binary(m.xor);
export const logicalAnd = (x: ArrayLike, y: ArrayLike) => binary(m.and)(asBool(x), asBool(y));
export const logicalOr = (x: ArrayLike, y: ArrayLike) => binary(m.or)(asBool(x), asBool(y));
export const logicalXor = (x: ArrayLike, y: ArrayLike) => binary(m.xor)(asBool(x), asBool(y));
export const logicalNot = (x: ArrayLike) => bind1(m.not, [asBool(x)]);
export const bitwiseNot = unary(m.not);
export const invert = bitwiseNot;

function asBool(x: ArrayLike): Array {
  const a = toArray(x);
  return a.dtype === "bool" ? a : notEqual(a, 0);
}

/** Integer floor division and Python-style modulus, as jnp defines them. */
export function floorDivide(x: ArrayLike, y: ArrayLike): Array {
  const [a, b] = promoteRanks(promoteArgs([x, y]));
  if (isFloat(a.dtype)) return floor(bind1(m.div, [a, b]));
  const q = bind1(m.div, [a, b]);
  const r = bind1(m.rem, [a, b]);
  // Round toward -inf where the signs differ and the remainder is nonzero.
  const fix = logicalAnd(notEqual(r, 0), notEqual(less(r, 0), less(b, 0)));
  return where(fix, subtract(q, 1), q);
}

export function remainder(x: ArrayLike, y: ArrayLike): Array {
  const [a, b] = promoteRanks(promoteArgs([x, y]));
  const r = bind1(m.rem, [a, b]);
  const fix = logicalAnd(notEqual(r, 0), notEqual(less(r, 0), less(b, 0)));
  return where(fix, add(r, b), r);
}
export const mod = remainder;
export const fmod = binary(m.rem);

/** x ** y; an integer JS exponent uses integer_pow (exact for integer arrays). */
export function power(x: ArrayLike, y: ArrayLike): Array {
  if (typeof y === "number" && Number.isInteger(y) && y >= 0 && !(typeof x === "number")) {
    const a = toArray(x);
    return y === 1 ? a : bind1(m.integerPow, [a], { y });
  }
  const [a, b] = promoteRanks(promoteArgs([x, y]));
  if (isInteger(a.dtype)) {
    throw new TypeError("np.power of integer arrays by an integer array exponent is not supported yet; use a JS integer exponent or float arrays.");
  }
  return bind1(m.pow, [a, b]);
}
export const pow = power;

export const negative = unary(m.neg);
export const positive = (x: ArrayLike) => toArray(x);
export const sign = unary(m.sign);
export const floor = (x: ArrayLike) => (isFloat(toArray(x).dtype) ? bind1(m.floor, [toArray(x)]) : toArray(x));
export const ceil = (x: ArrayLike) => (isFloat(toArray(x).dtype) ? bind1(m.ceil, [toArray(x)]) : toArray(x));
export const round = (x: ArrayLike) => (isFloat(toArray(x).dtype) ? bind1(m.round, [toArray(x)], { rounding_method: 1 }) : toArray(x));
export const rint = round;
export const trunc = (x: ArrayLike) => where(less(x, 0), ceil(x), floor(x));
export const isfinite = (x: ArrayLike) => (isFloat(toArray(x).dtype) ? bind1(m.isFinite, [toArray(x)]) : notEqual(x, x === x ? toArray(x) : 0).eq(false));
export const isnan = (x: ArrayLike) => notEqual(x, x);
export const isinf = (x: ArrayLike) => logicalAnd(logicalNot(isfinite(x)), logicalNot(isnan(x)));
export const exp = unary(m.exp, { inexact: true });
export const exp2 = unary(m.exp2, { inexact: true });
export const log = unary(m.log, { inexact: true });
export const log1p = unary(m.log1p, { inexact: true });
export const expm1 = unary(m.expm1, { inexact: true });
export const log2 = (x: ArrayLike) => divide(log(x), Math.LN2);
export const log10 = (x: ArrayLike) => divide(log(x), Math.LN10);
export const tanh = unary(m.tanh, { inexact: true });
export const sin = unary(m.sin, { inexact: true });
export const cos = unary(m.cos, { inexact: true });
export const tan = unary(m.tan, { inexact: true });
export const arcsin = unary(m.asin, { inexact: true });
export const arccos = unary(m.acos, { inexact: true });
export const arctan = unary(m.atan, { inexact: true });
export const sinh = unary(m.sinh, { inexact: true });
export const cosh = unary(m.cosh, { inexact: true });
export const arcsinh = unary(m.asinh, { inexact: true });
export const arccosh = unary(m.acosh, { inexact: true });
export const arctanh = unary(m.atanh, { inexact: true });
export const sqrt = unary(m.sqrt, { inexact: true });
export const rsqrt = unary(m.rsqrt, { inexact: true });
export const cbrt = unary(m.cbrt, { inexact: true });
export const abs = (x: ArrayLike) => {
  const a = toArray(x);
  return a.dtype === "bool" || a.dtype === "uint32" ? a : bind1(m.abs, [a]);
};
export const absolute = abs;
export const square = (x: ArrayLike) => {
  const a = toArray(x);
  return bind1(m.square, [a.dtype === "bool" ? bind1(convertElementType, [a], { new_dtype: "int32", weak_type: false }) : a]);
};
export const reciprocal = (x: ArrayLike) => divide(1, x);
export const real = (x: ArrayLike) => (isComplex(toArray(x).dtype) ? bind1(m.real, [toArray(x)]) : toArray(x));
export const imag = (x: ArrayLike) => (isComplex(toArray(x).dtype) ? bind1(m.imag, [toArray(x)]) : multiply(toArray(x), 0));
export const conj = (x: ArrayLike) => (isComplex(toArray(x).dtype) ? bind1(m.conj, [toArray(x)]) : toArray(x));
export const conjugate = conj;

/** log(exp(x) + exp(y)), computed stably. */
export function logaddexp(x: ArrayLike, y: ArrayLike): Array {
  const [a, b] = promoteArgs([x, y], { inexact: true });
  const mx = maximum(a, b);
  const d = subtract(a, b);
  const safe = where(isnan(d), add(a, b), add(mx, log1p(exp(negative(abs(d))))));
  return safe;
}

/** np.where(cond, x, y): select with broadcasting and promotion. */
export function where(cond: ArrayLike, x: ArrayLike, y: ArrayLike): Array {
  const [a, b] = promoteArgs([x, y]);
  const c = asBool(cond);
  const shape = broadcastAll([c, a, b]);
  const [cc, aa, bb] = [c, a, b].map((t) => broadcastTo(t, shape));
  return bind1(selectN, [cc, bb, aa]);
}

import { broadcastInDim, convertElementType, selectN } from "../primitives/layout.js";
import { broadcastShapes, sameShape } from "../core/aval.js";
import { ValueError, shapeStr } from "../core/errors.js";

function broadcastAll(xs: Array[]): number[] {
  return broadcastShapes(...xs.map((x) => x.shape));
}

/** np.broadcastTo(x, shape). */
export function broadcastTo(x: ArrayLike, shape: number[]): Array {
  const a = toArray(x);
  if (sameShape(a.shape, shape)) return a;
  const full = broadcastShapes(a.shape, shape);
  if (!sameShape(full, shape)) {
    throw new ValueError(`Incompatible shapes for broadcasting: ${shapeStr(a.shape)} and requested shape ${shapeStr(shape)}`);
  }
  return bind1(broadcastInDim, [a], { shape, broadcast_dimensions: a.shape.map((_, i) => i + shape.length - a.ndim), sharding: null });
}
