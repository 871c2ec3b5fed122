// Reductions over a set of axes, and arg-reductions. The reference kernels accumulate in float64.

import { ShapedArray, prod, stridesOf } from "../core/aval.js";
import { DType, isComplex } from "../core/dtype.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { HostArray, hostFromValues, hostValues } from "../core/host.js";
import { Primitive } from "../core/primitive.js";
import { DTypeClass, checkDType } from "./elementwise.js";
import { unravel } from "./layout.js";

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

function reducePrimitive(name: string, accepts: DTypeClass, init: number, combine: (a: number, b: number) => number, cinit?: [number, number], ccombine?: (a: [number, number], br: number, bi: number) => [number, number]) {
  return new Primitive<{ axes: number[]; out_sharding: null }>(name, {
    abstractEval([x], { axes }) {
      checkDType(name, x.dtype, accepts);
      checkAxes(name, x.shape, axes);
      return [new ShapedArray(x.shape.filter((_, i) => !axes.includes(i)), x.dtype, x.weakType)];
    },
    cpu([x], { axes }) {
      const { outShape, each } = reduceGroups(x.shape, axes);
      const v = hostValues(x);
      const n = prod(outShape);
      if (isComplex(x.dtype)) {
        if (!ccombine) throw new TypeError(`${name} is not implemented for complex64.`);
        const acc: [number, number][] = Array.from({ length: n }, () => [...cinit!] as [number, number]);
        each((o, i) => (acc[o] = ccombine(acc[o], v[2 * i], v[2 * i + 1])));
        return [hostFromValues(outShape, x.dtype, acc.flat())];
      }
      const acc = new Float64Array(n).fill(init);
      each((o, i) => (acc[o] = combine(acc[o], v[i])));
      return [hostFromValues(outShape, x.dtype, x.dtype === "int32" ? acc.map((a) => a | 0) : x.dtype === "uint32" ? acc.map((a) => a >>> 0) : acc)];
    },
    // Of the reductions only reduce_sum carries (and prints) out_sharding in JAX.
    printParams: ({ axes }) => (name === "reduce_sum" ? { axes, out_sharding: null } : { axes }),
  });
}

const nanMax = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
const nanMin = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));
export const reduceSum = reducePrimitive("reduce_sum", "numeric", 0, (a, b) => a + b, [0, 0], ([ar, ai], br, bi) => [ar + br, ai + bi]);
export const reduceProd = reducePrimitive("reduce_prod", "numeric", 1, (a, b) => a * b, [1, 0], ([ar, ai], br, bi) => [ar * br - ai * bi, ar * bi + ai * br]);
export const reduceMax = reducePrimitive("reduce_max", "ordered", -Infinity, nanMax);
export const reduceMin = reducePrimitive("reduce_min", "ordered", Infinity, nanMin);
export const reduceAnd = reducePrimitive("reduce_and", "intOrBool", 1, (a, b) => (a && b ? 1 : 0));
export const reduceOr = reducePrimitive("reduce_or", "intOrBool", 0, (a, b) => (a || b ? 1 : 0));

function argPrimitive(name: string, better: (a: number, b: number) => boolean) {
  return new Primitive<{ axes: number[]; index_dtype: DType }>(name, {
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
  });
}

export const argmax = argPrimitive("argmax", (a, b) => a > b);
export const argmin = argPrimitive("argmin", (a, b) => a < b);

/** Inclusive scans along one axis (cumsum, cumprod, cummax, cummin). */
function cumulativePrimitive(name: string, combine: (a: number, b: number) => number) {
  return new Primitive<{ axis: number; reverse: boolean }>(name, {
    abstractEval([x], { axis }) {
      checkDType(name, x.dtype, "nonComplex");
      checkAxes(name, x.shape, [axis]);
      return [x];
    },
    cpu([x], { axis, reverse }) {
      const v = hostValues(x);
      const out = new Float64Array(v.length);
      const stride = stridesOf(x.shape)[axis];
      const len = x.shape[axis];
      for (let i = 0; i < v.length; i++) {
        const k = Math.floor(i / stride) % len;
        if (k !== 0) continue;
        for (let s = 0; s < len; s++) {
          const t = reverse ? len - 1 - s : s;
          const j = i + t * stride;
          out[j] = s === 0 ? v[j] : combine(out[j + (reverse ? stride : -stride)], v[j]);
        }
      }
      return [hostFromValues(x.shape, x.dtype, x.dtype === "int32" ? out.map((a) => a | 0) : out)];
    },
  });
}

export const cumsum = cumulativePrimitive("cumsum", (a, b) => a + b);
export const cumprod = cumulativePrimitive("cumprod", (a, b) => a * b);
export const cummax = cumulativePrimitive("cummax", nanMax);
export const cummin = cumulativePrimitive("cummin", nanMin);

