// Reductions over a set of axes, and arg-reductions. The reference kernels accumulate in float64.

import type { Array } from "../core/array.js";
import { ShapedArray, prod, stridesOf } from "../core/aval.js";
import { DType, isComplex } from "../core/dtype.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { hostFromValues, hostValues } from "../core/host.js";
import { Primitive, PrimitiveRules } from "../core/primitive.js";
import { bind1, scalar } from "../core/trace.js";
import { convert, isDifferentiable, isUndefined, zeros } from "../transforms/ad_util.js";
import { DTypeClass, checkDType } from "./elementwise.js";
import { pad } from "./indexing.js";
import { broadcastInDim, reshape, selectN, transpose, unravel, withBdim } from "./layout.js";
import { add, div, eq, ge, le, mul } from "./math.js";

function checkAxes(name: string, shape: readonly number[], axes: readonly number[]): void {
  if (axes.some((a) => !Number.isInteger(a) || a < 0 || a >= shape.length) || new Set(axes).size !== axes.length) {
    throw new ValueError(`${name}: axes ${shapeStr(axes)} are invalid for an array of shape ${shapeStr(shape)}.`);
  }
}

/** For each output element, the flat input indices that reduce into it. */
function reduceGroups(shape: readonly number[], axes: readonly number[]): { outShape: number[]; each: (f: (outIndex: number, inIndex: number) => void) => void } {
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const outStrides = stridesOf(outShape);
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const c: number[] = [];
  return {
    outShape,
    each(f) {
      const n = prod(shape);
      for (let i = 0; i < n; i++) {
        unravel(i, shape, c);
        let o = 0;
        kept.forEach((d, k) => (o += c[d] * outStrides[k]));
        f(o, i);
      }
    },
  };
}

type ReduceParams = { axes: number[]; out_sharding: null };

/** How integer values combine where that differs from the float rule. */
function intCombine(name: string): ((a: number, b: number) => number) | null {
  switch (name) {
    case "reduce_prod": case "cumprod": return (a, b) => Math.imul(a, b);
    case "reduce_sum": case "cumsum": return (a, b) => (a + b) | 0;
    case "reduce_and": return (a, b) => a & b;
    case "reduce_or": return (a, b) => a | b;
    default: return null;
  }
}

/** The tangent of a reduction of `x` (with result `out`) along `t`. */
type ReduceTangent = (x: Array, t: Array, out: Array, axes: number[]) => Array;

function reducePrimitive(
  name: string,
  accepts: DTypeClass,
  init: number,
  combine: (a: number, b: number) => number,
  cinit?: [number, number],
  ccombine?: (a: [number, number], br: number, bi: number) => [number, number],
  tangent?: ReduceTangent,
  rules: Partial<PrimitiveRules<ReduceParams>> = {},
) {
  const prim: Primitive<ReduceParams> = new Primitive<ReduceParams>(name, {
    abstractEval([x], { axes }) {
      checkDType(name, x.dtype, accepts);
      checkAxes(name, x.shape, axes);
      return [new ShapedArray(x.shape.filter((_, i) => !axes.includes(i)), x.dtype, x.weakType)];
    },
    cpu([x], { axes }) {
      const { outShape, each } = reduceGroups(x.shape, axes);
      // Over one element XLA gives that element (no init folded in: a sum keeps -0), as JAX does.
      if (axes.every((a) => x.shape[a] === 1)) return [{ shape: outShape, dtype: x.dtype, data: x.data.slice() }];
      const v = hostValues(x);
      const n = prod(outShape);
      if (isComplex(x.dtype)) {
        if (!ccombine) throw new TypeError(`${name} is not implemented for complex64.`);
        const acc: [number, number][] = globalThis.Array.from({ length: n }, () => [...cinit!] as [number, number]);
        each((o, i) => (acc[o] = ccombine(acc[o], v[2 * i], v[2 * i + 1])));
        return [hostFromValues(outShape, x.dtype, acc.flat())];
      }
      // Integer reductions wrap at every step (products) and are bitwise (and/or), as in XLA.
      const int = x.dtype === "int32" || x.dtype === "uint32";
      const step = int ? intCombine(name) ?? combine : combine;
      const acc = new Float64Array(n).fill(int && name === "reduce_and" ? -1 : init);
      each((o, i) => (acc[o] = step(acc[o], v[i])));
      return [hostFromValues(outShape, x.dtype, x.dtype === "int32" ? acc.map((a) => a | 0) : x.dtype === "uint32" ? acc.map((a) => a >>> 0) : acc)];
    },
    // Of the reductions only reduce_sum carries (and prints) out_sharding in JAX.
    printParams: ({ axes }) => (name === "reduce_sum" ? { axes, out_sharding: null } : { axes }),
    jvp([x], [t], p) {
      const out = bind1(prim, [x], p);
      return [[out], [t && tangent && isDifferentiable(out.dtype) ? tangent(x, t, out, p.axes) : null]];
    },
    batch: ([x], [d], p) => reduceBatch(prim, x, d!, p),
    ...rules,
  });
  return prim;
}

