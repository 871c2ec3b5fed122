// Small pieces every differentiation rule needs: zeros, null-aware tangent sums, and undoing
// the implicit broadcasting of binary primitives when transposing them.

import { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { DType, isInexact } from "../core/dtype.js";
import { Primitive, UndefinedPrimal } from "../core/primitive.js";
import { matchAxis } from "./batch_util.js";
import { bind1, scalar } from "../core/trace.js";
import { broadcastInDim, convertElementType, reshape } from "../primitives/layout.js";
import { add } from "../primitives/math.js";
import { reduceSum } from "../primitives/reduce.js";

/** Whether values of this dtype carry tangents (integers and bools have only zero ones). */
export const isDifferentiable = (d: DType): boolean => isInexact(d);

/** A full array of zeros (or `value`) of the given type. */
export function full(aval: ShapedArray, value = 0): Array {
  const s = scalar(value, aval.dtype, aval.weakType);
  return aval.ndim === 0 ? s : bind1(broadcastInDim, [s], { shape: [...aval.shape], broadcast_dimensions: [], sharding: null });
}

export const zeros = (aval: ShapedArray): Array => full(aval, 0);

/** `x`, or zeros of its type when it is a symbolic zero. */
export function instantiate(x: Array | null, aval: ShapedArray): Array {
  return x ?? zeros(aval);
}

/** Adds tangents or cotangents of one type (JAX's `add_any`, how autodiff accumulates). */
export const addAny: Primitive = new Primitive("add_any", {
  abstractEval([a, b]) {
    if (a.dtype !== b.dtype || a.shape.length !== b.shape.length || a.shape.some((n, i) => n !== b.shape[i])) {
      throw new TypeError(`add_any needs operands of one type, got ${a.str()} and ${b.str()} (internal: a rule produced a mis-shaped tangent).`);
    }
    return [a];
  },
  cpu: (ins, params, ctx) => add.rules.cpu!(ins, params, ctx),
  jvp: (ps, ts) => [[bind1(addAny, ps)], [addTangents(ts[0], ts[1])]],
  transpose: ([ct]) => [ct, ct],
  batch([a, b], [da, db], _, axis) {
    const d = da ?? db!;
    return [[bind1(addAny, [matchAxis(a, da, axis.size, d), matchAxis(b, db, axis.size, d)])], [d]];
  },
});

/** Sum of tangents or cotangents, either of which may be a symbolic zero (null). */
export function addTangents(a: Array | null, b: Array | null): Array | null {
  if (a === null) return b;
  if (b === null) return a;
  return bind1(addAny, [a, b]);
}

/** Converts `x` to `dtype` (a no-op when it already has it). */
export function convert(x: Array, dtype: DType, weakType = false): Array {
  return x.dtype === dtype && x.weakType === weakType ? x : bind1(convertElementType, [x], { new_dtype: dtype, weak_type: weakType });
}

/**
 * Sums `ct` (the cotangent of a broadcast result) back to `aval`'s shape: over leading axes
 * a rank-0 operand was stretched along, and over size-1 axes that were stretched.
 */
export function unbroadcast(ct: Array, aval: ShapedArray): Array {
  const shape = aval.shape;
  if (ct.shape.length === shape.length && ct.shape.every((n, i) => n === shape[i])) return convert(ct, aval.dtype, aval.weakType);
  let out: Array;
  if (shape.length === 0) {
    out = bind1(reduceSum, [ct], { axes: ct.shape.map((_, i) => i), out_sharding: null });
  } else {
    const lead = ct.ndim - shape.length;
    const axes = ct.shape.map((_, i) => i).filter((i) => i < lead || (shape[i - lead] === 1 && ct.shape[i] !== 1));
    out = bind1(reduceSum, [ct], { axes, out_sharding: null });
    if (out.ndim !== shape.length) out = bind1(reshape, [out], { new_sizes: [...shape], dimensions: null, sharding: null });
  }
  return convert(out, aval.dtype, aval.weakType);
}

/** The abstract value of an argument of a transpose rule, known or not. */
export function avalOf(x: Array | UndefinedPrimal): ShapedArray {
  return x instanceof UndefinedPrimal ? x.aval : x.aval;
}

export const isUndefined = (x: unknown): x is UndefinedPrimal => x instanceof UndefinedPrimal;

/**
 * A differentiated argument as an Array. JS cannot tell `1.0` from `1`, so a bare number
 * passed to a differentiation API counts as a (weakly typed) float, not an int.
 */
export function diffArg(x: unknown): Array {
  // A weakly typed int is a bare JS number that a jit traced (as JAX traces a Python int): it
  // counts as a float here too, so jit(grad(f))(3) agrees with grad(f)(3).
  if (x instanceof Array) return x.weakType && x.dtype === "int32" ? convert(x, "float32", true) : x;
  if (typeof x === "number") return scalar(x, "float32", true);
  if (typeof x === "boolean") return scalar(x, "bool", false);
  throw new TypeError(`Argument ${String(x)} of type ${typeof x} is not a valid JAX type: pass Arrays or JS numbers (or pytrees of them).`);
}
