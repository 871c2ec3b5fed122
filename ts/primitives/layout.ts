// Primitives that move or reinterpret elements: dtype conversion, broadcasting, reshape,
// transpose, squeeze, select, iota.

import type { Array } from "../core/array.js";
import { ShapedArray, prod, sameShape, stridesOf } from "../core/aval.js";
import { DType, isComplex, isInteger } from "../core/dtype.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { HostArray, hostFromValues, hostValues } from "../core/host.js";
import { Primitive } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import { addTangents, convert, isDifferentiable, isUndefined, zeros } from "../transforms/ad_util.js";
import { bdimToFront, moveaxis } from "../transforms/batch_util.js";
import { and, gt, lt } from "./math.js";
import { reduceSum } from "./reduce.js";


/** Copies of the elements of `x` gathered by a flat index map (the layout ops' shared kernel). */
export function gatherFlat(x: HostArray, shape: readonly number[], dtype: DType, index: (i: number) => number): HostArray {
  const v = hostValues(x);
  const n = prod(shape);
  if (isComplex(x.dtype)) {
    const out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) [out[2 * i], out[2 * i + 1]] = [v[2 * index(i)], v[2 * index(i) + 1]];
    return hostFromValues(shape, dtype, out);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = v[index(i)];
  return hostFromValues(shape, dtype, out);
}

/** The position of logical axis `a` in an array whose mapped (vmap) axis sits at `bdim`. */
export const withBdim = (a: number, bdim: number): number => (a < bdim ? a : a + 1);

/** Calls `f(coords)` style indexing cheaply: decomposes flat index i of `shape`. */
export function unravel(i: number, shape: readonly number[], out: number[]): number[] {
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return out;
}

type ConvertParams = { new_dtype: DType; weak_type: boolean };
export const convertElementType: Primitive<ConvertParams> = new Primitive<ConvertParams>("convert_element_type", {
  abstractEval([x], { new_dtype, weak_type }) {
    return [new ShapedArray(x.shape, new_dtype, weak_type)];
  },
  cpu([x], { new_dtype }) {
    const v = hostValues(x);
    if (isComplex(x.dtype) && !isComplex(new_dtype)) {
      // complex -> real keeps the real part, as NumPy (and JAX, with a warning) does.
      return [hostFromValues(x.shape, new_dtype, v.filter((_, i) => i % 2 === 0))];
    }
    if (!isComplex(x.dtype) && isComplex(new_dtype)) {
      const out = new Float64Array(2 * v.length);
      v.forEach((a, i) => (out[2 * i] = a));
      return [hostFromValues(x.shape, new_dtype, out)];
    }
    // Integer -> integer conversions keep the bits (wrap), as XLA's do; floats saturate.
    if (isInteger(new_dtype) && (isInteger(x.dtype) || x.dtype === "bool")) {
      return [hostFromValues(x.shape, new_dtype, v.map((a) => (new_dtype === "int32" ? a | 0 : a >>> 0)))];
    }
    return [hostFromValues(x.shape, new_dtype, v)];
  },
  // Conversions to and from integers are piecewise constant: their tangents are zero.
  jvp([x], [t], p) {
    const linear = t !== null && isDifferentiable(x.dtype) && isDifferentiable(p.new_dtype);
    return [[bind1(convertElementType, [x], p)], [linear ? bind1(convertElementType, [t], p) : null]];
  },
  transpose([ct], [x]) {
    if (!isUndefined(x) || !isDifferentiable(x.aval.dtype) || !isDifferentiable(ct.dtype)) return [null];
    return [convert(ct, x.aval.dtype, x.aval.weakType)];
  },
  batch: ([x], [d], p) => [[bind1(convertElementType, [x], p)], [d]],
});

