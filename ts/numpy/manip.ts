// Joining, splitting and rearranging arrays; einsum, tensordot;
// linalg.norm, isclose/allclose, clip, logsumexp.

import { Array, ArrayLike, ReduceOptions } from "../core/array.js";
import { canonicalAxis } from "../core/aval.js";
import { isInexact } from "../core/dtype.js";
import { SyncReadError, ValueError, shapeStr } from "../core/errors.js";
import { bind1 } from "../core/trace.js";
import { dotGeneral } from "../primitives/dot.js";
import * as ix from "../primitives/indexing.js";
import { broadcastInDim } from "../primitives/layout.js";
import { array, astype, promoteArgs, toArray } from "./convert.js";
import { eye } from "./creation.js";
import { index } from "./indexing.js";
import { declare, declareAs } from "../core/signature.js";
import { normalizeAxes } from "./axes.js";
import { Reduction, all, max, sum } from "./reductions.js";
import { expandDims, reshape, transpose } from "./shape.js";
import * as uf from "./ufuncs.js";

const range = (n: number, from = 0) => globalThis.Array.from({ length: n }, (_, i) => i + from);

/** Joins arrays along an existing axis (`axis: null` flattens them first). @example np.concatenate([a, b], {axis: 1}) */
export const concatenate: {
  (arrays: ArrayLike[], axis?: number | null): Array;
  (arrays: ArrayLike[], opts: { axis?: number | null }): Array;
} = declareAs("np.concatenate", "arrays, axis?:int", "axis", (xs: ArrayLike[], { axis = 0 }: { axis?: number | null }): Array => {
  if (!xs.length) throw new ValueError("need at least one array to concatenate");
  let arrs = promoteArgs(xs);
  if (axis === null) arrs = arrs.map((a) => reshape(a, [-1]));
  if (arrs.some((a) => a.ndim === 0)) throw new ValueError("Zero-dimensional arrays cannot be concatenated.");
  const ax = canonicalAxis(axis ?? 0, arrs[0].ndim);
  if (arrs.length === 1) return arrs[0];
  return bind1(ix.concatenate, arrs, { dimension: ax });
});

/** Joins arrays along a new axis. @example np.stack([a, b], -1) */
export const stack: {
  (arrays: ArrayLike[], axis?: number): Array;
  (arrays: ArrayLike[], opts: { axis?: number }): Array;
} = declareAs("np.stack", "arrays, axis?:int", "axis", (xs: ArrayLike[], { axis = 0 }: { axis?: number }): Array => {
  if (!xs.length) throw new ValueError("need at least one array to stack");
  const arrs = promoteArgs(xs);
  const s = arrs[0].shape;
  if (arrs.some((a) => a.ndim !== s.length || a.shape.some((n, i) => n !== s[i]))) {
    throw new ValueError(`All input arrays must have the same shape, got ${arrs.map((a) => shapeStr(a.shape)).join(", ")}.`);
  }
  const ax = canonicalAxis(axis, s.length + 1);
  return concatenate(arrs.map((a) => expandDims(a, ax)), { axis: ax });
});
/** Stacks arrays as rows (1-d ones become rows). @example np.vstack([a, b]) */
export const vstack = declare("np.vstack", "tup", "", (xs: ArrayLike[]): Array =>
  concatenate(xs.map((x) => (toArray(x).ndim < 2 ? reshape(x, [1, -1]) : toArray(x))), { axis: 0 }));
/** Stacks arrays along their second axis (the first for 1-d ones). @example np.hstack([a, b]) */
export const hstack = declare("np.hstack", "tup", "", (xs: ArrayLike[]): Array => concatenate(xs, { axis: toArray(xs[0]).ndim === 1 ? 0 : 1 }));

