// Arrays laid out over several devices by a NamedSharding (pmap and shardMap results,
// `devicePut(x, sharding)`). The shards are the truth: each is an ordinary array on its device,
// owned through that device's memory owner, so it can be read, moved and freed like any other;
// a computation that takes the shards as they are (shardMap, pmap) reads them in place. Used
// whole by an ordinary operation, the array is assembled once into one buffer on its first
// device (kept until the array is disposed); read, it is assembled on the host.

import { ConcreteArray, Shard, trackInTidy } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { Backend, Buffer, deviceOf } from "../core/backend.js";
import { DType, TypedArray, allocHost } from "../core/dtype.js";
import { Jaxpr, JaxprEqn, Var } from "../core/jaxpr.js";
import { NamedSharding, ShardIndex } from "../core/sharding.js";
import { slice } from "../primitives/indexing.js";

/** Host elements per array element (complex64 is two float32s). */
const width = (d: DType) => (d === "complex64" ? 2 : 1);

export class ShardedArray extends ConcreteArray {
  #whole: ConcreteArray | null = null;

  constructor(
    aval: ShapedArray,
    readonly namedSharding: NamedSharding,
    /** One per device of the mesh, in the mesh's device order (replicated parts are copies). */
    readonly shards: readonly ConcreteArray[],
  ) {
    super(aval, shards[0].backend, null as Buffer, false, true, shards[0].deviceId);
    trackInTidy(this);
  }

  /** JAX's `x.device` of an array on several devices: its sharding (each shard's `.device` names one). */
  override get device(): any {
    return this.namedSharding;
  }

  override get sharding(): NamedSharding {
    return this.namedSharding;
  }

  override get addressableShards(): Shard[] {
    const s = this.namedSharding;
    return this.shards.map((data, p) => new Shard(s.mesh.deviceList[p], s.indexAt(p, this.shape), s.replicaAt(p), data));
  }

  /** The whole array in one buffer on the first device (assembled on first use, then kept). */
  override get buffer(): Buffer {
    if (this.isDeleted) throw new Error(`This array (${this.aval.str()}) was disposed and can no longer be used. Do not use an array after dispose().`);
    if (!this.#whole || this.#whole.isDeleted) {
      this.#whole = new ConcreteArray(this.aval, this.backend, this.backend.put(this.readSync(), this.aval, this.deviceId));
    }
    return this.#whole.buffer;
  }

  override rewatch(): void {
    this.#whole?.rewatch();
  }

  override get isDeleted(): boolean {
    return this.shards.some((s) => s.isDeleted);
  }

  override get isPinned(): boolean {
    return false;
  }

  override readSync(): TypedArray {
    return assemble(this.aval, this.namedSharding, this.shards.map((s) => s.readSync()));
  }

  override async read(): Promise<TypedArray> {
    const parts = await Promise.all(this.shards.map((s, p) => (this.namedSharding.replicaAt(p) === 0 ? s.read() : null)));
    return assemble(this.aval, this.namedSharding, parts);
  }

  override release(why: "disposed" | "donated", free: boolean): void {
    for (const s of this.shards) s.release(why, free);
    this.#whole?.release(why, free);
    this.#whole = null;
  }