type BroadcastParams = { shape: number[]; broadcast_dimensions: number[]; sharding: null };
export const broadcastInDim: Primitive<BroadcastParams> = new Primitive<BroadcastParams>("broadcast_in_dim", {
  abstractEval([x], { shape, broadcast_dimensions: dims }) {
    const ok =
      dims.length === x.ndim &&
      dims.every((d, i) => d >= 0 && d < shape.length && (x.shape[i] === 1 || x.shape[i] === shape[d]) && (i === 0 || d > dims[i - 1]));
    if (!ok) {
      throw new ValueError(
        `broadcast_in_dim: operand of shape ${shapeStr(x.shape)} cannot be broadcast to ${shapeStr(shape)} with broadcast_dimensions ${shapeStr(dims)}.`,
      );
    }
    return [new ShapedArray(shape, x.dtype, x.weakType)];
  },
  cpu([x], { shape, broadcast_dimensions: dims }) {
    const inStrides = stridesOf(x.shape);
    const c: number[] = [];
    return [gatherFlat(x, shape, x.dtype, (i) => {
      unravel(i, shape, c);
      let j = 0;
      dims.forEach((d, k) => x.shape[k] !== 1 && (j += c[d] * inStrides[k]));
      return j;
    })];
  },
  jvp: ([x], [t], p) => [[bind1(broadcastInDim, [x], p)], [t && bind1(broadcastInDim, [t], p)]],
  // Sums over the new axes and over the size-1 axes that were stretched.
  transpose([ct], [x], { shape, broadcast_dimensions: dims }) {
    if (!isUndefined(x)) return [null];
    const s = x.aval.shape;
    const axes = shape.map((_, i) => i).filter((i) => {
      const k = dims.indexOf(i);
      return k < 0 || (s[k] === 1 && shape[i] !== 1);
    });
    let out = axes.length ? bind1(reduceSum, [ct], { axes, out_sharding: null }) : ct;
    if (out.ndim !== s.length) out = bind1(reshape, [out], { new_sizes: [...s], dimensions: null, sharding: null });
    return [out];
  },
  batch([x], [d], { shape, broadcast_dimensions: dims, sharding }, { size }) {
    const p = { shape: [size, ...shape], broadcast_dimensions: [0, ...dims.map((k) => k + 1)], sharding };
    return [[bind1(broadcastInDim, [moveaxis(x, d!, 0)], p)], [0]];
  },
  // JAX omits the shape (it is the output type) and an empty dims tuple / unset sharding.
  printParams: ({ broadcast_dimensions }) => (broadcast_dimensions.length ? { broadcast_dimensions } : {}),
});

type ReshapeParams = { new_sizes: number[]; dimensions: null; sharding: null };
export const reshape: Primitive<ReshapeParams> = new Primitive<ReshapeParams>("reshape", {
  abstractEval([x], { new_sizes }) {
    if (prod(new_sizes) !== x.size || new_sizes.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new TypeError(`cannot reshape array of shape ${shapeStr(x.shape)} (size ${x.size}) into shape ${shapeStr(new_sizes)} (size ${prod(new_sizes)}).`);
    }
    return [new ShapedArray(new_sizes, x.dtype, x.weakType)];
  },
  cpu([x], { new_sizes }) {
    return [{ shape: new_sizes, dtype: x.dtype, data: x.data }];
  },
  jvp: ([x], [t], p) => [[bind1(reshape, [x], p)], [t && bind1(reshape, [t], p)]],
  transpose: ([ct], [x]) => [isUndefined(x) ? bind1(reshape, [ct], { new_sizes: [...x.aval.shape], dimensions: null, sharding: null }) : null],
  batch([x], [d], p, { size }) {
    return [[bind1(reshape, [moveaxis(x, d!, 0)], { ...p, new_sizes: [size, ...p.new_sizes] })], [0]];
  },
});

export const transpose: Primitive<{ permutation: number[] }> = new Primitive<{ permutation: number[] }>("transpose", {
  abstractEval([x], { permutation: p }) {
    const sorted = [...p].sort((a, b) => a - b);
    if (p.length !== x.ndim || sorted.some((d, i) => d !== i)) {
      throw new ValueError(`transpose permutation ${shapeStr(p)} is not a permutation of the axes of an array of shape ${shapeStr(x.shape)}.`);
    }
    return [new ShapedArray(p.map((d) => x.shape[d]), x.dtype, x.weakType)];
  },
  cpu([x], { permutation: p }) {
    const shape = p.map((d) => x.shape[d]);
    const inStrides = stridesOf(x.shape);
    const c: number[] = [];
    return [gatherFlat(x, shape, x.dtype, (i) => {
      unravel(i, shape, c);
      let j = 0;
      p.forEach((d, k) => (j += c[k] * inStrides[d]));
      return j;
    })];
  },
  jvp: ([x], [t], p) => [[bind1(transpose, [x], p)], [t && bind1(transpose, [t], p)]],
  transpose([ct], [x], { permutation: p }) {
    const inverse = p.map((_, i) => p.indexOf(i));
    return [isUndefined(x) ? bind1(transpose, [ct], { permutation: inverse }) : null];
  },
  // The mapped axis becomes the output's first axis.
  batch: ([x], [d], { permutation: p }) => [[bind1(transpose, [x], { permutation: [d!, ...p.map((a) => withBdim(a, d!))] })], [0]],
});

