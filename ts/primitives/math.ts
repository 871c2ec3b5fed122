// The elementwise math primitives (lax's names), each with its reference math.

import type { Array } from "../core/array.js";
import { ShapedArray, prod } from "../core/aval.js";
import { isComplex } from "../core/dtype.js";
import { hostFromValues, hostValues, broadcastIndexer } from "../core/host.js";
import { Params, Primitive, UndefinedPrimal } from "../core/primitive.js";
import { bind, bind1, scalar } from "../core/trace.js";
import { avalOf, full, isUndefined, unbroadcast, zeros } from "../transforms/ad_util.js";
import { binaryPrimitive, binaryShape, broadcastTangent, broadcastingBatch, checkDType, checkSameDTypes, unaryPrimitive } from "./elementwise.js";
import { convertElementType, selectN } from "./layout.js";

const cmul = (ar: number, ai: number, br: number, bi: number): [number, number] => [ar * br - ai * bi, ar * bi + ai * br];
const cdiv = (ar: number, ai: number, br: number, bi: number): [number, number] => {
  const d = br * br + bi * bi;
  return [(ar * br + ai * bi) / d, (ai * br - ar * bi) / d];
};
const cexp = (r: number, i: number): [number, number] => [Math.exp(r) * Math.cos(i), Math.exp(r) * Math.sin(i)];
const clog = (r: number, i: number): [number, number] => [Math.log(Math.hypot(r, i)), Math.atan2(i, r)];

