// The elementwise math primitives (lax's names), each with its reference math.

import { ShapedArray, prod } from "../core/aval.js";
import { isComplex } from "../core/dtype.js";
import { hostFromValues, hostValues, broadcastIndexer } from "../core/host.js";
import { Primitive } from "../core/primitive.js";
import { binaryPrimitive, binaryShape, checkDType, checkSameDTypes, unaryPrimitive } from "./elementwise.js";

const cmul = (ar: number, ai: number, br: number, bi: number): [number, number] => [ar * br - ai * bi, ar * bi + ai * br];
const cdiv = (ar: number, ai: number, br: number, bi: number): [number, number] => {
  const d = br * br + bi * bi;
  return [(ar * br + ai * bi) / d, (ai * br - ar * bi) / d];
};
const cexp = (r: number, i: number): [number, number] => [Math.exp(r) * Math.cos(i), Math.exp(r) * Math.sin(i)];
const clog = (r: number, i: number): [number, number] => [Math.log(Math.hypot(r, i)), Math.atan2(i, r)];

// ---- unary ----
export const neg = unaryPrimitive("neg", { accepts: "numeric", fn: (x) => -x, complexFn: (r, i) => [-r, -i] });
export const sign = unaryPrimitive("sign", {
  accepts: "numeric",
  fn: (x, _, d) => (d === "uint32" ? (x > 0 ? 1 : 0) : Number.isNaN(x) ? NaN : Math.sign(x) + 0),
  complexFn: (r, i) => { const m = Math.hypot(r, i); return m === 0 ? [0, 0] : [r / m, i / m]; },
});
export const floor = unaryPrimitive("floor", { accepts: "float", fn: Math.floor });
export const ceil = unaryPrimitive("ceil", { accepts: "float", fn: Math.ceil });
/** rounding_method 0 rounds half away from zero, 1 half to even (what jnp.round uses). */
export const round = unaryPrimitive<{ rounding_method: number }>("round", {
  accepts: "float",
  fn: (x, { rounding_method }) => {
    if (rounding_method === 0) return Math.sign(x) * Math.round(Math.abs(x));
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
});
export const isFinite = unaryPrimitive("is_finite", { accepts: "float", fn: (x) => (Number.isFinite(x) ? 1 : 0), outDType: () => "bool" });
export const exp = unaryPrimitive("exp", { accepts: "inexact", fn: Math.exp, complexFn: cexp });
export const exp2 = unaryPrimitive("exp2", { accepts: "inexact", fn: (x) => 2 ** x });
export const log = unaryPrimitive("log", { accepts: "inexact", fn: Math.log, complexFn: clog });
export const log1p = unaryPrimitive("log1p", { accepts: "inexact", fn: Math.log1p });
export const expm1 = unaryPrimitive("expm1", { accepts: "inexact", fn: Math.expm1 });
export const tanh = unaryPrimitive("tanh", { accepts: "inexact", fn: Math.tanh });
export const logistic = unaryPrimitive("logistic", { accepts: "inexact", fn: (x) => 1 / (1 + Math.exp(-x)) });
export const sin = unaryPrimitive("sin", { accepts: "inexact", fn: Math.sin, complexFn: (r, i) => [Math.sin(r) * Math.cosh(i), Math.cos(r) * Math.sinh(i)] });
export const cos = unaryPrimitive("cos", { accepts: "inexact", fn: Math.cos, complexFn: (r, i) => [Math.cos(r) * Math.cosh(i), -Math.sin(r) * Math.sinh(i)] });
export const tan = unaryPrimitive("tan", { accepts: "inexact", fn: Math.tan });
export const asin = unaryPrimitive("asin", { accepts: "inexact", fn: Math.asin });
export const acos = unaryPrimitive("acos", { accepts: "inexact", fn: Math.acos });
export const atan = unaryPrimitive("atan", { accepts: "inexact", fn: Math.atan });
export const sinh = unaryPrimitive("sinh", { accepts: "inexact", fn: Math.sinh });
export const cosh = unaryPrimitive("cosh", { accepts: "inexact", fn: Math.cosh });
export const asinh = unaryPrimitive("asinh", { accepts: "inexact", fn: Math.asinh });
export const acosh = unaryPrimitive("acosh", { accepts: "inexact", fn: Math.acosh });
export const atanh = unaryPrimitive("atanh", { accepts: "inexact", fn: Math.atanh });
export const sqrt = unaryPrimitive("sqrt", {
  accepts: "inexact",
  fn: Math.sqrt,
  complexFn: (r, i) => { const m = Math.hypot(r, i); const a = Math.sqrt((m + r) / 2); const b = Math.sqrt((m - r) / 2); return [a, i < 0 ? -b : b]; },
});
export const rsqrt = unaryPrimitive("rsqrt", { accepts: "inexact", fn: (x) => 1 / Math.sqrt(x) });
export const cbrt = unaryPrimitive("cbrt", { accepts: "float", fn: Math.cbrt });
export const abs = unaryPrimitive("abs", {
  accepts: "numeric",
  fn: Math.abs,
  complexToReal: Math.hypot,
  outDType: (d) => (isComplex(d) ? "float32" : d),
});
export const not = unaryPrimitive("not", { accepts: "intOrBool", fn: (x, _, d) => (d === "bool" ? (x ? 0 : 1) : ~x) });
export const erf = unaryPrimitive("erf", { accepts: "float", fn: erfRef });
export const erfInv = unaryPrimitive("erf_inv", { accepts: "float", fn: erfInvRef });
export const real = unaryPrimitive("real", { accepts: "inexact", fn: (x) => x, complexToReal: (r) => r, outDType: (d) => (isComplex(d) ? "float32" : d) });
export const imag = unaryPrimitive("imag", { accepts: "inexact", fn: () => 0, complexToReal: (_, i) => i, outDType: (d) => (isComplex(d) ? "float32" : d) });
export const conj = unaryPrimitive("conj", { accepts: "inexact", fn: (x) => x, complexFn: (r, i) => [r, -i] });
export const square = unaryPrimitive("square", { accepts: "numeric", fn: (x, _, d) => (d === "int32" || d === "uint32" ? Math.imul(x, x) : x * x), complexFn: (r, i) => cmul(r, i, r, i) });
/** x ** y for a static integer y. */
export const integerPow = unaryPrimitive<{ y: number }>("integer_pow", {
  accepts: "numeric",
  fn: (x, { y }, d) => (d === "int32" ? ipowInt32(x, y) : x ** y),
  complexFn: undefined,
});

function ipowInt32(x: number, y: number): number {
  let acc = 1;
  for (let i = 0; i < y; i++) acc = Math.imul(acc, x);
  return acc;
}

// ---- binary ----
export const add = binaryPrimitive("add", { accepts: "any", fn: (a, b) => a + b, complexFn: (ar, ai, br, bi) => [ar + br, ai + bi] });
export const sub = binaryPrimitive("sub", { accepts: "numeric", fn: (a, b) => a - b, complexFn: (ar, ai, br, bi) => [ar - br, ai - bi] });
export const mul = binaryPrimitive("mul", { accepts: "any", fn: (a, b, d) => (d === "int32" || d === "uint32" ? Math.imul(a, b) : a * b), complexFn: cmul });
export const div = binaryPrimitive("div", {
  accepts: "numeric",
  fn: (a, b, d) => (d === "int32" || d === "uint32" ? (b === 0 ? (d === "uint32" ? 0xffffffff : -1) : Math.trunc(a / b)) : a / b),
  complexFn: cdiv,
});
export const rem = binaryPrimitive("rem", { accepts: "nonComplex", fn: (a, b, d) => (d !== "float32" && d !== "float64" && d !== "float16" && b === 0 ? a : a % b) });
export const pow = binaryPrimitive("pow", {
  accepts: "inexact",
  fn: (a, b) => a ** b,
  complexFn: (ar, ai, br, bi) => (ar === 0 && ai === 0 ? (br === 0 && bi === 0 ? [1, 0] : [0, 0]) : cexp(...cmul(...clog(ar, ai), br, bi))),
});
export const max = binaryPrimitive("max", { accepts: "nonComplex", fn: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)) });
export const min = binaryPrimitive("min", { accepts: "nonComplex", fn: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)) });
export const atan2 = binaryPrimitive("atan2", { accepts: "float", fn: Math.atan2 });
export const nextafter = binaryPrimitive("nextafter", { accepts: "float", fn: nextafterRef });
export const and = binaryPrimitive("and", { accepts: "intOrBool", fn: (a, b) => a & b });
export const or = binaryPrimitive("or", { accepts: "intOrBool", fn: (a, b) => a | b });
export const xor = binaryPrimitive("xor", { accepts: "intOrBool", fn: (a, b) => a ^ b });
export const shiftLeft = binaryPrimitive("shift_left", { accepts: "integer", fn: (a, b) => (b >>> 0 >= 32 ? 0 : a << b) });
export const shiftRightLogical = binaryPrimitive("shift_right_logical", { accepts: "integer", fn: (a, b) => (b >>> 0 >= 32 ? 0 : a >>> b) });
export const shiftRightArithmetic = binaryPrimitive("shift_right_arithmetic", { accepts: "integer", fn: (a, b, d) => (b >>> 0 >= 32 ? (a < 0 && d === "int32" ? -1 : 0) : d === "uint32" ? ((a | 0) >> b) >>> 0 : a >> b) });

