// lax's named-axis collectives over pytrees: psum, pmean, pmax, pmin, allGather, psumScatter,
// axisIndex. The axis names are bound by vmap (and pmap) with `axisName`.

import { Array, ArrayLike } from "../core/array.js";
import { UnboundAxisError, ValueError } from "../core/errors.js";
import { AxisName } from "../core/primitive.js";
import { declareAs } from "../core/signature.js";
import { bind1 } from "../core/trace.js";
import * as tree from "../core/tree.js";
import { toArray } from "../numpy/convert.js";
import { allGatherP, allToAllP, axisIndexP, pmaxP, pminP, ppermuteP, psumInvariantP, psumP, pvaryP, reduceScatterP } from "../primitives/parallel.js";
import { vmaTyped } from "../core/staging.js";
import { setPsum } from "../transforms/grad.js";
import { lookupAxis } from "../transforms/vmap.js";

const names = (axisName: AxisName | AxisName[]): AxisName[] => (globalThis.Array.isArray(axisName) ? axisName : [axisName]);
const each = (x: any, f: (a: Array) => Array) => tree.map((l: ArrayLike) => f(toArray(l)), x);

function axisSizeImpl(axisName: AxisName | AxisName[]): number {
  return names(axisName).reduce((n: number, a) => {
    const f = lookupAxis(a);
    if (!f) throw new UnboundAxisError(a);
    return n * f.data.size;
  }, 1);
}

/**
 * In a shardMap body with checkVma, `a` made to vary over `axisName` first (JAX: collectives
 * act on varying values; an invariant one is pvary'd).
 */
function varying(a: Array, axisName: AxisName | AxisName[]): Array {
  if (!vmaTyped()) return a;
  const missing = names(axisName).filter((n) => !a.aval.vma?.has(String(n)));
  return missing.length ? bind1(pvaryP, [a], { axis_name: missing }) : a;
}

/** psum: JAX's psum_invariant in a typed shardMap body (its transpose does not sum again), else psum. */
function psumOne(a: Array, axisName: AxisName | AxisName[]): Array {
  return vmaTyped() ? bind1(psumInvariantP, [varying(a, axisName)], { axis_name: names(axisName) }) : bind1(psumP, [a], { axis_name: names(axisName) });
}

function psumImpl<T>(x: T, axisName: AxisName | AxisName[]): T {
  return each(x, (a) => psumOne(a, axisName));
}

function pmeanImpl<T>(x: T, axisName: AxisName | AxisName[]): T {
  const n = axisSizeImpl(axisName);
  return each(x, (a) => psumOne(a, axisName).div(n));
}

function pmaxImpl<T>(x: T, axisName: AxisName | AxisName[]): T {
  return each(x, (a) => bind1(pmaxP, [a], { axis_name: names(axisName) }));
}

function pminImpl<T>(x: T, axisName: AxisName | AxisName[]): T {
  return each(x, (a) => bind1(pminP, [a], { axis_name: names(axisName) }));
}

function allGatherImpl<T>(x: T, axisName: AxisName | AxisName[], { axis = 0, tiled = false }: { axis?: number; tiled?: boolean }): T {
  const n = axisSizeImpl(axisName);
  return each(x, (a) => {
    const d = axis < 0 ? axis + a.ndim + (tiled ? 0 : 1) : axis;
    return bind1(allGatherP, [varying(a, axisName)], { axis_name: names(axisName), all_gather_dimension: d, axis_size: n, tiled });
  });
}

function psumScatterImpl<T>(x: T, axisName: AxisName | AxisName[], { scatterDimension = 0, tiled = false }: { scatterDimension?: number; tiled?: boolean }): T {
  const n = axisSizeImpl(axisName);
  return each(x, (a) => bind1(reduceScatterP, [varying(a, axisName)], { axis_name: names(axisName), scatter_dimension: scatterDimension < 0 ? scatterDimension + a.ndim : scatterDimension, axis_size: n, tiled }));
}

function ppermuteImpl<T>(x: T, axisName: AxisName | AxisName[], perm: readonly (readonly [number, number])[]): T {
  if (!globalThis.Array.isArray(perm) || !perm.every((p) => globalThis.Array.isArray(p) && p.length === 2)) {
    throw new TypeError(`lax.ppermute: perm must be a JS array of [source, destination] pairs; got ${JSON.stringify(perm)}.`);
  }
  const pairs = perm.map(([a, b]) => [a, b] as [number, number]);
  return each(x, (a) => bind1(ppermuteP, [varying(a, axisName)], { axis_name: names(axisName), perm: pairs }));
}

function allToAllImpl<T>(x: T, axisName: AxisName | AxisName[], splitAxis: number, concatAxis: number, { tiled = false }: { tiled?: boolean }): T {
  const n = axisSizeImpl(axisName);
  return each(x, (a) => {
    const canon = (ax: number, what: string) => {
      const k = ax < 0 ? ax + a.ndim : ax;
      if (!Number.isInteger(k) || k < 0 || k >= a.ndim) throw new ValueError(`lax.allToAll: ${what} ${ax} is out of bounds for an operand of rank ${a.ndim}.`);
      return k;
    };
    return bind1(allToAllP, [varying(a, axisName)], { axis_name: names(axisName), split_axis: canon(splitAxis, "splitAxis"), concat_axis: canon(concatAxis, "concatAxis"), axis_size: n, tiled });
  });
}