// ---- unary ----
export const neg = unaryPrimitive("neg", {
  accepts: "numeric", fn: (x) => -x, complexFn: (r, i) => [-r, -i],
  deriv: (t) => lx.neg(t),
  transpose: ([ct]) => [lx.neg(ct)],
});
export const sign = unaryPrimitive("sign", {
  accepts: "numeric",
  fn: (x, _, d) => (d === "uint32" ? (x > 0 ? 1 : 0) : Number.isNaN(x) ? NaN : Math.sign(x) + 0),
  complexFn: (r, i) => { const m = Math.hypot(r, i); return m === 0 ? [0, 0] : [r / m, i / m]; },
  zeroDeriv: true,
});
export const floor = unaryPrimitive("floor", { accepts: "float", fn: Math.floor, zeroDeriv: true });
export const ceil = unaryPrimitive("ceil", { accepts: "float", fn: Math.ceil, zeroDeriv: true });
/** rounding_method 0 rounds half away from zero, 1 half to even (what jnp.round uses). */
export const round = unaryPrimitive<{ rounding_method: number }>("round", {
  accepts: "float",
  zeroDeriv: true,
  fn: (x, { rounding_method }) => {
    if (rounding_method === 0) return Math.sign(x) * Math.round(Math.abs(x));
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
});
export const isFinite = unaryPrimitive("is_finite", { accepts: "float", fn: (x) => (Number.isFinite(x) ? 1 : 0), outDType: () => "bool", zeroDeriv: true });
export const exp = unaryPrimitive("exp", { accepts: "inexact", fn: Math.exp, complexFn: cexp, deriv: (t, _, ans) => lx.mul(t, ans) });
export const exp2 = unaryPrimitive("exp2", { accepts: "inexact", fn: (x) => 2 ** x, deriv: (t, _, ans) => lx.mul(Math.LN2, lx.mul(t, ans)) });
export const log = unaryPrimitive("log", { accepts: "inexact", fn: Math.log, complexFn: clog, deriv: (t, x) => lx.div(t, x) });
export const log1p = unaryPrimitive("log1p", { accepts: "inexact", fn: Math.log1p, deriv: (t, x) => lx.div(t, lx.add(x, 1)) });
export const expm1 = unaryPrimitive("expm1", { accepts: "inexact", fn: Math.expm1, deriv: (t, _, ans) => lx.mul(t, lx.add(ans, 1)) });
export const tanh = unaryPrimitive("tanh", {
  accepts: "inexact", fn: Math.tanh,
  deriv: (t, x, ans) => lx.mul(lx.add(t, lx.mul(t, ans)), lx.sub(1, ans)),
});
export const logistic = unaryPrimitive("logistic", {
  accepts: "inexact", fn: (x) => 1 / (1 + Math.exp(-x)),
  deriv: (t, _, ans) => lx.mul(t, lx.mul(ans, lx.sub(1, ans))),
});
export const sin = unaryPrimitive("sin", {
  accepts: "inexact", fn: Math.sin, complexFn: (r, i) => [Math.sin(r) * Math.cosh(i), Math.cos(r) * Math.sinh(i)],
  deriv: (t, x) => lx.mul(t, lx.cos(x)),
});
export const cos = unaryPrimitive("cos", {
  accepts: "inexact", fn: Math.cos, complexFn: (r, i) => [Math.cos(r) * Math.cosh(i), -Math.sin(r) * Math.sinh(i)],
  deriv: (t, x) => lx.neg(lx.mul(t, lx.sin(x))),
});
export const tan = unaryPrimitive("tan", { accepts: "inexact", fn: Math.tan, deriv: (t, _, ans) => lx.mul(t, lx.add(1, lx.square(ans))) });
export const asin = unaryPrimitive("asin", { accepts: "inexact", fn: Math.asin, deriv: (t, x) => lx.mul(t, lx.rsqrt(lx.sub(1, lx.square(x)))) });
export const acos = unaryPrimitive("acos", { accepts: "inexact", fn: Math.acos, deriv: (t, x) => lx.mul(t, lx.neg(lx.rsqrt(lx.sub(1, lx.square(x))))) });
export const atan = unaryPrimitive("atan", { accepts: "inexact", fn: Math.atan, deriv: (t, x) => lx.div(t, lx.add(1, lx.square(x))) });
export const sinh = unaryPrimitive("sinh", { accepts: "inexact", fn: Math.sinh, deriv: (t, x) => lx.mul(t, lx.cosh(x)) });
export const cosh = unaryPrimitive("cosh", { accepts: "inexact", fn: Math.cosh, deriv: (t, x) => lx.mul(t, lx.sinh(x)) });
export const asinh = unaryPrimitive("asinh", { accepts: "inexact", fn: Math.asinh, deriv: (t, x) => lx.mul(t, lx.rsqrt(lx.add(lx.square(x), 1))) });
// x^2 - 1 rather than (x + 1)(x - 1), as JAX: the domain is x >= 1.
export const acosh = unaryPrimitive("acosh", { accepts: "inexact", fn: Math.acosh, deriv: (t, x) => lx.mul(t, lx.rsqrt(lx.sub(lx.square(x), 1))) });
export const atanh = unaryPrimitive("atanh", {
  accepts: "inexact", fn: Math.atanh,
  deriv: (t, x) => lx.mul(lx.integerPow(lx.add(1, x), -1), lx.div(t, lx.sub(1, x))),
});
export const sqrt = unaryPrimitive("sqrt", {
  accepts: "inexact",
  fn: Math.sqrt,
  deriv: (t, _, ans) => lx.mul(t, lx.div(0.5, ans)),
  complexFn: (r, i) => { const m = Math.hypot(r, i); const a = Math.sqrt((m + r) / 2); const b = Math.sqrt((m - r) / 2); return [a, i < 0 ? -b : b]; },
});
export const rsqrt = unaryPrimitive("rsqrt", {
  accepts: "inexact", fn: (x) => 1 / Math.sqrt(x),
  deriv: (t, x, ans) => lx.mul(t, lx.mul(-0.5, lx.div(ans, x))),
});
export const cbrt = unaryPrimitive("cbrt", {
  accepts: "float", fn: Math.cbrt,
  deriv: (t, _, ans) => lx.mul(t, lx.mul(1 / 3, lx.integerPow(ans, -2))),
});
export const abs = unaryPrimitive("abs", {
  accepts: "numeric",
  fn: Math.abs,
  complexToReal: Math.hypot,
  outDType: (d) => (isComplex(d) ? "float32" : d),
  // JAX's rule: the real derivative at 0 is +1 (x >= 0 picks t); for complex x, re(conj(x) t) / |x|.
  deriv: (t, x, ans) => isComplex(x.dtype)
    ? lx.real(lx.mul(t, lx.div(lx.conj(x), replaceZero(lx.convert(ans, x.dtype)))))
    : lx.select(lx.ge(x, 0), t, lx.neg(t)),
});
export const not = unaryPrimitive("not", { accepts: "intOrBool", fn: (x, _, d) => (d === "bool" ? (x ? 0 : 1) : ~x), zeroDeriv: true });
export const erf = unaryPrimitive("erf", {
  accepts: "float", fn: erfRef,
  deriv: (t, x) => lx.mul(2 / Math.sqrt(Math.PI), lx.mul(t, lx.exp(lx.neg(lx.square(x))))),
});
export const erfInv = unaryPrimitive("erf_inv", {
  accepts: "float", fn: erfInvRef,
  deriv: (t, _, ans) => lx.mul(Math.sqrt(Math.PI) / 2, lx.mul(t, lx.exp(lx.square(ans)))),
});
// real, imag and conj are linear; they accept real inputs too (real and conj are then the
// identity, imag is zero). Transposes follow JAX's convention for complex cotangents.
export const real = unaryPrimitive("real", {
  accepts: "inexact", fn: (x) => x, complexToReal: (r) => r, outDType: (d) => (isComplex(d) ? "float32" : d),
  deriv: (t) => lx.real(t),
  transpose: ([ct], [x]) => [isComplex(avalOf(x).dtype) ? lx.complex(ct, 0) : ct],
});
export const imag = unaryPrimitive("imag", {
  accepts: "inexact", fn: () => 0, complexToReal: (_, i) => i, outDType: (d) => (isComplex(d) ? "float32" : d),
  deriv: (t) => lx.imag(t),
  transpose: ([ct], [x]) => [isComplex(avalOf(x).dtype) ? lx.complex(0, lx.neg(ct)) : null],
});
export const conj = unaryPrimitive("conj", {
  accepts: "inexact", fn: (x) => x, complexFn: (r, i) => [r, -i],
  deriv: (t) => lx.conj(t),
  transpose: ([ct]) => [isComplex(ct.dtype) ? lx.conj(ct) : ct],
});
export const square = unaryPrimitive("square", {
  accepts: "numeric", fn: (x, _, d) => (d === "int32" || d === "uint32" ? Math.imul(x, x) : x * x), complexFn: (r, i) => cmul(r, i, r, i),
  deriv: (t, x) => lx.mul(t, lx.mul(2, x)),
});
/** x ** y for a static integer y. */
export const integerPow = unaryPrimitive<{ y: number }>("integer_pow", {
  accepts: "numeric",
  checkParams: (x, { y }) => {
    if ((x.dtype === "int32" || x.dtype === "uint32") && y < 0) throw new TypeError(`Integers cannot be raised to negative powers, got x of dtype ${x.dtype} and y=${y}.`);
  },
  fn: (x, { y }, d) => (d === "int32" ? ipowInt32(x, y) : x ** y),
  complexFn: (r, i, { y }) => cipow(r, i, y),
  deriv: (t, x, _, { y }) =>
    y === 0 ? zeros(t.aval) : y === 1 ? t : y === 2 ? lx.mul(t, lx.mul(2, x)) : lx.mul(t, lx.mul(y, lx.integerPow(x, y - 1))),
});

/** z ** y by repeated squaring; a negative y takes the reciprocal (as XLA's lowering does). */
function cipow(r: number, i: number, y: number): [number, number] {
  let acc: [number, number] = [1, 0], base: [number, number] = [r, i];
  for (let n = Math.abs(y); n > 0; n >>= 1) {
    if (n & 1) acc = cmul(...acc, ...base);
    base = cmul(...base, ...base);
  }
  return y < 0 ? cdiv(1, 0, ...acc) : acc;
}

function ipowInt32(x: number, y: number): number {
  let acc = 1;
  for (let i = 0; i < y; i++) acc = Math.imul(acc, x);
  return acc;
}

// ---- binary ----
export const add = binaryPrimitive("add", {
  accepts: "any", fn: (a, b) => a + b, complexFn: (ar, ai, br, bi) => [ar + br, ai + bi],
  jvp([x, y], [tx, ty]) {
    const [ans] = bind(add, [x, y]);
    return [[ans], [broadcastTangent(tx && ty ? lx.add(tx, ty) : tx ?? ty, ans)]];
  },
  transpose: ([ct], [x, y]) => [isUndefined(x) ? unbroadcast(ct, x.aval) : null, isUndefined(y) ? unbroadcast(ct, y.aval) : null],
});
export const sub = binaryPrimitive("sub", {
  accepts: "numeric", fn: (a, b) => a - b, complexFn: (ar, ai, br, bi) => [ar - br, ai - bi],
  jvp([x, y], [tx, ty]) {
    const [ans] = bind(sub, [x, y]);
    const t = tx && ty ? lx.sub(tx, ty) : tx ?? (ty && lx.neg(ty));
    return [[ans], [broadcastTangent(t, ans)]];
  },
  transpose: ([ct], [x, y]) => [isUndefined(x) ? unbroadcast(ct, x.aval) : null, isUndefined(y) ? unbroadcast(lx.neg(ct), y.aval) : null],
});
export const mul = binaryPrimitive("mul", {
  accepts: "any", fn: (a, b, d) => (d === "int32" || d === "uint32" ? Math.imul(a, b) : a * b), complexFn: cmul,
  derivs: [(t, _, y) => lx.mul(t, y), (t, x) => lx.mul(x, t)],
  transpose([ct], [x, y]) {
    if (isUndefined(x) && isUndefined(y)) throw new TypeError("mul is not linear in both of its operands together; it cannot be transposed in both.");
    return isUndefined(x) ? [unbroadcast(lx.mul(ct, y as Array), x.aval), null] : [null, unbroadcast(lx.mul(x, ct), (y as UndefinedPrimal).aval)];
  },
});
export const div = binaryPrimitive("div", {
  accepts: "numeric",
  fn: (a, b, d) => (d === "int32" || d === "uint32" ? (b === 0 ? (d === "uint32" ? 0xffffffff : -1) : Math.trunc(a / b)) : a / b),
  complexFn: cdiv,
  derivs: [(t, _, y) => lx.div(t, y), (t, x, y) => lx.mul(lx.mul(lx.neg(t), x), lx.integerPow(y, -2))],
  transpose([ct], [x, y]) {
    if (!isUndefined(x) || isUndefined(y)) throw new TypeError("div is linear only in its numerator; it cannot be transposed in its denominator.");
    return [unbroadcast(lx.div(ct, y), x.aval), null];
  },
});
export const rem = binaryPrimitive("rem", {
  accepts: "nonComplex", fn: (a, b, d) => (d !== "float32" && d !== "float64" && d !== "float16" && b === 0 ? a : a % b),
  // d/dy (x - y trunc(x / y)) = -trunc(x / y), written as JAX does.
  derivs: [(t) => t, (t, x, y) => lx.mul(lx.neg(t), lx.mul(lx.sign(lx.div(x, y)), lx.floor(lx.abs(lx.div(x, y)))))],
});
export const pow = binaryPrimitive("pow", {
  accepts: "inexact",
  fn: (a, b) => a ** b,
  complexFn: (ar, ai, br, bi) => (ar === 0 && ai === 0 ? (br === 0 && bi === 0 ? [1, 0] : [0, 0]) : cexp(...cmul(...clog(ar, ai), br, bi))),
  // log(x) is replaced by 0 at x = 0 so that d/dy 0^y is 0, not NaN.
  derivs: [(t, x, y) => lx.mul(t, lx.mul(y, lx.pow(x, lx.sub(y, 1)))), (t, x, _, ans) => lx.mul(t, lx.mul(lx.log(replaceZero(x)), ans))],
});
// At ties each operand gets half of the tangent (JAX's _balanced_eq).
export const max = binaryPrimitive("max", {
  accepts: "nonComplex", fn: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  derivs: [(t, x, y, ans) => lx.mul(t, balancedEq(x, ans, y)), (t, x, y, ans) => lx.mul(t, balancedEq(y, ans, x))],
});
export const min = binaryPrimitive("min", {
  accepts: "nonComplex", fn: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  derivs: [(t, x, y, ans) => lx.mul(t, balancedEq(x, ans, y)), (t, x, y, ans) => lx.mul(t, balancedEq(y, ans, x))],
});
export const atan2 = binaryPrimitive("atan2", {
  accepts: "float", fn: Math.atan2,
  derivs: [
    (t, x, y) => lx.mul(t, lx.div(y, lx.add(lx.square(x), lx.square(y)))),
    (t, x, y) => lx.mul(t, lx.div(lx.neg(x), lx.add(lx.square(x), lx.square(y)))),
  ],
});
export const nextafter = binaryPrimitive("nextafter", { accepts: "float", fn: nextafterRef, zeroDeriv: true });
export const and = binaryPrimitive("and", { accepts: "intOrBool", fn: (a, b) => a & b, zeroDeriv: true });
export const or = binaryPrimitive("or", { accepts: "intOrBool", fn: (a, b) => a | b, zeroDeriv: true });
export const xor = binaryPrimitive("xor", { accepts: "intOrBool", fn: (a, b) => a ^ b, zeroDeriv: true });
export const shiftLeft = binaryPrimitive("shift_left", { accepts: "integer", fn: (a, b) => (b >>> 0 >= 32 ? 0 : a << b), zeroDeriv: true });
export const shiftRightLogical = binaryPrimitive("shift_right_logical", { accepts: "integer", fn: (a, b) => (b >>> 0 >= 32 ? 0 : a >>> b), zeroDeriv: true });
export const shiftRightArithmetic = binaryPrimitive("shift_right_arithmetic", {
  // Counts past the width fill with the top bit, for unsigned types too (XLA's semantics).
  accepts: "integer", fn: (a, b, d) => (b >>> 0 >= 32 ? ((a | 0) < 0 ? -1 : 0) : d === "uint32" ? ((a | 0) >> b) >>> 0 : a >> b),
  zeroDeriv: true,
});

const ceq = (ar: number, ai: number, br: number, bi: number): [number, number] => [ar === br && ai === bi ? 1 : 0, 0];
export const eq = binaryPrimitive("eq", { accepts: "any", bool: true, fn: (a, b) => (a === b ? 1 : 0), complexFn: ceq, zeroDeriv: true });
export const ne = binaryPrimitive("ne", { accepts: "any", bool: true, fn: (a, b) => (a !== b ? 1 : 0), complexFn: (ar, ai, br, bi) => [1 - ceq(ar, ai, br, bi)[0], 0], zeroDeriv: true });
export const lt = binaryPrimitive("lt", { accepts: "ordered", bool: true, fn: (a, b) => (a < b ? 1 : 0), zeroDeriv: true });
export const le = binaryPrimitive("le", { accepts: "ordered", bool: true, fn: (a, b) => (a <= b ? 1 : 0), zeroDeriv: true });
export const gt = binaryPrimitive("gt", { accepts: "ordered", bool: true, fn: (a, b) => (a > b ? 1 : 0), zeroDeriv: true });
export const ge = binaryPrimitive("ge", { accepts: "ordered", bool: true, fn: (a, b) => (a >= b ? 1 : 0), zeroDeriv: true });

/** complex(re, im): two float32 arrays make a complex64 array. */
export const complex: Primitive = new Primitive("complex", {
  abstractEval(avals) {
    checkSameDTypes("complex", avals);
    checkDType("complex", avals[0].dtype, "float");
    return [new ShapedArray(binaryShape("complex", avals.map((a) => a.shape)), "complex64")];
  },
  cpu([a, b]) {
    const shape = binaryShape("complex", [a.shape, b.shape]);
    const [va, vb] = [hostValues(a), hostValues(b)];
    const [ia, ib] = [broadcastIndexer(a.shape, shape), broadcastIndexer(b.shape, shape)];
    const n = prod(shape);
    const out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) [out[2 * i], out[2 * i + 1]] = [va[ia(i)], vb[ib(i)]];
    return [hostFromValues(shape, "complex64", out)];
  },
  jvp([x, y], [tx, ty]) {
    const [ans] = bind(complex, [x, y]);
    return [[ans], [lx.complex(tx ?? zeros(x.aval), ty ?? zeros(y.aval))]];
  },
  transpose: ([ct], [x, y]) => [
    isUndefined(x) ? unbroadcast(lx.real(ct), x.aval) : null,
    isUndefined(y) ? unbroadcast(lx.imag(lx.neg(ct)), y.aval) : null,
  ],
  batch: broadcastingBatch(() => complex),
});

