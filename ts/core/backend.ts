// The contract between the core and the backends that hold array data and run programs.
// Backends see jaxprs (the cpu interpreter) or the bytecode compiled from them (wasm, webgpu).

import type { ShapedArray } from "./aval.js";
import type { TypedArray } from "./dtype.js";
import type { Jaxpr } from "./jaxpr.js";
import type { MemoryPool, MemoryStats } from "./memory.js";

/** The backends: `cpu` (the float64 reference interpreter), `wasm` (the C++ core), `webgpu`. @example jax.defaultBackend()   // "wasm" */
export type BackendName = "cpu" | "wasm" | "webgpu";

/** An opaque handle to array data owned by a backend (a DeviceBuffer where the backend has device memory). */
export type Buffer = unknown;

export interface Backend {
  readonly name: BackendName;
  /** The owner of the device's memory, or null where arrays live in JS memory (cpu). */
  readonly memory: MemoryPool | null;
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

/**
 * A device as `jax.devices()` lists it.
 * @example jax.devices()[0]   // wasm:0 ({platform: "wasm", id: 0})
 */
export class Device {
  constructor(readonly platform: BackendName, readonly id: number) {}
  /** JAX's `device_kind`: the platform name. @example jax.devices()[0].deviceKind   // "wasm" */
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
  /** `platform:id`. @example String(jax.devices("cpu")[0])   // "cpu:0" */
  toString(): string {
    return `${this.platform}:${this.id}`;
  }
}

const backends = new Map<BackendName, Backend>();
const devices = new Map<BackendName, Device>();
let defaultName: BackendName = "cpu";
// Runs once, at the first use of the default backend, unless `jax.init` came first (init.ts
// starts the fast backend there, or says once that the reference interpreter runs instead).
let firstUse: (() => void) | null = null;

/** Installs (or, with null, cancels) what the first use of the default backend does first. */
export function onFirstUse(fn: (() => void) | null): void {
  firstUse = fn;
}

function firstUseNow(): void {
  const fn = firstUse;
  firstUse = null;
  fn?.();
}

export function registerBackend(b: Backend, makeDefault = false): void {
  backends.set(b.name, b);
  devices.set(b.name, new Device(b.name, 0));
  if (makeDefault) defaultName = b.name;
}

export function getBackend(name?: BackendName | string | null): Backend {
  if (firstUse && (name == null || name === "wasm")) firstUseNow();
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
  if (firstUse) firstUseNow();
  return defaultName;
}

/** `jax.setDefaultBackend(name)`. */
export function setDefaultBackend(name: BackendName): void {
  firstUse = null; // the user chose: no automatic start overrides it
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
