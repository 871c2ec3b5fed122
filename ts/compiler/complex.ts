// complex64 arithmetic as pairs of float32 expressions: a complex elementwise chain becomes an
// ordinary float32 fused kernel whose store interleaves the real and imaginary parts.
// Formulas follow the cpu reference (ts/primitives/math.ts), except division (Smith's
// algorithm, so float32 doesn't overflow where the float64 reference doesn't) and abs (scaled).

import { E, VMath } from "./bytecode.js";
import type { Node } from "./lower.js";

export interface Complex {
  re: Node;
  im: Node;
}

const f = (eop: number, ...args: Node[]): Node => ({ k: "op", eop, args, imm: 0, dtype: "float32" });
const vmath = (fn: keyof typeof VMath, x: Node): Node => ({ k: "op", eop: E.VMATH, args: [x], imm: VMath[fn], dtype: "float32" });
const bool = (eop: number, ...args: Node[]): Node => ({ k: "op", eop, args, imm: 0, dtype: "bool" });
export const f32 = (v: number): Node => ({ k: "const", bits: new Int32Array(new Float32Array([v]).buffer)[0], dtype: "float32" });
/** `cond ? yes : no` (E.SELECT picks its third operand where the mask is set). */
const pick = (cond: Node, yes: Node, no: Node): Node => f(E.SELECT, cond, no, yes);

export const add = (a: Complex, b: Complex): Complex => ({ re: f(E.FADD, a.re, b.re), im: f(E.FADD, a.im, b.im) });
export const sub = (a: Complex, b: Complex): Complex => ({ re: f(E.FSUB, a.re, b.re), im: f(E.FSUB, a.im, b.im) });
export const neg = (a: Complex): Complex => ({ re: f(E.FNEG, a.re), im: f(E.FNEG, a.im) });
export const conj = (a: Complex): Complex => ({ re: a.re, im: f(E.FNEG, a.im) });

export const mul = (a: Complex, b: Complex): Complex => ({
  re: f(E.FSUB, f(E.FMUL, a.re, b.re), f(E.FMUL, a.im, b.im)),
  im: f(E.FADD, f(E.FMUL, a.re, b.im), f(E.FMUL, a.im, b.re)),
});

export function div(a: Complex, b: Complex): Complex {
  // Smith: divide through by the larger of |b.re|, |b.im|.
  const big = bool(E.FGE, f(E.FABS, b.re), f(E.FABS, b.im));
  const r1 = f(E.FDIV, b.im, b.re), d1 = f(E.FADD, b.re, f(E.FMUL, b.im, r1));
  const r2 = f(E.FDIV, b.re, b.im), d2 = f(E.FADD, b.im, f(E.FMUL, b.re, r2));
  return {
    re: pick(big, f(E.FDIV, f(E.FADD, a.re, f(E.FMUL, a.im, r1)), d1), f(E.FDIV, f(E.FADD, f(E.FMUL, a.re, r2), a.im), d2)),
    im: pick(big, f(E.FDIV, f(E.FSUB, a.im, f(E.FMUL, a.re, r1)), d1), f(E.FDIV, f(E.FSUB, f(E.FMUL, a.im, r2), a.re), d2)),
  };
}

/** |z| = m * sqrt(1 + (n/m)^2) with m, n the larger and smaller magnitude (no overflow). */
export function abs(a: Complex): Node {
  const x = f(E.FABS, a.re), y = f(E.FABS, a.im);
  const m = f(E.FMAX, x, y), n = f(E.FMIN, x, y);
  const q = f(E.FDIV, n, m);
  const h = f(E.FMUL, m, f(E.FSQRT, f(E.FADD, f32(1), f(E.FMUL, q, q))));
  const inf = f32(Infinity);
  const anyInf = bool(E.OR, bool(E.FEQ, x, inf), bool(E.FEQ, y, inf));
  return pick(anyInf, inf, pick(bool(E.FEQ, m, f32(0)), f32(0), h));
}

export function sign(a: Complex): Complex {
  // Scaled by the larger magnitude first, so that subnormal inputs keep their precision.
  const x = f(E.FABS, a.re), y = f(E.FABS, a.im);
  const s = f(E.FMAX, x, y);
  const [re, im] = [f(E.FDIV, a.re, s), f(E.FDIV, a.im, s)];
  const h = f(E.FSQRT, f(E.FADD, f(E.FMUL, re, re), f(E.FMUL, im, im)));
  const inf = f32(Infinity);
  const anyInf = bool(E.OR, bool(E.FEQ, x, inf), bool(E.FEQ, y, inf));
  const zero = bool(E.FEQ, s, f32(0));
  // With an infinite part the reference divides by |z| = inf: NaN there, zeros elsewhere.
  const part = (p: Node, q: Node) => pick(anyInf, f(E.FDIV, p, inf), pick(zero, f32(0), f(E.FDIV, q, h)));
  return { re: part(a.re, re), im: part(a.im, im) };
}

export function exp(a: Complex): Complex {
  const e = vmath("exp", a.re);
  return { re: f(E.FMUL, e, vmath("cos", a.im)), im: f(E.FMUL, e, vmath("sin", a.im)) };
}

export const sin = (a: Complex): Complex => ({
  re: f(E.FMUL, vmath("sin", a.re), vmath("cosh", a.im)),
  im: f(E.FMUL, vmath("cos", a.re), vmath("sinh", a.im)),
});

export const cos = (a: Complex): Complex => ({
  re: f(E.FMUL, vmath("cos", a.re), vmath("cosh", a.im)),
  im: f(E.FNEG, f(E.FMUL, vmath("sin", a.re), vmath("sinh", a.im))),
});

/** z ** y by repeated squaring; a negative y takes the reciprocal (as the reference does). */
export function ipow(a: Complex, y: number): Complex {
  let acc: Complex = { re: f32(1), im: f32(0) };
  let base = a;
  for (let n = Math.abs(y); n > 0; n >>= 1) {
    if (n & 1) acc = mul(acc, base);
    if (n > 1) base = mul(base, base);
  }
  return y < 0 ? div({ re: f32(1), im: f32(0) }, acc) : acc;
}

/** Equality of both parts, as a bool node. */
export const eq = (a: Complex, b: Complex): Node => bool(E.AND, bool(E.FEQ, a.re, b.re), bool(E.FEQ, a.im, b.im));

export const select = (pred: Node, no: Complex, yes: Complex): Complex => ({ re: pick(pred, yes.re, no.re), im: pick(pred, yes.im, no.im) });

/** Which elementwise primitives the rules above cover (the rest run as host calls). */
export const NATIVE = new Set([
  "add", "add_any", "sub", "mul", "div", "neg", "conj", "real", "imag", "complex", "abs", "sign", "exp", "sin", "cos",
  "square", "integer_pow", "eq", "ne", "select_n", "convert_element_type",
]);
