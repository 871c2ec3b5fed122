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
/** Elementwise difference with broadcasting. @example np.subtract(np.array([3, 4]), 1)   // [2, 3] */
export const subtract = binary("subtract", m.sub);
/** Elementwise product with broadcasting. @example np.multiply(np.array([1, 2]), np.array([3, 4]))   // [3, 8] */
export const multiply = binary("multiply", m.mul);
/** True division: integers divide as floats. @example np.divide(np.arange(3), 2) */
export const divide = binary("divide", m.div, { inexact: true }, "x1, x2");
/** Alias of `np.divide`. @example np.trueDivide(np.array([1, 3]), 2)   // [0.5, 1.5] */
export const trueDivide = divide;
/** Elementwise maximum (NaN wins, as numpy). @example np.maximum(np.array([1, 5]), 3)   // [3, 5] */
export const maximum = binary("maximum", m.max);
/** Elementwise minimum (NaN wins, as numpy). @example np.minimum(np.array([1, 5]), 3)   // [1, 3] */
export const minimum = binary("minimum", m.min);
/** Elementwise arctangent of `x1 / x2`, by quadrant. @example np.arctan2(1, -1)   // 3π/4 ≈ 2.356 */
export const arctan2 = binary("arctan2", m.atan2, { inexact: true }, "x1, x2");
/** The next representable float after `x` towards `y`. @example np.nextafter(np.array(1), 2)   // 1.0000001 */
export const nextafter = binary("nextafter", m.nextafter, { inexact: true });
/** Elementwise `x == y` (a bool array). @example np.equal(np.array([1, 2]), 2)   // [false, true] */
export const equal = compare("equal", m.eq);
/** Elementwise `x != y` (a bool array). @example np.notEqual(np.array([1, 2]), 2)   // [true, false] */
export const notEqual = compare("notEqual", m.ne);
/** Elementwise `x < y` (a bool array). @example np.less(np.array([1, 2]), 2)   // [true, false] */
export const less = compare("less", m.lt);
/** Elementwise `x <= y` (a bool array). @example np.lessEqual(np.array([1, 3]), 2)   // [true, false] */
export const lessEqual = compare("lessEqual", m.le);
/** Elementwise `x > y` (a bool array). @example np.greater(np.array([1, 3]), 2)   // [false, true] */
export const greater = compare("greater", m.gt);
/** Elementwise `x >= y` (a bool array). @example np.greaterEqual(np.array([1, 2]), 2)   // [false, true] */
export const greaterEqual = compare("greaterEqual", m.ge);
/** Elementwise bitwise AND of integers or bools. @example np.bitwiseAnd(np.array([6], "int32"), 3)   // [2] */
export const bitwiseAnd = binary("bitwiseAnd", m.and);
/** Elementwise bitwise OR of integers or bools. @example np.bitwiseOr(np.array([4], "int32"), 1)   // [5] */
export const bitwiseOr = binary("bitwiseOr", m.or);
/** Elementwise bitwise XOR of integers or bools. @example np.bitwiseXor(np.array([6], "int32"), 3)   // [5] */
export const bitwiseXor = binary("bitwiseXor", m.xor);
const logical = (name: string, prim: Primitive) => fn2<BoolArray>(name, (x, y) => bind1(prim, promoteRanks(promoteArgs([asBool(x), asBool(y)]))));
/** Elementwise logical AND (nonzero is true). @example np.logicalAnd(np.array([true, true]), np.array([true, false]))   // [true, false] */
export const logicalAnd = logical("logicalAnd", m.and);
/** Elementwise logical OR (nonzero is true). @example np.logicalOr(np.array([0, 1]), 0)   // [false, true] */
export const logicalOr = logical("logicalOr", m.or);
/** Elementwise logical XOR (nonzero is true). @example np.logicalXor(np.array([true, false]), true)   // [false, true] */
export const logicalXor = logical("logicalXor", m.xor);
/** Elementwise logical NOT (nonzero is true). @example np.logicalNot(np.array([0, 2]))   // [true, false] */
export const logicalNot = fn1<BoolArray>("logicalNot", (x) => bind1(m.not, [asBool(x)]));
/** Elementwise bitwise NOT (for bools: logical NOT). @example np.bitwiseNot(np.array([0], "int32"))   // [-1] */
export const bitwiseNot = unary("bitwiseNot", m.not);
/** Alias of `np.bitwiseNot`. @example np.invert(np.array([true, false]))   // [false, true] */
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
/** Alias of `np.remainder` (the sign of the divisor). @example np.mod(-7, 3)   // 2 */
export const mod = remainder;
/** C-style remainder (the sign of the dividend). @example np.fmod(-7, 3)   // -1 */
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
/** Alias of `np.power`. @example np.pow(np.array([2, 3]), 2)   // [4, 9] */
export const pow = power;

