// Elementwise primitives, declared by family: unary and binary share abstract evaluation,
// broadcasting, the reference kernel, the JVP plumbing and batching, so each primitive is one
// line plus its math and its derivative.
//
// Import cycle: ad_util imports math.ts, which declares its primitives with this module's
// families, possibly before this module's body has run. So the families below use only function
// declarations (hoisted) when called, and imported helpers only inside the rules they build.

import type { Array } from "../core/array.js";
import { ShapedArray, broadcastShapes, prod, sameShape } from "../core/aval.js";
import { DType, isComplex, isFloat, isInteger } from "../core/dtype.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { broadcastIndexer, hostFromValues, hostValues } from "../core/host.js";
import { AxisData, Primitive, PrimitiveRules, Params } from "../core/primitive.js";
import { bind, bind1 } from "../core/trace.js";
import { addTangents, isDifferentiable } from "../transforms/ad_util.js";
import { broadcastAxis, moveaxis } from "../transforms/batch_util.js";
import { broadcastInDim, reshape } from "./layout.js";

/** Which dtypes a primitive accepts, named as JAX names them in its errors. */
export type DTypeClass = "float" | "inexact" | "numeric" | "integer" | "intOrBool" | "any" | "nonComplex" | "ordered";

const ACCEPTS: Record<DTypeClass, [(d: DType) => boolean, string]> = {
  float: [isFloat, "floating"],
  inexact: [(d) => isFloat(d) || isComplex(d), "floating, complexfloating"],
  numeric: [(d) => d !== "bool", "integer, floating, complexfloating"],
  nonComplex: [(d) => d !== "bool" && !isComplex(d), "integer, floating"],
  integer: [isInteger, "integer"],
  intOrBool: [(d) => isInteger(d) || d === "bool", "integer, bool"],
  ordered: [(d) => !isComplex(d), "integer, floating, bool"],
  any: [() => true, "any"],
};

export function checkDType(name: string, d: DType, cls: DTypeClass): void {
  const [ok, names] = ACCEPTS[cls];
  if (!ok(d)) throw new TypeError(`${name} does not accept dtype ${d}. Accepted dtypes are subtypes of ${names}.`);
}

/** Wraps integer results as two's-complement hardware does (XLA's integer arithmetic wraps). */
function wrap(d: DType, v: number): number {
  if (d === "int32") return v | 0;
  if (d === "uint32") return v >>> 0;
  if (d === "bool") return v ? 1 : 0;
  return v;
}

type Complex = [number, number];

export interface UnaryDecl<P extends Params> extends Partial<PrimitiveRules<P>> {
  /** Reference math in float64 (integers are wrapped to their dtype afterwards). */
  fn?: (x: number, params: P, dtype: DType) => number;
  /** The same on complex values, when the primitive accepts complex64. */
  complexFn?: (re: number, im: number, params: P) => Complex;
  /** complex64 -> float32 results (abs, real, imag). */
  complexToReal?: (re: number, im: number) => number;
  accepts: DTypeClass;
  outDType?: (d: DType, params: P) => DType;
  /**
   * The output tangent for a (non-zero) input tangent `t`, given the input and the output
   * (JAX's `defjvp2`); not called for integer or bool outputs.
   */
  deriv?: (t: Array, x: Array, ans: Array, params: P) => Array;
  /** Piecewise constant or integer valued: the tangent is always zero (JAX's `defjvp_zero`). */
  zeroDeriv?: boolean;
  /** Extra checks of the operand type against the params (throws JAX's error). */
  checkParams?: (x: ShapedArray, params: P) => void;
}

