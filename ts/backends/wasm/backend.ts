// The wasm backend: array data lives in the C++ core's linear memory, owned by a MemoryPool
// (ts/core/memory.ts) that holds it to a budget, and each program (a jit call, or one eager
// primitive) is compiled to bytecode once and then runs in one wasm call.

import { ShapedArray } from "../../core/aval.js";
import { Backend, Buffer, DeviceMesh } from "../../core/backend.js";
import { TypedArray, hostView } from "../../core/dtype.js";
import { Jaxpr } from "../../core/jaxpr.js";
import { DeviceBuffer, DeviceHeap, MemoryPool } from "../../core/memory.js";
import { nbytes } from "../../compiler/buffers.js";
import type { Core } from "../../../bindings/core.js";
import type { LoadedRuntime } from "./loader.js";
import { WasmProgram, compileForWasm } from "./program.js";
import { DEVICE_COLLECTIVES, MeshInfo, deviceCollectiveOk } from "../../compiler/collectives.js";
import { ClosedJaxpr } from "../../core/jaxpr.js";

/** Whether every collective of `j` (bodies included) can run on the devices of `mesh`. */
function runsOnDevices(j: Jaxpr, mesh: MeshInfo): boolean {
  for (const e of j.eqns) {
    if (DEVICE_COLLECTIVES.has(e.primitive.name) && !deviceCollectiveOk(e, mesh)) return false;
    for (const v of Object.values(e.params)) {
      const subs = v instanceof ClosedJaxpr ? [v] : globalThis.Array.isArray(v) ? v.filter((x): x is ClosedJaxpr => x instanceof ClosedJaxpr) : [];
      if (subs.some((c) => !runsOnDevices(c.jaxpr, mesh))) return false;
    }
  }
  return true;
}

/** Room above the budget for what the core allocates itself (kernel scratch, worker stacks). */
const HEAP_HEADROOM = 4 * 2 ** 20;
/** Compiled programs kept; past this the least recently run ones are let go. */
const PROGRAM_CACHE = 1024;
/** Compiled device programs kept (see runOnDevices). */
const DEVICE_PROGRAM_CACHE = 256;

/** The linear memory as one device's memory owner sees it: blocks from the core's allocator. */
class WasmHeap implements DeviceHeap {
  constructor(
    private readonly core: Core,
    readonly maxAllocation: number,
    /** The device, for messages. */
    readonly name: string,
  ) {}

  blockBytes(bytes: number): number {
    return Math.max(32, Math.ceil((bytes + 16) / 16) * 16); // core-cpp/alloc.cpp: a 16-byte header, 16-byte units
  }
  allocate(bytes: number): number | null {
    const p = this.core.tryMalloc(bytes);
    return p === 0 ? null : p;
  }
  release(handle: unknown): void {
    this.core.free(handle as number);
  }
  evict(handle: unknown, bytes: number): ArrayBuffer {
    return new Uint8Array(this.core.memory.buffer, handle as number, bytes).slice().buffer;
  }
  restore(handle: unknown, host: unknown): void {
    const h = host as ArrayBuffer;
    new Uint8Array(this.core.memory.buffer, handle as number, h.byteLength).set(new Uint8Array(h));
  }
}

/**
 * The wasm devices (`jax.init({devices})`, `wasm:0` ... `wasm:N-1`) share one linear memory.
 * Each has a memory owner of its own, so that memoryStats(), the budget and eviction are per
 * device as in JAX (each device holds at most memoryLimit bytes); the pools draw on the one
 * heap, whose limit is the sum of their budgets (at most what wasm memory holds), and a device
 * that finds the heap itself full evicts other devices' idle arrays. A program reads inputs on
 * any device and writes its outputs and scratch on the device it runs on.
 */
export class WasmBackend implements Backend {
  readonly name = "wasm" as const;
  readonly memory: MemoryPool;
  readonly syncReads = true;
  private readonly pools: MemoryPool[];
  /** Programs run, and host calls (primitives without a C++ kernel) they made, for tests and notes. */
  readonly stats = { programs: 0, hostCalls: 0, deviceRuns: 0 };
  private readonly programs = new Map<Jaxpr, WasmProgram>();
  private tick = 0;

  constructor(
    readonly runtime: LoadedRuntime,
    readonly deviceCount = 1,
  ) {
    const core = this.core;
    const { base } = core.heapStats();
    const memoryMax = runtime.maxMemoryBytes;
    const maxAllocation = memoryMax - base - HEAP_HEADROOM;
    // The default budget: 1 GiB per device, or what the engine's memory can hold beside the core's own.
    this.pools = globalThis.Array.from({ length: deviceCount }, (_, d) => new MemoryPool(new WasmHeap(core, maxAllocation, `wasm:${d}`), maxAllocation, d));
    this.memory = this.pools[0];
    const heapLimit = () => core.setHeapLimit(base + Math.min(this.pools.reduce((n, p) => n + p.limit, 0), maxAllocation) + HEAP_HEADROOM);
    for (const pool of this.pools) {
      pool.onLimit = heapLimit;
      pool.reclaim = () => this.dropLeastRecent(1) > 0;
      pool.reclaimHeap = () => this.dropLeastRecent(1) > 0 || this.pools.some((p) => p !== pool && p.evictIdle());
    }
    heapLimit();
  }

