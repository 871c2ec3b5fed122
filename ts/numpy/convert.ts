// Turning user values into Arrays, and JAX's implicit promotion of dtypes and ranks.

import { Array, ArrayLike, ConcreteArray } from "../core/array.js";
import { ShapedArray, broadcastShapes } from "../core/aval.js";
import { BackendName, getBackend } from "../core/backend.js";
import { DType, dtypeOfTypedArray, isInexact, promoteTypes, toDType } from "../core/dtype.js";
import { ValueError } from "../core/errors.js";
import { declare, declareAs } from "../core/signature.js";
import { bind1, fromHostValues, scalar, scalarDType, transfer } from "../core/trace.js";
import { broadcastInDim, convertElementType } from "../primitives/layout.js";

export interface ArrayOptions {
  dtype?: DType | string;
  device?: BackendName | { platform: BackendName };
}

/**
 * Creates an array from nested JS arrays, numbers, booleans or typed arrays.
 * JS numbers make float32 (booleans bool); typed arrays keep their type.
 * @example np.array([[1, 2], [3, 4]])            // float32[2,2]
 * @example np.array([1, 2], "int32")             // int32[2]; also {dtype: "int32"}
 */
export const array: {
  (object: ArrayLike, opts?: ArrayOptions): Array;
  (object: ArrayLike, dtype: DType | string | null | undefined, opts?: Omit<ArrayOptions, "dtype">): Array;
} = declareAs("np.array", "object, dtype?:dtype", "dtype device", arrayImpl);

function arrayImpl(data: ArrayLike, opts: ArrayOptions): Array {
  const dtype = opts.dtype === undefined ? undefined : toDType(opts.dtype);
  const backend = opts.device === undefined ? undefined : getBackend(typeof opts.device === "string" ? opts.device : opts.device.platform);
  if (data instanceof Array) {
    let out = dtype && dtype !== data.dtype ? astype(data, dtype) : data;
    if (backend && out instanceof ConcreteArray) out = transfer(out, backend, true);
    return out;
  }
  if (ArrayBuffer.isView(data)) {
    const d = dtype ?? dtypeOfTypedArray(data);
    return commitIf(fromHostValues(data as any, new ShapedArray([data.length / (d === "complex64" ? 2 : 1)], d), backend), backend);
  }
  const shape: number[] = [];
  const flat: number[] = [];
  let sawBool = false, sawNumber = false;
  const walk = (x: any, depth: number) => {
    if (globalThis.Array.isArray(x)) {
      if (shape.length <= depth) shape.push(x.length);
      else if (shape[depth] !== x.length) throw new ValueError(`np.array: ragged nested array (lengths ${shape[depth]} and ${x.length} at depth ${depth}).`);
      x.forEach((c) => walk(c, depth + 1));
    } else if (x instanceof Array) {
      const v = x.tolistSync();
      walk(v, depth);
    } else {
      if (depth !== shape.length) throw new ValueError("np.array: ragged nested array.");
      if (typeof x === "boolean") sawBool = true;
      else if (typeof x === "number") sawNumber = true;
      else throw new TypeError(`np.array: unsupported element ${String(x)}.`);
      flat.push(Number(x));
    }
  };
  walk(data, 0);
  const d = dtype ?? (sawBool && !sawNumber ? "bool" : "float32");
  return commitIf(fromHostValues(flat, new ShapedArray(shape, d), backend), backend);
}

/** An array made with an explicit device is committed to it (JAX's rule). */
function commitIf(a: ConcreteArray, device: unknown): ConcreteArray {
  if (device) a.committed = true;
  return a;
}

/** `jnp.asarray`: Arrays pass through; JS values become (non-weak) arrays. @example np.asarray([1, 2], "int32") */
export const asarray: typeof array = declareAs("np.asarray", "a, dtype?:dtype", "dtype device", arrayImpl);

/** The aval a value has as an operand: JS scalars are weakly typed. */
export function avalOf(x: ArrayLike): ShapedArray {
  if (x instanceof Array) return x.aval;
  if (typeof x === "number" || typeof x === "boolean") return new ShapedArray([], scalarDType(x), typeof x === "number");
  return array(x).aval;
}

/** An operand as an Array (nested JS arrays become float32 arrays, JS scalars weak scalars). */
export function toArray(x: ArrayLike): Array {
  if (x instanceof Array) return x;
  if (typeof x === "number" || typeof x === "boolean") return scalar(x);
  return array(x);
}

/** Converts to `dtype` (convert_element_type, skipped when nothing changes). @example np.astype(x, "int32") */
export const astype: {
  <D extends DType>(x: ArrayLike, dtype: D): Array<D>;
  (x: ArrayLike, dtype: DType | string): Array;
} = declareAs("np.astype", "x, dtype:dtype", "", (x: ArrayLike, dtype: DType | string) => castTo(x, dtype));

/** convert_element_type to `dtype` with the given weak type. */
export function castTo(x: ArrayLike, dtype: DType | string, weakType = false): Array {
  const d = toDType(dtype);
  if (typeof x === "number" || typeof x === "boolean") return scalar(Number(x), d, weakType);
  const a = toArray(x);
  if (a.dtype === d && a.weakType === weakType) return a;
  return bind1(convertElementType, [a], { new_dtype: d, weak_type: weakType });
}

/** Converts operands to their common dtype (JAX's promotion with weak types). */
export function promoteArgs(xs: ArrayLike[], opts: { inexact?: boolean } = {}): Array[] {
  let t = promoteTypes(...xs.map(avalOf));
  if (opts.inexact && !isInexact(t.dtype)) t = { dtype: "float32", weakType: t.weakType };
  return xs.map((x) => {
    if (typeof x === "number" || typeof x === "boolean") return scalar(Number(x), t.dtype, t.weakType);
    const a = toArray(x);
    return a.dtype === t.dtype && a.weakType === t.weakType ? a : castTo(a, t.dtype, t.weakType);
  });
}

/** NumPy rank promotion: lower-rank operands get leading 1s (scalars stay rank 0 for lax). */
export function promoteRanks(xs: Array[]): Array[] {
  const s0 = xs[0].shape;
  if (xs.every((x) => x.shape === s0 || (x.shape.length === s0.length && x.shape.every((n, i) => n === s0[i])))) return xs;
  // Check compatibility on the user's shapes first, so the error names them (not rank-padded ones).
  broadcastShapes(...xs.map((x) => x.shape));
  const nd = Math.max(...xs.map((x) => x.ndim));
  return xs.map((x) => {
    if (x.ndim === nd || x.ndim === 0) return x;
    const shape = [...new globalThis.Array(nd - x.ndim).fill(1), ...x.shape];
    return bind1(broadcastInDim, [x], { shape, broadcast_dimensions: x.shape.map((_, i) => i + nd - x.ndim), sharding: null });
  });
}
