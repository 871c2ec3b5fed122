// Where a shard_map runs. On devices that run programs of their own (the wasm backend's worker
// devices, cross-origin isolated), its body runs on every device of the mesh at once, each on
// its own blocks, which are the arguments' shards where they are laid out so already; the
// results are the devices' outputs, shards of arrays laid out by the out specs. Otherwise (no
// isolation, no workers, a collective the devices cannot run) it runs as one program over the
// whole arrays (shard_map_expand.ts: vmap over the mesh axes) on the mesh's first device, and
// each result is then laid out over the mesh: the same values, and shards where JAX's are.

import { Array, ConcreteArray } from "../core/array.js";
import { getBackend } from "../core/backend.js";
import { NamedSharding } from "../core/sharding.js";
import { convertConstvars } from "../core/staging.js";
import { executeJaxpr, transfer } from "../core/trace.js";
import { ShardMapParams, setShardMapRunner } from "../transforms/shard_map.js";
import { expandShardMap, globalAval } from "../transforms/shard_map_expand.js";
import { ShardedArray, fromShards, shardArray } from "./array.js";

let noticed = false;
/** Once per runtime: where devices cannot run in parallel, say so and why. */
function noticeSerial(reason: string): void {
  if (noticed) return;
  noticed = true;
  console.info(`webjax: pmap and shardMap run on the calling thread, as vmap over the devices' shards (the same results, one device at a time): ${reason}.`);
}

/** Runs a shard_map as one program on its mesh's first device, then lays the results out over the mesh. */
export function runAsOneProgram(args: Array[], p: ShardMapParams): Array[] {
  const first = p.mesh.deviceList[0];
  const backend = getBackend(first.platform);
  const why = p.mesh.size > 1 ? backend.whyDevicesSerial?.() : undefined;
  if (why) noticeSerial(why);
  const expanded = expandShardMap(p);
  const consts = expanded.consts.map((c) => c.toConcrete()!);
  const outs = executeJaxpr(convertConstvars(expanded.jaxpr), [...consts, ...args.map((a) => a.toConcrete()!)], { backend, what: `shard_map(${p.name})`, on: first.id });
  return outs.map((o, i) => {
    const laid = shardArray(o, new NamedSharding(p.mesh, p.out_specs[i]), getBackend);
    if (laid !== o) o.dispose();
    return laid;
  });
}

/** Runs a shard_map on its mesh's devices at once; null where they cannot here. */
export function runOnDevices(args: Array[], p: ShardMapParams): Array[] | null {
  const { mesh } = p;
  const first = mesh.deviceList[0];
  const backend = getBackend(first.platform);
  if (!backend.runOnDevices || mesh.deviceList.some((d) => d.platform !== backend.name)) return null;
  const temporaries: ConcreteArray[] = [];
  try {
    const blocks: ConcreteArray[][] = mesh.deviceList.map(() => []);
    args.forEach((a, i) => {
      let c = a.toConcrete()!;
      if (c.backend !== backend) temporaries.push((c = transfer(c, backend, first.id)));
      const sharding = new NamedSharding(mesh, p.in_specs[i]);
      let parts: readonly ConcreteArray[];
      if (c instanceof ShardedArray && c.namedSharding.equals(sharding, c.ndim)) parts = c.shards;
      else if (!p.in_specs[i].names().length) parts = mesh.deviceList.map(() => c); // every device reads the one copy
      else {
        const laid = shardArray(c, sharding, getBackend);
        temporaries.push(laid);
        parts = laid.shards;
      }
      parts.forEach((s, pos) => blocks[pos].push(s));
    });
    const outs = backend.runOnDevices(p.jaxpr.jaxpr, { names: mesh.axisNames, sizes: mesh.axisSizes, deviceIds: mesh.deviceList.map((d) => d.id) }, blocks.map((b) => b.map((x) => x.buffer)));
    for (const list of blocks) for (const x of list) x.rewatch();
    if (!outs) return null;
    return p.jaxpr.jaxpr.outvars.map((v, k) => {
      const shards = outs.map((o) => new ConcreteArray(v.aval, backend, o[k]));
      return fromShards(globalAval(v.aval, p.out_specs[k], mesh), new NamedSharding(mesh, p.out_specs[k]), shards);
    });
  } finally {
    for (const t of temporaries) t.dispose();
  }
}

setShardMapRunner((args, p) => runOnDevices(args, p) ?? runAsOneProgram(args, p));

