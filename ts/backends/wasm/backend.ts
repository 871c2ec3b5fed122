// The wasm backend: array data lives in the C++ core's linear memory, owned by a MemoryPool
// (ts/core/memory.ts) that holds it to a budget, and each program (a jit call, or one eager
// primitive) is compiled to bytecode once and then runs in one wasm call.

import { ShapedArray } from "../../core/aval.js";
import { Backend, Buffer } from "../../core/backend.js";
import { TypedArray, hostView } from "../../core/dtype.js";
import { Jaxpr } from "../../core/jaxpr.js";
import { DeviceBuffer, DeviceHeap, MemoryPool } from "../../core/memory.js";
import type { Core } from "../../../bindings/core.js";
import type { LoadedRuntime } from "./loader.js";
import { WasmProgram, compileForWasm } from "./program.js";

/** Room above the budget for what the core allocates itself (kernel scratch, worker stacks). */
const HEAP_HEADROOM = 4 * 2 ** 20;
/** Compiled programs kept; past this the least recently run ones are let go. */
const PROGRAM_CACHE = 1024;

/** The linear memory as the memory owner sees it: blocks from the core's allocator. */
class WasmHeap implements DeviceHeap {
  readonly name = "wasm:0";

  constructor(
    private readonly core: Core,
    readonly maxAllocation: number,
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

export class WasmBackend implements Backend {
  readonly name = "wasm" as const;
  readonly memory: MemoryPool;
  readonly syncReads = true;
  /** Programs run, and host calls (primitives without a C++ kernel) they made, for tests and notes. */
  readonly stats = { programs: 0, hostCalls: 0 };
  private readonly programs = new Map<Jaxpr, WasmProgram>();
  private tick = 0;

  constructor(readonly runtime: LoadedRuntime) {
    const core = this.core;
    const { base } = core.heapStats();
    const memoryMax = runtime.maxMemoryBytes;
    const maxAllocation = memoryMax - base - HEAP_HEADROOM;
    // The default budget: 1 GiB, or what the engine's memory can hold beside the core's own.
    this.memory = new MemoryPool(new WasmHeap(core, maxAllocation), maxAllocation);
    this.memory.onLimit = (limit) => core.setHeapLimit(base + limit + HEAP_HEADROOM);
    this.memory.reclaim = () => this.dropLeastRecent(1) > 0;
    core.setHeapLimit(base + this.memory.limit + HEAP_HEADROOM);
  }

  private get core() {
    return this.runtime.kernels;
  }

  put(data: TypedArray, aval: ShapedArray): Buffer {
    const buf = this.memory.allocArray(data.byteLength, aval);
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
    await this.memory.settle();
    return this.readSync(b, aval);
  }

  free(b: Buffer): void {
    this.memory.free(b as DeviceBuffer);
  }

  liveBuffers(): number {
    return this.memory.stats().numArrays;
  }

  async synchronize(): Promise<void> {}

  execute(jaxpr: Jaxpr, args: Buffer[], donated?: readonly boolean[]): Buffer[] {
    let program = this.programs.get(jaxpr);
    if (!program) {
      if (this.programs.size >= PROGRAM_CACHE) this.dropLeastRecent(PROGRAM_CACHE / 8);
      program = compileForWasm(this.core, this.memory, jaxpr);
      this.programs.set(jaxpr, program);
    }
    program.lastUse = ++this.tick;
    this.stats.programs++;
    this.stats.hostCalls += program.nHost;
    return program.run(args as DeviceBuffer[], donated);
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
