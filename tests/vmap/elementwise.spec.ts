// vmap of the elementwise primitives (ts/primitives/math.ts) against an explicit loop: random
// shapes of rank 0-3 (with rank-0 operands and size-1 axes that broadcast), random in_axes on
// each operand (null and negative included), every dtype family a primitive accepts.

import { Array, lax, makeJaxpr, numpy as np, vmap } from "../../ts/index.js";
import { DType } from "../../ts/core/dtype.js";
import { Primitive } from "../../ts/core/primitive.js";
import * as m from "../../ts/primitives/math.js";
import { Rand, pick, rng } from "../util/rng.js";


/** How to draw one operand's values: a dtype and a value generator (complex: two parts). */
interface Kind {
  dtype: DType;
  value: (r: Rand) => number;
}
const uniform = (lo: number, hi: number) => (r: Rand) => lo + (hi - lo) * r();
const F = (lo = -3, hi = 3): Kind => ({ dtype: "float32", value: uniform(lo, hi) });
const C = (lo = -2, hi = 2): Kind => ({ dtype: "complex64", value: uniform(lo, hi) });
const I = (lo = -20, hi = 20, dtype: DType = "int32"): Kind => ({ dtype, value: (r) => lo + Math.floor((hi - lo + 1) * r()) });
const U = (lo = 0, hi = 40): Kind => I(lo, hi, "uint32");
const B: Kind = { dtype: "bool", value: (r) => (r() < 0.5 ? 1 : 0) };
// Floats with repeats, so that ties (max/min, comparisons) and exact halves (round) occur.
const Fties: Kind = { dtype: "float32", value: (r) => Math.floor(r() * 8) / 2 - 2 };

function randomArray(r: Rand, shape: number[], kind: Kind): Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const draw = (dtype: DType) => np.array(globalThis.Array.from({ length: n }, () => kind.value(r)), { dtype }).reshape(shape);
  if (kind.dtype === "complex64") return lax.complex(draw("float32"), draw("float32"));
  if (kind.dtype === "bool") return draw("int32").astype("bool");
  return draw(kind.dtype);
}

interface Case {
  name: string;
  f: (...xs: Array[]) => Array;
  kinds: Kind[];
}
const un = (name: string, f: (x: Array) => Array, ...kinds: Kind[]): Case[] => kinds.map((k) => ({ name: `${name} ${k.dtype}`, f, kinds: [k] }));
const bin = (name: string, f: (x: Array, y: Array) => Array, ...kinds: (Kind | [Kind, Kind])[]): Case[] =>
  kinds.map((k) => {
    const [kx, ky] = globalThis.Array.isArray(k) ? k : [k, k];
    return { name: `${name} ${kx.dtype}`, f, kinds: [kx, ky] };
  });