const ceq = (ar: number, ai: number, br: number, bi: number): [number, number] => [ar === br && ai === bi ? 1 : 0, 0];
export const eq = binaryPrimitive("eq", { accepts: "any", bool: true, fn: (a, b) => (a === b ? 1 : 0), complexFn: ceq });
export const ne = binaryPrimitive("ne", { accepts: "any", bool: true, fn: (a, b) => (a !== b ? 1 : 0), complexFn: (ar, ai, br, bi) => [1 - ceq(ar, ai, br, bi)[0], 0] });
export const lt = binaryPrimitive("lt", { accepts: "ordered", bool: true, fn: (a, b) => (a < b ? 1 : 0) });
export const le = binaryPrimitive("le", { accepts: "ordered", bool: true, fn: (a, b) => (a <= b ? 1 : 0) });
export const gt = binaryPrimitive("gt", { accepts: "ordered", bool: true, fn: (a, b) => (a > b ? 1 : 0) });
export const ge = binaryPrimitive("ge", { accepts: "ordered", bool: true, fn: (a, b) => (a >= b ? 1 : 0) });

/** complex(re, im): two float32 arrays make a complex64 array. */
export const complex = new Primitive("complex", {
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
});

// ---- reference special functions (float64) ----

function erfRef(x: number): number {
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

function nextafterRef(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (a === b) return b;
  const f = new Float32Array([a]);
  const u = new Int32Array(f.buffer);
  if (a === 0) { f[0] = b > 0 ? 1e-45 : -1e-45; return f[0]; }
  u[0] += (a < b) === (a > 0) ? 1 : -1;
  return f[0];
}
