// pmap as JAX (since 0.8) builds it: jit of a shardMap over a one-axis mesh of the first
// `axisSize` devices, each device's block squeezed along the mapped axis (JAX 0.10.2's
// semantics and messages, checkVma off as JAX's). `globalArgShapes` keeps JAX 0.4's one-process
// meaning: each mapped argument's shape without its mapped axis, which must match.

import { Array } from "../core/array.js";
import { Device, listDevices, BackendName } from "../core/backend.js";
import { ValueError } from "../core/errors.js";
import { Mesh, NamedSharding, PartitionSpecClass } from "../core/sharding.js";
import { reshardCommitted } from "../sharding/jit_shardings.js";
import { declareAs } from "../core/signature.js";
import { paramsKey } from "../core/jaxpr.js";
import * as tree from "../core/tree.js";
import { jit } from "./jit.js";
import { shardMap } from "./shard_map.js";

/** Options of `jax.pmap` (JAX's keywords in camelCase). @example jax.pmap(f, {axisName: "i", inAxes: [0, null]}) */
export interface PmapOptions {
  axisName?: string | null;
  inAxes?: unknown;
  outAxes?: unknown;
  staticBroadcastedArgnums?: number | number[];
  devices?: readonly Device[] | null;
  backend?: BackendName | null;
  axisSize?: number | null;
  donateArgnums?: number | number[];
  /** JAX 0.4's: each mapped argument's shape without the mapped axis (null for one left as is); it must match. */
  globalArgShapes?: unknown;
}

const DEFAULT_AXIS = "_internal_pmap_axis_name";
const isAxisLeaf = (x: unknown) => x === null || x === undefined || typeof x !== "object";

/** JAX's `_axes_to_pspec`: a mapped axis k is P(None × k, name) (a negative k maps axis 0, as in JAX). */
const axesToSpec = (name: string, axis: number | null) => (axis === null ? new PartitionSpecClass() : new PartitionSpecClass(...new globalThis.Array(Math.max(axis, 0)).fill(null), name));

function checkAxes(axes: unknown, what: "in_axes" | "out_axes"): void {
  for (const l of tree.leaves(axes, isAxisLeaf)) {
    if (l !== null && l !== undefined && !Number.isInteger(l)) {
      throw new TypeError(`pmap ${what} must be an int, None, or (nested) container with those types as leaves, but got ${typeof axes === "object" ? JSON.stringify(axes) : String(axes)}.`);
    }
  }
}

