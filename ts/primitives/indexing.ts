// Primitives that select, place or reorder elements: slice, dynamic_slice,
// dynamic_update_slice, gather, the scatters, concatenate, pad, rev, sort.
//
// gather/scatter take a simplified form (enough for NumPy indexing, `take` and `.at[]`):
// `indices` is int32 of shape [...batch, k] and indexes the first k axes of the operand;
// each index picks a whole trailing slice x[i0, ..., ik-1, :, ...]. Other axes are moved to
// the front by the caller.

import { ShapedArray, prod, stridesOf } from "../core/aval.js";
import { isComplex } from "../core/dtype.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { HostArray, hostFromValues, hostValues } from "../core/host.js";
import { Primitive } from "../core/primitive.js";
import { checkSameDTypes } from "./elementwise.js";
import { gatherFlat, unravel } from "./layout.js";

/** An integer index outside an axis (NumPy's IndexError). */
export class IndexError extends Error {
  override name = "IndexError";
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const width = (h: { dtype: string }) => (h.dtype === "complex64" ? 2 : 1);

export interface SliceParams { start_indices: number[]; limit_indices: number[]; strides: number[] | null }

export const slice = new Primitive<SliceParams>("slice", {
  abstractEval([x], { start_indices: s, limit_indices: l, strides }) {
    const st = strides ?? s.map(() => 1);
    const fail = (msg: string) => new TypeError(`slice ${msg}, got operand shape ${shapeStr(x.shape)}, start_indices=${shapeStr(s)}, limit_indices=${shapeStr(l)}, strides=${strides ? shapeStr(strides) : "None"}.`);
    if (s.length !== x.ndim || l.length !== x.ndim || st.length !== x.ndim) throw fail("start_indices, limit_indices and strides must have one entry per operand dimension");
    if (s.some((v) => v < 0)) throw fail("start_indices must be greater than or equal to zero");
    if (l.some((v, i) => v > x.shape[i])) throw fail("limit_indices must be less than or equal to operand shape");
    if (l.some((v, i) => v < s[i])) throw fail("limit_indices must be greater than or equal to start_indices");
    if (st.some((v) => !(v >= 1))) throw fail("strides must be positive");
    return [new ShapedArray(s.map((v, i) => Math.ceil((l[i] - v) / st[i])), x.dtype, x.weakType)];
  },
  cpu([x], { start_indices: s, limit_indices: l, strides }) {
    const st = strides ?? s.map(() => 1);
    const shape = s.map((v, i) => Math.ceil((l[i] - v) / st[i]));
    const xs = stridesOf(x.shape);
    const c: number[] = [];
    return [gatherFlat(x, shape, x.dtype, (i) => {
      unravel(i, shape, c);
      let j = 0;
      for (let d = 0; d < shape.length; d++) j += (s[d] + c[d] * st[d]) * xs[d];
      return j;
    })];
  },
});

function checkStartScalars(name: string, x: ShapedArray, starts: ShapedArray[]): void {
  if (starts.length !== x.ndim) throw new TypeError(`${name}: the number of start indices (${starts.length}) must equal the rank of the operand ${shapeStr(x.shape)}.`);
  for (const s of starts) {
    if (s.ndim !== 0 || (s.dtype !== "int32" && s.dtype !== "uint32")) throw new TypeError(`${name}: start indices must be integer scalars, got ${s.str()}.`);
  }
}

/** XLA clamps dynamic starts so the whole window stays inside the operand. */
function clampedStarts(starts: HostArray[], shape: readonly number[], sizes: readonly number[]): number[] {
  return starts.map((s, d) => Math.min(Math.max(hostValues(s)[0], 0), shape[d] - sizes[d]));
}

export const dynamicSlice = new Primitive<{ slice_sizes: number[] }>("dynamic_slice", {
  abstractEval([x, ...starts], { slice_sizes }) {
    checkStartScalars("dynamic_slice", x, starts);
    if (slice_sizes.length !== x.ndim || slice_sizes.some((n, i) => n < 0 || n > x.shape[i])) {
      throw new TypeError(`dynamic_slice: slice_sizes ${shapeStr(slice_sizes)} must be non-negative and fit inside the operand shape ${shapeStr(x.shape)}.`);
    }
    return [new ShapedArray(slice_sizes, x.dtype, x.weakType)];
  },
  cpu([x, ...starts], { slice_sizes }) {
    const s = clampedStarts(starts, x.shape, slice_sizes);
    const xs = stridesOf(x.shape);
    const c: number[] = [];
    return [gatherFlat(x, slice_sizes, x.dtype, (i) => {
      unravel(i, slice_sizes, c);
      let j = 0;
      for (let d = 0; d < c.length; d++) j += (s[d] + c[d]) * xs[d];
      return j;
    })];
  },
});

export const dynamicUpdateSlice = new Primitive("dynamic_update_slice", {
  abstractEval([x, upd, ...starts]) {
    checkStartScalars("dynamic_update_slice", x, starts);
    checkSameDTypes("dynamic_update_slice", [x, upd]);
    if (upd.ndim !== x.ndim || upd.shape.some((n, i) => n > x.shape[i])) {
      throw new TypeError(`dynamic_update_slice: update shape ${shapeStr(upd.shape)} must have the operand's rank and fit inside the operand shape ${shapeStr(x.shape)}.`);
    }
    return [new ShapedArray(x.shape, x.dtype, x.weakType)];
  },
  cpu([x, upd, ...starts]) {
    const s = clampedStarts(starts, x.shape, upd.shape);
    const out = hostValues(x), u = hostValues(upd);
    const xs = stridesOf(x.shape), w = width(x);
    const c: number[] = [];
    for (let i = 0; i < prod(upd.shape); i++) {
      unravel(i, upd.shape, c);
      let j = 0;
      for (let d = 0; d < c.length; d++) j += (s[d] + c[d]) * xs[d];
      for (let k = 0; k < w; k++) out[w * j + k] = u[w * i + k];
    }
    return [hostFromValues(x.shape, x.dtype, out)];
  },
});

function checkIndices(name: string, x: ShapedArray, idx: ShapedArray): number {
  if (idx.dtype !== "int32" || idx.ndim < 1) throw new TypeError(`${name}: indices must be int32 of shape [..., k], got ${idx.str()}.`);
  const k = idx.shape[idx.ndim - 1];
  if (k > x.ndim) throw new TypeError(`${name}: indices of shape ${shapeStr(idx.shape)} index ${k} axes, more than the operand ${shapeStr(x.shape)} has.`);
  return k;
}

/**
 * For each index row of `idx` (shape [...batch, k]): the flat offset of the slice it picks
 * in `x` (or -1 when out of bounds and `clip` is false), the slice size, and the batch shape.
 */
function indexRows(x: HostArray, idx: HostArray, clip: boolean): { offsets: number[]; inner: number; batch: number[] } {
  const k = idx.shape[idx.shape.length - 1];
  const batch = idx.shape.slice(0, -1);
  const inner = prod(x.shape.slice(k));
  const xs = stridesOf(x.shape);
  const iv = hostValues(idx);
  const offsets = range(prod(batch)).map((b) => {
    let off = 0;
    for (let d = 0; d < k; d++) {
      let v = iv[b * k + d];
      if (v < 0 || v >= x.shape[d]) {
        if (!clip) return -1;
        v = Math.min(Math.max(v, 0), x.shape[d] - 1);
      }
      off += v * xs[d];
    }
    return off;
  });
  return { offsets, inner, batch };
}

export interface GatherParams {
  /** "clip" clamps out-of-bounds indices (XLA's gather); "fill" returns fill_value there. */
  mode: "clip" | "fill";
  fill_value: number | null;
}

export const gather = new Primitive<GatherParams>("gather", {
  abstractEval([x, idx]) {
    const k = checkIndices("gather", x, idx);
    return [new ShapedArray([...idx.shape.slice(0, -1), ...x.shape.slice(k)], x.dtype, x.weakType)];
  },
  cpu([x, idx], { mode, fill_value }) {
    const { offsets, inner, batch } = indexRows(x, idx, mode === "clip");
    const v = hostValues(x), w = width(x);
    const fill = fill_value ?? NaN;
    const out = new Float64Array(w * offsets.length * inner);
    offsets.forEach((off, b) => {
      for (let i = 0; i < w * inner; i++) out[w * b * inner + i] = off < 0 ? (i % w === 0 ? fill : 0) : v[w * off + i];
    });
    return [hostFromValues([...batch, ...x.shape.slice(idx.shape[idx.shape.length - 1])], x.dtype, out)];
  },
});

/** Scatters of `updates` (shape [...batch, ...x.shape[k:]]) into x; out-of-bounds rows are dropped. */
function scatterPrimitive(name: string, combine: (old: number, u: number) => number) {
  return new Primitive(name, {
    abstractEval([x, idx, upd]) {
      const k = checkIndices(name, x, idx);
      checkSameDTypes(name, [x, upd]);
      const want = [...idx.shape.slice(0, -1), ...x.shape.slice(k)];
      if (upd.ndim !== want.length || upd.shape.some((n, i) => n !== want[i])) {
        throw new ValueError(`${name}: updates of shape ${shapeStr(upd.shape)} do not match indices ${shapeStr(idx.shape)} into operand ${shapeStr(x.shape)}; expected updates of shape ${shapeStr(want)}.`);
      }
      return [new ShapedArray(x.shape, x.dtype, x.weakType)];
    },
    cpu([x, idx, upd]) {
      const { offsets, inner } = indexRows(x, idx, false);
      const out = hostValues(x), u = hostValues(upd), w = width(x);
      if (w === 2 && name !== "scatter" && name !== "scatter-add") throw new TypeError(`${name} is not implemented for complex64.`);
      offsets.forEach((off, b) => {
        if (off < 0) return;
        for (let i = 0; i < w * inner; i++) out[w * off + i] = combine(out[w * off + i], u[w * b * inner + i]);
      });
      return [hostFromValues(x.shape, x.dtype, x.dtype === "int32" ? out.map((a) => a | 0) : x.dtype === "uint32" ? out.map((a) => a >>> 0) : out)];
    },
  });
}

const nanMin = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));
const nanMax = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
export const scatter = scatterPrimitive("scatter", (_, u) => u);
export const scatterAdd = scatterPrimitive("scatter-add", (a, u) => a + u);
export const scatterMul = scatterPrimitive("scatter-mul", (a, u) => a * u);
export const scatterMin = scatterPrimitive("scatter-min", nanMin);
export const scatterMax = scatterPrimitive("scatter-max", nanMax);

