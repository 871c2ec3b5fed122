// Primitives that move or reinterpret elements: dtype conversion, broadcasting, reshape,
// transpose, squeeze, select, iota.

import { ShapedArray, prod, sameShape, stridesOf } from "../core/aval.js";
import { DType, isComplex, isInteger } from "../core/dtype.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { HostArray, hostFromValues, hostValues } from "../core/host.js";
import { Primitive } from "../core/primitive.js";


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

/** Calls `f(coords)` style indexing cheaply: decomposes flat index i of `shape`. */
export function unravel(i: number, shape: readonly number[], out: number[]): number[] {
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return out;
}

export const convertElementType = new Primitive<{ new_dtype: DType; weak_type: boolean }>("convert_element_type", {
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
});

export const broadcastInDim = new Primitive<{ shape: number[]; broadcast_dimensions: number[]; sharding: null }>("broadcast_in_dim", {
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
  // JAX omits the shape (it is the output type) and an empty dims tuple / unset sharding.
  printParams: ({ broadcast_dimensions }) => (broadcast_dimensions.length ? { broadcast_dimensions } : {}),
});

export const reshape = new Primitive<{ new_sizes: number[]; dimensions: null; sharding: null }>("reshape", {
  abstractEval([x], { new_sizes }) {
    if (prod(new_sizes) !== x.size || new_sizes.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new TypeError(`cannot reshape array of shape ${shapeStr(x.shape)} (size ${x.size}) into shape ${shapeStr(new_sizes)} (size ${prod(new_sizes)}).`);
    }
    return [new ShapedArray(new_sizes, x.dtype, x.weakType)];
  },
  cpu([x], { new_sizes }) {
    return [{ shape: new_sizes, dtype: x.dtype, data: x.data }];
  },
});

export const transpose = new Primitive<{ permutation: number[] }>("transpose", {
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
});

export const squeeze = new Primitive<{ dimensions: number[] }>("squeeze", {
  abstractEval([x], { dimensions }) {
    for (const d of dimensions) {
      if (x.shape[d] !== 1) throw new ValueError(`cannot select an axis to squeeze out which has size not equal to one, got shape=${shapeStr(x.shape)} and dimensions=${shapeStr(dimensions)}`);
    }
    return [new ShapedArray(x.shape.filter((_, i) => !dimensions.includes(i)), x.dtype, x.weakType)];
  },
  cpu([x], { dimensions }) {
    return [{ shape: x.shape.filter((_, i) => !dimensions.includes(i)), dtype: x.dtype, data: x.data }];
  },
});

/** select_n(which, *cases): picks cases[which] elementwise (which is bool or int32). */
export const selectN = new Primitive("select_n", {
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
});

export const clamp = new Primitive("clamp", {
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
});

export const iota = new Primitive<{ dtype: DType; shape: number[]; dimension: number; sharding: null }>("iota", {
  abstractEval(_, { dtype, shape }) {
    return [new ShapedArray(shape, dtype)];
  },
  cpu(_, { dtype, shape, dimension }) {
    const c: number[] = [];
    const out = new Float64Array(prod(shape));
    for (let i = 0; i < out.length; i++) out[i] = unravel(i, shape, c)[dimension];
    return [hostFromValues(shape, dtype, out)];
  },
});