/** Splits into `n` equal sections, or at the given indices. @example const [a, b] = np.split(x, 2, 1) */
export const split: {
  (ary: ArrayLike, indicesOrSections: number | number[], axis?: number): Array[];
  (ary: ArrayLike, indicesOrSections: number | number[], opts: { axis?: number }): Array[];
} = declareAs("np.split", "ary, indicesOrSections, axis?:int", "axis", (x: ArrayLike, sectionsOrIndices: number | number[], { axis = 0 }: { axis?: number }): Array[] => {
  const a = toArray(x);
  const ax = canonicalAxis(axis, a.ndim);
  const n = a.shape[ax];
  let cuts: number[];
  if (typeof sectionsOrIndices === "number") {
    if (!Number.isInteger(sectionsOrIndices) || sectionsOrIndices <= 0 || n % sectionsOrIndices !== 0) {
      throw new ValueError(`array split does not result in an equal division: axis ${ax} of size ${n} into ${sectionsOrIndices} sections.`);
    }
    cuts = range(sectionsOrIndices - 1, 1).map((i) => (i * n) / sectionsOrIndices);
  } else cuts = sectionsOrIndices.map((c) => Math.min(Math.max(c < 0 ? c + n : c, 0), n));
  const bounds = [0, ...cuts, n];
  return range(bounds.length - 1).map((i) => {
    const specs = a.shape.map((): [number | null, number | null] | null => null);
    specs[ax] = [bounds[i], Math.max(bounds[i], bounds[i + 1])];
    return index(a, specs, "clip");
  });
});

/** Repeats the whole array `reps` times along each axis. @example np.tile(x, [2, 1]) */
export const tile = declare("np.tile", "A, reps:shape", "", (x: ArrayLike, reps: number | number[]): Array => {
  let a = toArray(x);
  const r = typeof reps === "number" ? [reps] : reps;
  const nd = Math.max(a.ndim, r.length);
  const rr = [...new globalThis.Array(nd - r.length).fill(1), ...r];
  a = reshape(a, [...new globalThis.Array(nd - a.ndim).fill(1), ...a.shape]);
  const inter = a.shape.flatMap((n, i) => [rr[i], n]);
  const b = bind1(broadcastInDim, [a], { shape: inter, broadcast_dimensions: range(nd).map((i) => 2 * i + 1), sharding: null });
  return reshape(b, a.shape.map((n, i) => n * rr[i]));
});

/** Repeats each element `repeats` times along `axis` (flattened when axis is null). @example np.repeat(x, 2, 0) */
export const repeat: {
  (a: ArrayLike, repeats: number | number[], axis?: number | null): Array;
  (a: ArrayLike, repeats: number | number[], opts: { axis?: number | null }): Array;
} = declareAs("np.repeat", "a, repeats, axis?:int", "axis", (x: ArrayLike, repeats: number | number[], { axis = null }: { axis?: number | null }): Array => {
  let a = toArray(x);
  if (axis === null) [a, axis] = [reshape(a, [-1]), 0];
  const ax = canonicalAxis(axis, a.ndim);
  if (typeof repeats !== "number") {
    if (repeats.length !== a.shape[ax]) throw new ValueError(`repeat: ${repeats.length} repeats for an axis of size ${a.shape[ax]}.`);
    const idx = repeats.flatMap((k, i) => new globalThis.Array(k).fill(i));
    return take(a, array(idx, { dtype: "int32" }), { axis: ax });
  }
  const shape = [...a.shape.slice(0, ax + 1), repeats, ...a.shape.slice(ax + 1)];
  const dims = range(a.ndim).map((d) => (d <= ax ? d : d + 1));
  const b = bind1(broadcastInDim, [a], { shape, broadcast_dimensions: dims, sharding: null });
  return reshape(b, a.shape.map((n, d) => (d === ax ? n * repeats : n)));
});

/** Reverses the order of elements along the given axes (all by default). @example np.flip(x, 0) */
export const flip: {
  (m: ArrayLike, axis?: number | number[] | null): Array;
  (m: ArrayLike, opts: { axis?: number | number[] | null }): Array;
} = declareAs("np.flip", "m, axis?:axis", "axis", (x: ArrayLike, { axis = null }: { axis?: number | number[] | null }): Array => {
  const a = toArray(x);
  const dims = normalizeAxes(axis, a.ndim);
  return dims.length ? bind1(ix.rev, [a], { dimensions: dims }) : a;
});

type PadWidth = number | [number, number] | [number, number][] | number[][];

