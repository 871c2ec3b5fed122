// Elementwise jnp functions: promote dtypes and ranks as JAX does, then bind the lax primitive.

import { Array, ArrayLike } from "../core/array.js";
import { isComplex, isFloat, isInteger } from "../core/dtype.js";
import { Primitive } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import * as m from "../primitives/math.js";
import { declare, declareAs } from "../core/signature.js";
import { promoteArgs, promoteRanks, toArray } from "./convert.js";

type Binary<R extends Array = Array> = (x: ArrayLike, y: ArrayLike) => R;
type Unary<R extends Array = Array> = (x: ArrayLike) => R;
type BoolArray = Array<"bool">;

/** Declares `np.<name>(x, y)` (JAX's parameter names: `x1, x2` for the true binary functions). */
const fn2 = <R extends Array = Array>(name: string, impl: Binary, params = "x, y"): Binary<R> => declareAs(`np.${name}`, params, "", impl) as Binary<R>;
const fn1 = <R extends Array = Array>(name: string, impl: Unary, param = "x"): Unary<R> => declareAs(`np.${name}`, param, "", impl) as Unary<R>;

const binary = (name: string, prim: Primitive, opts: { inexact?: boolean } = {}, params?: string) =>
  fn2(name, (x, y) => bind1(prim, promoteRanks(promoteArgs([x, y], opts))), params);
const compare = (name: string, prim: Primitive) => fn2<BoolArray>(name, (x, y) => bind1(prim, promoteRanks(promoteArgs([x, y]))));

const unary = (name: string, prim: Primitive, opts: { inexact?: boolean } = {}) =>
  fn1(name, (x) => bind1(prim, promoteArgs([x], opts)));

/** Elementwise sum with broadcasting. @example np.add(np.array([1, 2]), 1) */
export const add = binary("add", m.add);
export const subtract = binary("subtract", m.sub);
export const multiply = binary("multiply", m.mul);
/** True division: integers divide as floats. @example np.divide(np.arange(3), 2) */
export const divide = binary("divide", m.div, { inexact: true }, "x1, x2");
export const trueDivide = divide;
export const maximum = binary("maximum", m.max);
export const minimum = binary("minimum", m.min);
export const arctan2 = binary("arctan2", m.atan2, { inexact: true }, "x1, x2");
export const nextafter = binary("nextafter", m.nextafter, { inexact: true });
export const equal = compare("equal", m.eq);
export const notEqual = compare("notEqual", m.ne);
export const less = compare("less", m.lt);
export const lessEqual = compare("lessEqual", m.le);
export const greater = compare("greater", m.gt);
export const greaterEqual = compare("greaterEqual", m.ge);
export const bitwiseAnd = binary("bitwiseAnd", m.and);
export const bitwiseOr = binary("bitwiseOr", m.or);
export const bitwiseXor = binary("bitwiseXor", m.xor);
const logical = (name: string, prim: Primitive) => fn2<BoolArray>(name, (x, y) => bind1(prim, promoteRanks(promoteArgs([asBool(x), asBool(y)]))));
export const logicalAnd = logical("logicalAnd", m.and);
export const logicalOr = logical("logicalOr", m.or);
export const logicalXor = logical("logicalXor", m.xor);
export const logicalNot = fn1<BoolArray>("logicalNot", (x) => bind1(m.not, [asBool(x)]));
export const bitwiseNot = unary("bitwiseNot", m.not);
export const invert = bitwiseNot;

function asBool(x: ArrayLike): Array {
  const a = toArray(x);
  return a.dtype === "bool" ? a : notEqual(a, 0);
}

/** Integer floor division and Python-style modulus, as jnp defines them. @example np.floorDivide(7, 2) */
export const floorDivide = fn2("floorDivide", (x, y) => {
  const [a, b] = promoteRanks(promoteArgs([x, y]));
  if (isFloat(a.dtype)) return floor(bind1(m.div, [a, b]));
  const q = bind1(m.div, [a, b]);
  const r = bind1(m.rem, [a, b]);
  // Round toward -inf where the signs differ and the remainder is nonzero.
  const fix = logicalAnd(notEqual(r, 0), notEqual(less(r, 0), less(b, 0)));
  return where(fix, subtract(q, 1), q);
}, "x1, x2");

/** Python-style modulus (the sign of the divisor). @example np.remainder(-7, 3)   // 2 */
export const remainder = fn2("remainder", (x, y) => {
  const [a, b] = promoteRanks(promoteArgs([x, y]));
  const r = bind1(m.rem, [a, b]);
  const fix = logicalAnd(notEqual(r, 0), notEqual(less(r, 0), less(b, 0)));
  return where(fix, add(r, b), r);
}, "x1, x2");
export const mod = remainder;
export const fmod = binary("fmod", m.rem, {}, "x1, x2");

/** x ** y; an integer JS exponent uses integer_pow (exact for integer arrays). @example np.power(x, 2) */
export const power = fn2("power", (x, y) => {
  if (typeof y === "number" && Number.isInteger(y) && y >= 0 && !(typeof x === "number")) {
    const a = toArray(x);
    return y === 1 ? a : bind1(m.integerPow, [a], { y });
  }
  const [a, b] = promoteRanks(promoteArgs([x, y]));
  if (isInteger(a.dtype)) {
    throw new TypeError("np.power of integer arrays by an integer array exponent is not supported yet; use a JS integer exponent or float arrays.");
  }
  return bind1(m.pow, [a, b]);
}, "x1, x2");
export const pow = power;

const onFloats = (name: string, prim: Primitive, params: Record<string, unknown> = {}, param = "x") =>
  fn1(name, (x) => (isFloat(toArray(x).dtype) ? bind1(prim, [toArray(x)], params) : toArray(x)), param);

