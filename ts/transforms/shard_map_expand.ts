// A shard_map as one program over whole arrays: each input is reshaped so that the mesh axes
// its spec names lead, the body runs under one vmap per mesh axis (named as the axis, so its
// collectives become reductions and gathers over the mapped axes), and each output is laid back
// out by its out spec. This is how shard_map runs where its devices do not run programs of their
// own (no cross-origin isolation, a backend without worker devices, a shard_map nested in
// control flow), and it is what the cpu reference computes: same values, one device.

import { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { ClosedJaxpr } from "../core/jaxpr.js";
import { Mesh, PartitionSpecClass } from "../core/sharding.js";
import { evalJaxpr, traceToJaxpr } from "../core/staging.js";
import { bind1 } from "../core/trace.js";
import { reshape, transpose } from "../primitives/layout.js";
import { bdimToFront } from "./batch_util.js";
import { batchFlat } from "./vmap.js";

/** What an expansion depends on (a shard_map's params). */
export interface ShardMapBody {
  jaxpr: ClosedJaxpr;
  mesh: Mesh;
  in_specs: readonly PartitionSpecClass[];
  out_specs: readonly PartitionSpecClass[];
}

const reshapeTo = (x: Array, shape: number[]) => (x.shape.length === shape.length && x.shape.every((n, i) => n === shape[i]) ? x : bind1(reshape, [x], { new_sizes: shape, dimensions: null, sharding: null }));
const permute = (x: Array, perm: number[]) => (perm.every((p, i) => p === i) ? x : bind1(transpose, [x], { permutation: perm }));

/** The global shape of a block of `aval` laid out by `spec` (each split axis times its mesh axes' sizes). */
export function globalAval(block: ShapedArray, spec: PartitionSpecClass, mesh: Mesh): ShapedArray {
  return new ShapedArray(block.shape.map((n, d) => n * spec.namesAt(d).reduce((k, m) => k * mesh.axisSize(m), 1)), block.dtype, block.weakType);
}

/** The shape of one device's block of a global `aval` laid out by `spec`. */
export function blockAval(global: ShapedArray, spec: PartitionSpecClass, mesh: Mesh): ShapedArray {
  return new ShapedArray(global.shape.map((n, d) => n / spec.namesAt(d).reduce((k, m) => k * mesh.axisSize(m), 1)), global.dtype, global.weakType);
}

/** `x` (global) with the mesh axes its spec names split out and leading, in mesh order. */
function meshMajor(x: Array, spec: PartitionSpecClass, mesh: Mesh): Array {
  const split: number[] = [];
  const meshPos = new Map<string, number>();
  const blockPos: number[] = [];
  x.shape.forEach((n, d) => {
    const names = spec.namesAt(d);
    let parts = 1;
    for (const m of names) {
      meshPos.set(m, split.length);
      split.push(mesh.axisSize(m));
      parts *= mesh.axisSize(m);
    }
    blockPos.push(split.length);
    split.push(n / parts);
  });
  const order = [...mesh.axisNames.filter((m) => meshPos.has(m)).map((m) => meshPos.get(m)!), ...blockPos];
  return permute(reshapeTo(x, split), order);
}

/** The inverse for an output `o` of shape [every mesh axis..., block]: the global array laid out by `spec`. */
function fromMeshMajor(o: Array, spec: PartitionSpecClass, mesh: Mesh): Array {
  const named = new Set(spec.names());
  // Mesh axes the spec leaves out promise replicated values: device 0's copy along them (as JAX).
  let x = o;
  for (let a = mesh.axisNames.length - 1; a >= 0; a--) {
    if (named.has(mesh.axisNames[a])) continue;
    const idx: (number | null)[] = mesh.axisNames.map(() => null);
    idx[a] = 0;
    x = x.slice(...idx.slice(0, a + 1));
  }
  const kept = mesh.axisNames.filter((m) => named.has(m));
  const block = x.shape.slice(kept.length);
  const perm: number[] = [];
  const shape: number[] = [];
  block.forEach((n, d) => {
    let parts = 1;
    for (const m of spec.namesAt(d)) {
      perm.push(kept.indexOf(m));
      parts *= mesh.axisSize(m);
    }
    perm.push(kept.length + d);
    shape.push(n * parts);
  });
  return reshapeTo(permute(x, perm), shape);
}

const cache = new WeakMap<ClosedJaxpr, Map<string, ClosedJaxpr>>();

/**
 * The shard_map as one jaxpr over its global inputs (no constants): nested vmaps over the mesh
 * axes, each named as its axis. Cached per body and layout.
 */
export function expandShardMap(p: ShardMapBody): ClosedJaxpr {
  const key = `${p.mesh}|${p.mesh.deviceList.map((d) => d.id)}|${p.in_specs.join(";")}|${p.out_specs.join(";")}`;
  let byKey = cache.get(p.jaxpr);
  if (!byKey) cache.set(p.jaxpr, (byKey = new Map()));
  let out = byKey.get(key);
  if (out) return out;
  const { mesh } = p;
  const inAvals = p.jaxpr.jaxpr.invars.map((v, i) => globalAval(v.aval, p.in_specs[i], mesh));
  const present = p.in_specs.map((s) => mesh.axisNames.map((m) => s.names().includes(m)));
  const mapAxes = (level: number, vals: Array[]): Array[] => {
    if (level === mesh.axisNames.length) return evalJaxpr(p.jaxpr.jaxpr, p.jaxpr.consts, vals);
    const size = mesh.axisSizes[level];
    const dims = vals.map((_, i) => (present[i][level] ? 0 : null));
    const [outs, odims] = batchFlat((...vs) => mapAxes(level + 1, vs), vals, dims, { size, name: mesh.axisNames[level], spmdName: null, devices: true });
    return outs.map((o, i) => bdimToFront(o, odims[i], size));
  };
  const { jaxpr, consts } = traceToJaxpr((...xs) => {
    const outs = mapAxes(0, xs.map((x, i) => meshMajor(x, p.in_specs[i], mesh)));
    return outs.map((o, i) => fromMeshMajor(o, p.out_specs[i], mesh));
  }, inAvals);
  out = new ClosedJaxpr(jaxpr, consts);
  byKey.set(key, out);
  return out;
}
