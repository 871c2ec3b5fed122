// Case generators for the primitive property suites (tests/backends/wasm-props.spec.ts,
// tests/webgpu/props.spec.ts): one per primitive, over random shapes (rank 0-4, size-1 and
// size-0 axes), dtypes, parameters and values (NaN, ±inf, ±0, huge and subnormal floats), each
// with the tolerance its results are compared with (tests/util/compare.ts).
import fc from "fast-check";
import * as jax from "../../ts/index.js";
import { Array, ConcreteArray } from "../../ts/core/array.js";
import { ShapedArray, prod } from "../../ts/core/aval.js";
import type { Backend } from "../../ts/core/backend.js";
import { DType, isInteger } from "../../ts/core/dtype.js";
import { HostArray, hostFromValues } from "../../ts/core/host.js";
import { ClosedJaxpr } from "../../ts/core/jaxpr.js";
import { Params, Primitive, allPrimitives } from "../../ts/core/primitive.js";
import { bind, bind1 } from "../../ts/core/trace.js";
import * as tree from "../../ts/core/tree.js";
import { FlatCallback } from "../../ts/transforms/callback.js";
import * as A from "./arbitraries.js";
import { EXACT, EXACT_ZEROS, G, Tol, ULP, isFloatLike } from "./compare.js";

/** An array of backend `b` holding `h`. */
export function put(b: Backend, h: HostArray): ConcreteArray {
  const aval = new ShapedArray(h.shape, h.dtype);
  return new ConcreteArray(aval, b, b.put(h.data, aval));
}


export interface Case {
  inputs: HostArray[];
  params?: Params;
  /** One tolerance for every output, or one per output (default: exact). */
  tol?: Tol | Tol[];
}

export const PRIMS = new Map(allPrimitives().map((p) => [p.name, p]));
export const prim = (name: string): Primitive => {
  const p = PRIMS.get(name);
  if (!p) throw new Error(`no primitive ${name}`);
  return p;
};

/** The primitive under jit, its 0-d (non-complex) inputs closed over so that they become literals. */
export function jitWithLiterals(p: Primitive, c: Case): (xs: Array[]) => Array[] {
  const literal = c.inputs.map((h) => h.shape.length === 0 && h.dtype !== "complex64");
  return (xs) => {
    const consts = xs.filter((_, i) => literal[i]);
    const f = jax.jit((...args: Array[]) => {
      let [ai, ci] = [0, 0];
      return bind(p, c.inputs.map((_, i) => (literal[i] ? consts[ci++] : args[ai++])), c.params);
    });
    return f(...xs.filter((_, i) => !literal[i])) as Array[];
  };
}

export const absHost = (h: HostArray): HostArray =>
  !isFloatLike(h.dtype) ? h : h.dtype === "float16" ? { ...h, data: Uint16Array.from(h.data, (b) => b & 0x7fff) } : { ...h, data: h.data.map(Math.abs) as any };


// ---- case generators, one per primitive ----

export type CaseGen = (g: G) => Case;

export const pick = <T>(g: G, xs: readonly T[]): T => g(() => fc.constantFrom(...xs));
export const int = (g: G, min: number, max: number): number => g(() => fc.integer({ min, max }));
export const bool = (g: G): boolean => g(() => fc.boolean());
export const shapeOf = (g: G, opts?: A.ShapeOptions): number[] => g(() => A.shape(opts));
export const arr = (g: G, dtype: DType, shape: readonly number[], opts?: A.ValueOptions): HostArray => g(() => A.hostArray(dtype, shape, opts));

// dtype lists: native dtypes weighted up (float32 most, float64 next), the host-call dtypes
// (float16, complex64) a few times in 10.
export const F32 = ["float32"] as DType[];
export const REAL_FLOATS: DType[] = ["float32", "float32", "float32", "float32", "float32", "float32", "float64", "float64", "float64", "float16"];
export const INEXACT: DType[] = [...REAL_FLOATS, "complex64"];
export const INTS: DType[] = ["int32", "int32", "uint32", "uint32"];
export const NUMERIC: DType[] = [...REAL_FLOATS, ...INTS, "complex64"];
export const ORDERED: DType[] = [...REAL_FLOATS, ...INTS, "bool"];
export const ANY: DType[] = [...ORDERED, "complex64"];
export const INT_OR_BOOL: DType[] = ["int32", "uint32", "bool"];
export const ALL_DTYPES: DType[] = ["float32", "int32", "uint32", "bool", "float16", "float64", "complex64"];