  memoryOf(id: number): MemoryPool {
    const pool = this.pools[id];
    if (!pool) throw new RangeError(`webjax: there is no device wasm:${id}; jax.init({devices}) made ${this.pools.length}.`);
    return pool;
  }

  private readonly devicePrograms = new Map<Jaxpr, Map<string, WasmProgram | null>>();
  private deviceProgramCount = 0;

  runOnDevices(jaxpr: Jaxpr, mesh: DeviceMesh, args: Buffer[][]): Buffer[][] | null {
    if (this.whyDevicesSerial() || !this.runtime.devicesReady(mesh.deviceIds)) return null;
    const key = `${mesh.names.map(String)}|${mesh.sizes}`;
    let byMesh = this.devicePrograms.get(jaxpr);
    if (!byMesh) this.devicePrograms.set(jaxpr, (byMesh = new Map()));
    let program = byMesh.get(key);
    if (program === undefined) {
      // Device programs are few (one per shardMap body and mesh); past the bound they all go.
      if (++this.deviceProgramCount > DEVICE_PROGRAM_CACHE) {
        for (const m of this.devicePrograms.values()) for (const pr of m.values()) pr?.dispose();
        this.devicePrograms.clear();
        this.devicePrograms.set(jaxpr, (byMesh = new Map()));
        this.deviceProgramCount = 1;
      }
      const info = { names: mesh.names, sizes: mesh.sizes };
      program = runsOnDevices(jaxpr, info) ? compileForWasm(this.core, this.memory, jaxpr, { mesh: info }) : null;
      byMesh.set(key, program);
    }
    if (!program) return null;
    this.stats.deviceRuns++;
    return program.runDevices(args as DeviceBuffer[][], mesh.deviceIds.map((d) => this.memoryOf(d)), [...mesh.deviceIds], [...mesh.sizes]);
  }

  whyDevicesSerial(): string | undefined {
    return this.deviceCount > 1 ? this.runtime.whyNoWorkers : undefined;
  }

  deviceOfBuffer(buf: Buffer): number {
    return (buf as DeviceBuffer).pool.deviceId;
  }

  private get core() {
    return this.runtime.kernels;
  }

  put(data: TypedArray, aval: ShapedArray, device = 0): Buffer {
    const buf = this.memoryOf(device).allocArray(data.byteLength, aval);
    // Copies between views of the same element type are several times faster than byte copies.
    const View = data.constructor as new (b: ArrayBufferLike, offset: number, length: number) => TypedArray;
    new View(this.core.memory.buffer, buf.handle as number, data.length).set(data);
    return buf;
  }

  readSync(b: Buffer, aval: ShapedArray): TypedArray {
    const buf = b as DeviceBuffer;
    const View = hostView(aval.dtype);
    const n = buf.bytes / (View as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    // Always a copy the caller owns, never the eviction copy itself.
    return buf.resident ? new View(this.core.memory.buffer, buf.handle as number, n).slice() : new View(buf.host as ArrayBuffer, 0, n).slice();
  }

  async read(b: Buffer, aval: ShapedArray): Promise<TypedArray> {
    // The copy is taken now: the array may be disposed or donated before the promise resolves.
    const data = this.readSync(b, aval);
    await this.memory.settle();
    return data;
  }

  free(b: Buffer): void {
    (b as DeviceBuffer).pool.free(b as DeviceBuffer);
  }

  liveBuffers(): number {
    return this.pools.reduce((n, p) => n + p.stats().numArrays, 0);
  }

  async synchronize(): Promise<void> {}

  execute(jaxpr: Jaxpr, args: Buffer[], donated?: readonly boolean[], device = 0): Buffer[] {
    let program = this.programs.get(jaxpr);
    if (!program) {
      // Outputs past the memory limit are its error, not one of the compiler's limits.
      for (const v of jaxpr.outvars) this.memory.checkSize(v.aval.size * nbytes(v.aval.dtype));
      if (this.programs.size >= PROGRAM_CACHE) this.dropLeastRecent(PROGRAM_CACHE / 8);
      // The program's code must not evict the inputs it is about to read.
      const bufs = args as DeviceBuffer[];
      for (const b of bufs) b.busy++;
      try {
        program = compileForWasm(this.core, this.memory, jaxpr);
      } finally {
        for (const b of bufs) b.pool.unpin(b);
      }
      this.programs.set(jaxpr, program);
    }
    program.lastUse = ++this.tick;
    this.stats.programs++;
    this.stats.hostCalls += program.nHost;
    return program.run(args as DeviceBuffer[], donated, this.memoryOf(device));
  }

  /** Lets the `n` least recently run idle programs go (they compile again if they come back); returns how many. */
  private dropLeastRecent(n: number): number {
    const byAge = [...this.programs].filter(([, p]) => !p.running).sort((a, b) => a[1].lastUse - b[1].lastUse).slice(0, n);
    for (const [jaxpr, program] of byAge) {
      this.programs.delete(jaxpr);
      program.dispose();
    }
    return byAge.length;
  }
}