/** Constant padding. @example np.pad(x, [[1, 2], [0, 1]], {constantValues: -1}) */
export const pad: {
  (array: ArrayLike, padWidth: PadWidth, opts?: { mode?: "constant"; constantValues?: number }): Array;
  (array: ArrayLike, padWidth: PadWidth, mode: "constant" | undefined, opts?: { constantValues?: number }): Array;
} = declareAs("np.pad", "array, padWidth, mode?", "mode constantValues", (x: ArrayLike, padWidth: PadWidth, { mode = "constant", constantValues = 0 }: { mode?: "constant"; constantValues?: number }): Array => {
  const a = toArray(x);
  if (mode !== "constant") throw new ValueError(`np.pad: mode "${mode}" is not implemented; only "constant" is.`);
  const pw = typeof padWidth === "number" ? [[padWidth, padWidth]] : typeof padWidth[0] === "number" ? [padWidth as number[]] : (padWidth as number[][]);
  const cfg = a.shape.map((_, i): [number, number, number] => {
    const p = pw.length === 1 ? pw[0] : pw[i];
    if (!p) throw new ValueError(`np.pad: pad width ${JSON.stringify(padWidth)} does not match an array of shape ${shapeStr(a.shape)}.`);
    return [p[0], p.length > 1 ? p[1] : p[0], 0];
  });
  if (cfg.some(([lo, hi]) => lo < 0 || hi < 0)) throw new ValueError("np.pad: index can't contain negative values");
  return bind1(ix.pad, [a, astype(constantValues, a.dtype)], { padding_config: cfg });
});

/**
 * Elements at `indices` along `axis` (flattened when axis is null). Out-of-bounds indices give
 * NaN for floats (JAX's default "fill" mode; INT_MIN for int32); negatives count from the end.
 * @example np.take(np.array([10, 20, 30]), np.array([2, 0], "int32"))   // [30, 10]
 * @example np.take(x, idx, 1)   // columns idx of x
 */
export const take: {
  (a: ArrayLike, indices: ArrayLike, axis?: number | null): Array;
  (a: ArrayLike, indices: ArrayLike, opts: { axis?: number | null }): Array;
} = declareAs("np.take", "a, indices, axis?:int", "axis", (x: ArrayLike, indices: ArrayLike, { axis = null }: { axis?: number | null }): Array => {
  let a = toArray(x);
  if (axis === null) [a, axis] = [reshape(a, [-1]), 0];
  const ax = canonicalAxis(axis, a.ndim);
  const idx = typeof indices === "number" ? array(indices, { dtype: "int32" }) : indices instanceof Array ? indices : array(indices, { dtype: "int32" });
  const fill = isInexact(a.dtype) ? NaN : a.dtype === "int32" ? -2147483648 : a.dtype === "uint32" ? 4294967295 : 1;
  return index(a, [...new globalThis.Array(ax).fill(null), idx], "fill", fill);
});