export function unary(dtypes: DType[], opts: { values?: A.ValueOptions; tol?: Tol; params?: (g: G, d: DType) => Params } = {}): CaseGen {
  return (g) => {
    const d = pick(g, dtypes);
    return { inputs: [arr(g, d, shapeOf(g), opts.values)], params: opts.params?.(g, d) ?? {}, tol: opts.tol };
  };
}

/** An operand shape for a lax binary op with output shape `out`: rank 0, or size-1 axes. */
export const operandShape = (g: G, out: number[]): number[] => (int(g, 0, 7) === 0 ? [] : g(() => A.broadcastableTo(out)));

export function binary(dtypes: DType[], opts: { values?: (d: DType, operand: number) => A.ValueOptions | undefined; tol?: Tol } = {}): CaseGen {
  return (g) => {
    const d = pick(g, dtypes);
    const out = shapeOf(g);
    return { inputs: [0, 1].map((k) => arr(g, d, operandShape(g, out), opts.values?.(d, k))), tol: opts.tol };
  };
}

export function reduction(dtypes: DType[], opts: { values?: A.ValueOptions; tol?: (d: DType, terms: number) => Tol } = {}): CaseGen {
  return (g) => {
    const d = pick(g, dtypes);
    const s = shapeOf(g);
    const axes = g(() => A.axes(s.length));
    return {
      inputs: [arr(g, d, s, opts.values)],
      params: { axes, out_sharding: null },
      tol: opts.tol?.(d, prod(axes.map((a) => s[a]))) ?? EXACT,
    };
  };
}

export function argReduction(): CaseGen {
  return (g) => {
    const d = pick(g, ORDERED);
    const s = shapeOf(g, { minRank: 1 });
    const axis = int(g, 0, s.length - 1);
    if (s[axis] === 0) s[axis] = 1;
    return { inputs: [arr(g, d, s, { special: 2 })], params: { axes: [axis], index_dtype: pick(g, ["int32", "int32", "uint32"] as DType[]) } };
  };
}

export function cumulative(dtypes: DType[], opts: { values?: A.ValueOptions; tol?: (d: DType, n: number) => Tol } = {}): CaseGen {
  return (g) => {
    const d = pick(g, dtypes);
    const s = shapeOf(g, { minRank: 1 });
    const axis = int(g, 0, s.length - 1);
    return { inputs: [arr(g, d, s, opts.values)], params: { axis, reverse: bool(g) }, tol: opts.tol?.(d, s[axis]) ?? EXACT };
  };
}

// Products of these neither underflow nor (over <= 625 terms, in practice) overflow float32.
export const PRODUCT_SAFE: A.ValueOptions = { min: -2, max: 2, minMagnitude: 0.5 };
export const sumTol = (d: DType, n: number): Tol => (isFloatLike(d) ? { kind: "sum", terms: n } : EXACT);
export const prodTol = (d: DType, n: number): Tol => (isFloatLike(d) ? { kind: "prod", terms: n } : EXACT);

/** ClosedJaxprs for the call-like primitives: bodies of exact elementwise ops on (a, b). */
export function body(kind: number, shape: number[], dtype: DType): ClosedJaxpr {
  const s = jax.ShapeDtypeStruct(shape, dtype);
  const b1 = (n: string, xs: Array[]) => bind1(prim(n), xs);
  const fns: ((a: Array, b: Array) => Array[])[] = [
    (a, b) => [b1("mul", [a, b]), b1("max", [a, b])],
    (a, b) => [b1("add", [a, b]), b1("neg", [a])],
    (a, b) => [b1("sub", [b1("mul", [a, a]), b]), b1("min", [a, b])],
  ];
  return new ClosedJaxpr(jax.makeJaxpr(fns[kind % fns.length])(s, s).jaxpr, []);
}

export function callCase(params: (jaxpr: ClosedJaxpr) => Params): CaseGen {
  return (g) => {
    const d = pick(g, ["float32", "float32", "int32"] as DType[]);
    const s = shapeOf(g, { maxRank: 3 });
    const jaxpr = body(int(g, 0, 2), s, d);
    return { inputs: [arr(g, d, s), arr(g, d, s)], params: params(jaxpr) };
  };
}

