// How an array is laid out over devices, as JAX says it: a Mesh (devices in an n-d grid with
// named axes), a PartitionSpec (which mesh axes each array axis is split over) and a
// NamedSharding (the two together). Pure metadata: the shards themselves live in
// ts/sharding/array.ts.

import { prod } from "./aval.js";
import { Device } from "./backend.js";
import { ValueError, shapeStr } from "./errors.js";

/** A mesh axis's name, as collectives and PartitionSpecs name it. @example const name: MeshAxisName = "x" */
export type MeshAxisName = string;
/**
 * How a mesh axis is partitioned (JAX's `AxisType`): webjax prints all three and acts on every
 * axis as `Auto`. @example jax.makeMesh([2], ["x"], {axisTypes: "Auto"})
 */
export type AxisType = "Auto" | "Explicit" | "Manual";

/** Nested JS arrays of devices, one level per mesh axis. */
export type DeviceGrid = Device | readonly DeviceGrid[];

/** JAX's text for a Python string or tuple of them. */
const pyName = (n: string) => `'${n}'`;
const pyTuple = (xs: string[]) => `(${xs.join(", ")}${xs.length === 1 ? "," : ""})`;

/**
 * An n-d grid of devices with a name for each axis (`jax.sharding.Mesh`).
 * @example new jax.sharding.Mesh([[d0, d1], [d2, d3]], ["x", "y"])
 */
export class Mesh {
  readonly axisNames: readonly MeshAxisName[];
  readonly axisSizes: readonly number[];
  readonly axisTypes: readonly AxisType[];
  /** The devices in row-major order of the grid (a device's position is its flat index). */
  readonly deviceList: readonly Device[];

  constructor(devices: DeviceGrid | readonly Device[], axisNames: MeshAxisName | readonly MeshAxisName[], opts: { axisTypes?: AxisType | readonly AxisType[] } = {}) {
    const names = typeof axisNames === "string" ? [axisNames] : [...axisNames];
    const shape: number[] = [];
    for (let level: unknown = devices; globalThis.Array.isArray(level); level = level[0]) shape.push(level.length);
    if (shape.length !== names.length) {
      throw new ValueError(
        "Mesh requires the ndim of its first argument (`devices`) to equal the length of its second argument (`axis_names`), " +
          `but got devices.ndim == ${shape.length} and len(axis_names) == ${names.length}.`,
      );
    }
    const flat: Device[] = [];
    const walk = (x: unknown, depth: number) => {
      if (depth === shape.length) {
        if (!(x instanceof Device)) throw new TypeError(`Mesh: devices must be Devices (jax.devices()) in nested JS arrays; got ${String(x)}.`);
        flat.push(x);
        return;
      }
      if (!globalThis.Array.isArray(x) || x.length !== shape[depth]) throw new ValueError(`Mesh: the devices grid is ragged (expected ${shape[depth]} entries at depth ${depth}).`);
      x.forEach((c) => walk(c, depth + 1));
    };
    walk(devices, 0);
    if (new Set(names).size !== names.length) throw new ValueError(`Mesh axis names must be unique; got ${pyTuple(names.map(pyName))}.`);
    if (!flat.length) throw new ValueError("Mesh: the devices grid is empty.");
    const types = opts.axisTypes === undefined ? names.map((): AxisType => "Auto") : typeof opts.axisTypes === "string" ? names.map(() => opts.axisTypes as AxisType) : [...opts.axisTypes];
    if (types.length !== names.length) throw new ValueError(`Mesh: ${types.length} axis types for ${names.length} axis names.`);
    this.axisNames = names;
    this.axisSizes = shape;
    this.axisTypes = types;
    this.deviceList = flat;
  }