export const squeeze: Primitive<{ dimensions: number[] }> = new Primitive<{ dimensions: number[] }>("squeeze", {
  abstractEval([x], { dimensions }) {
    for (const d of dimensions) {
      if (x.shape[d] !== 1) throw new ValueError(`cannot select an axis to squeeze out which has size not equal to one, got shape=${shapeStr(x.shape)} and dimensions=${shapeStr(dimensions)}`);
    }
    return [new ShapedArray(x.shape.filter((_, i) => !dimensions.includes(i)), x.dtype, x.weakType)];
  },
  cpu([x], { dimensions }) {
    return [{ shape: x.shape.filter((_, i) => !dimensions.includes(i)), dtype: x.dtype, data: x.data }];
  },
  jvp: ([x], [t], p) => [[bind1(squeeze, [x], p)], [t && bind1(squeeze, [t], p)]],
  transpose: ([ct], [x]) => [isUndefined(x) ? bind1(reshape, [ct], { new_sizes: [...x.aval.shape], dimensions: null, sharding: null }) : null],
  batch([x], [d], { dimensions }) {
    const dims = dimensions.map((a) => withBdim(a, d!));
    return [[bind1(squeeze, [x], { dimensions: dims })], [d! - dims.filter((a) => a < d!).length]];
  },
});

/** select_n(which, *cases): picks cases[which] elementwise (which is bool or int32). */
export const selectN: Primitive = new Primitive("select_n", {
  abstractEval([which, ...cases]) {
    if (!cases.length) throw new ValueError("select_n needs at least one case.");
    if (cases.some((c) => c.dtype !== cases[0].dtype)) {
      throw new TypeError(`select_n cases must have the same dtypes, got ${cases.map((c) => c.dtype).join(", ")}.`);
    }
    if (which.dtype !== "bool" && which.dtype !== "int32") throw new TypeError(`select_n selector must be bool or int32, got ${which.dtype}.`);
    if (which.dtype === "bool" && cases.length > 2) throw new TypeError("select_n with a bool selector takes at most two cases.");
    if (cases.some((c) => !sameShape(c.shape, cases[0].shape)) || (which.ndim && !sameShape(which.shape, cases[0].shape))) {
      throw new TypeError(`select_n shapes must match: which ${shapeStr(which.shape)}, cases ${cases.map((c) => shapeStr(c.shape)).join(", ")}.`);
    }
    return [new ShapedArray(cases[0].shape, cases[0].dtype, cases.every((c) => c.weakType))];
  },
  cpu([which, ...cases]) {
    const w = hostValues(which);
    const vs = cases.map(hostValues);
    const shape = cases[0].shape;
    const n = prod(shape);
    const k = isComplex(cases[0].dtype) ? 2 : 1;
    const out = new Float64Array(k * n);
    for (let i = 0; i < n; i++) {
      const c = vs[w.length === 1 ? w[0] : w[i]];
      for (let j = 0; j < k; j++) out[k * i + j] = c[k * i + j];
    }
    return [hostFromValues(shape, cases[0].dtype, out)];
  },
  jvp([which, ...cases], [, ...ts]) {
    const out = bind1(selectN, [which, ...cases]);
    if (ts.every((t) => t === null)) return [[out], [null]];
    return [[out], [bind1(selectN, [which, ...ts.map((t, i) => t ?? zeros(cases[i].aval))])]];
  },
  // Each case gets the cotangent where it was selected (the selector must be known).
  transpose([ct], [which, ...cases]) {
    if (isUndefined(which)) throw new TypeError("select_n cannot be transposed with respect to its selector.");
    const z = zeros(ct.aval);
    return [null, ...cases.map((c, i) => (isUndefined(c) ? bind1(selectN, [which, ...cases.map((_, j) => (j === i ? ct : z))]) : null))];
  },
  batch([which, ...cases], [dw, ...dc], _, { size }) {
    const d0 = dc[0];
    const sameAxis = d0 !== null && dc.every((d) => d === d0);
    if (sameAxis && ((dw === d0 && which.ndim === cases[0].ndim) || (dw === null && which.ndim === 0))) {
      return [[bind1(selectN, [which, ...cases])], [d0]];
    }
    const cs = cases.map((c, i) => bdimToFront(c, dc[i], size));
    let w = which;
    if (dw !== null || which.ndim > 0) {
      w = bdimToFront(which, dw, size);
      // A per-example scalar selector becomes one of the cases' shape.
      if (w.ndim !== cs[0].ndim) w = bind1(broadcastInDim, [w], { shape: [...cs[0].shape], broadcast_dimensions: [0], sharding: null });
    }
    return [[bind1(selectN, [w, ...cs])], [0]];
  },
});