/** dot_general operands with random batch, free and contracting dimensions in random order. */
export const dotGeneral: CaseGen = (g) => {
  const d = pick(g, ["float32", "float32", "float32", "int32", "uint32", "float64", "float64", "float16"] as DType[]);
  const [nb, nc] = [int(g, 0, 2), int(g, 0, 2)];
  const [nlf, nrf] = [int(g, 0, 2), int(g, 0, 2)];
  const fill = (n: number) => globalThis.Array.from({ length: n }, () => int(g, 0, 9) === 0 ? pick(g, [0, 1]) : int(g, 1, 6));
  const [b, c, lf, rf] = [fill(nb), fill(nc), fill(nlf), fill(nrf)];
  // Each operand's axes: its groups' axes in a random order (ranks stay <= 4 or so).
  const layout = (groups: number[][]) => {
    const axes = groups.flatMap((grp, k) => grp.map((n, i) => ({ k, i, n })));
    const perm = g(() => A.permutation(axes.length));
    return perm.map((j) => axes[j]);
  };
  const la = layout([b, lf, c]), ra = layout([b, c, rf]);
  const where = (ax: { k: number; i: number }[], k: number, n: number) => globalThis.Array.from({ length: n }, (_, i) => ax.findIndex((a) => a.k === k && a.i === i));
  const dn = [[where(la, 2, nc), where(ra, 1, nc)], [where(la, 0, nb), where(ra, 0, nb)]];
  // uint32: any bits (products and sums wrap); int32 small; floats moderate.
  const values: A.ValueOptions | undefined = d === "uint32" ? undefined : d === "int32" ? { min: -100, max: 100 } : d === "float16" ? { min: -8, max: 8 } : { min: -1e3, max: 1e3 };
  const pet = d === "int32" && int(g, 0, 3) === 0 ? "float32" : pick(g, [null, d]);
  return {
    inputs: [arr(g, d, la.map((a) => a.n), values), arr(g, d, ra.map((a) => a.n), values)],
    params: { dimension_numbers: dn, precision: null, preferred_element_type: pet },
    tol: { kind: "sum", terms: Math.max(1, prod(c)) },
  };
};

/** float32 and float64 matrix products big enough for the GEMMs' packed paths, edge tiles and threads. */
export const largeDot: CaseGen = (g) => {
  const d = pick(g, ["float32", "float32", "float64"] as DType[]);
  const [m, n, k] = [int(g, 1, 40), int(g, 1, 40), int(g, 1, 300)];
  const batch = int(g, 0, 2) === 0 ? [int(g, 2, 3)] : [];
  const [ta, tb] = [bool(g), bool(g)]; // operands stored transposed: [k, m] and [n, k]
  const nb = batch.length;
  const a = [...batch, ...(ta ? [k, m] : [m, k])], b = [...batch, ...(tb ? [n, k] : [k, n])];
  const dn = [[[nb + (ta ? 0 : 1)], [nb + (tb ? 1 : 0)]], [batch.map((_, i) => i), batch.map((_, i) => i)]];
  const values: A.ValueOptions = { min: -4, max: 4, special: 0 };
  return { inputs: [arr(g, d, a, values), arr(g, d, b, values)], params: { dimension_numbers: dn, precision: null, preferred_element_type: null }, tol: { kind: "sum", terms: k } };
};

// complex64 products are float32 arithmetic (as in XLA): keep a.re b.re etc. from overflowing
// where the float64 reference doesn't (both give the same NaNs and infinities from inf inputs).
export const COMPLEX_PRODUCTS: A.ValueOptions = { min: -1e15, max: 1e15 };