const squeezeAt = (x: Array, axis: number) => {
  const a = axis < 0 ? axis + x.ndim : axis;
  if (x.shape[a] !== 1) {
    throw new ValueError(`cannot select an axis to squeeze out which has size not equal to one, got shape=(${x.shape.join(", ")}${x.ndim === 1 ? "," : ""}) and dimensions=(${axis},)`);
  }
  return x.reshape(x.shape.filter((_, i) => i !== a));
};
const expandAt = (x: Array, axis: number) => {
  const a = axis < 0 ? axis + x.ndim + 1 : axis;
  return x.reshape([...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
};

function pmapImpl<F extends (...args: any[]) => any>(fun: F, opts: PmapOptions): F {
  if (typeof fun !== "function") throw new TypeError(`Expected a callable value, got ${String(fun)}`);
  const { inAxes = 0, outAxes = 0, devices = null, backend = null, axisSize = null, globalArgShapes = null } = opts;
  if (devices !== null && devices !== undefined && devices.length === 0) throw new ValueError("'devices' argument to pmap must be non-empty, or None.");
  const axisName = opts.axisName ?? DEFAULT_AXIS;
  const statics = opts.staticBroadcastedArgnums === undefined ? [] : typeof opts.staticBroadcastedArgnums === "number" ? [opts.staticBroadcastedArgnums] : [...opts.staticBroadcastedArgnums];
  checkAxes(inAxes, "in_axes");
  checkAxes(outAxes, "out_axes");
  const name = fun.name || "<lambda>";
  const cache = new Map<string, { run: (...leaves: Array[]) => any; inShardings: NamedSharding[] }>();

  const mapped = function (this: unknown, ...args: any[]) {
    if (statics.length && Math.max(...statics) >= args.length) {
      throw new ValueError(`pmapped function has static_broadcasted_argnums=(${statics.join(", ")}${statics.length === 1 ? "," : ""}) but was called with only ${args.length} positional ` +
        `argument${args.length > 1 ? "s" : ""}. All static broadcasted arguments must be passed positionally.`);
    }
    const dynIdx = args.map((_, i) => i).filter((i) => !statics.includes(i));
    const dynArgs = dynIdx.map((i) => args[i]);
    const dynInAxes = statics.length && globalThis.Array.isArray(inAxes) ? dynIdx.map((i) => inAxes[i]) : inAxes;
    const [leaves, inTree] = tree.flatten(dynArgs);
    let axesFlat: (number | null)[];
    try {
      axesFlat = tree.broadcastPrefix(globalThis.Array.isArray(dynInAxes) ? dynInAxes : dynArgs.map(() => dynInAxes), dynArgs, "pmap in_axes").map((a: unknown) => (a === undefined ? null : (a as number | null)));
    } catch (e) {
      throw new ValueError(`${(e as Error).message}\n\nThe 'full pytree' here is the tuple of arguments passed positionally to the pmapped function, and the value of \`in_axes\` must be a tree prefix of that tuple. ` +
        "But it was not a prefix.\n\nCheck that the value of the `in_axes` argument to `pmap` is a tree prefix of the tuple of arguments passed positionally to the pmapped function.");
    }
    const first = leaves.findIndex((l, i) => axesFlat[i] !== null && l instanceof Array);
    if (first < 0) throw new ValueError("pmap requires at least one argument with a mapped axis.");
    const ax0 = axesFlat[first]!;
    const local = (leaves[first] as Array).shape[ax0 < 0 ? ax0 + (leaves[first] as Array).ndim : ax0];
    if (axisSize !== null && axisSize !== undefined && axisSize !== local) throw new ValueError(`Specified axis_size ${axisSize} doesn't match received axis_size ${local}.`);
    if (globalArgShapes !== null && globalArgShapes !== undefined) checkGlobalArgShapes(globalArgShapes, dynArgs, leaves, axesFlat);
    const meshDevices = (devices ?? listDevices(backend ?? undefined)).slice(0, local);
    const staticVals = statics.map((i) => args[i]);
    const key = `${inTree}|${axesFlat}|${meshDevices.map(String)}|${paramsKey(staticVals)}`;
    let entry = cache.get(key);
    if (!entry) {
      const mesh = new Mesh(meshDevices, axisName);
      const inSpecs = axesFlat.map((a) => axesToSpec(axisName, a));
      const outSpecs = mapAxesLeaves(outAxes, (a) => axesToSpec(axisName, a));
      const body = function (this: unknown, ...flat: Array[]) {
        const blocks = flat.map((x, i) => (axesFlat[i] === null ? x : squeezeAt(x, axesFlat[i]!)));
        const dyn = tree.unflatten(inTree, blocks);
        const full = args.map((a, i) => (statics.includes(i) ? a : dyn[dynIdx.indexOf(i)]));
        const out = fun.apply(this, full);
        const outLeafAxes = tree.broadcastPrefix(outAxes, out, "pmap out_axes", undefined, isAxisLeaf);
        const [outLeaves, outTree] = tree.flatten(out);
        return tree.unflatten(outTree, outLeaves.map((o: Array, i: number) => (outLeafAxes[i] === null || outLeafAxes[i] === undefined ? o : expandAt(o, outLeafAxes[i]))));
      };
      Object.defineProperty(body, "name", { value: name });
      const sm = shardMap(body, { mesh, inSpecs, outSpecs, checkVma: false });
      const donate = opts.donateArgnums === undefined ? [] : typeof opts.donateArgnums === "number" ? [opts.donateArgnums] : [...opts.donateArgnums];
      // Donated positional arguments, counted among the dynamic ones, as their flattened leaves.
      const donatedLeaves = dynIdx.flatMap((argI) => tree.leaves(args[argI]).map(() => donate.includes(argI)));
      const donateLeaves = donatedLeaves.flatMap((d, i) => (d ? [i] : []));
      const outShardings = tree.map((s: PartitionSpecClass) => new NamedSharding(mesh, s), outSpecs);
      const inShardings = inSpecs.map((s) => new NamedSharding(mesh, s));
      entry = { run: jit(sm, { inShardings, outShardings, donateArgnums: donateLeaves }), inShardings };
      cache.set(key, entry);
    }
    // Results of another pmap (another axis name or devices) are laid out for this one.
    return entry.run(...(reshardCommitted(leaves, entry.inShardings) as Array[]));
  };
  Object.defineProperty(mapped, "name", { value: `pmap(${name})` });
  return mapped as unknown as F;
}

/** A pytree of axes (ints and nulls as leaves) with each leaf replaced. */
function mapAxesLeaves<T>(axes: unknown, f: (a: number | null) => T): unknown {
  if (isAxisLeaf(axes)) return f((axes as number | null | undefined) ?? null);
  if (globalThis.Array.isArray(axes)) return axes.map((a) => mapAxesLeaves(a, f));
  return Object.fromEntries(Object.entries(axes as object).map(([k, v]) => [k, mapAxesLeaves(v, f)]));
}

function checkGlobalArgShapes(shapes: unknown, dynArgs: unknown[], leaves: unknown[], axes: (number | null)[]): void {
  const isShape = (x: unknown) => x === null || (globalThis.Array.isArray(x) && x.every((n) => Number.isInteger(n)));
  const per = tree.broadcastPrefix(shapes, dynArgs, "pmap global_arg_shapes", undefined, isShape);
  per.forEach((s: number[] | null, i: number) => {
    if (s === null || s === undefined || axes[i] === null || !(leaves[i] instanceof Array)) return;
    const x = leaves[i] as Array;
    const a = axes[i]! < 0 ? axes[i]! + x.ndim : axes[i]!;
    const local = x.shape.filter((_, d) => d !== a);
    if (local.length !== s.length || local.some((n, d) => n !== s[d])) {
      throw new ValueError(`pmap global_arg_shapes[${i}] is (${s.join(", ")}${s.length === 1 ? "," : ""}), but argument ${i} has shape (${x.shape.join(", ")}${x.ndim === 1 ? "," : ""}), ` +
        `(${local.join(", ")}${local.length === 1 ? "," : ""}) per device: in one process each argument's global shape is its own. Pass its per-device shape, or leave globalArgShapes out.`);
    }
  });
}

/**
 * Parallel map over devices (JAX's `pmap`, built as JAX 0.10 builds it: jit of a shardMap over
 * the first devices): each device gets one slice of the mapped axis, collectives name `axisName`,
 * and results are Arrays sharded over those devices.
 * @typeParam F - the function's type, which the result keeps
 * @example jax.pmap((x) => x.div(lax.psum(x, "i")), { axisName: "i" })(np.arange(4))   // [0, 1/6, 1/3, 1/2]
 */
export const pmap: <F extends (...args: any[]) => any>(fun: F, axisNameOrOpts?: string | null | PmapOptions, opts?: PmapOptions) => F = declareAs(
  "jax.pmap", "fun, axisName?",
  "axisName inAxes outAxes staticBroadcastedArgnums devices backend axisSize donateArgnums globalArgShapes",
  pmapImpl,
);