  /** `{axisName: size}` in axis order (JAX's `mesh.shape`). */
  get shape(): Record<MeshAxisName, number> {
    return Object.fromEntries(this.axisNames.map((n, i) => [n, this.axisSizes[i]]));
  }
  get size(): number {
    return this.deviceList.length;
  }
  /** The devices as nested JS arrays (JAX's `mesh.devices`). */
  get devices(): DeviceGrid {
    const build = (axis: number, offset: number): DeviceGrid =>
      axis === this.axisSizes.length
        ? this.deviceList[offset]
        : globalThis.Array.from({ length: this.axisSizes[axis] }, (_, i) => build(axis + 1, offset * this.axisSizes[axis] + i));
    return build(0, 0);
  }
  /** The size of a named axis. */
  axisSize(name: MeshAxisName): number {
    const k = this.axisNames.indexOf(name);
    if (k < 0) throw new ValueError(`Resource axis: ${name} is not found in mesh: ${pyTuple(this.axisNames.map(pyName))}.`);
    return this.axisSizes[k];
  }
  /** A device's coordinate along each axis, from its flat position. */
  coords(position: number): number[] {
    const c = new globalThis.Array<number>(this.axisSizes.length);
    for (let a = this.axisSizes.length - 1; a >= 0; a--) {
      c[a] = position % this.axisSizes[a];
      position = Math.floor(position / this.axisSizes[a]);
    }
    return c;
  }
  equals(o: Mesh): boolean {
    return this === o || (sameList(this.axisNames, o.axisNames) && sameList(this.deviceList, o.deviceList) && sameList(this.axisSizes, o.axisSizes));
  }
  toString(): string {
    return `Mesh(${this.axisNames.map((n, i) => `${pyName(n)}: ${this.axisSizes[i]}`).join(", ")}, axis_types=${pyTuple([...this.axisTypes])})`;
  }
}

const sameList = <T>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** One entry of a PartitionSpec: no axis (replicated), one mesh axis, or several (major first). */
export type SpecEntry = MeshAxisName | readonly MeshAxisName[] | null;

/**
 * Which mesh axes each array axis is split over (`jax.sharding.PartitionSpec`, also `P`);
 * axes past its length, and mesh axes it does not name, are replicated.
 * @example P("x", null)          // rows split over mesh axis x, columns whole
 * @example P(["x", "y"])         // rows split over x and y together (x major)
 */
export class PartitionSpecClass {
  readonly partitions: readonly SpecEntry[];
  constructor(...partitions: SpecEntry[]) {
    for (const p of partitions) {
      const ok = p === null || typeof p === "string" || (globalThis.Array.isArray(p) && p.every((n) => typeof n === "string"));
      if (!ok) throw new TypeError(`PartitionSpec entries are mesh axis names, arrays of them, or null; got ${String(p)}.`);
    }
    this.partitions = partitions.map((p) => (globalThis.Array.isArray(p) ? (p.length === 1 ? p[0] : [...p]) : p) as SpecEntry);
  }
  get length(): number {
    return this.partitions.length;
  }
  /** The mesh axes of array axis `d` (none past the spec's end). */
  namesAt(d: number): MeshAxisName[] {
    const p = this.partitions[d];
    return p === null || p === undefined ? [] : typeof p === "string" ? [p] : [...p];
  }
  /** Every mesh axis the spec names. */
  names(): MeshAxisName[] {
    return this.partitions.flatMap((_, d) => this.namesAt(d));
  }
  equals(o: PartitionSpecClass, ndim?: number): boolean {
    const n = Math.max(this.length, o.length, ndim ?? 0);
    for (let d = 0; d < n; d++) if (!sameList(this.namesAt(d), o.namesAt(d))) return false;
    return true;
  }
  toString(): string {
    const entry = (p: SpecEntry) => (p === null ? "None" : typeof p === "string" ? pyName(p) : pyTuple(p.map(pyName)));
    return `P(${this.partitions.map(entry).join(", ")}${this.partitions.length === 1 ? "," : ""})`;
  }
}

/** A slice of one array axis held by a shard: `[start, stop]`, or null for the whole axis. */
export type ShardIndex = ([number, number] | null)[];

/** How an array is laid out over devices. */
export interface Sharding {
  /** The devices that hold a copy of some part of the array. */
  readonly deviceSet: readonly Device[];
  /** For each device, the part of an array of `shape` it holds. */
  devicesIndicesMap(shape: readonly number[]): Map<Device, ShardIndex>;
  /** The shape of each shard of an array of `shape`. */
  shardShape(shape: readonly number[]): number[];
  readonly isFullyReplicated: boolean;
  /** JAX's repr. @example String(x.sharding)   // "SingleDeviceSharding(device=wasm:0, memory_kind=device)" */
  toString(): string;
}

/**
 * An array on one device (JAX's SingleDeviceSharding): what `x.sharding` is for an array that
 * is not sharded.
 */
export class SingleDeviceSharding implements Sharding {
  constructor(readonly device: Device) {}
  get deviceSet(): Device[] {
    return [this.device];
  }
  devicesIndicesMap(shape: readonly number[]): Map<Device, ShardIndex> {
    return new Map([[this.device, shape.map(() => null)]]);
  }
  shardShape(shape: readonly number[]): number[] {
    return [...shape];
  }
  get isFullyReplicated(): boolean {
    return true;
  }
  toString(): string {
    return `SingleDeviceSharding(device=${this.device}, memory_kind=device)`;
  }
}