export const CASES: Record<string, CaseGen> = {
  // -- elementwise, exact --
  neg: unary(NUMERIC),
  sign: unary(NUMERIC, { values: { special: 3 } }),
  floor: unary(REAL_FLOATS),
  ceil: unary(REAL_FLOATS),
  round: unary(REAL_FLOATS, { values: { special: 3 }, params: (g) => ({ rounding_method: int(g, 0, 1) }) }),
  is_finite: unary(REAL_FLOATS, { values: { special: 3 } }),
  sqrt: unary(INEXACT),
  // |z| of complex64 is computed in float32 (scaled to avoid overflow): within 4 ulps.
  abs: unary(NUMERIC, { tol: ULP }),
  not: unary(INT_OR_BOOL),
  square: unary(NUMERIC, { values: COMPLEX_PRODUCTS }),
  real: unary(INEXACT),
  imag: unary(INEXACT),
  conj: unary(INEXACT),
  // x ** y by repeated float32 multiplication (as XLA expands it): within |y| + 1 roundings of
  // the float64 reference. |x| stays in [2^-10, 30], where no intermediate power leaves the
  // normal float32 range (there the expansion and x ** y legitimately differ).
  integer_pow: (g) => {
    const d = pick(g, [...F32, ...F32, ...F32, "int32", "float64", "float64", "complex64"] as DType[]);
    const y = isInteger(d) ? int(g, 0, 5) : int(g, -4, 6);
    const values: A.ValueOptions = isInteger(d) ? { min: -50, max: 50 } : { min: -30, max: 30, minMagnitude: 2 ** -10 };
    return { inputs: [arr(g, d, shapeOf(g), values)], params: { y }, tol: { kind: "ulp", ulps: Math.abs(y) + 1, atol: 0 } };
  },
  // -- elementwise, transcendental (ULP) --
  exp: unary(INEXACT, { values: { min: -100, max: 100 }, tol: ULP }),
  exp2: unary(REAL_FLOATS, { values: { min: -150, max: 150 }, tol: ULP }),
  expm1: unary(REAL_FLOATS, { values: { min: -100, max: 100 }, tol: ULP }),
  log: unary(INEXACT, { tol: ULP }),
  log1p: unary(REAL_FLOATS, { tol: ULP }),
  tanh: unary(REAL_FLOATS, { tol: ULP }),
  logistic: unary(REAL_FLOATS, { tol: ULP }),
  // Trigonometric arguments stay within ±100 (range reduction of huge arguments is not asked for).
  sin: unary(INEXACT, { values: { min: -100, max: 100 }, tol: ULP }),
  cos: unary(INEXACT, { values: { min: -100, max: 100 }, tol: ULP }),
  tan: unary(REAL_FLOATS, { values: { min: -100, max: 100 }, tol: ULP }),
  asin: unary(REAL_FLOATS, { values: { min: -1.5, max: 1.5 }, tol: ULP }),
  acos: unary(REAL_FLOATS, { values: { min: -1.5, max: 1.5 }, tol: ULP }),
  atan: unary(REAL_FLOATS, { tol: ULP }),
  sinh: unary(REAL_FLOATS, { values: { min: -100, max: 100 }, tol: ULP }),
  cosh: unary(REAL_FLOATS, { values: { min: -100, max: 100 }, tol: ULP }),
  asinh: unary(REAL_FLOATS, { tol: ULP }),
  acosh: unary(REAL_FLOATS, { tol: ULP }),
  atanh: unary(REAL_FLOATS, { values: { min: -1.5, max: 1.5 }, tol: ULP }),
  rsqrt: unary(REAL_FLOATS, { tol: ULP }),
  cbrt: unary(REAL_FLOATS, { tol: ULP }),
  // The float64 reference's Maclaurin series loses ~6 bits to cancellation near |x| = 2.5 (70 ulps
  // measured there); libm64's erf is within 3.5 ulps of the truth: float64 gets 2^-44 absolute.
  erf: unary(REAL_FLOATS, { values: { min: -10, max: 10 }, tol: { ...ULP, atol64: 2 ** -44 } }),
  erf_inv: unary(REAL_FLOATS, { values: { min: -1.5, max: 1.5 }, tol: ULP }),
  // -- binary --
  add: binary(ANY),
  sub: binary(NUMERIC),
  mul: binary(ANY, { values: (d) => (d === "complex64" ? COMPLEX_PRODUCTS : undefined) }),
  // complex64 quotients are float32 arithmetic (as in XLA): no subnormal parts, whose products underflow.
  div: binary(NUMERIC, { values: (d, k) => (d === "complex64" ? { min: -100, max: 100, special: 0, minMagnitude: 2 ** -20 } : k === 1 && isInteger(d) ? { special: 3 } : undefined) }),
  rem: (g) => {
    const d = pick(g, [...F32, ...F32, ...F32, "int32", "uint32", "float64", "float64", "float16"] as DType[]);
    const out = shapeOf(g);
    const x = arr(g, d, operandShape(g, out), isInteger(d) ? { special: 3 } : { min: -1e4, max: 1e4 });
    const ys = operandShape(g, out);
    // bug: rem with a huge quotient never returns (see "known bugs"): one divisor per float
    // case, never tiny, keeps |x / y| below 2^24.
    const v = g(() => fc.oneof(fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1, -1, 3, -3, 0.5), fc.float({ min: Math.fround(0.01), max: 100, noNaN: true }).chain((v) => fc.constantFrom(v, -v))));
    const y = isInteger(d) ? arr(g, d, ys, { special: 3 }) : hostFromValues(ys, d, globalThis.Array(prod(ys)).fill(v));
    // bug: rem returns +0 where C's fmod gives -0 (a negative dividend, a zero remainder): zeros match here.
    return { inputs: [x, y], tol: EXACT_ZEROS };
  },
  pow: binary(INEXACT, { values: (d, k) => (k === 0 ? { min: d === "complex64" ? -10 : 0, max: 10 } : { min: -8, max: 8 }), tol: ULP }),
  max: binary([...REAL_FLOATS, ...INTS], { values: () => ({ special: 3 }) }),
  min: binary([...REAL_FLOATS, ...INTS], { values: () => ({ special: 3 }) }),
  atan2: binary(REAL_FLOATS, { values: () => ({ special: 2 }), tol: ULP }),
  nextafter: binary(["float32", "float32", "float32", "float64", "float64", "float16"], { values: () => ({ special: 3 }) }),
  and: binary(INT_OR_BOOL),
  or: binary(INT_OR_BOOL),
  xor: binary(INT_OR_BOOL),
  shift_left: binary(INTS, { values: (_, k) => (k === 1 ? { special: 4 } : undefined) }),
  shift_right_logical: binary(INTS, { values: (_, k) => (k === 1 ? { special: 4 } : undefined) }),
  // bug: the cpu reference gives 0 for uint32 counts >= 32 (see "known bugs"): counts < 32 for uint32.
  shift_right_arithmetic: binary(INTS, { values: (d, k) => (k === 1 ? (d === "uint32" ? { max: 31, special: 4 } : { special: 4 }) : undefined) }),
  eq: binary(ANY, { values: () => ({ special: 3 }) }),
  ne: binary(ANY, { values: () => ({ special: 3 }) }),
  lt: binary(ORDERED, { values: () => ({ special: 3 }) }),
  le: binary(ORDERED, { values: () => ({ special: 3 }) }),
  gt: binary(ORDERED, { values: () => ({ special: 3 }) }),
  ge: binary(ORDERED, { values: () => ({ special: 3 }) }),
  complex: binary(["float32", "float32", "float64"]),
  add_any: (g) => {
    const d = pick(g, ANY);
    const s = shapeOf(g);
    return { inputs: [arr(g, d, s), arr(g, d, s)] };
  },
  // -- reductions --
  reduce_sum: reduction(NUMERIC, { values: { min: -1e6, max: 1e6 }, tol: sumTol }),
  // bug: integer products stay in {-1, 0, 1}: the reference multiplies in float64, exact only below 2^53.
  reduce_prod: (g) => {
    const d = pick(g, NUMERIC);
    const gen = reduction([d], { values: isInteger(d) ? { min: d === "int32" ? -1 : 0, max: 1, special: 0 } : PRODUCT_SAFE, tol: prodTol });
    return gen(g);
  },
  // bug: reduce_max/min return -0 for max(+0, -0) / +0 for min(-0, +0) (see "known bugs"): zeros match here.
  reduce_max: reduction(ORDERED, { values: { special: 3 }, tol: () => EXACT_ZEROS }),
  reduce_min: reduction(ORDERED, { values: { special: 3 }, tol: () => EXACT_ZEROS }),
  reduce_and: reduction(INT_OR_BOOL, { values: { special: 3 } }),
  reduce_or: reduction(INT_OR_BOOL, { values: { special: 3 } }),
  argmax: argReduction(),
  argmin: argReduction(),
  cumsum: cumulative([...REAL_FLOATS, "int32"] as DType[], { values: { min: -1e6, max: 1e6 }, tol: sumTol }),
  cumprod: (g) => {
    const d = pick(g, [...REAL_FLOATS, "int32"] as DType[]);
    return cumulative([d], { values: isInteger(d) ? { min: -3, max: 3, special: 0 } : PRODUCT_SAFE, tol: prodTol })(g);
  },
  cummax: cumulative([...REAL_FLOATS, "int32", "uint32"] as DType[], { values: { special: 3 } }),
  cummin: cumulative([...REAL_FLOATS, "int32", "uint32"] as DType[], { values: { special: 3 } }),
  dot_general: dotGeneral,
  // -- layout and selection --
  convert_element_type: (g) => {
    const [from, to] = [pick(g, ALL_DTYPES), pick(g, ALL_DTYPES)];
    return { inputs: [arr(g, from, shapeOf(g), { special: 3 })], params: { new_dtype: to, weak_type: bool(g) } };
  },
  broadcast_in_dim: (g) => {
    const d = pick(g, ANY);
    const s = shapeOf(g, { maxRank: 3 });
    const rank = int(g, s.length, 4);
    const dims = g(() => fc.subarray([...globalThis.Array(rank).keys()], { minLength: s.length, maxLength: s.length }));
    const out = globalThis.Array.from({ length: rank }, () => int(g, 0, 9) === 0 ? pick(g, [0, 1]) : int(g, 1, 4));
    dims.forEach((dd, i) => (out[dd] = s[i] === 1 ? out[dd] : s[i]));
    return { inputs: [arr(g, d, s)], params: { shape: out, broadcast_dimensions: dims, sharding: null } };
  },
  reshape: (g) => {
    const d = pick(g, ANY);
    const s = shapeOf(g);
    return { inputs: [arr(g, d, s)], params: { new_sizes: g(() => A.reshapeOf(prod(s))), dimensions: null, sharding: null } };
  },
  transpose: (g) => {
    const d = pick(g, ANY);
    const s = shapeOf(g);
    return { inputs: [arr(g, d, s)], params: { permutation: g(() => A.permutation(s.length)) } };
  },
  squeeze: (g) => {
    const d = pick(g, ANY);
    const s = shapeOf(g).map((n) => (bool(g) ? 1 : n));
    const ones = s.flatMap((n, i) => (n === 1 ? [i] : []));
    return { inputs: [arr(g, d, s)], params: { dimensions: g(() => fc.subarray(ones)) } };
  },
  select_n: (g) => {
    const d = pick(g, ANY);
    const s = shapeOf(g);
    const boolean = bool(g);
    const n = boolean ? 2 : int(g, 1, 4);
    const ws = bool(g) ? [] : s;
    const which: HostArray = boolean ? arr(g, "bool", ws) : { shape: ws, dtype: "int32", data: Int32Array.from(g(() => fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: prod(ws), maxLength: prod(ws) }))) };
    return { inputs: [which, ...globalThis.Array.from({ length: n }, () => arr(g, d, s, { special: 3 }))] };
  },
  clamp: (g) => {
    const d = pick(g, ORDERED);
    const s = shapeOf(g);
    const bound = () => arr(g, d, bool(g) ? [] : s, { special: 3 });
    return { inputs: [bound(), arr(g, d, s, { special: 3 }), bound()] };
  },
  iota: (g) => {
    const s = shapeOf(g, { minRank: 1 });
    return { inputs: [], params: { dtype: pick(g, ["int32", "int32", "float32", "float32", "uint32", "bool", "float16", "float64"] as DType[]), shape: s, dimension: int(g, 0, s.length - 1), sharding: null } };
  },
  slice: (g) => {
    const d = pick(g, ANY);
    const s = shapeOf(g, { maxDim: 7 });
    const start = s.map((n) => int(g, 0, n));
    const limit = s.map((n, i) => int(g, start[i], n));
    const strides = bool(g) ? null : s.map(() => int(g, 1, 3));
    return { inputs: [arr(g, d, s)], params: { start_indices: start, limit_indices: limit, strides } };
  },
  dynamic_slice: (g) => {
    const d = pick(g, ANY);
    const s = shapeOf(g);
    const sizes = s.map((n) => int(g, 0, n));
    return { inputs: [arr(g, d, s), ...s.map((n) => g(() => A.int32Scalar(-2, n + 2)))], params: { slice_sizes: sizes } };
  },
  dynamic_update_slice: (g) => {
    const d = pick(g, ANY);
    const s = shapeOf(g);
    const u = s.map((n) => int(g, 0, n));
    return { inputs: [arr(g, d, s), arr(g, d, u), ...s.map((n) => g(() => A.int32Scalar(-2, n + 2)))] };
  },
  gather: (g) => {
    const d = pick(g, ANY);
    const s = shapeOf(g, { minRank: 1, maxRank: 3 });
    const k = int(g, 0, s.length);
    const batch = shapeOf(g, { maxRank: 2 });
    const idx = indices(g, batch, s.slice(0, k));
    const mode = pick(g, ["clip", "fill"] as const);
    return { inputs: [arr(g, d, s), idx], params: { mode, fill_value: mode === "fill" && bool(g) ? pick(g, [0, -1, 2.5, NaN]) : null } };
  },
  scatter: scatterCase(ANY),
  "scatter-add": scatterCase(ANY, "sum"),
  "scatter-mul": scatterCase([...REAL_FLOATS, ...INTS], "prod"),
  "scatter-min": scatterCase([...REAL_FLOATS, ...INTS]),
  "scatter-max": scatterCase([...REAL_FLOATS, ...INTS]),
  concatenate: (g) => {
    const d = pick(g, ANY);
    const s = shapeOf(g, { minRank: 1 });
    const dim = int(g, 0, s.length - 1);
    const parts = globalThis.Array.from({ length: int(g, 1, 4) }, () => s.map((n, i) => (i === dim ? int(g, 0, 3) : n)));
    return { inputs: parts.map((p) => arr(g, d, p)), params: { dimension: dim } };
  },
  pad: (g) => {
    const d = pick(g, ANY);
    const s = shapeOf(g);
    const cfg = s.map((n) => {
      const interior = int(g, 0, 2);
      const full = n + Math.max(0, n - 1) * interior;
      const lo = int(g, -Math.min(full, 2), 3);
      return [lo, int(g, -Math.min(full + lo, 2), 3), interior];
    });
    return { inputs: [arr(g, d, s), arr(g, d, [], { special: 3 })], params: { padding_config: cfg } };
  },
  rev: (g) => {
    const d = pick(g, ANY);
    const s = shapeOf(g);
    return { inputs: [arr(g, d, s)], params: { dimensions: g(() => A.axes(s.length)) } };
  },
  sort: (g) => {
    const s = shapeOf(g, { minRank: 1 });
    const n = int(g, 1, 3);
    const xs = globalThis.Array.from({ length: n }, () => arr(g, pick(g, ORDERED), s, { special: 4, integers: bool(g), min: -3, max: 3 }));
    return { inputs: xs, params: { dimension: int(g, 0, s.length - 1), is_stable: true, num_keys: int(g, 1, n) } };
  },
  // -- calls and control flow (the wasm backend inlines jit/remat2/custom calls) --
  jit: callCase((jaxpr) => ({ jaxpr, name: "f", donated_invars: [false, false], keep_unused: false, inline: false, backend: null })),
  remat2: callCase((jaxpr) => ({ jaxpr, prevent_cse: true, differentiated: false, policy: null })),
  custom_jvp_call: callCase((call_jaxpr) => ({ name: "f", call_jaxpr, jvp: () => [[], []], num_consts: 0, symbolic_zeros: false })),
  custom_vjp_call: callCase((call_jaxpr) => ({ name: "f", call_jaxpr, fwd: () => [[], [], null], bwd: () => [], num_consts: 0, symbolic_zeros: false })),
  // A host callback: the wasm program calls back into JS, which runs the same function as cpu.
  pure_callback: (g) => {
    const d = pick(g, ANY);
    const s = shapeOf(g);
    const callback = new FlatCallback((x: Array) => [x], tree.structure([0]));
    return { inputs: [arr(g, d, s)], params: { callback, result_avals: [new ShapedArray(s, d)], sharding: null, vmap_method: null } };
  },
  stop_gradient: unary(ANY),
  name: unary(ANY, { params: () => ({ name: "h" }) }),
  cond: (g) => {
    const d = pick(g, ["float32", "int32"] as DType[]);
    const s = shapeOf(g, { maxRank: 3 });
    const n = int(g, 1, 3);
    const branches = globalThis.Array.from({ length: n }, (_, k) => body(k, s, d)).map((b) => new ClosedJaxpr(b.jaxpr, []));
    return { inputs: [g(() => A.int32Scalar(-1, n)), arr(g, d, s), arr(g, d, s)], params: { branches } };
  },
  while: (g) => {
    const d = pick(g, ["float32", "int32"] as DType[]);
    const s = shapeOf(g, { maxRank: 3 });
    const limit = int(g, 0, 4);
    const i32 = jax.ShapeDtypeStruct([], "int32"), x = jax.ShapeDtypeStruct(s, d);
    const condJ = jax.makeJaxpr((i: Array) => [bind1(prim("lt"), [i, jax.numpy.array(limit, { dtype: "int32" })])])(i32, x);
    const bodyJ = jax.makeJaxpr((i: Array, v: Array) => [bind1(prim("add"), [i, jax.numpy.array(1, { dtype: "int32" })]), bind1(prim("add"), [bind1(prim("mul"), [v, v]), v])])(i32, x);
    return {
      inputs: [g(() => A.int32Scalar(-1, 2)), arr(g, d, s, { min: -2, max: 2 })],
      params: { cond_jaxpr: new ClosedJaxpr(condJ.jaxpr, []), body_jaxpr: new ClosedJaxpr(bodyJ.jaxpr, []), cond_nconsts: 0, body_nconsts: 0 },
    };
  },
  scan: (g) => {
    const d = pick(g, ["float32", "int32"] as DType[]);
    const s = shapeOf(g, { maxRank: 2 });
    const length = int(g, 0, 4);
    const c = jax.ShapeDtypeStruct(s, d);
    const step = jax.makeJaxpr((a: Array, x: Array) => [bind1(prim("add"), [a, x]), bind1(prim("mul"), [a, x])])(c, c);
    return {
      inputs: [arr(g, d, s, { min: -4, max: 4 }), arr(g, d, [length, ...s], { min: -4, max: 4 })],
      params: { jaxpr: new ClosedJaxpr(step.jaxpr, []), length, reverse: bool(g), unroll: 1, num_consts: 0, num_carry: 1 },
    };
  },
  // -- random bits --
  threefry2x32: (g) => {
    const s = shapeOf(g, { maxRank: 3 });
    // NumPy broadcasting: scalars, and lower-rank operands (suffixes of the shape).
    return { inputs: [0, 1, 2, 3].map(() => arr(g, "uint32", s.slice(pick(g, [0, 0, 1, 2, s.length])))) };
  },
  bitcast_convert_type: (g) => {
    const [from, to] = pick(g, [["float32", "int32"], ["float32", "uint32"], ["int32", "float32"], ["uint32", "float32"], ["int32", "uint32"], ["uint32", "int32"], ["float16", "float16"], ["float64", "float64"]] as [DType, DType][]);
    return { inputs: [arr(g, from, shapeOf(g), { special: 3 })], params: { new_dtype: to } };
  },
};