export function unaryPrimitive<P extends Params = Params>(name: string, decl: UnaryDecl<P>): Primitive<P> {
  const { fn, complexFn, complexToReal, accepts, outDType, deriv, zeroDeriv, checkParams, ...rules } = decl;
  const prim: Primitive<P> = new Primitive<P>(name, {
    jvp: deriv ? unaryJvp(() => prim, deriv) : zeroDeriv ? zeroJvp(() => prim) : undefined,
    batch: ([x], [d], params) => [[bind1(prim, [x], params)], [d]],
    abstractEval([x], params) {
      checkDType(name, x.dtype, accepts);
      checkParams?.(x, params);
      const out = outDType ? outDType(x.dtype, params) : x.dtype;
      return [new ShapedArray(x.shape, out, x.weakType && out === x.dtype)];
    },
    cpu([x], params) {
      const outD = outDType ? outDType(x.dtype, params) : x.dtype;
      const v = hostValues(x);
      if (isComplex(x.dtype)) {
        const n = prod(x.shape);
        if (complexToReal) {
          const out = new Float64Array(n);
          for (let i = 0; i < n; i++) out[i] = complexToReal(v[2 * i], v[2 * i + 1]);
          return [hostFromValues(x.shape, outD, out)];
        }
        if (!complexFn) throw new TypeError(`${name} is not implemented for complex64 yet.`);
        const out = new Float64Array(2 * n);
        for (let i = 0; i < n; i++) [out[2 * i], out[2 * i + 1]] = complexFn(v[2 * i], v[2 * i + 1], params);
        return [hostFromValues(x.shape, outD, out)];
      }
      const out = new Float64Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = wrap(outD, fn!(v[i], params, x.dtype));
      return [hostFromValues(x.shape, outD, out)];
    },
    ...rules,
  });
  return prim;
}

export interface BinaryDecl extends Partial<PrimitiveRules> {
  fn: (a: number, b: number, dtype: DType) => number;
  complexFn?: (ar: number, ai: number, br: number, bi: number) => Complex;
  accepts: DTypeClass;
  /** Comparisons give bool. */
  bool?: boolean;
  /**
   * Each operand's contribution to the output tangent, given its (non-zero) tangent `t`
   * (JAX's `defjvp2`); the contributions are broadcast to the output's shape and summed.
   */
  derivs?: [BinaryDeriv, BinaryDeriv];
  /** The tangent is always zero (comparisons, bitwise ops, nextafter). */
  zeroDeriv?: boolean;
}

export type BinaryDeriv = (t: Array, x: Array, y: Array, ans: Array) => Array;

/** lax's broadcasting rule: equal ranks with 1s stretching, or rank-0 operands. */
export function binaryShape(name: string, shapes: (readonly number[])[]): number[] {
  const ranked = shapes.filter((s) => s.length > 0);
  if (ranked.some((s) => s.length !== ranked[0].length)) {
    throw new ValueError(`${name} got arrays of different rank: ${shapes.map(shapeStr).join(", ")}.`);
  }
  try {
    return broadcastShapes(...shapes);
  } catch {
    throw new ValueError(`${name} got incompatible shapes for broadcasting: ${shapes.map(shapeStr).join(", ")}.`);
  }
}

export function checkSameDTypes(name: string, avals: ShapedArray[]): void {
  if (avals.some((a) => a.dtype !== avals[0].dtype)) {
    throw new TypeError(`${name} requires arguments to have the same dtypes, got ${avals.map((a) => a.dtype).join(", ")}.`);
  }
}

export function binaryPrimitive(name: string, decl: BinaryDecl): Primitive {
  const { fn, complexFn, accepts, bool, derivs, zeroDeriv, ...rules } = decl;
  const prim: Primitive = new Primitive(name, {
    jvp: derivs ? binaryJvp(() => prim, derivs) : zeroDeriv ? zeroJvp(() => prim) : undefined,
    batch: broadcastingBatch(() => prim),
    abstractEval(avals) {
      checkSameDTypes(name, avals);
      checkDType(name, avals[0].dtype, accepts);
      const shape = binaryShape(name, avals.map((a) => a.shape));
      return [new ShapedArray(shape, bool ? "bool" : avals[0].dtype, !bool && avals.every((a) => a.weakType))];
    },
    cpu([a, b]) {
      const shape = binaryShape(name, [a.shape, b.shape]);
      const outD: DType = bool ? "bool" : a.dtype;
      const [va, vb] = [hostValues(a), hostValues(b)];
      const [ia, ib] = [broadcastIndexer(a.shape, shape), broadcastIndexer(b.shape, shape)];
      const n = prod(shape);
      if (isComplex(a.dtype)) {
        if (!complexFn) throw new TypeError(`${name} is not implemented for complex64 yet.`);
        const out = new Float64Array(bool ? n : 2 * n);
        for (let i = 0; i < n; i++) {
          const [j, k] = [ia(i), ib(i)];
          const [r, im] = complexFn(va[2 * j], va[2 * j + 1], vb[2 * k], vb[2 * k + 1]);
          if (bool) out[i] = r;
          else [out[2 * i], out[2 * i + 1]] = [r, im];
        }
        return [hostFromValues(shape, outD, out)];
      }
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = wrap(outD, fn(va[ia(i)], vb[ib(i)], a.dtype));
      return [hostFromValues(shape, outD, out)];
    },
    ...rules,
  });
  return prim;
}

