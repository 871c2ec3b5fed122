// Derivatives of the elementwise primitives (ts/primitives/math.ts): forward and reverse mode
// against finite differences in float64 to second order, closed forms, JAX's conventions at
// ties and zeros, zero tangents of integer and piecewise-constant ops, and complex inputs.

import { Array, jvp, lax, makeJaxpr, numpy as np, vjp } from "../../ts/index.js";
import { ShapedArray } from "../../ts/core/aval.js";
import { Primitive, UndefinedPrimal } from "../../ts/core/primitive.js";
import * as m from "../../ts/primitives/math.js";
import { checkGrads } from "../util/check_grads.js";
import { expectClose } from "../util/close.js";

const f64 = (xs: number | number[] | number[][]) => np.array(xs, { dtype: "float64" });
const list = (x: Array) => x.tolistSync();
const fwd = (f: (...a: Array[]) => Array, xs: Array[], ts: Array[]): Array => jvp(f, xs, ts)[1];
const rev = (f: (...a: Array[]) => Array, xs: Array[], ct: Array): Array[] => vjp(f, ...xs)[1](ct);

describe("elementwise derivatives", () => {
  // Points inside each primitive's domain, away from kinks.
  const UNARY: [string, (x: Array) => Array, number[]][] = [
    ["neg", lax.neg, [-1.3, 0.4, 2.1]],
    ["exp", lax.exp, [-1.3, 0.4, 2.1]],
    ["exp2", lax.exp2, [-1.3, 0.4, 2.1]],
    ["log", lax.log, [0.3, 1.4, 5]],
    ["log1p", lax.log1p, [-0.7, 0.4, 3]],
    ["expm1", lax.expm1, [-1.3, 0.01, 2.1]],
    ["tanh", lax.tanh, [-1.3, 0.4, 2.1]],
    ["logistic", lax.logistic, [-1.3, 0.4, 2.1]],
    ["sin", lax.sin, [-1.3, 0.4, 2.1]],
    ["cos", lax.cos, [-1.3, 0.4, 2.1]],
    ["tan", lax.tan, [-1.1, 0.4, 1.2]],
    ["asin", lax.asin, [-0.8, 0.1, 0.7]],
    ["acos", lax.acos, [-0.8, 0.1, 0.7]],
    ["atan", lax.atan, [-1.3, 0.4, 2.1]],
    ["sinh", lax.sinh, [-1.3, 0.4, 2.1]],
    ["cosh", lax.cosh, [-1.3, 0.4, 2.1]],
    ["asinh", lax.asinh, [-1.3, 0.4, 2.1]],
    ["acosh", lax.acosh, [1.2, 1.9, 4]],
    ["atanh", lax.atanh, [-0.8, 0.1, 0.7]],
    ["sqrt", lax.sqrt, [0.3, 1.4, 5]],
    ["rsqrt", lax.rsqrt, [0.3, 1.4, 5]],
    ["cbrt", lax.cbrt, [-2.5, 0.3, 5]],
    ["abs", lax.abs, [-1.3, 0.4, 2.1]],
    ["erf", lax.erf, [-1.3, 0.4, 2.1]],
    ["erf_inv", lax.erfInv, [-0.8, 0.1, 0.7]],
    ["square", lax.square, [-1.3, 0.4, 2.1]],
    ["integer_pow 3", (x) => lax.integerPow(x, 3), [-1.3, 0.4, 2.1]],
    ["integer_pow -2", (x) => lax.integerPow(x, -2), [-1.3, 0.4, 2.1]],
    ["integer_pow 1", (x) => lax.integerPow(x, 1), [-1.3, 0.4, 2.1]],
    ["integer_pow 0", (x) => lax.integerPow(x, 0), [-1.3, 0.4, 2.1]],
    ["real (of a real input)", lax.real, [-1.3, 0.4, 2.1]],
    ["imag (of a real input)", lax.imag, [-1.3, 0.4, 2.1]],
    ["conj (of a real input)", lax.conj, [-1.3, 0.4, 2.1]],
  ];
  for (const [name, f, xs] of UNARY) {
    it(`${name}: jvp and vjp match finite differences to second order`, () => {
      checkGrads(f, [f64(xs)], { order: 2, modes: ["fwd", "rev"], what: name });
    });
  }

  // Same shapes, a rank-0 operand, and size-1 axes stretching (the transposes sum back).
  const shapes: [number[], number[]][] = [[[2, 3], [2, 3]], [[2, 3], []], [[], [3]], [[2, 1], [1, 3]]];
  const BINARY: [string, (x: Array, y: Array) => Array, (i: number) => number, (i: number) => number][] = [
    ["add", lax.add, (i) => 0.3 * i - 1, (i) => 0.7 - 0.2 * i],
    ["sub", lax.sub, (i) => 0.3 * i - 1, (i) => 0.7 - 0.2 * i],
    ["mul", lax.mul, (i) => 0.3 * i - 1, (i) => 0.7 - 0.2 * i],
    ["div", lax.div, (i) => 0.3 * i - 1, (i) => 1.7 + 0.2 * i],
    ["rem", lax.rem, (i) => 5.35 - 1.1 * i, (i) => 1.7 + 0.2 * i],
    ["pow", lax.pow, (i) => 0.4 + 0.3 * i, (i) => 1.3 - 0.4 * i],
    ["max", lax.max, (i) => 0.3 * i - 1, (i) => 0.35 - 0.2 * i],
    ["min", lax.min, (i) => 0.3 * i - 1, (i) => 0.35 - 0.2 * i],
    ["atan2", lax.atan2, (i) => 0.3 * i - 1, (i) => 0.7 - 0.25 * i],
  ];
  const filled = (shape: number[], g: (i: number) => number) =>
    f64(globalThis.Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => g(i))).reshape(shape);
  for (const [name, f, gx, gy] of BINARY) {
    for (const [sx, sy] of shapes) {
      it(`${name} ${JSON.stringify(sx)} x ${JSON.stringify(sy)}: jvp and vjp match finite differences to second order`, () => {
        checkGrads(f, [filled(sx, gx), filled(sy, gy)], { order: 2, modes: ["fwd", "rev"], what: name });
      });
    }
  }

  it("closed forms: tanh, logistic, exp, log, sqrt, erf, erf_inv, atan2", () => {
    const x = f64([-1.3, 0.4, 2.1]);
    const d = (f: (x: Array) => Array, at = x) => list(fwd(f, [at], [np.onesLike(at)]));
    const v = list(x) as number[];
    const erfInvRef = (y: number) => list(lax.erfInv(f64(y))) as number;
    expectClose(d(lax.tanh), v.map((a) => 1 - Math.tanh(a) ** 2), { rtol: 1e-14, atol: 1e-15 });
    expectClose(d(lax.logistic), v.map((a) => Math.exp(-a) / (1 + Math.exp(-a)) ** 2), { rtol: 1e-14, atol: 1e-15 });
    expectClose(d(lax.exp), v.map(Math.exp), { rtol: 1e-15, atol: 0 });
    expectClose(d(lax.log, f64([0.3, 1.4, 5])), [1 / 0.3, 1 / 1.4, 1 / 5], { rtol: 1e-15, atol: 0 });
    expectClose(d(lax.sqrt, f64([0.3, 1.4, 5])), [0.3, 1.4, 5].map((a) => 0.5 / Math.sqrt(a)), { rtol: 1e-15, atol: 0 });
    expectClose(d(lax.erf), v.map((a) => (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a)), { rtol: 1e-14, atol: 0 });
    expectClose(d(lax.erfInv, f64([-0.5, 0.2])), [-0.5, 0.2].map((y) => (Math.sqrt(Math.PI) / 2) * Math.exp(erfInvRef(y) ** 2)), { rtol: 1e-14, atol: 0 });
    const [gx, gy] = rev(lax.atan2, [f64(0.6), f64(-1.5)], f64(1)).map(list);
    expectClose([gx, gy], [-1.5 / (0.36 + 2.25), -0.6 / (0.36 + 2.25)], { rtol: 1e-15, atol: 0 });
  });

  it("max and min split the tangent evenly at ties (JAX's _balanced_eq)", () => {
    const x = f64([1, 2, 3]), y = f64([1, 5, 0]);
    for (const f of [lax.max, lax.min]) {
      const [gx, gy] = rev(f, [x, y], f64([1, 1, 1])).map(list);
      const xWins = f === lax.max ? [0.5, 0, 1] : [0.5, 1, 0];
      expect(gx).toEqual(xWins);
      expect(gy).toEqual(xWins.map((w) => 1 - w));
      expect(list(fwd(f, [x, y], [f64([1, 1, 1]), f64([0, 0, 0])]))).toEqual(xWins);
    }
    // A weak scalar operand ties too: d/dx max(x, 1) at x = 1.
    expect(list(fwd((a) => lax.max(a, 1), [f64(1)], [f64(1)]))).toBe(0.5);
  });

  it("abs at 0 follows JAX: select(x >= 0, t, -t), so the tangent is t", () => {
    // (JAX's current rule; older JAX multiplied by sign(x), which gave 0 here.)
    expect(list(fwd(lax.abs, [f64([0, -0, -2, 3])], [f64([1, 1, 1, 1])]))).toEqual([1, 1, -1, 1]);
    expect(list(rev(lax.abs, [f64([0, -2])], f64([1, 1]))[0])).toEqual([1, -1]);
  });

  it("pow at x = 0: d/dy 0^y is 0 (log replaced at 0), d/dx follows y x^(y-1)", () => {
    const [gx, gy] = rev(lax.pow, [f64([0, 0, 0]), f64([2, 1, 3])], f64([1, 1, 1])).map(list);
    expect(gy).toEqual([0, 0, 0]);
    expect(gx).toEqual([0, 1, 0]);
  });

  it("rem: d/dx is 1, d/dy is -trunc(x / y)", () => {
    const [gx, gy] = rev(lax.rem, [f64([5.5, -5.5, 1]), f64([2, 2, 3])], f64([1, 1, 1])).map(list);
    expect(gx).toEqual([1, 1, 1]);
    expectClose(gy, [-2, 2, 0], { rtol: 0, atol: 0 });
  });

  it("the tangent of a broadcast operand is stretched to the output's shape", () => {
    const v = f64([1, 2, 3]);
    for (const f of [lax.add, lax.sub, lax.rem, lax.mul, lax.max]) {
      const dy = fwd((a) => f(a, v), [f64(0.5)], [f64(1)]);
      expect(dy.shape).withContext(String(f)).toEqual([3]);
      const dz = fwd((b) => f(f64([[4], [5]]), b), [f64([[1.5, 2.5, 3.5]])], [f64([[1, 1, 1]])]);
      expect(dz.shape).withContext(String(f)).toEqual([2, 3]);
    }
    expect(list(fwd((b) => lax.sub(v, b), [f64(0.5)], [f64(2)]))).toEqual([-2, -2, -2]);
  });

  it("piecewise constant ops have zero tangents and cotangents", () => {
    const x = f64([-1.5, 0.3, 2.5]), t = f64([1, 2, 3]);
    const fs: [string, (x: Array) => Array][] = [
      ["sign", lax.sign], ["floor", lax.floor], ["ceil", lax.ceil], ["round", (a) => lax.round(a)], ["round even", (a) => lax.round(a, 1)],
      ["nextafter", (a) => lax.nextafter(a, f64([0, 0, 0]))],
    ];
    for (const [name, f] of fs) {
      expect(list(fwd(f, [x], [t]))).withContext(name).toEqual([0, 0, 0]);
      expect(list(rev(f, [x], t)[0])).withContext(name).toEqual([0, 0, 0]);
    }
    // Bool outputs: is_finite and comparisons.
    for (const f of [(a: Array) => lax.isFinite(a), (a: Array) => lax.lt(a, 0), (a: Array) => lax.eq(a, a), (a: Array) => lax.ge(a, 1)]) {
      const [y, dy] = jvp(f, [x], [t]);
      expect(y.dtype).toBe("bool");
      expect(list(dy)).toEqual([false, false, false].map(() => dy.dtype === "bool" ? false : 0));
    }
  });

  it("integer and bool inputs give zero tangents", () => {
    const i = np.array([3, -4, 5], { dtype: "int32" }), j = np.array([2, 2, 1], { dtype: "int32" });
    const b = np.array([true, false, true]);
    const cases: [string, () => [Array, Array | null]][] = [
      ["mul", () => jvp((a: Array) => lax.mul(a, j), [i], [null]) as [Array, Array]],
      ["abs", () => jvp(lax.abs, [i], [null]) as [Array, Array]],
      ["shift_left", () => jvp((a: Array) => lax.shiftLeft(a, j), [i], [null]) as [Array, Array]],
      ["and", () => jvp((a: Array) => lax.bitwiseAnd(a, b), [b], [null]) as [Array, Array]],
      ["not", () => jvp(lax.not, [b], [null]) as [Array, Array]],
    ];
    for (const [name, run] of cases) {
      const [, dy] = run();
      expect(dy === null || (list(dy!) as number[]).every((v) => !v)).withContext(name).toBeTrue();
    }
    // The rules themselves, called directly with integer primals: a null (zero) tangent.
    const rule = (p: typeof m.add, args: Array[]) => p.rules.jvp!(args, args.map(() => null), {})[1][0];
    for (const p of [m.add, m.sub, m.mul, m.div, m.max, m.min, m.rem, m.and, m.shiftRightLogical, m.lt]) {
      expect(rule(p, [i, j])).withContext(p.name).toBeNull();
    }
    expect(m.abs.rules.jvp!([i], [null], {})[1][0]).toBeNull();
    expect(m.integerPow.rules.jvp!([i], [null], { y: 3 })[1][0]).toBeNull();
  });

  it("every primitive in math.ts has a jvp and a batch rule; the linear ones a transpose", () => {
    const prims = Object.values(m).filter((p): p is Primitive => p instanceof Primitive);
    expect(prims.length).toBeGreaterThan(55);
    expect(prims.filter((p) => !p.rules.jvp || !p.rules.batch).map((p) => p.name)).toEqual([]);
    const linear = ["neg", "add", "sub", "mul", "div", "real", "imag", "conj", "complex"];
    expect(prims.filter((p) => p.rules.transpose).map((p) => p.name).sort()).toEqual(linear.sort());
  });

  it("mul transposes in one operand only, div in its numerator only", () => {
    const u = new UndefinedPrimal(new ShapedArray([2], "float32"));
    const ct = np.ones([2], { dtype: "float32" });
    expect(() => m.mul.rules.transpose!([ct], [u, u], {})).toThrowError(TypeError, /linear/);
    expect(() => m.div.rules.transpose!([ct], [ct, u], {})).toThrowError(TypeError, /numerator/);
    expect(list(m.div.rules.transpose!([ct], [u, np.array(4, { dtype: "float32" })], {})[0]!)).toEqual([0.25, 0.25]);
  });

  it("jvp jaxprs are JAX's (jax 0.10.2 make_jaxpr text)", () => {
    const x = np.array(1.5, { dtype: "float32" });
    const text = (f: (...a: Array[]) => unknown, n: number) => String(makeJaxpr(f)(...new globalThis.Array(n).fill(x)));
    expect(text((a, t) => jvp(lax.sin, [a], [t]), 2)).toBe(
      "{ lambda ; a:f32[] b:f32[]. let\n    c:f32[] = sin a\n    d:f32[] = cos a\n    e:f32[] = mul b d\n  in (c, e) }");
    expect(text((a, t) => jvp(lax.tanh, [a], [t]), 2)).toBe(
      "{ lambda ; a:f32[] b:f32[]. let\n    c:f32[] = tanh a\n    d:f32[] = mul b c\n    e:f32[] = add b d\n" +
      "    f:f32[] = sub 1.0:f32[] c\n    g:f32[] = mul e f\n  in (c, g) }");
    expect(text((a, b, t, u) => jvp(lax.pow, [a, b], [t, u]), 4)).toBe(
      "{ lambda ; a:f32[] b:f32[] c:f32[] d:f32[]. let\n    e:f32[] = pow a b\n    f:f32[] = sub b 1.0:f32[]\n" +
      "    g:f32[] = pow a f\n    h:f32[] = mul b g\n    i:f32[] = mul c h\n    j:bool[] = eq a 0.0:f32[]\n" +
      "    k:f32[] = select_n j a 1.0:f32[]\n    l:f32[] = log k\n    m:f32[] = mul l e\n    n:f32[] = mul d m\n" +
      "    o:f32[] = add_any i n\n  in (e, o) }");
    expect(text((a, b, t, u) => jvp(lax.max, [a, b], [t, u]), 4)).toBe(
      "{ lambda ; a:f32[] b:f32[] c:f32[] d:f32[]. let\n    e:f32[] = max a b\n    f:bool[] = eq a e\n" +
      "    g:f32[] = select_n f 0.0:f32[] 1.0:f32[]\n    h:bool[] = eq b e\n    i:f32[] = select_n h 1.0:f32[] 2.0:f32[]\n" +
      "    j:f32[] = div g i\n    k:f32[] = mul c j\n    l:bool[] = eq b e\n    m:f32[] = select_n l 0.0:f32[] 1.0:f32[]\n" +
      "    n:bool[] = eq a e\n    o:f32[] = select_n n 1.0:f32[] 2.0:f32[]\n    p:f32[] = div m o\n    q:f32[] = mul d p\n" +
      "    r:f32[] = add_any k q\n  in (e, r) }");
    expect(text((a, t) => jvp((b: Array) => lax.div(b, np.ones([3], { dtype: "float32" })), [a], [t]), 2)).toBe(
      "{ lambda ; a:f32[] b:f32[]. let\n    c:f32[3] = broadcast_in_dim 1.0:f32[]\n    d:f32[3] = div a c\n" +
      "    e:f32[3] = div b c\n  in (d, e) }");
  });

  describe("complex", () => {
    const z = lax.complex(np.array([0.7, -1.2], { dtype: "float32" }), np.array([0.4, 0.9], { dtype: "float32" }));
    const w = lax.complex(np.array([1.5, 0.3], { dtype: "float32" }), np.array([-0.5, 2], { dtype: "float32" }));
    const t = lax.complex(np.array([1, -0.5], { dtype: "float32" }), np.array([0.25, 2], { dtype: "float32" }));
    type C = [number, number];
    const cmul = ([a, b]: C, [c, d]: C): C => [a * c - b * d, a * d + b * c];
    const cdiv = ([a, b]: C, [c, d]: C): C => [(a * c + b * d) / (c * c + d * d), (b * c - a * d) / (c * c + d * d)];
    const cexp = ([a, b]: C): C => [Math.exp(a) * Math.cos(b), Math.exp(a) * Math.sin(b)];
    const ccos = ([a, b]: C): C => [Math.cos(a) * Math.cosh(b), -Math.sin(a) * Math.sinh(b)];
    const zs = list(z) as C[], ws = list(w) as C[], ts = list(t) as C[];
    const F32 = { rtol: 1e-5, atol: 1e-6 };

    it("jvp of exp, log, sin and mul is the holomorphic derivative times the tangent", () => {
      expectClose(list(fwd(lax.exp, [z], [t])), zs.map((a, i) => cmul(cexp(a), ts[i])), F32);
      expectClose(list(fwd(lax.log, [z], [t])), zs.map((a, i) => cdiv(ts[i], a)), F32);
      expectClose(list(fwd(lax.sin, [z], [t])), zs.map((a, i) => cmul(ccos(a), ts[i])), F32);
      expectClose(list(fwd(lax.mul, [z, w], [t, t])), zs.map((a, i) => cmul(ts[i], [a[0] + ws[i][0], a[1] + ws[i][1]])), F32);
      expectClose(list(fwd((a) => lax.mul(a, w), [z], [t])), ws.map((b, i) => cmul(ts[i], b)), F32);
      // d(z / w) = t / w - z t / w^2; d(z^3) = 3 z^2 t; d sqrt(z) = t / (2 sqrt(z)).
      const dq = zs.map((a, i) => { const q = cdiv(ts[i], ws[i]); const r = cdiv(cmul(a, ts[i]), cmul(ws[i], ws[i])); return [q[0] - r[0], q[1] - r[1]]; });
      expectClose(list(fwd(lax.div, [z, w], [t, t])), dq, F32);
      expectClose(list(fwd((a) => lax.integerPow(a, 3), [z], [t])), zs.map((a, i) => cmul(cmul([3, 0], cmul(a, a)), ts[i])), F32);
      expectClose(list(fwd(lax.sqrt, [z], [t])), zs.map((a, i) => cdiv(ts[i], cmul([2, 0], list(lax.sqrt(z))[i] as C))), F32);
    });

    it("vjp of mul and exp uses JAX's convention (the cotangent times the derivative, unconjugated)", () => {
      const ct = lax.complex(np.array([1, 0], { dtype: "float32" }), np.array([0, 1], { dtype: "float32" }));
      const cts = list(ct) as C[];
      expectClose(list(rev((a) => lax.mul(a, w), [z], ct)[0]), ws.map((b, i) => cmul(cts[i], b)), F32);
      expectClose(list(rev(lax.exp, [z], ct)[0]), zs.map((a, i) => cmul(cts[i], cexp(a))), F32);
    });

    it("abs of a complex input: jvp re(conj(z) t) / |z|, and 0 at z = 0", () => {
      const expected = zs.map((a, i) => (a[0] * ts[i][0] + a[1] * ts[i][1]) / Math.hypot(...a));
      expectClose(list(fwd(lax.abs, [z], [t])), expected, F32);
      const zero = lax.complex(np.zeros([1], { dtype: "float32" }), np.zeros([1], { dtype: "float32" }));
      expect(list(fwd(lax.abs, [zero], [lax.complex(np.ones([1], { dtype: "float32" }), np.ones([1], { dtype: "float32" }))]))).toEqual([0]);
    });

    it("real, imag, conj and complex transpose as JAX does", () => {
      const z1 = lax.complex(np.array(1, { dtype: "float32" }), np.array(2, { dtype: "float32" }));
      const one = np.array(1, { dtype: "float32" });
      expect(list(rev(lax.real, [z1], one)[0])).toEqual([1, 0]);
      expect(list(rev(lax.imag, [z1], one)[0])).toEqual([0, -1]);
      expect(list(rev(lax.conj, [z1], lax.complex(one, one))[0])).toEqual([1, -1]);
      const [gx, gy] = rev(lax.complex, [np.array([1, 2], { dtype: "float32" }), np.array(3, { dtype: "float32" })], w);
      expect(list(gx)).toEqual(ws.map((c) => c[0]));
      expectClose(list(gy), -(ws[0][1] + ws[1][1]), F32);
      // jvp: linear in both; a zero tangent for one part.
      expect(list(fwd(lax.complex, [one, one], [f64(2).astype("float32"), np.array(-1, { dtype: "float32" })]))).toEqual([2, -1]);
      expect(list(fwd((a: Array) => lax.complex(a, one), [one], [np.array(3, { dtype: "float32" })]))).toEqual([3, 0]);
      expect(list(fwd(lax.real, [z], [t]))).toEqual(ts.map((c) => c[0]));
      expect(list(fwd(lax.imag, [z], [t]))).toEqual(ts.map((c) => c[1]));
      expect(list(fwd(lax.conj, [z], [t]))).toEqual(ts.map((c) => [c[0], -c[1]]));
    });

    it("real functions of complex intermediates match finite differences (float64 inputs)", () => {
      const to64 = (a: Array) => lax.convertElementType(a, "float64");
      const f = (x: Array, y: Array) => to64(lax.real(lax.mul(lax.complex(x, y), lax.conj(lax.complex(y, x)))));
      const g = (x: Array, y: Array) => to64(lax.imag(lax.mul(lax.complex(x, y), lax.complex(y, lax.mul(x, 2)))));
      // complex64 arithmetic: float32 tolerances and a larger step.
      for (const h of [f, g]) checkGrads(h, [f64([0.3, -1.2]), f64([0.8, 0.5])], { order: 1, eps: 1e-2, atol: 1e-4, rtol: 1e-4 });
    });
  });
});