// ---- helpers for writing the rules above ----

// lax-style wrappers, one primitive each; a JS number becomes a weak scalar of the other
// operand's dtype. (../lax itself cannot be imported: it reads this module's exports at load.)
type Operand = Array | number;
function ap(prim: Primitive<any>, xs: Operand[], params: Params = {}): Array {
  const ref = xs.find((x): x is Array => typeof x !== "number")!;
  return bind1(prim, xs.map((x) => (typeof x === "number" ? scalar(x, ref.dtype, true) : x)), params);
}
const lx = {
  add: (a: Operand, b: Operand): Array => ap(add, [a, b]),
  sub: (a: Operand, b: Operand): Array => ap(sub, [a, b]),
  mul: (a: Operand, b: Operand): Array => ap(mul, [a, b]),
  div: (a: Operand, b: Operand): Array => ap(div, [a, b]),
  pow: (a: Operand, b: Operand): Array => ap(pow, [a, b]),
  eq: (a: Operand, b: Operand): Array => ap(eq, [a, b]),
  ge: (a: Operand, b: Operand): Array => ap(ge, [a, b]),
  complex: (a: Operand, b: Operand): Array => ap(complex, [a, b]),
  neg: (x: Array): Array => ap(neg, [x]),
  sign: (x: Array): Array => ap(sign, [x]),
  floor: (x: Array): Array => ap(floor, [x]),
  abs: (x: Array): Array => ap(abs, [x]),
  exp: (x: Array): Array => ap(exp, [x]),
  log: (x: Array): Array => ap(log, [x]),
  sin: (x: Array): Array => ap(sin, [x]),
  cos: (x: Array): Array => ap(cos, [x]),
  sinh: (x: Array): Array => ap(sinh, [x]),
  cosh: (x: Array): Array => ap(cosh, [x]),
  square: (x: Array): Array => ap(square, [x]),
  rsqrt: (x: Array): Array => ap(rsqrt, [x]),
  real: (x: Array): Array => ap(real, [x]),
  imag: (x: Array): Array => ap(imag, [x]),
  conj: (x: Array): Array => ap(conj, [x]),
  integerPow: (x: Array, y: number): Array => ap(integerPow, [x], { y }),
  convert: (x: Array, dtype: Array["dtype"]): Array => bind1(convertElementType, [x], { new_dtype: dtype, weak_type: false }),
  /** `onTrue` where `pred`, else `onFalse` (same shapes). */
  select: (pred: Array, onTrue: Array, onFalse: Array): Array => bind1(selectN, [pred, onFalse, onTrue]),
};

