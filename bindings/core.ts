// Typed wrapper over the C ABI in bindings/exports.cpp: the only TypeScript that
// knows wasm pointers. Pointers are byte offsets into the (possibly shared)
// linear memory; wasm returns them as i32, so they are read back with `>>> 0`.

/** The raw exports of webjax-simd(-threads).wasm. */
export interface CoreExports {
  /** 0 when the block does not fit under the heap limit (sizes are doubles, so they never wrap). */
  wj_malloc(size: number): number;
  wj_free(ptr: number): void;
  wj_set_heap_limit(end: number): void;
  wj_heap_stats(): number;
  wj_add_f32(a: number, b: number, out: number, n: number): void;
  wj_set_stack(top: number): void;
  wj_get_stack(): number;
  wj_worker_loop(tid: number): void;
  wj_set_num_threads(n: number): void;
  wj_num_threads(): number;
  wj_last_participants(): number;
  wj_pool_state(): number;
  wj_worker_fault_claim(tid: number): number;
  wj_worker_fault_done(tid: number, len: number): void;
  wj_pool_recover(): number;
  wj_pool_clear_fault(): void;
  wj_set_stall_ms(ms: number): void;
  wj_test_pool_hook(kind: number, tid: number): void;
  wj_gemm_f32(a: number, b: number, c: number, batch: number, m: number, n: number, k: number,
    aBs: number, aRs: number, aCs: number, bBs: number, bRs: number, bCs: number, cBs: number, cRs: number): void;
  wj_set_checked_loads(on: number): void;
  wj_vmath_f32(op: number, input: number, out: number, n: number): void;
  wj_run(code: number, nWords: number, slots: number): void;
  wj_device_run(): number;
  wj_run_devices(code: number, nWords: number): void;
  wj_host_slots(): number;
  wj_test_device_hook(kind: number, tid: number): void;
}

// core-cpp/devices.h DeviceRun, in int32 words: n, mesh_rank, mesh_sizes[8], tid[32], slots[32], caller_waits.
const RUN_SIZES = 2, RUN_TID = 10, RUN_SLOTS = 42, RUN_CALLER_WAITS = 74, MAX_MESH_RANK = 8;

/** The thread pool's limit (core-cpp/threads.h kMaxThreads). */
export const MAX_THREADS = 32;

/** Host-call ids the pool uses (core-cpp/threads.cpp kHost*). */
export const HOST_CLOCK = -1;
export const HOST_DIE = -2;
const HOST_LOST = -1000;

// core-cpp/threads.h PoolState: clock_ms f64, fault_tid, fault_kind, fault_len, pad, text.
const FAULT_LOST = 2;
const STATE_TEXT = 24;

export class Core {
  /** The module's exports; those that run kernels restore the stack and the pool after a trap. */
  readonly exports: CoreExports;
  private readonly raw: CoreExports;
  private readonly statePtr: number;
  private clockView: Float64Array | undefined;
  /** Called (from inside a call) when the pool finds worker `tid` lost; the loader replaces it. */
  onWorkerLost: ((tid: number) => void) | undefined;

  constructor(
    instance: WebAssembly.Instance,
    readonly memory: WebAssembly.Memory,
  ) {
    const raw = instance.exports as unknown as CoreExports;
    this.raw = raw;
    this.statePtr = raw.wj_pool_state() >>> 0;
    // A trap unwinds wasm without restoring __stack_pointer, and may leave workers mid-slice.
    // An outermost call starts at the stack's top; only nested ones (from host calls) ask.
    const top = raw.wj_get_stack();
    let depth = 0;
    const run = raw.wj_run;
    const guarded = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => {
      const sp = depth++ === 0 ? top : raw.wj_get_stack();
      try {
        return f(...a);
      } catch (e) {
        throw this.afterTrap(e, sp);
      } finally {
        depth--;
      }
    };
    this.exports = {
      ...raw,
      // wj_run is the hot path: no rest arguments.
      wj_run: (code: number, nWords: number, slots: number): void => {
        const sp = depth++ === 0 ? top : raw.wj_get_stack();
        try {
          run(code, nWords, slots);
        } catch (e) {
          throw this.afterTrap(e, sp);
        } finally {
          depth--;
        }
      },
      wj_run_devices: guarded(raw.wj_run_devices),
      wj_add_f32: guarded(raw.wj_add_f32),
      wj_gemm_f32: guarded(raw.wj_gemm_f32),
      wj_vmath_f32: guarded(raw.wj_vmath_f32),
    };
  }

  /**
   * After a call threw: restores the stack, lets the pool finish or stop every slice, and
   * gives the error to throw: a worker's own trap (its message, once) when the call trapped
   * to report it, else the call's error.
   */
  private afterTrap(e: unknown, sp: number): unknown {
    this.raw.wj_set_stack(sp);
    const code = this.raw.wj_pool_recover();
    if (code === 0) return e;
    const state = new DataView(this.memory.buffer, this.statePtr, STATE_TEXT + 240);
    const tid = Math.abs(code) - 1;
    const kind = state.getInt32(12, true);
    const len = state.getInt32(16, true);
    const text = new TextDecoder().decode(new Uint8Array(this.memory.buffer, this.statePtr + STATE_TEXT, len).slice());
    this.raw.wj_pool_clear_fault();
    if (code < 0) return e; // the call's own trap came first
    if (kind === FAULT_LOST) {
      return new Error(`webjax wasm: worker ${tid} made no progress for too long during a kernel or device program (its thread ended or hangs); ` +
        "the call was abandoned and the worker is being replaced. Run the call again.");
    }
    return new WebAssembly.RuntimeError(`${text || "trap"} (in a kernel on wasm worker ${tid})`);
  }

  /** Whether the calling thread may block in memory.atomic.wait (not a browser's main thread). */
  callerMayWait = false;