/** Reductions and arg-reductions under vmap: the reduced axes skip over the mapped one. */
function reduceBatch<P extends { axes: number[] }>(prim: Primitive<P>, x: Array, d: number, p: P): [Array[], number[]] {
  const axes = p.axes.map((a) => withBdim(a, d));
  return [[bind1(prim, [x], { ...p, axes })], [d - axes.filter((a) => a < d).length]];
}

function sumAxes(x: Array, axes: number[]): Array {
  return axes.length ? bind1(reduceSum, [x], { axes, out_sharding: null }) : x;
}

/** `x` with its `axes` moved to the front and flattened into one: shape [n, ...rest]. */
function reducedAxesToFront(x: Array, axes: number[]): Array {
  const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...axes, ...rest];
  const moved = perm.every((a, i) => a === i) ? x : bind1(transpose, [x], { permutation: perm });
  const n = prod(axes.map((a) => x.shape[a]));
  return bind1(reshape, [moved], { new_sizes: [n, ...rest.map((i) => x.shape[i])], dimensions: null, sharding: null });
}

/** JAX's `_reduce_chooser_jvp_rule`: the tangent at the chosen locations, averaged over ties. */
const chooserTangent: ReduceTangent = (x, t, out, axes) => {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const ans = bind1(broadcastInDim, [out], { shape: [...x.shape], broadcast_dimensions: kept, sharding: null });
  const location = convert(bind1(eq, [x, ans]), t.dtype);
  return bind1(div, [sumAxes(bind1(mul, [t, location]), axes), sumAxes(location, axes)]);
};

/**
 * d prod(x) = sum_i t_i * prod_{j != i} x_j, with the products of the others formed as
 * exclusive prefix and suffix products: exact where x has zeros (no division).
 */
const prodTangent: ReduceTangent = (x, t, out, axes) => {
  const xf = reducedAxesToFront(x, axes);
  if (xf.shape[0] === 0) return zeros(out.aval);
  const exclusive = (reverse: boolean) => shift(scanProduct(xf, reverse), 1, 0, reverse, 1);
  const others = bind1(mul, [exclusive(false), exclusive(true)]);
  return sumAxes(bind1(mul, [reducedAxesToFront(t, axes), others]), [0]);
};

const nanMax = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
const nanMin = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));
export const reduceSum = reducePrimitive("reduce_sum", "numeric", 0, (a, b) => a + b, [0, 0], ([ar, ai], br, bi) => [ar + br, ai + bi], (_, t, __, axes) => sumAxes(t, axes), {
  transpose([ct], [x], { axes }) {
    if (!isUndefined(x)) return [null];
    const kept = x.aval.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    return [bind1(broadcastInDim, [ct], { shape: [...x.aval.shape], broadcast_dimensions: kept, sharding: null })];
  },
});
export const reduceProd = reducePrimitive("reduce_prod", "numeric", 1, (a, b) => a * b, [1, 0], ([ar, ai], br, bi) => [ar * br - ai * bi, ar * bi + ai * br], prodTangent);
export const reduceMax = reducePrimitive("reduce_max", "ordered", -Infinity, nanMax, undefined, undefined, chooserTangent);
export const reduceMin = reducePrimitive("reduce_min", "ordered", Infinity, nanMin, undefined, undefined, chooserTangent);
export const reduceAnd = reducePrimitive("reduce_and", "intOrBool", 1, (a, b) => (a && b ? 1 : 0));
export const reduceOr = reducePrimitive("reduce_or", "intOrBool", 0, (a, b) => (a || b ? 1 : 0));

type ArgParams = { axes: number[]; index_dtype: DType };

function argPrimitive(name: string, better: (a: number, b: number) => boolean) {
  const prim: Primitive<ArgParams> = new Primitive<ArgParams>(name, {
    abstractEval([x], { axes, index_dtype }) {
      checkDType(name, x.dtype, "ordered");
      checkAxes(name, x.shape, axes);
      if (axes.length !== 1) throw new ValueError(`${name} reduces exactly one axis, got ${shapeStr(axes)}.`);
      if (x.shape[axes[0]] === 0) throw new ValueError(`${name}: attempt to get ${name} of an empty axis.`);
      return [new ShapedArray(x.shape.filter((_, i) => i !== axes[0]), index_dtype)];
    },
    cpu([x], { axes, index_dtype }) {
      const { outShape, each } = reduceGroups(x.shape, axes);
      const v = hostValues(x);
      const n = prod(outShape);
      const best = new Float64Array(n).fill(NaN);
      const idx = new Float64Array(n).fill(-1);
      const c: number[] = [];
      each((o, i) => {
        const k = unravel(i, x.shape, c)[axes[0]];
        // NaN wins (first NaN), as in NumPy.
        if (idx[o] < 0 || (!Number.isNaN(best[o]) && (Number.isNaN(v[i]) || better(v[i], best[o])))) {
          best[o] = v[i];
          idx[o] = k;
        }
      });
      return [hostFromValues(outShape, index_dtype, idx)];
    },
    // Integer results: their tangents are zero.
    jvp: ([x], _, p) => [[bind1(prim, [x], p)], [null]],
    batch: ([x], [d], p) => reduceBatch(prim, x, d!, p),
  });
  return prim;
}

