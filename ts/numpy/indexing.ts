// NumPy indexing (`x.slice(...)`, `x.at(...)`) over the slice / rev / gather / scatter primitives.
// Basic specs (numbers, [start, stop, step], null) stage `slice` (+ `rev` for negative steps,
// `squeeze` for numbers), as JAX does; integer Arrays stage one `gather` over the indexed axes.

import { Array, ArrayLike, AtGetOptions, AtIndexer, AtUpdateOptions, IndexSpec, freeingIntermediates } from "../core/array.js";
import { prod } from "../core/aval.js";
import { ValueError } from "../core/errors.js";
import { isInteger } from "../core/dtype.js";
import { Primitive } from "../core/primitive.js";
import { bind1, scalar } from "../core/trace.js";
import * as ix from "../primitives/indexing.js";
import { IndexError } from "../primitives/indexing.js";
import { iota } from "../primitives/layout.js";
import { astype } from "./convert.js";
import { reshape, squeeze, transpose } from "./shape.js";
import { add, broadcastTo, less, minimum, where } from "./ufuncs.js";

export { IndexError };

/** Python's slice.indices(n): normalised start, stop, step and the resulting length. */
export function sliceIndices(spec: [number | null, number | null, (number | null)?], n: number): { start: number; step: number; length: number } {
  for (const v of spec) {
    if (v !== null && v !== undefined && !Number.isInteger(v)) throw new TypeError(`slice indices must be integers or null; got ${v} in [${spec.join(", ")}].`);
  }
  const step = spec[2] ?? 1;
  if (step === 0) throw new ValueError("slice step cannot be zero");
  const norm = (v: number | null, dflt: number, lo: number, hi: number) => {
    if (v === null || v === undefined) return dflt;
    const w = v < 0 ? v + n : v;
    return Math.min(Math.max(w, lo), hi);
  };
  const start = step > 0 ? norm(spec[0], 0, 0, n) : norm(spec[0], n - 1, -1, n - 1);
  const stop = step > 0 ? norm(spec[1], n, 0, n) : norm(spec[1], -1, -1, n - 1);
  const length = Math.max(0, Math.ceil((stop - start) / step));
  return { start, step, length };
}

function checkIndex(i: number, axis: number, n: number): number {
  if (!Number.isInteger(i)) throw new IndexError(`index ${i} on axis ${axis} is not an integer; use Math.floor or an int32 Array.`);
  if (i < -n || i >= n) throw new IndexError(`index ${i} is out of bounds for axis ${axis} with size ${n}`);
  return i < 0 ? i + n : i;
}

/** Basic indexing: slices (any step) and numbers, with nulls elsewhere. */
function basicIndex(x: Array, specs: IndexSpec[]): Array {
  const starts: number[] = [], limits: number[] = [], strides: number[] = [], revDims: number[] = [], drop: number[] = [];
  x.shape.forEach((n, d) => {
    const s = specs[d];
    if (s === null || s === undefined) {
      starts.push(0); limits.push(n); strides.push(1);
    } else if (typeof s === "number") {
      const i = checkIndex(s, d, n);
      starts.push(i); limits.push(i + 1); strides.push(1); drop.push(d);
    } else {
      const { start, step, length } = sliceIndices(s as [number | null, number | null, number | null], n);
      // A negative step reads the reversed axis forwards.
      const first = step > 0 ? start : n - 1 - start;
      if (step < 0) revDims.push(d);
      starts.push(length ? first : 0);
      limits.push(length ? first + (length - 1) * Math.abs(step) + 1 : 0);
      strides.push(Math.abs(step));
    }
  });
  let out = revDims.length ? bind1(ix.rev, [x], { dimensions: revDims }) : x;
  if (starts.some((s, d) => s !== 0 || limits[d] !== x.shape[d] || strides[d] !== 1)) {
    out = bind1(ix.slice, [out], { start_indices: starts, limit_indices: limits, strides: strides.every((s) => s === 1) ? null : strides });
  }
  return drop.length ? squeeze(out, { axis: drop }) : out;
}

function isArraySpec(s: IndexSpec): s is Array {
  return s instanceof Array;
}

/** Indexing with integer Arrays (NumPy advanced indexing); `mode` decides out-of-bounds rows. */
function advancedIndex(x: Array, specs: IndexSpec[], mode: "clip" | "fill", fill: number): Array {
  // Numbers index like 0-d integer arrays once any Array is present (NumPy's rule).
  const adv: number[] = [];
  const basic = specs.map((s, d) => {
    if (isArraySpec(s) || typeof s === "number") {
      adv.push(d);
      return null;
    }
    return s;
  });
  const xb = basicIndex(x, basic);
  const idx = adv.map((d) => {
    const s = specs[d];
    const n = xb.shape[d];
    if (typeof s === "number") return scalar(checkIndex(s, d, n), "int32", false);
    const a = s as Array;
    if (a.dtype === "bool") throw new TypeError("Boolean array indices need a data-dependent output shape, which JAX cannot trace; use np.where(mask, x, other) instead.");
    if (!isInteger(a.dtype)) throw new TypeError(`Indexing arrays must have integer dtypes, got ${a.dtype}.`);
    // Unsigned indices are never negative: 2^31 and above are out of range (clamped or dropped
    // by the mode), not wrapped to -2^31... and counted from the end.
    if (a.dtype === "uint32") return astype(minimum(a, scalar(2 ** 31 - 1, "uint32", true)), "int32");
    const i = astype(a, "int32");
    return where(less(i, 0), add(i, n), i);
  });
  const bshape = broadcastShapesOf(idx);
  const cols = idx.map((i) => reshape(broadcastTo(i, bshape), [...bshape, 1]));
  const indices = cols.length === 1 ? cols[0] : bind1(ix.concatenate, cols, { dimension: bshape.length });
  const rest = xb.shape.map((_, d) => d).filter((d) => !adv.includes(d));
  const front = transpose(xb, [...adv, ...rest]);
  let out = bind1(ix.gather, [front, indices], { mode, fill_value: mode === "fill" ? fill : null });
  // Adjacent advanced indices put the batch dims where they were; others leave them in front.
  const adjacent = adv.every((d, i) => i === 0 || d === adv[i - 1] + 1);
  if (adjacent && adv[0] > 0) {
    const nb = bshape.length;
    const r = (n: number, from = 0) => globalThis.Array.from({ length: n }, (_, i) => i + from);
    out = transpose(out, [...r(adv[0], nb), ...r(nb), ...r(out.ndim - nb - adv[0], nb + adv[0])]);
  }
  return out;
}