  /**
   * Runs a program on every device of a job (core-cpp/devices.h): position p runs on pool
   * thread tids[p] over slot table tables[p]; meshSizes is the mesh's shape.
   */
  runDevices(code: number, nWords: number, tids: number[], tables: number[], meshSizes: number[]): void {
    if (meshSizes.length > MAX_MESH_RANK) throw new RangeError(`webjax wasm: a mesh of rank ${meshSizes.length} (at most ${MAX_MESH_RANK}).`);
    const at = (this.raw.wj_device_run() >>> 0) >>> 2;
    const i32 = this.i32();
    i32[at] = tids.length;
    i32[at + 1] = meshSizes.length;
    meshSizes.forEach((n, k) => (i32[at + RUN_SIZES + k] = n));
    tids.forEach((t, p) => (i32[at + RUN_TID + p] = t));
    tables.forEach((t, p) => (i32[at + RUN_SLOTS + p] = t));
    i32[at + RUN_CALLER_WAITS] = this.callerMayWait ? 1 : 0;
    this.exports.wj_run_devices(code, nWords);
  }

  /** The slot table of the program (or device program) whose host call is under way. */
  hostTable(): number {
    return this.i32()[(this.hostSlotsPtr ??= this.raw.wj_host_slots() >>> 0) >>> 2] >>> 0;
  }
  private hostSlotsPtr: number | undefined;

  malloc(bytes: number): number {
    const ptr = this.exports.wj_malloc(bytes) >>> 0;
    if (ptr === 0) throw new RangeError(`webjax wasm: out of memory allocating ${bytes} bytes`);
    return ptr;
  }

  /** A block of `bytes`, or 0 when it does not fit under the heap limit. */
  tryMalloc(bytes: number): number {
    return this.exports.wj_malloc(bytes) >>> 0;
  }

  free(ptr: number): void {
    this.exports.wj_free(ptr);
  }

  /** Limited allocations (wj_malloc) never grow the heap past this address. */
  setHeapLimit(end: number): void {
    this.exports.wj_set_heap_limit(end);
  }

  /** The allocator's state: where the heap starts and ends, free bytes, the largest free block. */
  heapStats(): { base: number; top: number; freeBytes: number; largestFree: number } {
    const p = this.exports.wj_heap_stats() >>> 0;
    const [base, top, freeBytes, largestFree] = new Float64Array(this.memory.buffer, p, 4);
    return { base, top, freeBytes, largestFree };
  }

  #i32: Int32Array | undefined;
  /** An Int32Array over all of memory (remade after memory grows, which replaces memory.buffer). */
  i32(): Int32Array {
    if (this.#i32?.buffer !== this.memory.buffer) this.#i32 = new Int32Array(this.memory.buffer);
    return this.#i32!;
  }

  /** JS functions programs call through OP_HOST, by id (see ts/backends/wasm/program.ts). */
  private readonly hostFns: ((() => void) | undefined)[] = [];
  private readonly freeHostIds: number[] = [];

  addHostFn(fn: () => void): number {
    const id = this.freeHostIds.pop() ?? this.hostFns.length;
    this.hostFns[id] = fn;
    return id;
  }

  removeHostFn(id: number): void {
    this.hostFns[id] = undefined;
    this.freeHostIds.push(id);
  }

  hostCall(id: number): void {
    if (id >= 0) {
      this.hostFns[id]!();
    } else if (id === HOST_CLOCK) {
      if (this.clockView?.buffer !== this.memory.buffer) this.clockView = new Float64Array(this.memory.buffer, this.statePtr, 1);
      this.clockView[0] = performance.now();
    } else if (id <= HOST_LOST) {
      this.onWorkerLost?.(HOST_LOST - id);
    }
  }

  /** How long (ms) a worker may show no progress during a kernel before it counts as lost. */
  setStallMs(ms: number): void {
    this.raw.wj_set_stall_ms(ms);
  }

  /** A stack region for one worker; returns its top (stacks grow down). */
  allocStack(bytes: number): number {
    return (this.malloc(bytes) + bytes) & ~15;
  }

  setNumThreads(n: number): void {
    this.exports.wj_set_num_threads(n);
  }

  /** Tells the kernels that every memory access is bounds-checked, so loads cost more. */
  setCheckedLoads(on: boolean): void {
    this.exports.wj_set_checked_loads(on ? 1 : 0);
  }

  /** Thread ids that ran a slice of the last parallel kernel. */
  lastThreadIds(): number[] {
    const mask = this.exports.wj_last_participants() >>> 0;
    const ids: number[] = [];
    for (let t = 0; t < MAX_THREADS; t++) if (mask & (1 << t)) ids.push(t);
    return ids;
  }

  /** out[i] = a[i] + b[i] over n float32s already in wasm memory. */
  addF32At(a: number, b: number, out: number, n: number): void {
    this.exports.wj_add_f32(a, b, out, n);
  }

  addF32(a: Float32Array, b: Float32Array): Float32Array {
    if (a.length !== b.length) throw new RangeError(`addF32: lengths differ (${a.length} vs ${b.length})`);
    const n = a.length;
    const bytes = n * 4;
    const pa = this.malloc(bytes);
    const pb = this.malloc(bytes);
    const pout = this.malloc(bytes);
    try {
      // Views are made after every malloc: memory.grow replaces memory.buffer.
      const buffer = this.memory.buffer;
      new Float32Array(buffer, pa, n).set(a);
      new Float32Array(buffer, pb, n).set(b);
      this.exports.wj_add_f32(pa, pb, pout, n);
      return new Float32Array(this.memory.buffer, pout, n).slice();
    } finally {
      this.free(pa);
      this.free(pb);
      this.free(pout);
    }
  }
}
