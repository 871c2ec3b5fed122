// The one owner of a device's memory, for every backend that has device memory (wasm's linear
// memory now; GPU buffers and worker devices later). It knows every allocation's size, keeps
// array buffers in least-recently-used order, and holds the device to a budget.
//
// Why eviction: JS gives no way to see that an array died inside a synchronous loop or a
// chain of resolved promises (finalizers run only when the event loop turns, and a WeakRef
// keeps its target alive to the end of the job). So when an allocation would pass the budget,
// the least recently used buffers that no running program holds are copied to host memory and
// their device memory is freed. The copy is held only by the array's buffer record, so when the
// array is garbage, V8 collects the copy by itself; if the array is used again, the copy is
// uploaded back. Arrays known dead (dispose, tidy, donation, a finalizer that ran) are freed
// outright.

import { ShapedArray } from "./aval.js";
import { defineSetting } from "./config.js";

/** What a device gives its memory owner: raw allocations and the copies to and from host memory. */
export interface DeviceHeap {
  /** The device, for messages ("wasm:0"). */
  readonly name: string;
  /** The largest single allocation this device can ever make, in bytes. */
  readonly maxAllocation: number;
  /** The bytes an allocation of `bytes` really takes (alignment and headers), what the budget counts. */
  blockBytes(bytes: number): number;
  /** A new allocation, or null when the device cannot place it now (the owner evicts and retries). */
  allocate(bytes: number): unknown | null;
  release(handle: unknown): void;
  /** A copy of an allocation's bytes in host memory that the garbage collector owns. */
  evict(handle: unknown, bytes: number): unknown;
  /** Writes an eviction copy into an allocation of its size. */
  restore(handle: unknown, host: unknown): void;
}

/**
 * A finalizer's held value, one per array holding a buffer: the buffer while it is on the device,
 * else null. It lets go on eviction, so a dead array's host copy never waits for the finalizer
 * (which never runs inside a synchronous loop). A cell whose token is empty does nothing.
 */
interface BufferToken {
  buf: DeviceBuffer | null;
}

// The device memory goes when the last array holding it is collected (an array and the views
// jax.liveArrays() made of it).
const finalizer = new FinalizationRegistry<BufferToken>((t) => {
  const buf = t.buf;
  if (!buf) return;
  t.buf = null;
  buf.tokens.splice(buf.tokens.indexOf(t), 1);
  if (buf.tokens.length === 0) buf.pool.free(buf);
});

// A registered object survives V8's young-generation collections, and so would an evicted
// array's host copy; large buffers are unregistered when evicted, so that a dead one goes with
// the next minor collection. Small ones are registered without a token: a registration that can
// be undone costs several times as much, which tiny arrays would feel.
const UNREGISTER_BYTES = 64 * 1024;

/** Makes `array` a holder of `buf` on the device: when every holder is collected, the device memory is freed. */
export function watch(array: object, buf: DeviceBuffer): void {
  const t: BufferToken = { buf };
  buf.tokens.push(t);
  if (buf.bytes >= UNREGISTER_BYTES) finalizer.register(array, t, t);
  else finalizer.register(array, t);
}

/** No holder's finalizer frees it any more (it left the device, or was freed). */
function unwatch(buf: DeviceBuffer): void {
  for (const t of buf.tokens) {
    t.buf = null;
    if (buf.bytes >= UNREGISTER_BYTES) finalizer.unregister(t);
  }
  buf.tokens.length = 0;
}

/**
 * The data of one array on a device: resident (a device handle) or evicted (a host copy).
 * Arrays hold it; the owner holds it only while resident.
 */
export class DeviceBuffer {
  /** The device allocation while resident. */
  handle: unknown = null;
  /** The eviction copy while not resident. */
  host: unknown = null;
  /**
   * The array's bytes as they also are in host memory, kept for small arrays made from host
   * values (WebGPU: they are read back and computed on without the GPU, see webgpuCpuHandoff).
   * An array's values never change, so the mirror stays true while the record lives.
   */
  mirror: Uint8Array | null = null;
  /** Made in host memory (`host`) and not yet on the device: its first upload is no re-upload. */
  unborn = false;
  /** Programs running with this buffer as an input or output; a busy buffer is never evicted. */
  busy = 0;
  freed = false;
  /** The runtime's own (cached constants), left out of liveArrays(). */
  internal = false;
  /** One finalizer token per array holding it while it is on the device (see `watch`). */
  readonly tokens: BufferToken[] = [];
  /** jax.liveArrays() made views of it: after an eviction only they and its array know who holds it. */
  viewed = false;
  prev: DeviceBuffer | null = null;
  next: DeviceBuffer | null = null;