const CASES: Case[] = [
  ...un("neg", lax.neg, F(), I(), C()),
  ...un("sign", lax.sign, Fties, I(), U(), C()),
  ...un("floor", lax.floor, F()),
  ...un("ceil", lax.ceil, F()),
  ...un("round", (x) => lax.round(x), Fties),
  ...un("round half to even", (x) => lax.round(x, 1), Fties),
  ...un("is_finite", lax.isFinite, F()),
  ...un("exp", lax.exp, F(), C()),
  ...un("exp2", lax.exp2, F()),
  ...un("log", lax.log, F(0.1, 5), C()),
  ...un("log1p", lax.log1p, F(-0.9, 5)),
  ...un("expm1", lax.expm1, F()),
  ...un("tanh", lax.tanh, F()),
  ...un("logistic", lax.logistic, F()),
  ...un("sin", lax.sin, F(), C()),
  ...un("cos", lax.cos, F(), C()),
  ...un("tan", lax.tan, F(-1.4, 1.4)),
  ...un("asin", lax.asin, F(-1, 1)),
  ...un("acos", lax.acos, F(-1, 1)),
  ...un("atan", lax.atan, F()),
  ...un("sinh", lax.sinh, F()),
  ...un("cosh", lax.cosh, F()),
  ...un("asinh", lax.asinh, F()),
  ...un("acosh", lax.acosh, F(1, 5)),
  ...un("atanh", lax.atanh, F(-0.99, 0.99)),
  ...un("sqrt", lax.sqrt, F(0, 5), C()),
  ...un("rsqrt", lax.rsqrt, F(0.1, 5)),
  ...un("cbrt", lax.cbrt, F()),
  ...un("abs", lax.abs, F(), I(), C()),
  ...un("not", lax.not, I(), U(), B),
  ...un("erf", lax.erf, F()),
  ...un("erf_inv", lax.erfInv, F(-0.99, 0.99)),
  ...un("real", lax.real, F(), C()),
  ...un("imag", lax.imag, F(), C()),
  ...un("conj", lax.conj, F(), C()),
  ...un("square", lax.square, F(), I(), C()),
  ...un("integer_pow 3", (x) => lax.integerPow(x, 3), F(), I(-9, 9), C()),
  ...un("integer_pow -2", (x) => lax.integerPow(x, -2), F(0.5, 3), C(0.5, 2)),
  ...bin("add", lax.add, F(), I(), C(), B),
  ...bin("sub", lax.sub, F(), I(), U(), C()),
  ...bin("mul", lax.mul, F(), I(), C()),
  ...bin("div", lax.div, [F(), F(0.5, 3)], [I(), I(1, 9)], C()),
  ...bin("rem", lax.rem, [F(), F(0.5, 3)], [I(), I(1, 9)]),
  ...bin("pow", lax.pow, [F(0.1, 3), F()], C()),
  ...bin("max", lax.max, Fties, I(), U()),
  ...bin("min", lax.min, Fties, I(), U()),
  ...bin("atan2", lax.atan2, F()),
  ...bin("nextafter", lax.nextafter, Fties),
  ...bin("and", lax.bitwiseAnd, I(), B),
  ...bin("or", lax.bitwiseOr, U(), B),
  ...bin("xor", lax.bitwiseXor, I(), B),
  ...bin("shift_left", lax.shiftLeft, [I(), I(0, 33)], [U(), U(0, 33)]),
  ...bin("shift_right_logical", lax.shiftRightLogical, [I(), I(0, 33)], [U(), U(0, 33)]),
  ...bin("shift_right_arithmetic", lax.shiftRightArithmetic, [I(), I(0, 33)], [U(), U(0, 33)]),
  ...bin("eq", lax.eq, Fties, I(), C(), B),
  ...bin("ne", lax.ne, Fties, I(), C()),
  ...bin("lt", lax.lt, Fties, I(), B),
  ...bin("le", lax.le, Fties, U()),
  ...bin("gt", lax.gt, Fties, I()),
  ...bin("ge", lax.ge, Fties, I()),
  ...bin("complex", lax.complex, F()),
];

/** x[..., i, ...] along `axis`. */
const take = (x: Array, i: number, axis: number) => lax.squeeze(lax.sliceInDim(x, i, i + 1, 1, axis), [axis]);

/**
 * One random trial: an output shape of rank 0-3, each operand of that shape, rank 0, or with
 * some axes 1 (lax broadcasting), mapped along a random axis (negative half the time) or not.
 */
function trial(c: Case, r: Rand): { args: Array[]; inAxes: (number | null)[]; size: number; describe: string } {
  const rank = Math.floor(r() * 4);
  const shape = globalThis.Array.from({ length: rank }, () => 1 + Math.floor(r() * 3));
  const size = pick(r, [1, 2, 3]);
  const n = c.kinds.length;
  const mappedAt = Math.floor(r() * n); // at least this one is mapped
  const args: Array[] = [], inAxes: (number | null)[] = [], shapes: number[][] = [];
  for (let i = 0; i < n; i++) {
    const form = n === 1 ? 0 : Math.floor(r() * 3);
    const s = form === 1 ? [] : form === 2 ? shape.map((d) => (r() < 0.5 ? 1 : d)) : shape;
    const mapped = i === mappedAt || r() < 0.5;
    let axis: number | null = null, batched = s;
    if (mapped) {
      const a = Math.floor(r() * (s.length + 1));
      batched = [...s.slice(0, a), size, ...s.slice(a)];
      axis = r() < 0.5 ? a - (s.length + 1) : a;
    }
    args.push(randomArray(r, batched, c.kinds[i]));
    inAxes.push(axis);
    shapes.push(s);
  }
  return { args, inAxes, size, describe: `shapes ${JSON.stringify(shapes)} in_axes ${JSON.stringify(inAxes)} size ${size}` };
}

