// `jax.sharding`: Mesh, PartitionSpec (P), NamedSharding, SingleDeviceSharding, and
// `jax.makeMesh`. Each is callable with or without `new`, as users of both JAX and JS expect.

import { Device, listDevices } from "../core/backend.js";
import { ValueError } from "../core/errors.js";
import { declare, declareAs } from "../core/signature.js";
import {
  AxisType,
  DeviceGrid,
  Mesh as MeshClass,
  MeshAxisName,
  NamedSharding as NamedShardingClass,
  PartitionSpecClass,
  SingleDeviceSharding as SingleDeviceShardingClass,
  SpecEntry,
} from "../core/sharding.js";

export type { AxisType, DeviceGrid, MeshAxisName, Sharding, ShardIndex, SpecEntry } from "../core/sharding.js";
export type Mesh = MeshClass;
export type PartitionSpec = PartitionSpecClass;
export type NamedSharding = NamedShardingClass;
export type SingleDeviceSharding = SingleDeviceShardingClass;

/** A function that also constructs with `new`, and whose instances pass `instanceof` (as the class's). */
function constructible<C extends abstract new (...a: any[]) => any, A extends any[]>(cls: C, fn: (...a: A) => InstanceType<C>): { (...a: A): InstanceType<C>; new (...a: A): InstanceType<C> } {
  (fn as any).prototype = cls.prototype;
  return fn as any;
}

/** Options of `Mesh` and `makeMesh`. @example jax.sharding.Mesh(jax.devices().slice(0, 2), ["x"], {axisTypes: "Auto"}) */
export interface MeshOptions {
  axisTypes?: AxisType | readonly AxisType[];
}

/**
 * An n-d grid of devices with named axes (`jax.sharding.Mesh`): nested JS arrays of devices,
 * one level per axis name.
 * @example const mesh = jax.sharding.Mesh([[d[0], d[1]], [d[2], d[3]]], ["x", "y"])   // also with `new`
 */
export const Mesh: {
  /** A mesh of `devices` with one name per axis. @example jax.sharding.Mesh(jax.devices().slice(0, 2), ["x"]) */
  (devices: DeviceGrid | readonly Device[], axisNames: MeshAxisName | readonly MeshAxisName[], opts?: MeshOptions | AxisType | readonly AxisType[]): MeshClass;
  /** The same, with `new`. @example new jax.sharding.Mesh(jax.devices().slice(0, 2), ["x"]) */
  new (devices: DeviceGrid | readonly Device[], axisNames: MeshAxisName | readonly MeshAxisName[], opts?: MeshOptions | AxisType | readonly AxisType[]): MeshClass;
} = constructible(
  MeshClass,
  declare("jax.sharding.Mesh", "devices, axisNames, axisTypes?", "axisTypes", (devices: DeviceGrid | readonly Device[], axisNames: MeshAxisName | readonly MeshAxisName[], opts: MeshOptions) =>
    new MeshClass(devices, axisNames, opts)) as (devices: DeviceGrid | readonly Device[], axisNames: MeshAxisName | readonly MeshAxisName[], opts?: MeshOptions | AxisType | readonly AxisType[]) => MeshClass,
);

/**
 * Which mesh axes each array axis is split over (`jax.sharding.PartitionSpec`, also `P`): one
 * entry per leading array axis, a mesh axis name, an array of names (split over several, the
 * first major), or null (not split). Axes past the end are not split.
 * @example P("x")              // rows over mesh axis x
 * @example P(null, ["x", "y"]) // columns over x and y
 */
export const PartitionSpec: {
  /** A spec with one entry per leading array axis. @example P("x", null) */
  (...partitions: SpecEntry[]): PartitionSpecClass;
  /** The same, with `new`. @example new jax.sharding.PartitionSpec("x") */
  new (...partitions: SpecEntry[]): PartitionSpecClass;
} = constructible(
  PartitionSpecClass,
  declare("jax.sharding.PartitionSpec", "...partitions:data", "", (...partitions: SpecEntry[]) => new PartitionSpecClass(...partitions)) as (...partitions: SpecEntry[]) => PartitionSpecClass,
);