/**
 * An array split over a mesh by a PartitionSpec (`jax.sharding.NamedSharding`).
 * @example jax.devicePut(x, new jax.sharding.NamedSharding(mesh, P("x")))
 */
export class NamedSharding implements Sharding {
  constructor(
    readonly mesh: Mesh,
    readonly spec: PartitionSpecClass,
  ) {
    if (!(mesh instanceof Mesh)) throw new TypeError(`NamedSharding takes a Mesh (jax.sharding.Mesh or jax.makeMesh); got ${String(mesh)}.`);
    if (!(spec instanceof PartitionSpecClass)) throw new TypeError(`NamedSharding takes a PartitionSpec (jax.sharding.PartitionSpec or P); got ${String(spec)}.`);
    const seen = new Set<string>();
    for (const n of spec.names()) {
      if (!mesh.axisNames.includes(n)) throw new ValueError(`Resource axis: ${n} of ${spec} is not found in mesh: ${pyTuple(mesh.axisNames.map(pyName))}.`);
      if (seen.has(n)) {
        throw new ValueError(`A single NamedSharding spec specification can map every mesh axis to at most one positional dimension, but ${spec} has duplicate entries for \`${n}\``);
      }
      seen.add(n);
    }
  }
  get deviceSet(): Device[] {
    return [...this.mesh.deviceList];
  }
  get isFullyReplicated(): boolean {
    return this.spec.names().every((n) => this.mesh.axisSize(n) === 1);
  }
  /** How many pieces array axis `d` is split into. */
  partsAt(d: number): number {
    return prod(this.spec.namesAt(d).map((n) => this.mesh.axisSize(n)));
  }
  /** JAX's errors for a spec that does not fit an array of `shape`. */
  check(shape: readonly number[]): void {
    if (this.spec.length > shape.length) {
      throw new ValueError(`${this} has ${this.spec.length} entries but the array of shape ${shapeStr(shape)} has rank ${shape.length}: a PartitionSpec can name at most one entry per array axis.`);
    }
    for (let d = 0; d < this.spec.length; d++) {
      const parts = this.partsAt(d);
      if (shape[d] % parts !== 0) {
        const names = this.spec.namesAt(d);
        throw new ValueError(`Sharding spec ${pyTuple(names.map(pyName))} implies that array axis ${d} is partitioned ${parts} times, but does not evenly divide the dimension size ${shape[d]}. ` +
          `Got shape: ${shapeStr(shape)} and sharding ${this}`);
      }
    }
  }
  shardShape(shape: readonly number[]): number[] {
    this.check(shape);
    return shape.map((n, d) => n / this.partsAt(d));
  }
  /** Which block of array axis `d` the device at mesh position `position` holds. */
  blockAt(position: number, d: number): number {
    const coords = this.mesh.coords(position);
    let b = 0;
    for (const n of this.spec.namesAt(d)) {
      const a = this.mesh.axisNames.indexOf(n);
      b = b * this.mesh.axisSizes[a] + coords[a];
    }
    return b;
  }
  /** The part of an array of `shape` that the device at mesh position `position` holds. */
  indexAt(position: number, shape: readonly number[]): ShardIndex {
    const block = this.shardShape(shape);
    return shape.map((_, d) => (d < this.spec.length && this.partsAt(d) > 1 ? [this.blockAt(position, d) * block[d], (this.blockAt(position, d) + 1) * block[d]] : null));
  }
  /** Which copy of its block the device at `position` holds (0 ... copies-1, over the mesh axes the spec leaves out). */
  replicaAt(position: number): number {
    const used = new Set(this.spec.names());
    const coords = this.mesh.coords(position);
    let r = 0;
    this.mesh.axisNames.forEach((n, a) => {
      if (!used.has(n)) r = r * this.mesh.axisSizes[a] + coords[a];
    });
    return r;
  }
  devicesIndicesMap(shape: readonly number[]): Map<Device, ShardIndex> {
    return new Map(this.mesh.deviceList.map((dev, p) => [dev, this.indexAt(p, shape)]));
  }
  equals(o: unknown, ndim?: number): boolean {
    return o instanceof NamedSharding && this.mesh.equals(o.mesh) && this.spec.equals(o.spec, ndim);
  }
  toString(): string {
    return `NamedSharding(mesh=${this.mesh}, spec=${this.spec}, memory_kind=device)`;
  }
}