export const negative = unary("negative", m.neg);
export const positive = fn1("positive", (x) => toArray(x));
export const sign = unary("sign", m.sign);
export const floor = onFloats("floor", m.floor);
export const ceil = onFloats("ceil", m.ceil);
/** Rounds half to even (decimals are not supported). @example np.round(np.array([0.5, 1.5]))   // [0, 2] */
export const round = onFloats("round", m.round, { rounding_method: 1 }, "a");
export const rint = onFloats("rint", m.round, { rounding_method: 1 });
export const trunc = fn1("trunc", (x) => where(less(x, 0), ceil(x), floor(x)));
export const isfinite = fn1<BoolArray>("isfinite", (x) => (isFloat(toArray(x).dtype) ? bind1(m.isFinite, [toArray(x)]) : notEqual(x, x === x ? toArray(x) : 0).eq(false)));
export const isnan = fn1<BoolArray>("isnan", (x) => notEqual(x, x));
export const isinf = fn1<BoolArray>("isinf", (x) => logicalAnd(logicalNot(isfinite(x)), logicalNot(isnan(x))));
export const exp = unary("exp", m.exp, { inexact: true });
export const exp2 = unary("exp2", m.exp2, { inexact: true });
export const log = unary("log", m.log, { inexact: true });
export const log1p = unary("log1p", m.log1p, { inexact: true });
export const expm1 = unary("expm1", m.expm1, { inexact: true });
export const log2 = fn1("log2", (x) => divide(log(x), Math.LN2));
export const log10 = fn1("log10", (x) => divide(log(x), Math.LN10));
export const tanh = unary("tanh", m.tanh, { inexact: true });
export const sin = unary("sin", m.sin, { inexact: true });
export const cos = unary("cos", m.cos, { inexact: true });
export const tan = unary("tan", m.tan, { inexact: true });
export const arcsin = unary("arcsin", m.asin, { inexact: true });
export const arccos = unary("arccos", m.acos, { inexact: true });
export const arctan = unary("arctan", m.atan, { inexact: true });
export const sinh = unary("sinh", m.sinh, { inexact: true });
export const cosh = unary("cosh", m.cosh, { inexact: true });
export const arcsinh = unary("arcsinh", m.asinh, { inexact: true });
export const arccosh = unary("arccosh", m.acosh, { inexact: true });
export const arctanh = unary("arctanh", m.atanh, { inexact: true });
export const sqrt = unary("sqrt", m.sqrt, { inexact: true });
export const rsqrt = unary("rsqrt", m.rsqrt, { inexact: true });
export const cbrt = unary("cbrt", m.cbrt, { inexact: true });
export const abs = fn1("abs", (x) => {
  const a = toArray(x);
  return a.dtype === "bool" || a.dtype === "uint32" ? a : bind1(m.abs, [a]);
});
export const absolute = abs;
export const square = fn1("square", (x) => {
  const a = toArray(x);
  return bind1(m.square, [a.dtype === "bool" ? bind1(convertElementType, [a], { new_dtype: "int32", weak_type: false }) : a]);
});
export const reciprocal = fn1("reciprocal", (x) => divide(1, x));
export const real = fn1("real", (x) => (isComplex(toArray(x).dtype) ? bind1(m.real, [toArray(x)]) : toArray(x)), "val");
export const imag = fn1("imag", (x) => (isComplex(toArray(x).dtype) ? bind1(m.imag, [toArray(x)]) : multiply(toArray(x), 0)), "val");
export const conj = fn1("conj", (x) => (isComplex(toArray(x).dtype) ? bind1(m.conj, [toArray(x)]) : toArray(x)));
export const conjugate = conj;

/** log(exp(x) + exp(y)), computed stably. @example np.logaddexp(0, 0)   // log 2 */
export const logaddexp = fn2("logaddexp", (x, y) => {
  const [a, b] = promoteArgs([x, y], { inexact: true });
  const mx = maximum(a, b);
  const d = subtract(a, b);
  return where(isnan(d), add(a, b), add(mx, log1p(exp(negative(abs(d))))));
});

/** np.where(condition, x, y): select with broadcasting and promotion. @example np.where(x.gt(0), x, 0) */
export const where = declare("np.where", "condition, x, y", "", (cond: ArrayLike, x: ArrayLike, y: ArrayLike): Array => {
  const [a, b] = promoteArgs([x, y]);
  const c = asBool(cond);
  const shape = broadcastAll([c, a, b]);
  const [cc, aa, bb] = [c, a, b].map((t) => broadcastTo(t, shape));
  return bind1(selectN, [cc, bb, aa]);
});

import { broadcastInDim, convertElementType, selectN } from "../primitives/layout.js";
import { broadcastShapes, sameShape } from "../core/aval.js";
import { ValueError, shapeStr } from "../core/errors.js";

function broadcastAll(xs: Array[]): number[] {
  return broadcastShapes(...xs.map((x) => x.shape));
}

/** Broadcasts to `shape` (numpy's rules). @example np.broadcastTo(np.arange(3), [2, 3]) */
export const broadcastTo = declare("np.broadcastTo", "array, shape:shape", "", (x: ArrayLike, shape: number[] | number): Array => {
  const a = toArray(x);
  if (typeof shape === "number") shape = [shape];
  if (sameShape(a.shape, shape)) return a;
  const full = broadcastShapes(a.shape, shape);
  if (!sameShape(full, shape)) {
    throw new ValueError(`Incompatible shapes for broadcasting: ${shapeStr(a.shape)} and requested shape ${shapeStr(shape)}`);
  }
  return bind1(broadcastInDim, [a], { shape, broadcast_dimensions: a.shape.map((_, i) => i + shape.length - a.ndim), sharding: null });
});
