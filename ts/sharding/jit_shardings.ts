// `jit(f, {inShardings, outShardings})`: arguments are checked against the shardings JAX would
// check them against (a committed argument laid out otherwise, a rank or size the sharding does
// not fit: JAX's errors), and results are laid out by outShardings. webjax computes a jitted
// function as one program (a shardMap inside runs on its devices, see run.ts), so inShardings
// say where arguments may come from rather than how the computation is partitioned; results equal
// the unsharded function's.

import { Array, ConcreteArray } from "../core/array.js";
import { getBackend } from "../core/backend.js";
import { ValueError, shapeStr } from "../core/errors.js";
import { NamedSharding, Sharding, SingleDeviceSharding } from "../core/sharding.js";
import { transfer } from "../core/trace.js";
import * as tree from "../core/tree.js";
import { ShardedArray, shardArray } from "./array.js";

const isSharding = (x: unknown): x is Sharding => x instanceof NamedSharding || x instanceof SingleDeviceSharding;
const shardingLeaf = (x: unknown) => isSharding(x) || x === null || x === undefined;

/** One sharding (or null: unspecified) per leaf of `full`, from a pytree prefix of them. */
export function shardingsFor(shardings: unknown, full: unknown, what: string): (Sharding | null)[] {
  if (shardingLeaf(shardings)) return tree.leaves(full).map(() => (shardings as Sharding | null) ?? null);
  for (const s of tree.leaves(shardings, shardingLeaf)) {
    if (!shardingLeaf(s)) throw new TypeError(`jit ${what} must be Shardings (jax.sharding.NamedSharding, SingleDeviceSharding) or null, or a pytree prefix of them; got ${String(s)}.`);
  }
  return tree.broadcastPrefix(shardings, full, `jit ${what}`, undefined, shardingLeaf).map((s: Sharding | null | undefined) => s ?? null);
}

/** IndivisibleError's text: a sharding that does not fit a shape. */
function fitError(s: NamedSharding, shape: readonly number[], path: string): ValueError | null {
  if (s.spec.length > shape.length) {
    return new ValueError(`One of pjit arguments with pytree key path ${path} is incompatible with its sharding annotation ${s}: Sharding ${s} is only valid for values of rank at least ${s.spec.length}, ` +
      `but was applied to a value of rank ${shape.length}. For scalars the PartitionSpec should be P()`);
  }
  const factors = shape.map((_, d) => (d < s.spec.length ? s.partsAt(d) : 1));
  const d = shape.findIndex((n, i) => n % factors[i] !== 0);
  if (d < 0) return null;
  return new ValueError(`Sharding ${s} implies that array axis ${d} is partitioned ${factors[d]} times, but the dimension size is ${shape[d]} ` +
    `(full shape: ${shapeStr(shape)}, per-dimension tiling factors: [${factors.join(", ")}] should evenly divide the shape)`);
}

/** JAX's checks of jit's arguments against its inShardings (one per flattened argument leaf). */
export function checkInShardings(shardings: (Sharding | null)[], leaves: unknown[]): void {
  leaves.forEach((l, i) => {
    const s = shardings[i];
    if (!s) return;
    if (s instanceof NamedSharding) {
      const e = fitError(s, l instanceof Array ? l.shape : [], `flat_args[${i}]`);
      if (e) throw e;
    }
    if (!(l instanceof Array)) return;
    const c = l.toConcrete();
    if (c && c.committed && !sameSharding(c, s)) {
      throw new ValueError(`Sharding passed to jit does not match the sharding on the respective arg. Got jit sharding: ${s},\narg sharding: ${c.sharding} for arg type: ${c.dtype}[${c.shape.join(",")}]`);
    }
  });
}

function sameSharding(x: ConcreteArray, s: Sharding): boolean {
  if (s instanceof SingleDeviceSharding) return !(x instanceof ShardedArray) && x.deviceId === s.device.id && x.backend.name === s.device.platform;
  const mine = x.sharding;
  return mine instanceof NamedSharding ? mine.equals(s, x.ndim) : (s as NamedSharding).mesh.size === 1 && (s as NamedSharding).mesh.deviceList[0].id === x.deviceId;
}

/**
 * Arguments committed to another layout, laid out by `shardings` for the call (pmap reshards
 * them, as JAX's does, where jit with inShardings raises); the others as they are.
 */
export function reshardCommitted(leaves: readonly unknown[], shardings: readonly (Sharding | null)[]): unknown[] {
  return leaves.map((l, i) => {
    const s = shardings[i];
    const c = l instanceof Array ? l.toConcrete() : null;
    if (!(s instanceof NamedSharding) || !c || !c.committed || sameSharding(c, s)) return l;
    const e = fitError(s, c.shape, `flat_args[${i}]`);
    if (e) throw e;
    return shardArray(c, s, getBackend);
  });
}

/** `x` laid out by `s` (a result of jit with outShardings); `x` itself when it is already so. */
export function layOut(x: Array, s: Sharding | null): Array {
  const c = x.toConcrete();
  if (!s || !c) return x;
  if (s instanceof NamedSharding) {
    const e = fitError(s, c.shape, "out");
    if (e) throw e;
    const out = shardArray(c, s, getBackend);
    if (out !== c) c.dispose();
    return out;
  }
  const d = (s as SingleDeviceSharding).device;
  if (!(c instanceof ShardedArray) && c.deviceId === d.id && c.backend.name === d.platform) {
    c.committed = true;
    return c;
  }
  const backend = getBackend(d.platform);
  const out = c instanceof ShardedArray ? new ConcreteArray(c.aval, backend, backend.put(c.readSync(), c.aval, d.id)) : transfer(c, backend, d.id);
  if (out !== c) c.dispose();
  out.committed = true;
  return out;
}