/** Einstein summation over dot_general. @example np.einsum("ij,jk->ik", a, b) */
export const einsum = declare("np.einsum", "subscripts, ...operands", "", (subscripts: string, ...operands: ArrayLike[]): Array => {
  const spec = subscripts.replace(/\s/g, "");
  if (spec.includes(".")) throw new ValueError("einsum: ellipsis ('...') subscripts are not supported yet.");
  const [lhs, rhs] = spec.split("->");
  const ins = lhs.split(",");
  if (ins.length !== operands.length) throw new ValueError(`einsum: ${ins.length} operand subscripts for ${operands.length} operands in "${subscripts}".`);
  const counts = new Map<string, number>();
  for (const c of lhs.replace(/,/g, "")) counts.set(c, (counts.get(c) ?? 0) + 1);
  const out = rhs ?? [...counts.keys()].filter((c) => counts.get(c) === 1).sort().join("");
  for (const c of out) if (!counts.has(c)) throw new ValueError(`einsum: output subscript '${c}' does not appear in the inputs of "${subscripts}".`);
  const arrs = promoteArgs(operands);
  let terms = arrs.map((a, k) => {
    const labels = ins[k].split("");
    if (labels.length !== a.ndim) throw new ValueError(`einsum: operand ${k} has shape ${shapeStr(a.shape)} but subscripts "${ins[k]}".`);
    return diagonalize(a, labels);
  });
  // Sum out labels private to one operand and absent from the output.
  terms = terms.map(({ x, labels }, k) => {
    const elsewhere = (c: string) => out.includes(c) || terms.some((t, j) => j !== k && t.labels.includes(c));
    const drop = labels.flatMap((c, i) => (elsewhere(c) ? [] : [i]));
    return drop.length ? { x: sum(x, { axis: drop }), labels: labels.filter((_, i) => !drop.includes(i)) } : { x, labels };
  });
  let acc = terms[0];
  for (let k = 1; k < terms.length; k++) {
    const b = terms[k];
    const later = terms.slice(k + 1).flatMap((t) => t.labels);
    const shared = acc.labels.filter((c) => b.labels.includes(c));
    const batch = shared.filter((c) => out.includes(c) || later.includes(c));
    const contract = shared.filter((c) => !batch.includes(c));
    for (const c of shared) {
      if (acc.x.shape[acc.labels.indexOf(c)] !== b.x.shape[b.labels.indexOf(c)]) {
        throw new ValueError(`einsum: size of label '${c}' differs between operands (${shapeStr(acc.x.shape)} and ${shapeStr(b.x.shape)}) in "${subscripts}".`);
      }
    }
    const pos = (t: typeof acc, cs: string[]) => cs.map((c) => t.labels.indexOf(c));
    const x = bind1(dotGeneral, [acc.x, b.x], {
      dimension_numbers: [[pos(acc, contract), pos(b, contract)], [pos(acc, batch), pos(b, batch)]],
      precision: null,
      preferred_element_type: acc.x.dtype,
    });
    const free = (t: typeof acc) => t.labels.filter((c) => !shared.includes(c));
    acc = { x, labels: [...batch, ...free(acc), ...free(b)] };
  }
  const rest = acc.labels.flatMap((c, i) => (out.includes(c) ? [] : [i]));
  if (rest.length) acc = { x: sum(acc.x, { axis: rest }), labels: acc.labels.filter((c) => out.includes(c)) };
  return transpose(acc.x, out.split("").map((c) => acc.labels.indexOf(c)));
});

/** Removes repeated labels of one operand by taking diagonals ("ii->i"). */
function diagonalize(x: Array, labels: string[]): { x: Array; labels: string[] } {
  for (let j = 0; j < labels.length; j++) {
    const i = labels.indexOf(labels[j]);
    if (i === j) continue;
    if (x.shape[i] !== x.shape[j]) throw new ValueError(`einsum: repeated label '${labels[j]}' has sizes ${x.shape[i]} and ${x.shape[j]}.`);
    const mask = bind1(broadcastInDim, [astype(eye(x.shape[i]), x.dtype)], { shape: x.shape, broadcast_dimensions: [i, j], sharding: null });
    return diagonalize(sum(uf.multiply(x, mask), { axis: j }), labels.filter((_, k) => k !== j));
  }
  return { x, labels };
}

/** Options of `np.linalg.norm`. @example np.linalg.norm(x, {ord: 2, axis: -1, keepdims: true}) */
export interface NormOptions {
  ord?: number | "fro" | null;
  axis?: number | number[] | null;
  keepdims?: boolean;
}

/**
 * Vector p-norms (2 by default, 1, Infinity, -Infinity, 0, any p) and matrix norms
 * ("fro", 1, Infinity). @example np.linalg.norm(x) @example np.linalg.norm(x, {ord: 1, axis: 0})
 */