function broadcastShapesOf(xs: Array[]): number[] {
  const nd = Math.max(0, ...xs.map((x) => x.ndim));
  const out = new globalThis.Array<number>(nd).fill(1);
  for (const x of xs) {
    x.shape.forEach((n, i) => {
      const j = nd - x.ndim + i;
      if (n !== 1 && out[j] !== 1 && out[j] !== n) {
        throw new IndexError(`shape mismatch: indexing arrays could not be broadcast together with shapes ${xs.map((a) => `(${a.shape.join(",")})`).join(" ")}`);
      }
      if (n !== 1) out[j] = n;
    });
  }
  return out;
}

/** Indexing with an explicit out-of-bounds mode for Array indices ("fill" gives `fill`). */
export function index(x: Array, specs: IndexSpec[], mode: "clip" | "fill", fill = -1): Array {
  if (specs.length > x.ndim) {
    throw new IndexError(`Too many indices: ${x.ndim}-dimensional array of shape [${x.shape}] indexed with ${specs.length} specs.`);
  }
  return specs.some(isArraySpec) ? advancedIndex(x, specs, mode, fill) : basicIndex(x, specs);
}

/**
 * NumPy indexing over leading axes. Out-of-range JS numbers throw IndexError; integer Arrays
 * are clamped into range (as JAX's gather does).
 * @example x.slice(0)              // x[0]
 * @example x.slice(null, [1, -1])  // x[:, 1:-1]
 * @example x.slice([null, null, -1])  // x[::-1]
 * @example x.slice(np.array([2, 0], {dtype: "int32"}))  // x[[2, 0]]
 */
export function slice(x: Array, specs: IndexSpec[]): Array {
  return index(x, specs, "clip");
}

const GET_OPTIONS = ["mode", "fillValue", "indicesAreSorted", "uniqueIndices"];
const UPDATE_OPTIONS = ["mode", "indicesAreSorted", "uniqueIndices"];
const MODES = ["clip", "fill", "drop", "promise_in_bounds"];

function checkAtOptions(method: string, opts: object, accepted: string[], kind: string): string | undefined {
  if (opts === null || typeof opts !== "object") throw new TypeError(`x.at(...).${method}() takes an options object {${accepted.join(", ")}}; got ${String(opts)}.`);
  for (const k of Object.keys(opts)) {
    if (!accepted.includes(k)) throw new TypeError(`x.at(...).${method}() got an unexpected keyword argument '${k}'; accepted options: ${accepted.join(", ")}.`);
  }
  const mode = (opts as { mode?: string }).mode;
  if (mode !== undefined && !MODES.includes(mode)) throw new ValueError(`Unknown ${kind} mode "${mode}"; modes: ${MODES.join(", ")}.`);
  return mode;
}

/** What `mode: "fill"` reads out of bounds by default, as JAX. */
function defaultFill(dtype: string): number {
  if (dtype === "int32") return -(2 ** 31);
  if (dtype === "uint32") return 2 ** 32 - 1;
  if (dtype === "bool") return 1;
  return NaN;
}

/**
 * JAX's `x.at[...]`: functional updates returning a new array. Out-of-bounds Array indices are
 * dropped by updates (`mode: "clip"` clamps them) and clamped by `get` (`mode: "fill"` gives a
 * fill value), as in JAX.
 */
export function at(x: Array, specs: IndexSpec[]): AtIndexer {
  const update = (prim: Primitive, method: string) => freeingIntermediates((v: ArrayLike, opts: AtUpdateOptions = {}): Array => {
    const clip = checkAtOptions(method, opts, UPDATE_OPTIONS, "scatter") === "clip";
    const k = specs.length;
    const lead = x.shape.slice(0, k), rest = x.shape.slice(k);
    // Where each selected element lives, as a flat index into the leading axes (-1: dropped).
    const flat = bind1(iota, [], { dtype: "int32", shape: [prod(lead)], dimension: 0, sharding: null });
    const pos = index(reshape(flat, lead), specs, clip ? "clip" : "fill");
    const upd = broadcastTo(astype(v, x.dtype), [...pos.shape, ...rest]);
    const out = bind1(prim, [reshape(x, [prod(lead), ...rest]), reshape(pos, [...pos.shape, 1]), upd]);
    return reshape(out, x.shape);
  });
  return {
    get: freeingIntermediates((opts: AtGetOptions = {}) => {
      const mode = checkAtOptions("get", opts, GET_OPTIONS, "gather");
      if (mode !== "fill" && mode !== "drop") return slice(x, specs);
      return index(x, specs, "fill", opts.fillValue === undefined ? defaultFill(x.dtype) : Number(opts.fillValue));
    }),
    set: update(ix.scatter, "set"),
    add: update(ix.scatterAdd, "add"),
    mul: update(ix.scatterMul, "mul"),
    min: update(ix.scatterMin, "min"),
    max: update(ix.scatterMax, "max"),
  };
}
