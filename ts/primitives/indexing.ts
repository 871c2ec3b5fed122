// Primitives that select, place or reorder elements: slice, dynamic_slice,
// dynamic_update_slice, gather, the scatters, concatenate, pad, rev, sort.
//
// gather/scatter take a simplified form (enough for NumPy indexing, `take` and `.at[]`):
// `indices` is int32 of shape [...batch, k] and indexes the first k axes of the operand;
// each index picks a whole trailing slice x[i0, ..., ik-1, :, ...]. Other axes are moved to
// the front by the caller.

import type { Array } from "../core/array.js";
import { ShapedArray, prod, stridesOf } from "../core/aval.js";
import { isComplex } from "../core/dtype.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { HostArray, hostFromValues, hostValues } from "../core/host.js";
import { AxisData, Primitive, PrimitiveRules, UndefinedPrimal } from "../core/primitive.js";
import { bind, bind1, fromHostValues, scalar } from "../core/trace.js";
import { addTangents, avalOf, convert, full, instantiate, isDifferentiable, isUndefined, zeros } from "../transforms/ad_util.js";
import { bdimToFront, matchAxis, moveaxis } from "../transforms/batch_util.js";
import { checkSameDTypes } from "./elementwise.js";
import { broadcastInDim, clamp, gatherFlat, iota, reshape, selectN, unravel, withBdim } from "./layout.js";
import { add, and, div, eq, max, mul, or, sub } from "./math.js";
import { reduceSum } from "./reduce.js";

/** An integer index outside an axis (NumPy's IndexError). @example np.arange(3).slice(5)   // throws IndexError: index 5 is out of bounds for axis 0 with size 3 */
export class IndexError extends Error {
  override name = "IndexError";
}

const range = (n: number) => globalThis.Array.from({ length: n }, (_, i) => i);
const width = (h: { dtype: string }) => (h.dtype === "complex64" ? 2 : 1);

export interface SliceParams { start_indices: number[]; limit_indices: number[]; strides: number[] | null }