export const norm: {
  (x: ArrayLike, opts?: NormOptions): Array;
  (x: ArrayLike, ord: number | "fro" | null | undefined, opts?: Omit<NormOptions, "ord">): Array;
  (x: ArrayLike, ord: number | "fro" | null | undefined, axis: number | number[] | null | undefined, opts?: { keepdims?: boolean }): Array;
  (x: ArrayLike, ord: number | "fro" | null | undefined, axis: number | number[] | null | undefined, keepdims: boolean | undefined): Array;
} = declareAs("np.linalg.norm", "x, ord?, axis?:axis, keepdims?", "ord axis keepdims", (x: ArrayLike, o: NormOptions): Array => {
  let a = toArray(x);
  if (!isInexact(a.dtype)) a = astype(a, "float32");
  const { ord = null, keepdims = false } = o;
  const axes = o.axis === null || o.axis === undefined ? (ord === null ? range(a.ndim) : a.ndim <= 2 ? range(a.ndim) : null) : normalizeAxes(o.axis, a.ndim);
  if (!axes) throw new ValueError("norm: improper number of dimensions to norm; pass axis.");
  const abs = uf.abs(a);
  const red = { axis: axes, keepdims };
  if (axes.length === 2 && ord !== null && ord !== "fro") {
    // Matrix 1 / inf norms: the largest absolute column / row sum.
    const [r, c] = axes;
    if (ord === 1 || ord === -1) return (ord === 1 ? max : minOf)(sum(abs, { axis: r, keepdims: true }), red);
    if (ord === Infinity || ord === -Infinity) return (ord === Infinity ? max : minOf)(sum(abs, { axis: c, keepdims: true }), red);
    throw new ValueError(`norm: matrix ord=${ord} is not supported (use "fro", 1 or Infinity).`);
  }
  if (ord === null || ord === "fro" || ord === 2) {
    const sq = a.dtype === "complex64" ? uf.multiply(abs, abs) : uf.multiply(a, a);
    return uf.sqrt(sum(sq, red));
  }
  if (axes.length !== 1) throw new ValueError(`norm: vector ord=${ord} needs a single axis.`);
  if (ord === Infinity) return max(abs, red);
  if (ord === -Infinity) return minOf(abs, red);
  if (ord === 0) return sum(astype(uf.notEqual(a, 0), abs.dtype), red);
  if (ord === 1) return sum(abs, red);
  return uf.power(sum(uf.power(abs, ord), red), 1 / ord);
});
const minOf = (x: Array, o: ReduceOptions) => uf.negative(max(uf.negative(x), o));

/** `jnp.linalg`. @example np.linalg.norm(np.array([3, 4]))   // 5 */
export const linalg = { norm };

interface CloseOptions { rtol?: number; atol?: number; equalNan?: boolean }
/** `[rtol, atol, equalNan]` positionally (JAX's order), or the options. */
type CloseArgs = [opts?: CloseOptions] | [rtol: number | undefined, opts?: Omit<CloseOptions, "rtol">] | [rtol: number | undefined, atol: number | undefined, opts?: { equalNan?: boolean }] | [rtol: number | undefined, atol: number | undefined, equalNan: boolean | undefined];

/** Elementwise |a - b| <= atol + rtol * |b| (NaNs equal when equalNan). @example np.isclose(x, y, 1e-3) */
export const isclose: (a: ArrayLike, b: ArrayLike, ...rest: CloseArgs) => Array<"bool"> =
  declareAs("np.isclose", "a, b, rtol?, atol?, equalNan?", "rtol atol equalNan", iscloseImpl);
function iscloseImpl(a: ArrayLike, b: ArrayLike, { rtol = 1e-5, atol = 1e-8, equalNan = false }: CloseOptions): Array {
  let [x, y] = promoteArgs([a, b]);
  if (!isInexact(x.dtype)) [x, y] = [astype(x, "float32"), astype(y, "float32")];
  const close = uf.lessEqual(uf.abs(uf.subtract(x, y)), uf.add(atol, uf.multiply(rtol, uf.abs(y))));
  const bothInf = uf.logicalAnd(uf.equal(x, y), uf.isinf(y));
  const ok = uf.logicalOr(uf.logicalAnd(close, uf.isfinite(y)), bothInf);
  return equalNan ? uf.logicalOr(ok, uf.logicalAnd(uf.isnan(x), uf.isnan(y))) : ok;
}

/**
 * Whether all elements are close, as a JS boolean (needs concrete arrays: under jit use isclose +
 * all; on WebGPU, whose values come back asynchronously, `await np.allcloseAsync`).
 * @example np.allclose(x, y)
 */
export const allclose: (a: ArrayLike, b: ArrayLike, ...rest: CloseArgs) => boolean =
  declareAs("np.allclose", "a, b, rtol?, atol?, equalNan?", "rtol atol equalNan", (a: ArrayLike, b: ArrayLike, opts: CloseOptions): boolean => {
    const verdict = all(iscloseImpl(a, b, opts));
    const c = verdict.toConcrete();
    if (c && !c.backend.syncReads) throw new SyncReadError("np.allclose", "await np.allcloseAsync(a, b)", "WebGPU");
    return verdict.item();
  });