/** int32 indices of shape [...batch, k] into axes of sizes `dims`, some out of bounds. */
export function indices(g: G, batch: number[], dims: number[]): HostArray {
  const n = prod(batch);
  const data = Int32Array.from({ length: n * dims.length }, (_, i) => {
    const size = dims[i % dims.length];
    return int(g, 0, 7) === 0 ? pick(g, [-1, size, size + 3, -2147483648]) : int(g, 0, Math.max(0, size - 1));
  });
  return { shape: [...batch, dims.length], dtype: "int32", data };
}

/** Repeated indices combine in float32 on wasm (at every step, as XLA), in float64 on cpu. */
export function scatterCase(dtypes: DType[], combine?: "sum" | "prod"): CaseGen {
  return (g) => {
    const d = pick(g, dtypes);
    const s = shapeOf(g, { minRank: 1, maxRank: 3 });
    const k = int(g, 0, s.length);
    const batch = shapeOf(g, { maxRank: 2 });
    // Float products rounded at every step must not leave float32's range where float64's don't.
    const values = combine === "prod" && !isInteger(d) ? PRODUCT_SAFE : d === "complex64" ? { min: -10, max: 10 } : undefined;
    const inputs = [arr(g, d, s, combine === "prod" && !isInteger(d) ? PRODUCT_SAFE : undefined), indices(g, batch, s.slice(0, k)), arr(g, d, [...batch, ...s.slice(k)], values)];
    const n = prod(batch) + 1;
    return { inputs, tol: combine === "sum" ? sumTol(d, n) : combine === "prod" ? prodTol(d, n) : EXACT };
  };
}