  constructor(
    readonly pool: MemoryPool,
    /** Bytes of data (what the array needs). */
    readonly bytes: number,
    /** The array's type, for liveArrays(). */
    readonly aval: ShapedArray,
  ) {}

  get resident(): boolean {
    return this.handle !== null;
  }

  /** Whether a holder's finalizer would free it (false once evicted, until its array watches it again). */
  get watched(): boolean {
    return this.tokens.length > 0;
  }
}

/** `device.memoryStats()`, as JAX names them, plus what eviction did. */
export interface MemoryStats {
  /** Device bytes held now: resident arrays, compiled programs and running calls' scratch. */
  bytesInUse: number;
  peakBytesInUse: number;
  /** The budget (`memoryLimit`). */
  bytesLimit: number;
  /** Arrays on the device now. */
  numArrays: number;
  /** Arrays copied to host memory to make room, and their bytes. */
  evictions: number;
  evictedBytes: number;
  /** Evicted arrays that were used again and uploaded back, and their bytes. */
  uploads: number;
  uploadedBytes: number;
}

export const DEFAULT_MEMORY_LIMIT = 2 ** 30;

const pools = new Set<MemoryPool>();
let memoryLimit = DEFAULT_MEMORY_LIMIT;

defineSetting("memoryLimit", DEFAULT_MEMORY_LIMIT, (v) => {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new TypeError(`jax.config.update: memoryLimit must be a positive number of bytes (e.g. 512 * 2 ** 20); got ${String(v)}.`);
  }
  memoryLimit = Math.floor(v);
  for (const p of pools) p.setLimit(memoryLimit);
  return memoryLimit;
});