/** `allclose` on any backend, WebGPU included. @example await np.allcloseAsync(x, y, 1e-4) */
export const allcloseAsync: (a: ArrayLike, b: ArrayLike, ...rest: CloseArgs) => Promise<boolean> =
  declareAs("np.allcloseAsync", "a, b, rtol?, atol?, equalNan?", "rtol atol equalNan", (a: ArrayLike, b: ArrayLike, opts: CloseOptions): Promise<boolean> =>
    all(iscloseImpl(a, b, opts)).itemAsync() as Promise<boolean>);

/** Sums products over the given axes: `axes` is n (last n of a with first n of b) or [aAxes, bAxes]. @example np.tensordot(a, b, 1) */
export const tensordot = declare("np.tensordot", "a, b, axes?", "", (a: ArrayLike, b: ArrayLike, axes: number | [number | number[], number | number[]] = 2): Array => {
  const [x, y] = promoteArgs([a, b]);
  let ax: number[], bx: number[];
  if (typeof axes === "number") {
    if (axes > x.ndim || axes > y.ndim || axes < 0) throw new ValueError(`tensordot: axes=${axes} exceeds the ranks of ${shapeStr(x.shape)} and ${shapeStr(y.shape)}.`);
    ax = range(axes, x.ndim - axes);
    bx = range(axes);
  } else {
    ax = (typeof axes[0] === "number" ? [axes[0]] : axes[0]).map((d) => canonicalAxis(d, x.ndim));
    bx = (typeof axes[1] === "number" ? [axes[1]] : axes[1]).map((d) => canonicalAxis(d, y.ndim));
    if (ax.length !== bx.length) throw new ValueError(`tensordot: axes lists of different lengths ${JSON.stringify(axes)}.`);
  }
  ax.forEach((d, i) => {
    if (x.shape[d] !== y.shape[bx[i]]) throw new ValueError(`tensordot: shape mismatch: ${shapeStr(x.shape)} axis ${d} vs ${shapeStr(y.shape)} axis ${bx[i]}.`);
  });
  return bind1(dotGeneral, [x, y], { dimension_numbers: [[ax, bx], [[], []]], precision: null, preferred_element_type: x.dtype });
});

interface ClipBounds { min?: ArrayLike | null; max?: ArrayLike | null }
/** Limits values to [min, max] (either bound may be null or left out). @example np.clip(x, 0, 1)  @example np.clip(x, {max: 1}) */
export const clip: {
  (arr: ArrayLike, opts?: ClipBounds): Array;
  (arr: ArrayLike, min: ArrayLike | null | undefined, max?: ArrayLike | null): Array;
  (arr: ArrayLike, min: ArrayLike | null | undefined, opts: { max?: ArrayLike | null }): Array;
} = declareAs("np.clip", "arr, min?, max?", "min max", (x: ArrayLike, { min: lo = null, max: hi = null }: ClipBounds): Array => {
  let out = toArray(x);
  if (lo !== null && lo !== undefined) out = uf.maximum(out, lo);
  if (hi !== null && hi !== undefined) out = uf.minimum(out, hi);
  return out;
});

/** log(sum(exp(x))) computed stably. @example np.logsumexp(x, -1) */
export const logsumexp: Reduction = declareAs("np.logsumexp", "a, axis?:axis", "axis keepdims", (x: ArrayLike, { axis = null, keepdims = false }: ReduceOptions): Array => {
  let a = toArray(x);
  if (!isInexact(a.dtype)) a = astype(a, "float32");
  const axes = normalizeAxes(axis, a.ndim);
  const m = max(a, { axis: axes, keepdims: true });
  const safe = uf.where(uf.isfinite(m), m, 0);
  const s = uf.log(sum(uf.exp(uf.subtract(a, safe)), { axis: axes, keepdims: true }));
  const out = uf.add(s, safe);
  return keepdims ? out : reshape(out, a.shape.filter((_, i) => !axes.includes(i)));
});
