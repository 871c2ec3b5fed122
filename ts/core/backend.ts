// The contract between the core and the backends that hold array data and run programs.
// Backends see jaxprs (the cpu interpreter) or the program lowered from them (ts/compiler), which
// each encodes its own way (wasm bytecode, WGSL dispatches).

import type { ShapedArray } from "./aval.js";
import type { TypedArray } from "./dtype.js";
import type { Jaxpr } from "./jaxpr.js";
import type { MemoryPool, MemoryStats } from "./memory.js";

export type BackendName = "cpu" | "wasm" | "webgpu";

/** An opaque handle to array data owned by a backend (a DeviceBuffer where the backend has device memory). */
export type Buffer = unknown;

export interface Backend {
  readonly name: BackendName;
  /** The owner of the device's memory, or null where arrays live in JS memory (cpu). */
  readonly memory: MemoryPool | null;
  /** Whether `readSync` works (false: values come back only asynchronously, as on WebGPU). */
  readonly syncReads: boolean;
  /** Copies host data into a new buffer (the data is not retained). */
  put(data: TypedArray, aval: ShapedArray): Buffer;
  readSync(buf: Buffer, aval: ShapedArray): TypedArray;
  read(buf: Buffer, aval: ShapedArray): Promise<TypedArray>;
  free(buf: Buffer): void;
  /**
   * Runs a jaxpr (constvars first, then invars) on buffers of this backend, in one call.
   * A backend may write an output into a `donated` argument's buffer: it then returns that
   * same buffer, and the caller must not free it.
   */
  execute(jaxpr: Jaxpr, args: Buffer[], donated?: readonly boolean[]): Buffer[];
  /** Buffers allocated and not yet freed (on the device, where it has memory of its own), for leak tests. */
  liveBuffers(): number;
  /** Resolves when everything dispatched so far has finished. */
  synchronize(): Promise<void>;
}

/** A device as `jax.devices()` lists it. */
export class Device {
  constructor(readonly platform: BackendName, readonly id: number) {}
  get deviceKind(): string {
    return this.platform;
  }
  /**
   * What the device's memory holds, as JAX's `Device.memory_stats()` (null for cpu, whose
   * arrays are JS memory).
   * @example jax.devices()[0].memoryStats()?.bytesInUse
   */
  memoryStats(): MemoryStats | null {
    return getBackend(this.platform).memory?.stats() ?? null;
  }
  toString(): string {
    return `${this.platform}:${this.id}`;
  }
}

const backends = new Map<BackendName, Backend>();
const devices = new Map<BackendName, Device>();
let defaultName: BackendName = "cpu";

export function registerBackend(b: Backend, makeDefault = false): void {
  backends.set(b.name, b);
  devices.set(b.name, new Device(b.name, 0));
  if (makeDefault) defaultName = b.name;
}

export function getBackend(name?: BackendName | string | null): Backend {
  const b = backends.get((name ?? defaultName) as BackendName);
  if (!b) {
    throw new Error(`Backend '${name}' is not initialised. Available: ${[...backends.keys()].join(", ")}. Call await jax.init() first.`);
  }
  return b;
}

export function deviceOf(b: Backend): Device {
  return devices.get(b.name)!;
}

/** `jax.defaultBackend()`: the name of the backend new arrays and computations use. */
export function defaultBackend(): BackendName {
  return defaultName;
}

/** `jax.setDefaultBackend(name)`. */
export function setDefaultBackend(name: BackendName): void {
  getBackend(name);
  defaultName = name;
}

/**
 * `jax.devices(backend?)`: the devices of a backend, by default the default backend's (as JAX).
 * @example jax.devices()          // [wasm:0] after init
 * @example jax.devices("cpu")     // [cpu:0]
 */
export function listDevices(backend?: BackendName): Device[] {
  return [deviceOf(getBackend(backend))];
}

export function registeredBackends(): BackendName[] {
  return [...backends.keys()];
}