  override parts(): ConcreteArray[] {
    return [this, ...this.shards, ...(this.#whole ? [this.#whole] : [])];
  }
}

/** The whole array from its shards' data (replica 0 of each block), on the host. */
function assemble(aval: ShapedArray, sharding: NamedSharding, parts: (TypedArray | null)[]): TypedArray {
  const out = allocHost(aval.dtype, aval.size);
  const block = sharding.shardShape(aval.shape);
  const w = width(aval.dtype);
  parts.forEach((data, p) => {
    if (data && sharding.replicaAt(p) === 0) copyBlock(out, aval.shape, data, block, sharding.indexAt(p, aval.shape).map((i) => i?.[0] ?? 0), w);
  });
  return out;
}

/** Writes a row-major block of shape `block` into `dst` (shape `shape`) at `offset`. */
function copyBlock(dst: TypedArray, shape: readonly number[], src: TypedArray, block: readonly number[], offset: readonly number[], w: number): void {
  const n = shape.length;
  if (n === 0) {
    dst.set(src.subarray(0, w));
    return;
  }
  const strides = new globalThis.Array<number>(n);
  strides[n - 1] = w;
  for (let d = n - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
  const row = block[n - 1] * w;
  const rows = block.slice(0, n - 1).reduce((a, b) => a * b, 1);
  const c = new globalThis.Array<number>(n - 1).fill(0);
  for (let r = 0; r < rows; r++) {
    let at = offset[n - 1] * w;
    for (let d = 0; d < n - 1; d++) at += (offset[d] + c[d]) * strides[d];
    dst.set(src.subarray(r * row, (r + 1) * row), at);
    for (let d = n - 2; d >= 0 && ++c[d] === block[d]; d--) c[d] = 0;
  }
}

// One cached slice program per (input type, index): it runs on each shard's device.
const slicePrograms = new Map<string, Jaxpr>();

function sliceProgram(aval: ShapedArray, index: ShardIndex): Jaxpr {
  const key = `${aval.key()}|${JSON.stringify(index)}`;
  let j = slicePrograms.get(key);
  if (!j) {
    const start = index.map((i) => i?.[0] ?? 0);
    const limit = index.map((i, d) => i?.[1] ?? aval.shape[d]);
    const params = { start_indices: start, limit_indices: limit, strides: null };
    const [out] = slice.rules.abstractEval([aval], params);
    const x = new Var(aval), y = new Var(out);
    j = new Jaxpr([], [x], [new JaxprEqn(slice, [x], params, [y])], [y]);
    if (slicePrograms.size > 4096) slicePrograms.clear();
    slicePrograms.set(key, j);
  }
  return j;
}

/**
 * The shard of `x` that device `position` of `sharding`'s mesh holds, computed on that device
 * (`x` may be on any device of the same backend: they share memory).
 */
export function shardOf(x: ConcreteArray, sharding: NamedSharding, position: number): ConcreteArray {
  const dev = sharding.mesh.deviceList[position];
  const index = sharding.indexAt(position, x.shape);
  const backend = x.backend;
  const [buf] = backend.execute(sliceProgram(x.aval, index), [x.buffer], undefined, dev.id);
  x.rewatch();
  const out = new ConcreteArray(new ShapedArray(sharding.shardShape(x.shape), x.dtype, x.weakType), backend, buf);
  out.committed = true;
  return out;
}

/** `x` laid out by `sharding` (`jax.devicePut(x, sharding)`): one shard per mesh device. */
export function shardArray(x: ConcreteArray, sharding: NamedSharding, backendOf: (name: string) => Backend): ShardedArray {
  sharding.check(x.shape);
  if (x instanceof ShardedArray && x.namedSharding.equals(sharding, x.ndim)) return x;
  const backend = backendOf(sharding.mesh.deviceList[0].platform);
  const src = x.backend === backend ? x : new ConcreteArray(x.aval, backend, backend.put(x.readSync(), x.aval, sharding.mesh.deviceList[0].id));
  try {
    return new ShardedArray(x.aval, sharding, sharding.mesh.deviceList.map((_, p) => shardOf(src, sharding, p)));
  } finally {
    if (src !== x) src.dispose();
  }
}

/** Wraps per-device results (one per mesh device, in mesh order) as one array laid out by `sharding`. */
export function fromShards(aval: ShapedArray, sharding: NamedSharding, shards: ConcreteArray[]): ShardedArray {
  for (const s of shards) s.committed = true;
  return new ShardedArray(aval, sharding, shards);
}

/** The device a sharded array's shard is on, for messages. */
export const shardDevice = (s: ConcreteArray) => deviceOf(s.backend, s.deviceId);