export const concatenate = new Primitive<{ dimension: number }>("concatenate", {
  abstractEval(xs, { dimension: d }) {
    if (!xs.length) throw new ValueError("concatenate needs at least one operand.");
    checkSameDTypes("concatenate", xs);
    const r = xs[0].ndim;
    if (d < 0 || d >= r) throw new ValueError(`concatenate dimension out of bounds: dimension ${d} for shapes ${xs.map((x) => shapeStr(x.shape)).join(", ")}.`);
    if (xs.some((x) => x.ndim !== r || x.shape.some((n, i) => i !== d && n !== xs[0].shape[i]))) {
      throw new TypeError(`Cannot concatenate arrays with shapes that differ in dimensions other than the one being concatenated: concatenating along dimension ${d} for shapes ${xs.map((x) => shapeStr(x.shape)).join(", ")}.`);
    }
    const shape = [...xs[0].shape];
    shape[d] = xs.reduce((a, x) => a + x.shape[d], 0);
    return [new ShapedArray(shape, xs[0].dtype, xs.every((x) => x.weakType))];
  },
  cpu(xs, { dimension: d }) {
    const shape = [...xs[0].shape];
    shape[d] = xs.reduce((a, x) => a + x.shape[d], 0);
    const outer = prod(shape.slice(0, d)), w = width(xs[0]);
    const out = new Float64Array(w * prod(shape));
    let p = 0;
    for (let o = 0; o < outer; o++) {
      for (const x of xs) {
        const chunk = w * prod(x.shape.slice(d));
        const v = hostValues(x);
        out.set(v.subarray(o * chunk, (o + 1) * chunk), p);
        p += chunk;
      }
    }
    return [hostFromValues(shape, xs[0].dtype, out)];
  },
});

