// The contract between the core and the backends that hold array data and run programs.
// Backends see jaxprs (the cpu interpreter) or the program lowered from them (ts/compiler), which
// each encodes its own way (wasm bytecode, WGSL dispatches).

import type { ShapedArray } from "./aval.js";
import type { TypedArray } from "./dtype.js";
import type { Jaxpr } from "./jaxpr.js";
import type { MemoryPool, MemoryStats } from "./memory.js";

/** The backends: `cpu` (the float64 reference interpreter), `wasm` (the C++ core), `webgpu`. @example jax.defaultBackend()   // "wasm" */
export type BackendName = "cpu" | "wasm" | "webgpu";

/** A mesh as a backend runs programs on it: axis names and sizes, and each position's device. */
export interface DeviceMesh {
  names: readonly unknown[];
  sizes: readonly number[];
  deviceIds: readonly number[];
}

/** An opaque handle to array data owned by a backend (a DeviceBuffer where the backend has device memory). */
export type Buffer = unknown;

export interface Backend {
  readonly name: BackendName;
  /** The owner of device 0's memory, or null where arrays live in JS memory (cpu). */
  readonly memory: MemoryPool | null;
  /** How many devices the backend has (`jax.init({devices})`); 1 when it does not say. */
  readonly deviceCount?: number;
  /** The memory owner of device `id` (null where arrays live in JS memory). */
  memoryOf?(id: number): MemoryPool | null;
  /** Whether `readSync` works (false: values come back only asynchronously, as on WebGPU). */
  readonly syncReads: boolean;
  /** Copies host data into a new buffer on device `device` (default 0); the data is not retained. */
  put(data: TypedArray, aval: ShapedArray, device?: number): Buffer;
  /**
   * Why this backend's devices cannot run programs in parallel here (no cross-origin isolation,
   * no workers), or undefined when they can (or it has one device).
   */
  whyDevicesSerial?(): string | undefined;
  /**
   * Runs `jaxpr` (a program over one device's blocks) on every device of a mesh at once:
   * position p on `args[p]`, on device `mesh.deviceIds[p]`. Returns each position's outputs, or
   * null where the devices cannot run it here (then the caller runs it another way).
   */
  runOnDevices?(jaxpr: Jaxpr, mesh: DeviceMesh, args: Buffer[][]): Buffer[][] | null;
  /** Which device holds a buffer (0 where the backend has one). */
  deviceOfBuffer?(buf: Buffer): number;
  readSync(buf: Buffer, aval: ShapedArray): TypedArray;
  /** A copy of a buffer's values where the host has them at hand (WebGPU: small arrays' mirrors), else null. */
  hostValues?(buf: Buffer, aval: ShapedArray): TypedArray | null;
  read(buf: Buffer, aval: ShapedArray): Promise<TypedArray>;
  free(buf: Buffer): void;
  /**
   * Runs a jaxpr (constvars first, then invars) on buffers of this backend, in one call.
   * A backend may write an output into a `donated` argument's buffer: the output is then a new
   * record that adopted that memory (`MemoryPool.adopt`), and the argument's record is freed.
   * `mayHandOff`: the placement was implicit (no jit backend, no committed argument), so a
   * backend may run a small computation elsewhere (WebGPU: on wasm, see webgpuCpuHandoff).
   */
  execute(jaxpr: Jaxpr, args: Buffer[], donated?: readonly boolean[], device?: number, opts?: { mayHandOff?: boolean }): Buffer[];
  /** Buffers allocated and not yet freed (on the device, where it has memory of its own), for leak tests. */
  liveBuffers(): number;
  /** Resolves when everything dispatched so far has finished. */
  synchronize(): Promise<void>;
}

/**
 * A device as `jax.devices()` lists it: one object per device, so `===` compares devices.
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
    const b = getBackend(this.platform);
    return (b.memoryOf ? b.memoryOf(this.id) : b.memory)?.stats() ?? null;
  }
  /** `platform:id`. @example String(jax.devices("cpu")[0])   // "cpu:0" */
  toString(): string {
    return `${this.platform}:${this.id}`;
  }
}

const backends = new Map<BackendName, Backend>();
const devices = new Map<BackendName, Device[]>();
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
  devices.set(b.name, globalThis.Array.from({ length: b.deviceCount ?? 1 }, (_, i) => new Device(b.name, i)));
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

/** Device `id` of a backend (its first by default). */
export function deviceOf(b: Backend, id = 0): Device {
  return devices.get(b.name)![id];
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
 * @example jax.devices()          // [wasm:0, wasm:1] after init({devices: 2})
 * @example jax.devices("cpu")     // [cpu:0]
 */
export function listDevices(backend?: BackendName): Device[] {
  return [...devices.get(getBackend(backend).name)!];
}

export function registeredBackends(): BackendName[] {
  return [...backends.keys()];
}