/** `x` with its zeros replaced by ones. */
const replaceZero = (x: Array): Array => lx.select(lx.eq(x, 0), full(x.aval, 1), x);

/** 1 where x is the result z, halved where y ties with it too (the max/min tangent weight). */
function balancedEq(x: Array, z: Array, y: Array): Array {
  return lx.div(lx.select(lx.eq(x, z), full(z.aval, 1), zeros(z.aval)), lx.select(lx.eq(y, z), full(z.aval, 2), full(z.aval, 1)));
}

// ---- reference special functions (float64) ----

function erfRef(x: number): number {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? NaN : Math.sign(x);
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series, converges quickly here.
    let term = x, sum = x;
    for (let n = 1; n < 80; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // Continued fraction for erfc (Lentz), accurate for large |x|.
  let f = ax, c = ax, d = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    d = ax + an * d; d = 1 / d;
    c = ax + an / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / (f * Math.sqrt(Math.PI));
  return Math.sign(x) * (1 - erfc);
}

function erfInvRef(y: number): number {
  if (y <= -1) return y === -1 ? -Infinity : NaN;
  if (y >= 1) return y === 1 ? Infinity : NaN;
  // Initial guess (Giles), then Newton steps on erf.
  const w = -Math.log((1 - y) * (1 + y));
  let x = w < 5 ? y * (1.50140941 + 0.246640727 * (w - 2.5)) : y * (2.83297682 + 1.00167406 * (Math.sqrt(w) - 3));
  for (let i = 0; i < 60; i++) {
    const err = erfRef(x) - y;
    const step = err / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
    x -= step;
    if (Math.abs(step) < 1e-16 * Math.max(1, Math.abs(x))) break;
  }
  return x;
}

function nextafterRef(a: number, b: number, d?: string): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (a === b) return b;
  if (d === "float64") {
    // One float64 step (float32's steps below would move float64 values by 2^29 ulps).
    if (a === 0) return b > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
    const u = new BigInt64Array(new Float64Array([a]).buffer);
    u[0] += (a < b) === (a > 0) ? 1n : -1n;
    return new Float64Array(u.buffer)[0];
  }
  const f = new Float32Array([a]);
  const u = new Int32Array(f.buffer);
  if (a === 0) { f[0] = b > 0 ? 1e-45 : -1e-45; return f[0]; }
  u[0] += (a < b) === (a > 0) ? 1 : -1;
  return f[0];
}