export type PaddingConfig = [number, number, number][];

function padShape(shape: readonly number[], config: PaddingConfig): number[] {
  return shape.map((n, i) => config[i][0] + config[i][1] + n + Math.max(0, n - 1) * config[i][2]);
}

export const pad = new Primitive<{ padding_config: PaddingConfig }>("pad", {
  abstractEval([x, v], { padding_config: cfg }) {
    checkSameDTypes("pad", [x, v]);
    if (v.ndim !== 0) throw new TypeError(`pad: the padding value must be a scalar, got shape ${shapeStr(v.shape)}.`);
    if (cfg.length !== x.ndim) throw new ValueError(`pad: padding_config has ${cfg.length} entries for an operand of shape ${shapeStr(x.shape)}.`);
    if (cfg.some(([, , i]) => i < 0)) throw new ValueError(`pad: interior padding must be non-negative, got padding_config=${JSON.stringify(cfg)}.`);
    const shape = padShape(x.shape, cfg);
    if (shape.some((n) => n < 0)) throw new ValueError(`pad: dimension size after padding is negative: operand ${shapeStr(x.shape)}, padding_config=${JSON.stringify(cfg)}.`);
    return [new ShapedArray(shape, x.dtype, x.weakType && v.weakType)];
  },
  cpu([x, v], { padding_config: cfg }) {
    const shape = padShape(x.shape, cfg);
    const xv = hostValues(x), pv = hostValues(v), w = width(x);
    const xs = stridesOf(x.shape);
    const out = new Float64Array(w * prod(shape));
    const c: number[] = [];
    for (let i = 0; i < prod(shape); i++) {
      unravel(i, shape, c);
      let j = 0;
      for (let d = 0; d < shape.length && j >= 0; d++) {
        const off = c[d] - cfg[d][0], step = cfg[d][2] + 1;
        if (off < 0 || off % step !== 0 || off / step >= x.shape[d]) j = -1;
        else j += (off / step) * xs[d];
      }
      for (let k = 0; k < w; k++) out[w * i + k] = j < 0 ? pv[k] : xv[w * j + k];
    }
    return [hostFromValues(shape, x.dtype, out)];
  },
});