function loop(f: (...xs: Array[]) => Array, args: Array[], inAxes: (number | null)[], size: number): Array {
  const outs = globalThis.Array.from({ length: size }, (_, b) =>
    f(...args.map((x, i) => (inAxes[i] === null ? x : take(x, b, inAxes[i]! < 0 ? inAxes[i]! + x.ndim : inAxes[i]!)))));
  return np.stack(outs);
}

describe("vmap of elementwise primitives", () => {
  for (const c of CASES) {
    it(`${c.name} matches a loop over the batch`, () => {
      for (let seed = 0; seed < 8; seed++) {
        const r = rng(1000 * seed + c.name.length);
        const { args, inAxes, size, describe } = trial(c, r);
        const got = vmap(c.f, { inAxes })(...args);
        const want = loop(c.f, args, inAxes, size);
        expect(got.dtype).withContext(`${c.name} ${describe}`).toBe(want.dtype);
        expect(got.shape).withContext(`${c.name} ${describe}`).toEqual(want.shape);
        expect(got.tolistSync()).withContext(`${c.name} ${describe}`).toEqual(want.tolistSync());
      }
    });
  }

  it("nested vmaps (mapped axes in the middle) match a double loop", () => {
    const r = rng(7);
    for (const f of [lax.mul, lax.atan2, lax.max, lax.complex, lax.sub]) {
      // x: (2, 4, 3) mapped along 2 (outer) and 0 (inner); y: (4, 2) mapped along 0 (outer), unmapped inner.
      const x = randomArray(r, [2, 4, 3], F()), y = randomArray(r, [3, 4], F());
      const got = vmap(vmap(f, { inAxes: [0, null] }), { inAxes: [2, 0] })(x, y);
      const want = np.stack([0, 1, 2].map((i) => np.stack([0, 1].map((j) => f(take(take(x, i, 2), j, 0), take(y, i, 0))))));
      expect(got.shape).toEqual(want.shape);
      expect(got.tolistSync()).withContext(String(f)).toEqual(want.tolistSync());
    }
  });

  it("a rule's output axis composes with outAxes", () => {
    const x = randomArray(rng(3), [3, 2, 4], F());
    const y = randomArray(rng(4), [1, 4], F());
    const got = vmap(lax.mul, { inAxes: [1, null], outAxes: -1 })(x, y);
    const want = np.stack([0, 1].map((b) => lax.mul(take(x, b, 1), y)), { axis: -1 });
    expect(got.tolistSync()).toEqual(want.tolistSync());
  });

  it("batched jaxprs are JAX's (jax 0.10.2 make_jaxpr text)", () => {
    const v = np.array([1.5, 2], { dtype: "float32" });
    expect(String(makeJaxpr((x: Array) => vmap(lax.mul, { inAxes: [0, null] })(x, x))(v))).toBe(
      "{ lambda ; a:f32[2]. let\n    b:f32[1,2] = broadcast_in_dim[broadcast_dimensions=(1,)] a\n" +
      "    c:f32[2,1] = broadcast_in_dim[broadcast_dimensions=(0,)] a\n    d:f32[2,2] = mul c b\n  in (d,) }");
    expect(String(makeJaxpr((x: Array) => vmap(lax.mul, { inAxes: [0, 0] })(x, np.ones([2, 3], { dtype: "float32" })))(v))).toBe(
      "{ lambda ; a:f32[2]. let\n    b:f32[2,3] = broadcast_in_dim 1.0:f32[]\n" +
      "    c:f32[2,1] = broadcast_in_dim[broadcast_dimensions=(0,)] a\n    d:f32[2,3] = mul c b\n  in (d,) }");
    expect(String(makeJaxpr((x: Array) => vmap((a: Array) => lax.sin(lax.add(a, 1)))(x))(v))).toBe(
      "{ lambda ; a:f32[2]. let b:f32[2] = add a 1.0:f32[]; c:f32[2] = sin b in (c,) }");
  });

  it("covers every primitive declared in ts/primitives/math.ts", () => {
    const names = new Set(CASES.map((c) => c.name.split(" ")[0]));
    const declared = Object.values(m).filter((p): p is Primitive => p instanceof Primitive).map((p) => p.name);
    expect(declared.filter((n) => !names.has(n))).toEqual([]);
    expect(declared.length).toBeGreaterThan(55);
  });
});