const onFloats = (name: string, prim: Primitive, params: Record<string, unknown> = {}, param = "x") =>
  fn1(name, (x) => (isFloat(toArray(x).dtype) ? bind1(prim, [toArray(x)], params) : toArray(x)), param);

/** Elementwise `-x`. @example np.negative(np.array([1, -2]))   // [-1, 2] */
export const negative = unary("negative", m.neg);
/** Elementwise `+x` (the same values). @example np.positive(np.array([1, -2]))   // [1, -2] */
export const positive = fn1("positive", (x) => toArray(x));
/** Elementwise sign: -1, 0 or 1 (0 for 0 and -0). @example np.sign(np.array([-3, 0, 2]))   // [-1, 0, 1] */
export const sign = unary("sign", m.sign);
/** Elementwise floor. @example np.floor(np.array([1.5, -1.5]))   // [1, -2] */
export const floor = onFloats("floor", m.floor);
/** Elementwise ceiling. @example np.ceil(np.array([1.5, -1.5]))   // [2, -1] */
export const ceil = onFloats("ceil", m.ceil);
/** Rounds half to even (decimals are not supported). @example np.round(np.array([0.5, 1.5]))   // [0, 2] */
export const round = onFloats("round", m.round, { rounding_method: 1 }, "a");
/** Rounds to the nearest integer, half to even. @example np.rint(np.array([0.5, 1.5, 2.5]))   // [0, 2, 2] */
export const rint = onFloats("rint", m.round, { rounding_method: 1 });
/** Rounds towards zero. @example np.trunc(np.array([1.7, -1.7]))   // [1, -1] */
export const trunc = fn1("trunc", (x) => where(less(x, 0), ceil(x), floor(x)));
/** Elementwise: not infinite and not NaN. @example np.isfinite(np.array([1, Infinity, NaN]))   // [true, false, false] */
export const isfinite = fn1<BoolArray>("isfinite", (x) => (isFloat(toArray(x).dtype) ? bind1(m.isFinite, [toArray(x)]) : notEqual(x, x === x ? toArray(x) : 0).eq(false)));
/** Elementwise: is NaN. @example np.isnan(np.array([1, NaN]))   // [false, true] */
export const isnan = fn1<BoolArray>("isnan", (x) => notEqual(x, x));
/** Elementwise: is +Infinity or -Infinity. @example np.isinf(np.array([1, -Infinity]))   // [false, true] */
export const isinf = fn1<BoolArray>("isinf", (x) => logicalAnd(logicalNot(isfinite(x)), logicalNot(isnan(x))));
/** Elementwise e^x. @example np.exp(np.array([0, 1]))   // [1, 2.718] */
export const exp = unary("exp", m.exp, { inexact: true });
/** Elementwise 2^x. @example np.exp2(np.array([3]))   // [8] */
export const exp2 = unary("exp2", m.exp2, { inexact: true });
/** Elementwise natural logarithm. @example np.log(np.array([1, Math.E]))   // [0, 1] */
export const log = unary("log", m.log, { inexact: true });
/** Elementwise log(1 + x), accurate for small x. @example np.log1p(np.array([1e-8]))   // [1e-8] */
export const log1p = unary("log1p", m.log1p, { inexact: true });
/** Elementwise e^x - 1, accurate for small x. @example np.expm1(np.array([1e-8]))   // [1e-8] */
export const expm1 = unary("expm1", m.expm1, { inexact: true });
/** Elementwise base-2 logarithm. @example np.log2(np.array([8]))   // [3] */
export const log2 = fn1("log2", (x) => divide(log(x), Math.LN2));
/** Elementwise base-10 logarithm. @example np.log10(np.array([1000]))   // [3] */
export const log10 = fn1("log10", (x) => divide(log(x), Math.LN10));
/** Elementwise hyperbolic tangent. @example np.tanh(np.array([0, 100]))   // [0, 1] */
export const tanh = unary("tanh", m.tanh, { inexact: true });
/** Elementwise sine (radians). @example np.sin(np.array([0, Math.PI / 2]))   // [0, 1] */
export const sin = unary("sin", m.sin, { inexact: true });
/** Elementwise cosine (radians). @example np.cos(np.array([0, Math.PI]))   // [1, -1] */
export const cos = unary("cos", m.cos, { inexact: true });
/** Elementwise tangent (radians). @example np.tan(np.array([Math.PI / 4]))   // [1] */
export const tan = unary("tan", m.tan, { inexact: true });
/** Elementwise inverse sine. @example np.arcsin(np.array([1]))   // [π/2] */
export const arcsin = unary("arcsin", m.asin, { inexact: true });
/** Elementwise inverse cosine. @example np.arccos(np.array([1]))   // [0] */
export const arccos = unary("arccos", m.acos, { inexact: true });
/** Elementwise inverse tangent. @example np.arctan(np.array([1]))   // [π/4] */
export const arctan = unary("arctan", m.atan, { inexact: true });
/** Elementwise hyperbolic sine. @example np.sinh(np.array([0]))   // [0] */
export const sinh = unary("sinh", m.sinh, { inexact: true });
/** Elementwise hyperbolic cosine. @example np.cosh(np.array([0]))   // [1] */
export const cosh = unary("cosh", m.cosh, { inexact: true });
/** Elementwise inverse hyperbolic sine. @example np.arcsinh(np.array([0]))   // [0] */
export const arcsinh = unary("arcsinh", m.asinh, { inexact: true });
/** Elementwise inverse hyperbolic cosine. @example np.arccosh(np.array([1]))   // [0] */
export const arccosh = unary("arccosh", m.acosh, { inexact: true });
/** Elementwise inverse hyperbolic tangent. @example np.arctanh(np.array([0]))   // [0] */
export const arctanh = unary("arctanh", m.atanh, { inexact: true });
/** Elementwise square root. @example np.sqrt(np.array([4, 9]))   // [2, 3] */
export const sqrt = unary("sqrt", m.sqrt, { inexact: true });
/** Elementwise 1 / sqrt(x). @example np.rsqrt(np.array([4]))   // [0.5] */
export const rsqrt = unary("rsqrt", m.rsqrt, { inexact: true });
/** Elementwise cube root. @example np.cbrt(np.array([27, -8]))   // [3, -2] */
export const cbrt = unary("cbrt", m.cbrt, { inexact: true });
/** Elementwise absolute value (the modulus for complex64). @example np.abs(np.array([-2, 3]))   // [2, 3] */
export const abs = fn1("abs", (x) => {
  const a = toArray(x);
  return a.dtype === "bool" || a.dtype === "uint32" ? a : bind1(m.abs, [a]);
});
/** Alias of `np.abs`. @example np.absolute(np.array([-2]))   // [2] */
export const absolute = abs;
/** Elementwise x * x. @example np.square(np.array([3, -2]))   // [9, 4] */
export const square = fn1("square", (x) => {
  const a = toArray(x);
  return bind1(m.square, [a.dtype === "bool" ? bind1(convertElementType, [a], { new_dtype: "int32", weak_type: false }) : a]);
});
/** Elementwise 1 / x. @example np.reciprocal(np.array([2, 4]))   // [0.5, 0.25] */
export const reciprocal = fn1("reciprocal", (x) => divide(1, x));
/** The real part (the values themselves for real dtypes). @example np.real(lax.complex(np.array([1]), np.array([2])))   // [1] */
export const real = fn1("real", (x) => (isComplex(toArray(x).dtype) ? bind1(m.real, [toArray(x)]) : toArray(x)), "val");
/** The imaginary part (zeros for real dtypes). @example np.imag(lax.complex(np.array([1]), np.array([2])))   // [2] */
export const imag = fn1("imag", (x) => (isComplex(toArray(x).dtype) ? bind1(m.imag, [toArray(x)]) : multiply(toArray(x), 0)), "val");
/** The complex conjugate (the values themselves for real dtypes). @example np.conj(lax.complex(np.array([1]), np.array([2])))   // [1 - 2i] */
export const conj = fn1("conj", (x) => (isComplex(toArray(x).dtype) ? bind1(m.conj, [toArray(x)]) : toArray(x)));
/** Alias of `np.conj`. @example np.conjugate(lax.complex(np.array([1]), np.array([2])))   // [1 - 2i] */
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