export const argmax = argPrimitive("argmax", (a, b) => a > b);
export const argmin = argPrimitive("argmin", (a, b) => a < b);

type ScanParams = { axis: number; reverse: boolean };

/** Inclusive scans along one axis (cumsum, cumprod, cummax, cummin). */
function cumulativePrimitive(name: string, combine: (a: number, b: number) => number, tangent: (x: Array, t: Array, p: ScanParams) => Array, rules: Partial<PrimitiveRules<ScanParams>> = {}) {
  const prim: Primitive<ScanParams> = new Primitive<ScanParams>(name, {
    abstractEval([x], { axis }) {
      checkDType(name, x.dtype, "nonComplex");
      checkAxes(name, x.shape, [axis]);
      return [x];
    },
    cpu([x], { axis, reverse }) {
      const v = hostValues(x);
      const step = x.dtype === "int32" || x.dtype === "uint32" ? intCombine(name) ?? combine : combine;
      const out = new Float64Array(v.length);
      const stride = stridesOf(x.shape)[axis];
      const len = x.shape[axis];
      for (let i = 0; i < v.length; i++) {
        const k = Math.floor(i / stride) % len;
        if (k !== 0) continue;
        for (let s = 0; s < len; s++) {
          const t = reverse ? len - 1 - s : s;
          const j = i + t * stride;
          out[j] = s === 0 ? v[j] : step(out[j + (reverse ? stride : -stride)], v[j]);
        }
      }
      return [hostFromValues(x.shape, x.dtype, x.dtype === "int32" ? out.map((a) => a | 0) : x.dtype === "uint32" ? out.map((a) => a >>> 0) : out)];
    },
    jvp: ([x], [t], p) => [[bind1(prim, [x], p)], [t && tangent(x, t, p)]],
    batch: ([x], [d], p) => [[bind1(prim, [x], { ...p, axis: withBdim(p.axis, d!) })], [d]],
    ...rules,
  });
  return prim;
}

/** `x` shifted by `s` places along `axis` in scan order, `fill` flowing in (one pad). */
function shift(x: Array, s: number, axis: number, reverse: boolean, fill: number): Array {
  const cfg = x.shape.map((): [number, number, number] => [0, 0, 0]);
  cfg[axis] = reverse ? [-s, s, 0] : [s, -s, 0];
  return bind1(pad, [x, scalar(fill, x.dtype, x.weakType)], { padding_config: cfg });
}

/**
 * An inclusive scan by doubling (Hillis-Steele): log2(n) rounds that combine each element
 * with the one `s` places earlier. `vals` is a tuple scanned together (a value and its
 * tangent); `fills` are the identities shifted in; `combine(earlier, later)`.
 */
function doublingScan(vals: Array[], fills: number[], axis: number, reverse: boolean, combine: (earlier: Array[], later: Array[]) => Array[]): Array[] {
  for (let s = 1; s < vals[0].shape[axis]; s *= 2) {
    vals = combine(vals.map((v, i) => shift(v, s, axis, reverse, fills[i])), vals);
  }
  return vals;
}

function scanProduct(x: Array, reverse: boolean): Array {
  if (!isComplex(x.dtype)) return bind1(cumprod, [x], { axis: 0, reverse });
  return doublingScan([x], [1], 0, reverse, ([a], [b]) => [bind1(mul, [a, b])])[0];
}

// cumprod/cummax/cummin are differentiated as JAX does, through an associative scan, here one
// over (value, tangent) pairs; the tangent stays linear (mul by and select on known values).
const productScanTangent = (x: Array, t: Array, { axis, reverse }: ScanParams) =>
  doublingScan([x, t], [1, 0], axis, reverse, ([a, ta], [b, tb]) => [
    bind1(mul, [a, b]),
    bind1(add, [bind1(mul, [ta, b]), bind1(mul, [a, tb])]),
  ])[1];

/** cummax/cummin: the tangent at the running extremum (at ties, the latest in scan order). */
// `later` is a thunk: math.ts may still be loading when this module evaluates.
const extremumScanTangent = (later: () => typeof ge, fill: number) => (x: Array, t: Array, { axis, reverse }: ScanParams) =>
  doublingScan([x, t], [fill, 0], axis, reverse, ([a, ta], [b, tb]) => {
    const takeLater = bind1(later(), [b, a]);
    return [bind1(selectN, [takeLater, a, b]), bind1(selectN, [takeLater, ta, tb])];
  })[1];

export const cumsum = cumulativePrimitive("cumsum", (a, b) => a + b, (_, t, p) => bind1(cumsum, [t], p), {
  transpose: ([ct], [x], { axis, reverse }) => [isUndefined(x) ? bind1(cumsum, [ct], { axis, reverse: !reverse }) : null],
});
export const cumprod = cumulativePrimitive("cumprod", (a, b) => a * b, productScanTangent);
export const cummax = cumulativePrimitive("cummax", nanMax, extremumScanTangent(() => ge, -Infinity));
export const cummin = cumulativePrimitive("cummin", nanMin, extremumScanTangent(() => le, Infinity));