export const clamp: Primitive = new Primitive("clamp", {
  abstractEval([lo, x, hi]) {
    for (const b of [lo, hi]) {
      if (b.dtype !== x.dtype) throw new TypeError(`clamp requires arguments to have the same dtypes, got ${lo.dtype}, ${x.dtype}, ${hi.dtype}.`);
      if (b.ndim && !sameShape(b.shape, x.shape)) throw new TypeError(`clamp bounds must be scalars or have the operand's shape ${shapeStr(x.shape)}, got ${shapeStr(b.shape)}.`);
    }
    return [new ShapedArray(x.shape, x.dtype, x.weakType)];
  },
  cpu([lo, x, hi]) {
    const [l, v, h] = [lo, x, hi].map(hostValues);
    const out = v.map((a, i) => Math.min(Math.max(a, l[l.length === 1 ? 0 : i]), h[h.length === 1 ? 0 : i]));
    return [hostFromValues(x.shape, x.dtype, out)];
  },
  // JAX's rule: each operand's tangent passes where it is the one chosen (ties choose none).
  jvp([lo, x, hi], [tlo, tx, thi]) {
    const out = bind1(clamp, [lo, x, hi]);
    const z = zeros(x.aval);
    const where = (pred: Array, t: Array | null) => {
      if (t === null) return null;
      const full = t.ndim === x.ndim ? t : bind1(broadcastInDim, [t], { shape: [...x.shape], broadcast_dimensions: [], sharding: null });
      return bind1(selectN, [pred, z, full]);
    };
    const t = addTangents(
      addTangents(where(bind1(and, [bind1(gt, [lo, x]), bind1(lt, [lo, hi])]), tlo), where(bind1(and, [bind1(gt, [x, lo]), bind1(lt, [x, hi])]), tx)),
      where(bind1(lt, [hi, x]), thi),
    );
    return [[out], [t]];
  },
  batch([lo, x, hi], [dl, dx, dh], _, { size }) {
    if (dl === null && dh === null && lo.ndim === 0 && hi.ndim === 0) return [[bind1(clamp, [lo, x, hi])], [dx]];
    const xf = bdimToFront(x, dx, size);
    const bound = (b: Array, d: number | null) => {
      if (d === null && b.ndim === 0) return b;
      const bf = bdimToFront(b, d, size);
      return bf.ndim === xf.ndim ? bf : bind1(broadcastInDim, [bf], { shape: [...xf.shape], broadcast_dimensions: [0], sharding: null });
    };
    return [[bind1(clamp, [bound(lo, dl), xf, bound(hi, dh)])], [0]];
  },
});

type IotaParams = { dtype: DType; shape: number[]; dimension: number; sharding: null };
export const iota: Primitive<IotaParams> = new Primitive<IotaParams>("iota", {
  abstractEval(_, { dtype, shape }) {
    return [new ShapedArray(shape, dtype)];
  },
  cpu(_, { dtype, shape, dimension }) {
    const c: number[] = [];
    const out = new Float64Array(prod(shape));
    for (let i = 0; i < out.length; i++) out[i] = unravel(i, shape, c)[dimension];
    return [hostFromValues(shape, dtype, out)];
  },
  // iota has no operands, so these never run; they complete the rule table.
  jvp: (_, __, p) => [[bind1(iota, [], p)], [null]],
  batch: (_, __, p) => [[bind1(iota, [], p)], [null]],
});