// ---- shared transformation rules (each gets its primitive as a thunk: it is built first) ----

type Rule<K extends keyof PrimitiveRules> = NonNullable<PrimitiveRules<any>[K]>;

function unaryJvp<P extends Params>(prim: () => Primitive<P>, deriv: NonNullable<UnaryDecl<P>["deriv"]>): Rule<"jvp"> {
  return ([x], [t], params) => {
    const [ans] = bind(prim(), [x], params);
    return [[ans], [t === null || !isDifferentiable(ans.dtype) ? null : deriv(t, x, ans, params as P)]];
  };
}

function binaryJvp(prim: () => Primitive, derivs: [BinaryDeriv, BinaryDeriv]): Rule<"jvp"> {
  return ([x, y], tangents, params) => {
    const [ans] = bind(prim(), [x, y], params);
    if (!isDifferentiable(ans.dtype)) return [[ans], [null]];
    const [tx, ty] = tangents.map((t, i) => (t === null ? null : broadcastTangent(derivs[i](t, x, y, ans), ans)));
    return [[ans], [addTangents(tx, ty)]];
  };
}

function zeroJvp(prim: () => Primitive<any>): Rule<"jvp"> {
  return (primals, _, params) => [bind(prim(), primals, params), [null]];
}

/**
 * A tangent of a broadcasting primitive's operand, stretched to the output's shape (JAX's
 * _maybe_broadcast: stretched size-1 axes are squeezed out, then broadcast back).
 */
export function broadcastTangent<T extends Array | null>(t: T, ans: Array): T {
  if (t === null || sameShape(t.shape, ans.shape)) return t;
  const dims = t.shape.flatMap((n, i) => (n === ans.shape[i] ? [i] : []));
  const kept = dims.map((i) => t.shape[i]);
  const squeezed = kept.length === t.ndim ? t : bind1(reshape, [t], { new_sizes: kept, dimensions: null, sharding: null });
  return bind1(broadcastInDim, [squeezed], { shape: [...ans.shape], broadcast_dimensions: dims, sharding: null }) as T;
}

/**
 * vmap of a broadcasting primitive (JAX's broadcast_batcher). When the mapped operands agree
 * in shape and mapped axis and the others are rank 0, the primitive applies as is; otherwise
 * mapped axes move to the front, unmapped operands gain a leading size-1 axis, and mapped
 * operands that are rank 0 per example gain trailing size-1 axes, so that lax broadcasting
 * lines them up.
 */
export function broadcastingBatch(prim: () => Primitive): Rule<"batch"> {
  return (args: Array[], dims: (number | null)[], params: Params, _axis: AxisData) => {
    const ds = dims.map((d, i) => (d !== null && d < 0 ? d + args[i].ndim : d));
    const first = ds.findIndex((d) => d !== null);
    const [shape, dim] = [args[first].shape, ds[first]];
    if (args.every((x, i) => x.ndim === 0 || (ds[i] === dim && sameShape(x.shape, shape)))) {
      return [[bind1(prim(), args, params)], [dim]];
    }
    const front = args.map((x, i) => (x.ndim === 0 ? x : ds[i] === null ? broadcastAxis(x, 1, 0) : moveaxis(x, ds[i]!, 0)));
    const ndim = Math.max(...front.map((x) => x.ndim));
    const aligned = front.map((x, i) => (ds[i] === null || x.ndim === ndim ? x : expandTrailing(x, ndim)));
    return [[bind1(prim(), aligned, params)], [0]];
  };
}

/** `x` with size-1 axes appended up to rank `ndim`. */
function expandTrailing(x: Array, ndim: number): Array {
  const shape = [...x.shape, ...new globalThis.Array<number>(ndim - x.ndim).fill(1)];
  return bind1(broadcastInDim, [x], { shape, broadcast_dimensions: x.shape.map((_, i) => i), sharding: null });
}
