// Where a shard_map runs. Without devices that run programs of their own (this stage), it runs as
// one program over the whole arrays (shard_map_expand.ts: vmap over the mesh axes) on the mesh's
// first device, and each result is then laid out over the mesh by its out spec, so that its
// shards sit on their devices as JAX's do.

import { Array } from "../core/array.js";
import { getBackend } from "../core/backend.js";
import { NamedSharding } from "../core/sharding.js";
import { convertConstvars } from "../core/staging.js";
import { executeJaxpr } from "../core/trace.js";
import { ShardMapParams, setShardMapRunner } from "../transforms/shard_map.js";
import { expandShardMap } from "../transforms/shard_map_expand.js";
import { shardArray } from "./array.js";

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
  const outs = executeJaxpr(backend, convertConstvars(expanded.jaxpr), [...consts, ...args.map((a) => a.toConcrete()!)], undefined, `shard_map(${p.name})`, undefined, first.id);
  return outs.map((o, i) => {
    const laid = shardArray(o, new NamedSharding(p.mesh, p.out_specs[i]), getBackend);
    if (laid !== o) o.dispose();
    return laid;
  });
}

setShardMapRunner((args, p) => runAsOneProgram(args, p));

