// Elementwise primitives, declared by family: unary and binary share abstract evaluation,
// broadcasting and the reference kernel, so each primitive is one line plus its math.

import { ShapedArray, broadcastShapes, prod } from "../core/aval.js";
import { DType, isComplex, isFloat, isInteger } from "../core/dtype.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { broadcastIndexer, hostFromValues, hostValues } from "../core/host.js";
import { Primitive, PrimitiveRules, Params } from "../core/primitive.js";

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
  complexFn?: (re: number, im: number) => Complex;
  /** complex64 -> float32 results (abs, real, imag). */
  complexToReal?: (re: number, im: number) => number;
  accepts: DTypeClass;
  outDType?: (d: DType, params: P) => DType;
}

export function unaryPrimitive<P extends Params = Params>(name: string, decl: UnaryDecl<P>): Primitive<P> {
  const { fn, complexFn, complexToReal, accepts, outDType, ...rules } = decl;
  return new Primitive<P>(name, {
    abstractEval([x], params) {
      checkDType(name, x.dtype, accepts);
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
        for (let i = 0; i < n; i++) [out[2 * i], out[2 * i + 1]] = complexFn(v[2 * i], v[2 * i + 1]);
        return [hostFromValues(x.shape, outD, out)];
      }
      const out = new Float64Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = wrap(outD, fn!(v[i], params, x.dtype));
      return [hostFromValues(x.shape, outD, out)];
    },
    ...rules,
  });
}

export interface BinaryDecl extends Partial<PrimitiveRules> {
  fn: (a: number, b: number, dtype: DType) => number;
  complexFn?: (ar: number, ai: number, br: number, bi: number) => Complex;
  accepts: DTypeClass;
  /** Comparisons give bool. */
  bool?: boolean;
}

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
  const { fn, complexFn, accepts, bool, ...rules } = decl;
  return new Primitive(name, {
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
}