export const rev = new Primitive<{ dimensions: number[] }>("rev", {
  abstractEval([x], { dimensions }) {
    if (dimensions.some((d) => d < 0 || d >= x.ndim) || new Set(dimensions).size !== dimensions.length) {
      throw new ValueError(`rev: dimensions ${shapeStr(dimensions)} are invalid for an operand of shape ${shapeStr(x.shape)}.`);
    }
    return [x];
  },
  cpu([x], { dimensions }) {
    const xs = stridesOf(x.shape);
    const c: number[] = [];
    return [gatherFlat(x, x.shape, x.dtype, (i) => {
      unravel(i, x.shape, c);
      let j = 0;
      for (let d = 0; d < c.length; d++) j += (dimensions.includes(d) ? x.shape[d] - 1 - c[d] : c[d]) * xs[d];
      return j;
    })];
  },
});

/** Total order of floats as XLA sorts them: -0 before +0, NaN last. */
function compareTotal(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
  if (a === 0 && b === 0) return Object.is(a, -0) === Object.is(b, -0) ? 0 : Object.is(a, -0) ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts all operands along `dimension` by the lexicographic order of the first num_keys. */
export const sort = new Primitive<{ dimension: number; is_stable: boolean; num_keys: number }>("sort", {
  abstractEval(xs, { dimension, num_keys }) {
    if (!xs.length || xs.some((x) => x.ndim !== xs[0].ndim || x.shape.some((n, i) => n !== xs[0].shape[i]))) {
      throw new TypeError(`sort: all operands must have the same shape, got ${xs.map((x) => shapeStr(x.shape)).join(", ")}.`);
    }
    if (dimension < 0 || dimension >= xs[0].ndim) throw new ValueError(`sort: dimension ${dimension} is out of bounds for shape ${shapeStr(xs[0].shape)}.`);
    if (num_keys < 1 || num_keys > xs.length) throw new ValueError(`sort: num_keys=${num_keys} must be in [1, ${xs.length}].`);
    if (xs.some((x) => isComplex(x.dtype))) throw new TypeError("sort of complex64 is not supported.");
    return xs;
  },
  cpu(xs, { dimension: d, num_keys }) {
    const shape = xs[0].shape;
    const vs = xs.map(hostValues);
    const outs = vs.map((v) => new Float64Array(v.length));
    const stride = stridesOf(shape)[d], len = shape[d];
    for (let i = 0; i < prod(shape); i++) {
      if (Math.floor(i / stride) % len !== 0) continue;
      const pos = range(len).map((t) => i + t * stride);
      const order = range(len).sort((p, q) => {
        for (let k = 0; k < num_keys; k++) {
          const c = compareTotal(vs[k][pos[p]], vs[k][pos[q]]);
          if (c) return c;
        }
        return p - q; // Array.prototype.sort is stable; ties keep their order.
      });
      order.forEach((src, t) => vs.forEach((v, k) => (outs[k][pos[t]] = v[pos[src]])));
    }
    return outs.map((o, k) => hostFromValues(shape, xs[k].dtype, o));
  },
}, true);