export const slice: Primitive<SliceParams> = new Primitive<SliceParams>("slice", {
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
  jvp: ([x], [t], p) => [[bind1(slice, [x], p)], [t && bind1(slice, [t], p)]],
  // Pads the cotangent back with zeros (strides become interior padding), as JAX does.
  transpose([ct], [x], { start_indices: s, strides }) {
    if (!isUndefined(x)) return [null];
    const shape = x.aval.shape;
    const cfg = s.map((lo, i): [number, number, number] => {
      const st = strides ? strides[i] : 1;
      const end = ct.shape[i] === 0 ? lo : lo + (ct.shape[i] - 1) * st + 1;
      return [lo, shape[i] - end, st - 1];
    });
    return [bind1(pad, [ct, scalar(0, ct.dtype, ct.weakType)], { padding_config: cfg })];
  },
  batch([x], [d], { start_indices, limit_indices, strides }, { size }) {
    const ins = <T>(xs: T[], v: T) => [...xs.slice(0, d!), v, ...xs.slice(d!)];
    const p = { start_indices: ins(start_indices, 0), limit_indices: ins(limit_indices, size), strides: strides && ins(strides, 1) };
    return [[bind1(slice, [x], p)], [d]];
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

export const dynamicSlice: Primitive<{ slice_sizes: number[] }> = new Primitive<{ slice_sizes: number[] }>("dynamic_slice", {
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
  jvp([x, ...starts], [t], p) {
    return [[bind1(dynamicSlice, [x, ...starts], p)], [t && bind1(dynamicSlice, [t, ...starts], p)]];
  },
  transpose([ct], [x, ...starts]) {
    if (!isUndefined(x)) return [null, ...starts.map(() => null)];
    return [bind1(dynamicUpdateSlice, [zeros(x.aval), ct, ...knownStarts(starts)]), ...starts.map(() => null)];
  },
  batch([x, ...starts], [dx, ...ds], { slice_sizes }, { size }) {
    if (ds.every((d) => d === null)) {
      const ins = <T>(xs: T[], v: T) => [...xs.slice(0, dx!), v, ...xs.slice(dx!)];
      return [[bind1(dynamicSlice, [x, ...ins(starts, scalar(0, "int32", false))], { slice_sizes: ins(slice_sizes, size) })], [dx]];
    }
    // Per-example starts: gather every element of each example's window.
    const xf = dx === null ? x : moveaxis(x, dx, 0);
    const idx = windowIndices(starts, ds, dx === null ? x.shape : x.shape.filter((_, i) => i !== dx), slice_sizes, size, dx !== null);
    return [[bind1(gather, [xf, idx], { mode: "clip", fill_value: null })], [0]];
  },
});

function knownStarts(starts: (Array | UndefinedPrimal)[]): Array[] {
  if (starts.some(isUndefined)) throw new TypeError("dynamic slicing cannot be transposed with respect to its start indices.");
  return starts as Array[];
}

/**
 * Gather/scatter indices, shape [B, ...sizes, 1 + n], of every element of the windows of
 * `sizes` at (batched or not) `starts` into an operand of shape [B, ...shape]: the example
 * index (left out without `withExample`, for an unmapped operand of shape `shape`), then the
 * start clamped as XLA clamps it plus the position in the window.
 */
function windowIndices(starts: Array[], dims: (number | null)[], shape: readonly number[], sizes: readonly number[], size: number, withExample = true): Array {
  const out = [size, ...sizes, 1];
  const column = (d: number) => bind1(iota, [], { dtype: "int32", shape: out, dimension: d, sharding: null });
  const cols = starts.map((s, i) => {
    // uint32 starts of 2^31 and above are large, not negative: capped before the int32 clamp.
    const si = s.dtype === "uint32" ? convert(bind1(clamp, [scalar(0, "uint32", false), s, scalar(2 ** 31 - 1, "uint32", false)]), "int32") : convert(s, "int32");
    const s32 = bind1(clamp, [scalar(0, "int32", false), si, scalar(shape[i] - sizes[i], "int32", false)]);
    const sb = bind1(broadcastInDim, [s32], { shape: out, broadcast_dimensions: dims[i] === null ? [] : [0], sharding: null });
    return bind1(add, [sb, column(i + 1)]);
  });
  const all = withExample ? [column(0), ...cols] : cols;
  return all.length === 1 ? all[0] : bind1(concatenate, all, { dimension: out.length - 1 });
}

export const dynamicUpdateSlice: Primitive = new Primitive("dynamic_update_slice", {
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
  jvp([x, upd, ...starts], [tx, tu]) {
    const out = bind1(dynamicUpdateSlice, [x, upd, ...starts]);
    return [[out], [bind1(dynamicUpdateSlice, [instantiate(tx, x.aval), instantiate(tu, upd.aval), ...starts])]];
  },
  transpose([ct], [x, upd, ...starts]) {
    const s = knownStarts(starts);
    const u = avalOf(upd);
    return [
      isUndefined(x) ? bind1(dynamicUpdateSlice, [ct, zeros(u), ...s]) : null,
      isUndefined(upd) ? bind1(dynamicSlice, [ct, ...s], { slice_sizes: [...u.shape] }) : null,
      ...starts.map(() => null),
    ];
  },
  batch([x, upd, ...starts], [dx, du, ...ds], _, { size }) {
    if (ds.every((d) => d === null)) {
      const at = dx ?? du!;
      const ins = <T>(xs: T[], v: T) => [...xs.slice(0, at), v, ...xs.slice(at)];
      const args = [matchAxis(x, dx, size, at), matchAxis(upd, du, size, at), ...ins(starts, scalar(0, "int32", false))];
      return [[bind1(dynamicUpdateSlice, args)], [at]];
    }
    // Per-example starts: scatter every element of each example's update.
    const xf = bdimToFront(x, dx, size), uf = bdimToFront(upd, du, size);
    const idx = windowIndices(starts, ds, xf.shape.slice(1), uf.shape.slice(1), size);
    return [[bind1(scatter, [xf, idx, uf])], [0]];
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

export const gather: Primitive<GatherParams> = new Primitive<GatherParams>("gather", {
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
  // Out-of-bounds rows of the tangent are zero, whatever the fill value.
  jvp([x, idx], [t], p) {
    return [[bind1(gather, [x, idx], p)], [t && bind1(gather, [t, idx], p.mode === "fill" ? { mode: "fill", fill_value: 0 } : p)]];
  },
  // A scatter-add into zeros; clipped rows add to where the gather read them from.
  transpose([ct], [x, idx], { mode }) {
    if (!isUndefined(x)) return [null, null];
    if (isUndefined(idx)) throw new TypeError("gather cannot be transposed with respect to its indices.");
    const rows = mode === "clip" ? clipIndices(idx, x.aval.shape) : idx;
    return [bind1(scatterAdd, [zeros(x.aval), rows, ct]), null];
  },
  batch([x, idx], [dx, di], p) {
    if (di === null) {
      // The mapped axis joins the trailing slice, right after the indexed axes.
      const k = idx.shape[idx.ndim - 1];
      return [[bind1(gather, [moveaxis(x, dx!, k), idx], p)], [idx.ndim - 1]];
    }
    const i0 = moveaxis(idx, di, 0);
    if (dx === null) return [[bind1(gather, [x, i0], p)], [0]];
    return [[bind1(gather, [moveaxis(x, dx, 0), withExampleColumn(i0)], p)], [0]];
  },
});

/** Indices (shape [...batch, k]) clamped into the first k axes of `shape`, as gather's clip mode does. */
function clipIndices(idx: Array, shape: readonly number[]): Array {
  const k = idx.shape[idx.ndim - 1];
  if (k === 0) return idx;
  const last = fromHostValues(shape.slice(0, k).map((n) => n - 1), new ShapedArray([k], "int32"));
  const hi = bind1(broadcastInDim, [last], { shape: [...idx.shape], broadcast_dimensions: [idx.ndim - 1], sharding: null });
  return bind1(clamp, [scalar(0, "int32", false), idx, hi]);
}

/** Indices of shape [B, ...batch, k] with the example number prepended: [B, ...batch, 1 + k]. */
function withExampleColumn(idx: Array): Array {
  const col = bind1(iota, [], { dtype: "int32", shape: [...idx.shape.slice(0, -1), 1], dimension: 0, sharding: null });
  return bind1(concatenate, [col, idx], { dimension: idx.ndim - 1 });
}

/** Reads back the rows a scatter wrote (zero for dropped, out-of-bounds rows). */
const gatherRows = (x: Array, idx: Array): Array => bind1(gather, [x, idx], { mode: "fill", fill_value: 0 });

/** Scatters of `updates` (shape [...batch, ...x.shape[k:]]) into x; out-of-bounds rows are dropped. */
function scatterPrimitive(name: string, combine: (old: number, u: number) => number, rules: (self: () => Primitive) => Partial<PrimitiveRules>) {
  const prim: Primitive = new Primitive(name, {
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
      // Integer products wrap at every step (as XLA's do): float64 would lose their low bits.
      const step = name === "scatter-mul" && (x.dtype === "int32" || x.dtype === "uint32") ? Math.imul : combine;
      offsets.forEach((off, b) => {
        if (off < 0) return;
        for (let i = 0; i < w * inner; i++) out[w * off + i] = step(out[w * off + i], u[w * b * inner + i]);
      });
      return [hostFromValues(x.shape, x.dtype, x.dtype === "int32" ? out.map((a) => a | 0) : x.dtype === "uint32" ? out.map((a) => a >>> 0) : out)];
    },
    batch: (args, dims, _, axis) => scatterBatch(prim, args, dims, axis),
    ...rules(() => prim),
  });
  return prim;
}

/**
 * Scatters under vmap. Unmapped indices: the mapped axis joins the trailing slice of the
 * operand (after the indexed axes) and of the updates. Mapped indices: everything mapped in
 * front, and the indices get the example number as a leading column.
 */
function scatterBatch(prim: Primitive, [x, idx, upd]: Array[], [dx, di, du]: (number | null)[], { size }: AxisData): [Array[], number[]] {
  if (di === null) {
    const k = idx.shape[idx.ndim - 1];
    return [[bind1(prim, [matchAxis(x, dx, size, k), idx, matchAxis(upd, du, size, idx.ndim - 1)])], [k]];
  }
  const rows = withExampleColumn(moveaxis(idx, di, 0));
  return [[bind1(prim, [bdimToFront(x, dx, size), rows, bdimToFront(upd, du, size)])], [0]];
}

/**
 * Which operand elements a scatter leaves alone and which update elements win where several
 * target one place (JAX's scheme for non-unique indices): scatter 1-based update ids, read
 * them back.
 */
function scatterWinners(shape: readonly number[], idx: Array, updShape: readonly number[]): { kept: Array; won: Array } {
  const batch = idx.shape.slice(0, -1);
  const flatIds = bind1(add, [bind1(iota, [], { dtype: "int32", shape: [prod(batch)], dimension: 0, sharding: null }), scalar(1, "int32", false)]);
  const rowIds = bind1(reshape, [flatIds], { new_sizes: batch, dimensions: null, sharding: null });
  const ids = bind1(broadcastInDim, [rowIds], { shape: [...updShape], broadcast_dimensions: batch.map((_, i) => i), sharding: null });
  const scattered = bind1(scatter, [zeros(new ShapedArray(shape, "int32")), idx, ids]);
  const zero = scalar(0, "int32", false);
  return { kept: bind1(eq, [scattered, zero]), won: bind1(eq, [ids, gatherRows(scattered, idx)]) };
}

/** `t` where `mask`, zero elsewhere. */
const masked = (mask: Array, t: Array): Array => bind1(selectN, [mask, zeros(t.aval), t]);

const nanMin = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));
const nanMax = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));

// scatter is linear in (operand, updates) jointly: its tangent and transpose mask out the
// overwritten operand elements and the losing updates, which holds for repeated indices too.
export const scatter = scatterPrimitive("scatter", (_, u) => u, (self) => ({
  jvp([x, idx, u], [tx, , tu]) {
    const out = bind1(self(), [x, idx, u]);
    const { kept, won } = scatterWinners(x.shape, idx, u.shape);
    const base = tx ? masked(kept, tx) : zeros(x.aval);
    return [[out], [tu ? bind1(scatterAdd, [base, idx, masked(won, tu)]) : base]];
  },
  transpose([ct], [x, idx, u]) {
    if (isUndefined(idx)) throw new TypeError("scatter cannot be transposed with respect to its indices.");
    const { kept, won } = scatterWinners(avalOf(x).shape, idx, avalOf(u).shape);
    return [isUndefined(x) ? masked(kept, ct) : null, null, isUndefined(u) ? masked(won, gatherRows(ct, idx)) : null];
  },
}));

export const scatterAdd = scatterPrimitive("scatter-add", (a, u) => a + u, (self) => ({
  jvp([x, idx, u], [tx, , tu]) {
    return [[bind1(self(), [x, idx, u])], [bind1(self(), [instantiate(tx, x.aval), idx, instantiate(tu, u.aval)])]];
  },
  transpose([ct], [x, idx, u]) {
    if (isUndefined(idx)) throw new TypeError("scatter-add cannot be transposed with respect to its indices.");
    return [isUndefined(x) ? ct : null, null, isUndefined(u) ? gatherRows(ct, idx) : null];
  },
}));

// out = x * P with P the product of the updates scattered to each place. The updates' tangent
// needs, per update, the product of the *other* updates at its place: formed from the product
// of the nonzero ones and a count of zeros, so first derivatives are exact with zeros and
// repeated indices (JAX implements only unique indices). Higher derivatives are exact too,
// except through an update that is exactly zero and shares its place with others.
export const scatterMul = scatterPrimitive("scatter-mul", (a, u) => a * u, (self) => ({
  jvp([x, idx, u], [tx, , tu]) {
    const out = bind1(self(), [x, idx, u]);
    const ones = full(x.aval, 1);
    const tOperand = tx && bind1(mul, [tx, bind1(self(), [ones, idx, u])]);
    if (!tu) return [[out], [tOperand]];
    const isZero = bind1(eq, [u, scalar(0, u.dtype, u.weakType)]);
    const nonzero = bind1(selectN, [isZero, u, full(u.aval, 1)]);
    const products = gatherRows(bind1(self(), [ones, idx, nonzero]), idx);
    const zeroCounts = gatherRows(bind1(scatterAdd, [zeros(x.aval), idx, convert(isZero, x.dtype, x.weakType)]), idx);
    const exact = bind1(or, [bind1(eq, [zeroCounts, scalar(0, x.dtype)]), bind1(and, [bind1(eq, [zeroCounts, scalar(1, x.dtype)]), isZero])]);
    const others = masked(exact, bind1(div, [products, nonzero]));
    const coef = bind1(mul, [gatherRows(x, idx), others]);
    return [[out], [addTangents(tOperand, bind1(scatterAdd, [zeros(x.aval), idx, bind1(mul, [tu, coef])]))]];
  },
  transpose([ct], [x, idx, u]) {
    if (isUndefined(u) || isUndefined(idx)) throw new TypeError("scatter-mul is linear only in its operand; it cannot be transposed with respect to its updates.");
    return [isUndefined(x) ? bind1(self(), [ct, idx, u]) : null, null, null];
  },
}));

/**
 * JAX's `_scatter_extremal_jvp`: a place's tangent is the average of those of the values that
 * attain its result (the operand's own and the updates'), as max/min averages at ties.
 */
const scatterExtremalRules = (self: () => Primitive): Partial<PrimitiveRules> => ({
  jvp([x, idx, u], [tx, , tu]) {
    const out = bind1(self(), [x, idx, u]);
    const [gx, gu] = [instantiate(tx, x.aval), instantiate(tu, u.aval)];
    const d = x.dtype, w = x.weakType;
    const one = scalar(1, d, w);
    const atLeastOne = (n: Array) => bind1(max, [n, one]);
    const target = gatherRows(out, idx);
    const successful = bind1(eq, [u, target]);
    const retained = bind1(eq, [gatherRows(x, idx), target]);
    const countRows = (v: Array) => gatherRows(bind1(scatterAdd, [zeros(x.aval), idx, v]), idx);
    const numUpdates = countRows(convert(successful, d, w));
    const numRefs = atLeastOne(countRows(full(u.aval, 1)));
    const perShare = bind1(div, [one, atLeastOne(numUpdates)]);
    const perShareWithOperand = bind1(div, [one, bind1(add, [numUpdates, one])]);
    const updateCoef = masked(successful, bind1(selectN, [retained, perShare, perShareWithOperand]));
    const operandShare = masked(retained, perShareWithOperand);
    const operandCoef = bind1(div, [bind1(sub, [operandShare, one]), numRefs]);
    const rows = bind1(add, [bind1(mul, [gatherRows(gx, idx), operandCoef]), bind1(mul, [gu, updateCoef])]);
    return [[out], [bind1(scatterAdd, [gx, idx, rows])]];
  },
});
export const scatterMin = scatterPrimitive("scatter-min", nanMin, scatterExtremalRules);
export const scatterMax = scatterPrimitive("scatter-max", nanMax, scatterExtremalRules);

export const concatenate: Primitive<{ dimension: number }> = new Primitive<{ dimension: number }>("concatenate", {
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
  jvp(xs, ts, p) {
    const out = bind1(concatenate, xs, p);
    return [[out], [bind1(concatenate, ts.map((t, i) => instantiate(t, xs[i].aval)), p)]];
  },
  transpose([ct], xs, { dimension: d }) {
    let start = 0;
    return xs.map((x) => {
      const n = avalOf(x).shape[d];
      start += n;
      if (!isUndefined(x)) return null;
      const lo = ct.shape.map((_, i) => (i === d ? start - n : 0));
      const hi = ct.shape.map((m, i) => (i === d ? start : m));
      return bind1(slice, [ct], { start_indices: lo, limit_indices: hi, strides: null });
    });
  },
  batch(xs, dims, { dimension }, { size }) {
    const at = dims.find((d) => d !== null)!;
    return [[bind1(concatenate, xs.map((x, i) => matchAxis(x, dims[i], size, at)), { dimension: withBdim(dimension, at) })], [at]];
  },
});

export type PaddingConfig = [number, number, number][];

function padShape(shape: readonly number[], config: PaddingConfig): number[] {
  return shape.map((n, i) => config[i][0] + config[i][1] + n + Math.max(0, n - 1) * config[i][2]);
}

export const pad: Primitive<{ padding_config: PaddingConfig }> = new Primitive<{ padding_config: PaddingConfig }>("pad", {
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
  jvp([x, v], [tx, tv], p) {
    return [[bind1(pad, [x, v], p)], [bind1(pad, [instantiate(tx, x.aval), instantiate(tv, v.aval)], p)]];
  },
  // JAX's rule: the operand's part is cropped out (strided by the interior padding); the
  // padding value receives everything else: total(ct) - total(operand's part).
  transpose([ct], [x, v], { padding_config: cfg }) {
    const unpadded = bind1(pad, [ct, scalar(0, ct.dtype, ct.weakType)], { padding_config: cfg.map(([lo, hi]): [number, number, number] => [-lo, -hi, 0]) });
    const operandPart = bind1(slice, [unpadded], {
      start_indices: cfg.map(() => 0),
      limit_indices: [...unpadded.shape],
      strides: cfg.some(([, , i]) => i > 0) ? cfg.map(([, , i]) => i + 1) : null,
    });
    const total = (a: Array) => bind1(reduceSum, [a], { axes: a.shape.map((_, i) => i), out_sharding: null });
    return [isUndefined(x) ? operandPart : null, isUndefined(v) ? bind1(sub, [total(ct), total(operandPart)]) : null];
  },
  batch([x, v], [dx, dv], { padding_config: cfg }, { size }) {
    if (dv === null) return [[bind1(pad, [x, v], { padding_config: [...cfg.slice(0, dx!), [0, 0, 0], ...cfg.slice(dx!)] })], [dx]];
    // A per-example padding value: pad with zeros, then select the value where padding went.
    const xf = bdimToFront(x, dx, size);
    const padded = bind1(pad, [xf, scalar(0, x.dtype, x.weakType)], { padding_config: [[0, 0, 0], ...cfg] });
    const inside = bind1(pad, [full(new ShapedArray(xf.shape.slice(1), "bool"), 1), scalar(false)], { padding_config: cfg });
    const shape = [...padded.shape];
    const mask = bind1(broadcastInDim, [inside], { shape, broadcast_dimensions: inside.shape.map((_, i) => i + 1), sharding: null });
    const value = bind1(broadcastInDim, [moveaxis(v, dv, 0)], { shape, broadcast_dimensions: [0], sharding: null });
    return [[bind1(selectN, [mask, value, padded])], [0]];
  },
});

export const rev: Primitive<{ dimensions: number[] }> = new Primitive<{ dimensions: number[] }>("rev", {
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
  jvp: ([x], [t], p) => [[bind1(rev, [x], p)], [t && bind1(rev, [t], p)]],
  transpose: ([ct], [x], p) => [isUndefined(x) ? bind1(rev, [ct], p) : null],
  batch: ([x], [d], { dimensions }) => [[bind1(rev, [x], { dimensions: dimensions.map((a) => withBdim(a, d!)) })], [d]],
});

/** Total order of floats as XLA sorts them: -0 before +0, NaN last. */
function compareTotal(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
  if (a === 0 && b === 0) return Object.is(a, -0) === Object.is(b, -0) ? 0 : Object.is(a, -0) ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

type SortParams = { dimension: number; is_stable: boolean; num_keys: number };

/** Sorts all operands along `dimension` by the lexicographic order of the first num_keys. */
export const sort: Primitive<SortParams> = new Primitive<SortParams>("sort", {
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
  // Tangents follow the sorting permutation: sort an iota along, then gather by it.
  jvp(xs, ts, p) {
    const shape = [...xs[0].shape], d = p.dimension;
    const outs = bind(sort, [...xs, bind1(iota, [], { dtype: "int32", shape, dimension: d, sharding: null })], p);
    const perm = outs.pop()!;
    const column = (a: number) => (a === d
      ? bind1(reshape, [perm], { new_sizes: [...shape, 1], dimensions: null, sharding: null })
      : bind1(iota, [], { dtype: "int32", shape: [...shape, 1], dimension: a, sharding: null }));
    const idx = shape.length === 1 ? column(0) : bind1(concatenate, shape.map((_, a) => column(a)), { dimension: shape.length });
    return [outs, ts.map((t, i) => (t && isDifferentiable(xs[i].dtype) ? bind1(gather, [t, idx], { mode: "clip", fill_value: null }) : null))];
  },
  batch(xs, dims, p, { size }) {
    const at = dims.find((d) => d !== null)!;
    const outs = bind(sort, xs.map((x, i) => matchAxis(x, dims[i], size, at)), { ...p, dimension: withBdim(p.dimension, at) });
    return [outs, outs.map(() => at)];
  },
}, true);