function pcastImpl<T>(x: T, axisName: AxisName | AxisName[], { to }: { to: string }): T {
  if (to !== "varying") throw new ValueError(`lax.pcast: webjax casts to "varying" only (JAX's pvary); got to=${JSON.stringify(to)}.`);
  return each(x, (a) => varying(a, axisName));
}

function axisIndexImpl(axisName: AxisName | AxisName[]): Array {
  // Over several axes (JAX's tuple): the position in their flattening, the last varying fastest.
  let index: Array | undefined;
  for (const n of names(axisName)) {
    const i = bind1(axisIndexP, [], { axis_name: [n] });
    index = index ? index.mul(axisSizeImpl(n)).add(i) : i;
  }
  return index!;
}

setPsum((x, axes) => psumImpl(x, axes));

// ---- the public, checked entry points ----

/** The size of a named axis (the product, for several names). @example jax.vmap((x) => x.mul(lax.axisSize("i")), {axisName: "i"})(np.ones([3]))   // [3, 3, 3] */
export const axisSize: (axisName: AxisName | AxisName[]) => number = declareAs("lax.axisSize", "axisName", "", axisSizeImpl);

/**
 * Sum over a named axis: every member of the axis gets the total.
 * @example jax.vmap((x) => lax.psum(x, "i"), {axisName: "i"})(np.arange(3))   // [3, 3, 3]
 */
export const psum: <T>(x: T, axisName: AxisName | AxisName[]) => T = declareAs("lax.psum", "x, axisName", "", psumImpl);

/** Mean over a named axis. @example jax.vmap((x) => lax.pmean(x, "i"), {axisName: "i"})(np.arange(3))   // [1, 1, 1] */
export const pmean: <T>(x: T, axisName: AxisName | AxisName[]) => T = declareAs("lax.pmean", "x, axisName", "", pmeanImpl);

/** Maximum over a named axis. @example jax.vmap((x) => lax.pmax(x, "i"), {axisName: "i"})(np.arange(3))   // [2, 2, 2] */
export const pmax: <T>(x: T, axisName: AxisName | AxisName[]) => T = declareAs("lax.pmax", "x, axisName", "", pmaxImpl);

/** Minimum over a named axis. @example jax.vmap((x) => lax.pmin(x, "i"), {axisName: "i"})(np.arange(3))   // [0, 0, 0] */
export const pmin: <T>(x: T, axisName: AxisName | AxisName[]) => T = declareAs("lax.pmin", "x, axisName", "", pminImpl);

/**
 * Every member's value, stacked along a new axis `axis` (or concatenated along it when `tiled`).
 * @example jax.vmap((x) => lax.allGather(x, "i"), {axisName: "i"})(np.arange(3))   // each row [0, 1, 2]
 */
export const allGather: <T>(x: T, axisName: AxisName | AxisName[], opts?: { axis?: number; tiled?: boolean }) => T = declareAs("lax.allGather", "x, axisName", "axis tiled", allGatherImpl);

/** psum, then member i keeps slice i of `scatterDimension` (a block of it when `tiled`). @example jax.vmap((x) => lax.psumScatter(x, "i"), {axisName: "i"})(np.ones([2, 2]))   // [2, 2] */
export const psumScatter: <T>(x: T, axisName: AxisName | AxisName[], opts?: { scatterDimension?: number; tiled?: boolean }) => T = declareAs("lax.psumScatter", "x, axisName", "scatterDimension tiled", psumScatterImpl);

/**
 * Sends each member's value to another member: `perm` lists [source, destination] positions along
 * the axis (each at most once on each side); members no pair sends to get zeros.
 * @example jax.pmap((x) => lax.ppermute(x, "i", [[0, 1], [1, 2], [2, 3], [3, 0]]), "i")(np.arange(4))   // [3, 0, 1, 2]
 */
export const ppermute: <T>(x: T, axisName: AxisName | AxisName[], perm: readonly (readonly [number, number])[]) => T = declareAs("lax.ppermute", "x, axisName, perm", "", ppermuteImpl);

/**
 * Member j gets chunk j of every member's `splitAxis`, placed in member order along `concatAxis`
 * (a new axis; with `tiled`, concatenated into it).
 * @example jax.pmap((x) => lax.allToAll(x, "i", 0, 0), "i")(np.arange(16).reshape([4, 4]))   // the transpose
 */
export const allToAll: <T>(x: T, axisName: AxisName | AxisName[], splitAxis: number, concatAxis: number, opts?: { tiled?: boolean }) => T = declareAs("lax.allToAll", "x, axisName, splitAxis, concatAxis", "tiled", allToAllImpl);

/**
 * Marks `x` as varying over `axisName` in a shardMap body with checkVma (JAX's
 * `pcast(x, axis_name, to="varying")`): the same values; it matters to the type of a loop's
 * carry and to differentiation. Elsewhere `x` itself.
 * @example lax.foriLoop(0, n, body, lax.pcast(np.zeros([2]), "i", { to: "varying" }))
 */
export const pcast: <T>(x: T, axisName: AxisName | AxisName[], opts: { to: "varying" }) => T = declareAs("lax.pcast", "x, axisName", "to", pcastImpl);

/**
 * This member's position along a named axis (along several, its position in their flattening).
 * @example jax.vmap((x) => lax.axisIndex("i"), {axisName: "i"})(np.zeros([3]))   // [0, 1, 2]
 */
export const axisIndex: (axisName: AxisName | AxisName[]) => Array = declareAs("lax.axisIndex", "axisName", "", axisIndexImpl);