/** Primitives with no eager property above, and why. */
export const NOT_EAGER: Record<string, string> = {
  custom_lin: "evaluating it raises by design (JAX's error for forward-mode autodiff of a custom_vjp function)",
  psum: "a collective: tested under vmap below",
  pmax: "a collective: tested under vmap below",
  pmin: "a collective: tested under vmap below",
  all_gather: "a collective: tested under vmap below",
  reduce_scatter: "a collective: tested under vmap below",
  axis_index: "a collective: tested under vmap below",
  ppermute: "a collective: tested under vmap below",
  psum_invariant: "a collective: tested under vmap below",
  pvary: "a collective: tested under vmap below",
  all_to_all: "a collective: tested under vmap below",
  shard_map: "a program over a mesh: tests/sharding/ compare it with the unsharded function, as one program and on devices",
};

/** The case with float64 values and dtypes made float32 (for backends without float64, such as WebGPU). */
export function demoteFloat64(c: Case): Case {
  const demote = (v: unknown): unknown => {
    if (v === "float64") return "float32";
    if (v instanceof ShapedArray) return v.dtype === "float64" ? new ShapedArray(v.shape, "float32", v.weakType) : v;
    if (globalThis.Array.isArray(v)) return v.map(demote);
    if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, demote(x)]));
    return v;
  };
  const inputs = c.inputs.map((h) => (h.dtype === "float64" ? { shape: h.shape, dtype: "float32" as DType, data: Float32Array.from(h.data) } : h));
  return { ...c, inputs, params: c.params && (demote(c.params) as Params) };
}