/** `PartitionSpec`'s short name, as `jax.P`. @example jax.sharding.NamedSharding(mesh, P("x")) */
export const P = PartitionSpec;

/**
 * An array laid out over a mesh by a PartitionSpec (`jax.sharding.NamedSharding`).
 * @example jax.devicePut(x, jax.sharding.NamedSharding(mesh, P("x")))
 */
export const NamedSharding: {
  /** `mesh` laid out by `spec`. @example jax.sharding.NamedSharding(mesh, P("x")) */
  (mesh: MeshClass, spec: PartitionSpecClass): NamedShardingClass;
  /** The same, with `new`. @example new jax.sharding.NamedSharding(mesh, P("x")) */
  new (mesh: MeshClass, spec: PartitionSpecClass): NamedShardingClass;
} = constructible(
  NamedShardingClass,
  declare("jax.sharding.NamedSharding", "mesh, spec", "", (mesh: MeshClass, spec: PartitionSpecClass) => new NamedShardingClass(mesh, spec)) as (mesh: MeshClass, spec: PartitionSpecClass) => NamedShardingClass,
);

/** One device holds the whole array (`x.sharding` of an unsharded array). @example jax.sharding.SingleDeviceSharding(jax.devices()[1]) */
export const SingleDeviceSharding: {
  /** The whole array on `device`. @example jax.sharding.SingleDeviceSharding(jax.devices()[0]) */
  (device: Device): SingleDeviceShardingClass;
  /** The same, with `new`. @example new jax.sharding.SingleDeviceSharding(jax.devices()[0]) */
  new (device: Device): SingleDeviceShardingClass;
} = constructible(
  SingleDeviceShardingClass,
  declare("jax.sharding.SingleDeviceSharding", "device", "", (device: Device) => {
    if (!(device instanceof Device)) throw new TypeError(`SingleDeviceSharding takes a Device (jax.devices()[i]); got ${String(device)}.`);
    return new SingleDeviceShardingClass(device);
  }) as (device: Device) => SingleDeviceShardingClass,
);

/** Options of `makeMesh`. @example jax.makeMesh([2], ["x"], {devices: [d[2], d[3]]}) */
export interface MakeMeshOptions extends MeshOptions {
  devices?: readonly Device[];
}

function makeMeshImpl(axisShapes: readonly number[], axisNames: readonly MeshAxisName[], opts: MakeMeshOptions): MeshClass {
  if (!globalThis.Array.isArray(axisShapes) || !axisShapes.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new TypeError(`jax.makeMesh: axisShapes must be a JS array of positive ints; got ${String(axisShapes)}.`);
  }
  const names = typeof axisNames === "string" ? [axisNames] : [...axisNames];
  if (names.length !== axisShapes.length) {
    throw new ValueError(`jax.makeMesh: ${axisShapes.length} axis shapes but ${names.length} axis names; give one name per axis.`);
  }
  const devices = opts.devices ? [...opts.devices] : listDevices();
  const n = axisShapes.reduce((a, b) => a * b, 1);
  if (devices.length < n) {
    throw new ValueError(`Number of devices ${devices.length} must be >= the product of mesh_shape (${axisShapes.join(", ")}${axisShapes.length === 1 ? "," : ""})` +
      (opts.devices ? "" : `. Start more with jax.init({devices: ${n}}).`));
  }
  const grid = (axis: number, offset: number): DeviceGrid =>
    axis === axisShapes.length ? devices[offset] : globalThis.Array.from({ length: axisShapes[axis] }, (_, i) => grid(axis + 1, offset * axisShapes[axis] + i));
  // JAX 0.10's make_mesh makes Explicit axes.
  return new MeshClass(grid(0, 0), names, { axisTypes: opts.axisTypes ?? "Explicit" });
}

/**
 * A mesh of the first devices in the given shape (`jax.make_mesh`).
 * @example const mesh = jax.makeMesh([2, 4], ["x", "y"])   // 8 devices
 */
export const makeMesh: (axisShapes: readonly number[], axisNames: readonly MeshAxisName[], opts?: MakeMeshOptions | AxisType | readonly AxisType[]) => MeshClass =
  declareAs("jax.makeMesh", "axisShapes, axisNames, axisTypes?", "axisTypes devices", makeMeshImpl);