/** A promise that resolves in a later task (a macrotask), where finalization callbacks get to run. */
function nextTask(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (typeof g.setImmediate === "function") return new Promise((r) => g.setImmediate!(r));
  // MessageChannel is a task without setTimeout's 4 ms clamp; a channel of its own is closed
  // once used, so it never keeps a process alive.
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

const MiB = (b: number) => `${(b / 2 ** 20).toFixed(b < 2 ** 20 ? 3 : 1)} MiB`;

/** One device's memory owner. */
export class MemoryPool {
  #limit: number;
  #inUse = 0;
  #peak = 0;
  #arrays = 0;
  #lru: DeviceBuffer | null = null; // least recently used
  #mru: DeviceBuffer | null = null;
  #stats = { evictions: 0, evictedBytes: 0, uploads: 0, uploadedBytes: 0 };
  #thrashNoticed = false;
  /** Bytes uploaded back when the notice was (re)armed: a new limit deserves its own notice. */
  #uploadedAtArm = 0;

  /** `deviceMaxLimit`: what the device can hold at most; a larger memoryLimit means this much here. */
  constructor(
    readonly heap: DeviceHeap,
    readonly deviceMaxLimit: number,
    /** Which of its backend's devices this pool owns the memory of. */
    readonly deviceId = 0,
  ) {
    this.#limit = Math.min(memoryLimit, deviceMaxLimit);
    pools.add(this);
  }

  /** Whether the device went away (lost, or its runtime disposed): its buffers hold nothing any more. */
  closed = false;

  /** Stops counting this device (its runtime was disposed, or the device was lost). */
  close(): void {
    this.closed = true;
    pools.delete(this);
  }

  get limit(): number {
    return this.#limit;
  }

  setLimit(bytes: number): void {
    this.#limit = Math.min(bytes, this.deviceMaxLimit);
    this.#thrashNoticed = false;
    this.#uploadedAtArm = this.#stats.uploadedBytes;
    this.onLimit?.(bytes);
    // Over the new budget: make room now, so the next allocation does not pay for all of it.
    while (this.#inUse > this.#limit && this.#evictOne()) {}
  }

  /** Told when the budget changes (the wasm heap caps its growth by it). */
  onLimit: ((bytes: number) => void) | undefined;
  /** Frees something that can be rebuilt (a cached program) when no array can be evicted; false if nothing was. */
  reclaim: (() => boolean) | undefined;
  /**
   * Makes room in a heap this pool shares with other devices' pools (their idle arrays) when
   * the heap itself is full; false if nothing was freed.
   */
  reclaimHeap: (() => boolean) | undefined;

  /** Evicts this pool's least recently used idle array (room for another device on a shared heap). */
  evictIdle(): boolean {
    return this.#evictOne(false);
  }

  stats(): MemoryStats {
    return { bytesInUse: this.#inUse, peakBytesInUse: this.#peak, bytesLimit: this.#limit, numArrays: this.#arrays, ...this.#stats };
  }

  /** A new array buffer, resident, most recently used. */
  allocArray(bytes: number, aval: ShapedArray): DeviceBuffer {
    const buf = new DeviceBuffer(this, bytes, aval);
    buf.handle = this.#take(bytes, "an array");
    this.#link(buf);
    this.#arrays++;
    return buf;
  }

  /**
   * An array whose values are in host memory only (`host`, in the heap's eviction form) until a
   * program first uses it (WebGPU's small results computed on wasm: most are only read).
   */
  hostArray(bytes: number, aval: ShapedArray, host: unknown): DeviceBuffer {
    const buf = new DeviceBuffer(this, bytes, aval);
    buf.host = host;
    buf.unborn = true;
    return buf;
  }

  /** Device memory that is counted but never evicted: compiled programs, a call's scratch. */
  allocRaw(bytes: number, what: string): unknown {
    return this.#take(bytes, what);
  }

  freeRaw(handle: unknown, bytes: number): void {
    this.heap.release(handle);
    this.#inUse -= this.heap.blockBytes(bytes);
  }

  /** Frees an array's data for good (dispose, donation taken back, a finalizer). */
  free(buf: DeviceBuffer): void {
    if (buf.freed) return;
    buf.freed = true;
    buf.host = null;
    buf.mirror = null;
    unwatch(buf);
    // A running program still reads it (a callback disposed one of its inputs): freed at unpin.
    if (buf.busy === 0) this.#release(buf);
  }

  #release(buf: DeviceBuffer): void {
    if (buf.resident) {
      this.#unlink(buf);
      this.heap.release(buf.handle);
      buf.handle = null;
      this.#inUse -= this.heap.blockBytes(buf.bytes);
      this.#arrays--;
    }
  }

  /**
   * Hands `buf`'s device memory to a new buffer record (a donated input's memory becoming an
   * output): every holder of the old record sees it as gone, none sees the output's values.
   */
  adopt(buf: DeviceBuffer, aval: ShapedArray): DeviceBuffer {
    const out = new DeviceBuffer(this, buf.bytes, aval);
    out.handle = buf.handle;
    // A program still running on it (WebGPU's queued work) holds the new record now.
    out.busy = buf.busy;
    buf.busy = 0;
    unwatch(buf);
    this.#unlink(buf);
    buf.handle = null;
    buf.freed = true;
    this.#link(out);
    return out;
  }

  /** The device handle of a buffer about to be used, uploading it first if it was evicted. */
  use(buf: DeviceBuffer): unknown {
    if (buf.freed) throw new Error("internal: use of a freed device buffer");
    if (!buf.resident) {
      buf.handle = this.#take(buf.bytes, buf.unborn ? "an array" : "an evicted array");
      this.heap.restore(buf.handle, buf.host);
      buf.host = null; // the device copy is the one now; its owner watches it again after the call
      this.#arrays++;
      if (buf.unborn) buf.unborn = false;
      else {
        this.#stats.uploads++;
        this.#stats.uploadedBytes += buf.bytes;
        this.#noticeThrash();
      }
    } else {
      this.#unlink(buf);
    }
    this.#link(buf);
    return buf.handle;
  }

  /** `use`, and holds the buffer on the device until `unpin` (a program is running with it). */
  pin(buf: DeviceBuffer): unknown {
    const h = this.use(buf);
    buf.busy++;
    return h;
  }

  unpin(buf: DeviceBuffer): void {
    if (--buf.busy === 0 && buf.freed) this.#release(buf);
  }

  /**
   * Resolves after the event loop has turned, when memory is tight: finalizers of arrays that
   * died run only then, and an `await x.data()` loop would otherwise evict dead arrays to host
   * memory instead of freeing them. Otherwise at once (a microtask), so quick reads stay quick.
   */
  settle(): Promise<void> | undefined {
    const evicted = this.#stats.evictions !== this.#evictionsSettled;
    if (!evicted && this.#inUse <= this.#limit / 2) return undefined;
    this.#evictionsSettled = this.#stats.evictions;
    return nextTask();
  }
  #evictionsSettled = 0;

  /** The buffers on the device, least recently used first. */
  *residentBuffers(): IterableIterator<DeviceBuffer> {
    for (let b = this.#lru; b; b = b.next) yield b;
  }

  /** Throws the RangeError an allocation of `bytes` would meet, before any work is done for it. */
  checkSize(bytes: number, what = "an array"): void {
    const block = this.heap.blockBytes(bytes);
    if (bytes > this.heap.maxAllocation) {
      throw new RangeError(`webjax: ${what} of ${bytes} bytes (${MiB(bytes)}) is larger than ${this.heap.name} can hold ` +
        `(at most ${this.heap.maxAllocation} bytes, ${MiB(this.heap.maxAllocation)}, in one allocation).`);
    }
    if (block > this.#limit) {
      const header = bytes <= this.#limit ? `; with the allocator's header, ${block} bytes,` : "";
      throw new RangeError(`webjax: ${what} of ${bytes} bytes (${MiB(bytes)})${header} is larger than the memory limit of ${this.heap.name}, ` +
        `${this.#limit} bytes (${MiB(this.#limit)}). Raise it with jax.config.update("memoryLimit", bytes) or jax.init({memoryLimit}).`);
    }
  }

  /** Takes device memory for `bytes`, evicting until it fits the budget and the device. */
  #take(bytes: number, what: string): unknown {
    this.checkSize(bytes, what);
    const block = this.heap.blockBytes(bytes);
    while (this.#inUse + block > this.#limit) {
      if (!this.#evictOne()) throw this.#full(bytes, what);
    }
    let h = this.heap.allocate(bytes);
    while (h === null) {
      if (!this.#evictOne() && !this.reclaimHeap?.()) throw this.#full(bytes, what);
      h = this.heap.allocate(bytes);
    }
    this.#inUse += block;
    if (this.#inUse > this.#peak) this.#peak = this.#inUse;
    return h;
  }

  #full(bytes: number, what: string): RangeError {
    const fix = `Raise the limit with jax.config.update("memoryLimit", bytes) or jax.init({memoryLimit}), or split the computation.`;
    if (this.#inUse + this.heap.blockBytes(bytes) <= this.#limit) {
      return new RangeError(`webjax: out of memory on ${this.heap.name} allocating ${what} of ${bytes} bytes (${MiB(bytes)}): ` +
        `the limit has room for it, but the device's free memory is not in one piece that large (blocks the running program ` +
        `holds, or the core's own scratch, split it). ${fix}`);
    }
    return new RangeError(`webjax: out of memory on ${this.heap.name} allocating ${what} of ${bytes} bytes (${MiB(bytes)}): ` +
      `${MiB(this.#inUse)} of the ${MiB(this.#limit)} memory limit is held by the running program's inputs, outputs and ` +
      `scratch and by compiled programs, and nothing else can be evicted. ${fix}`);
  }

  /** Copies the least recently used idle buffer to host memory and frees its device memory. */
  #evictOne(orReclaim = true): boolean {
    let b = this.#lru;
    while (b && b.busy > 0) b = b.next;
    if (!b) return orReclaim ? (this.reclaim?.() ?? false) : false;
    this.#unlink(b);
    b.host = this.heap.evict(b.handle, b.bytes);
    this.heap.release(b.handle);
    b.handle = null;
    // From now on only the array holds the copy: a finalizer has nothing to free.
    unwatch(b);
    this.#inUse -= this.heap.blockBytes(b.bytes);
    this.#arrays--;
    this.#stats.evictions++;
    this.#stats.evictedBytes += b.bytes;
    return true;
  }

  /** Once per device: the arrays in use do not fit the budget, so evicted ones keep coming back. */
  #noticeThrash(): void {
    if (this.#thrashNoticed || this.#stats.uploadedBytes - this.#uploadedAtArm < this.#limit) return;
    this.#thrashNoticed = true;
    console.warn(`webjax: device memory on ${this.heap.name} is thrashing: ${this.#stats.uploads} arrays ` +
      `(${MiB(this.#stats.uploadedBytes)}) evicted to host memory were used again and uploaded back, because the arrays ` +
      `in use do not fit the memory limit of ${MiB(this.#limit)}. Raise it with jax.config.update("memoryLimit", bytes) ` +
      `or jax.init({memoryLimit}), or free arrays sooner (dispose(), jax.tidy, jit's donateArgnums).`);
  }

  #link(b: DeviceBuffer): void {
    b.prev = this.#mru;
    b.next = null;
    if (this.#mru) this.#mru.next = b;
    else this.#lru = b;
    this.#mru = b;
  }

  #unlink(b: DeviceBuffer): void {
    if (b.prev) b.prev.next = b.next;
    else this.#lru = b.next;
    if (b.next) b.next.prev = b.prev;
    else this.#mru = b.prev;
    b.prev = b.next = null;
  }
}
