// GPU buffers as the memory owner (ts/core/memory.ts) sees them. Buffers come in size classes
// and freed ones are kept for reuse, so a steady loop creates no new buffers. The GPU queue runs
// commands in submission order, so a freed buffer may be handed out again at once: whatever
// still reads it was submitted before whatever writes it next.
//
// Eviction is asynchronous on a GPU (a copy to a mappable buffer, then mapAsync), while the
// owner evicts synchronously. So an evicted buffer's device memory is let go only when its copy
// has arrived in host memory; until then it stays as it is, and an array used again before that
// is restored from it on the GPU (a copy), not from the host.

import type { DeviceHeap } from "../../core/memory.js";

const USAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** A buffer's bytes on their way to host memory (the owner's eviction copy of a GPU buffer). */
export class Eviction {
  /** The bytes, once the map has resolved. */
  data: Uint8Array | null = null;
  /** The evicted buffer, alive until `data` arrives (then released, if the owner released it). */
  src: GPUBuffer | null;
  readonly ready: Promise<void>;
  released = false;
  constructor(src: GPUBuffer | null, ready: (ev: Eviction) => Promise<void>) {
    this.src = src;
    this.ready = ready(this);
  }

  /** Bytes that were never on the GPU (MemoryPool.hostArray). */
  static of(data: Uint8Array): Eviction {
    const ev = new Eviction(null, () => Promise.resolve());
    ev.data = data;
    return ev;
  }
}

/** Rounds a request to its size class: 256-byte steps up to 64 KiB, then eighths of a power of two. */
export function sizeClass(bytes: number): number {
  const n = Math.max(256, Math.ceil(bytes / 4) * 4);
  if (n <= 65536) return Math.ceil(n / 256) * 256;
  const step = 2 ** (Math.floor(Math.log2(n)) - 3);
  return Math.ceil(n / step) * step;
}

export class GpuHeap implements DeviceHeap {
  readonly name = "webgpu:0";
  /** Buffers created (device.createBuffer calls), for the steady-state specs. */
  created = 0;
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly staging = new Map<number, GPUBuffer[]>();
  private cachedBytes = 0;
  /** Buffers whose eviction copy is on its way: their release waits for it. */
  private readonly evicting = new Map<GPUBuffer, Eviction>();
  /** Releases held back while work that is not yet submitted may still use them. */
  private held: GPUBuffer[] | null = null;

  constructor(
    private readonly device: GPUDevice,
    readonly maxAllocation: number,
    /** Bytes of freed buffers kept for reuse. */
    private readonly cacheLimit: number,
  ) {}

  blockBytes(bytes: number): number {
    return sizeClass(bytes);
  }

  allocate(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.cachedBytes -= size;
      return reused;
    }
    this.created++;
    return this.device.createBuffer({ size, usage: USAGE() });
  }

  release(handle: unknown): void {
    const buf = handle as GPUBuffer;
    const ev = this.evicting.get(buf);
    if (ev) {
      ev.released = true; // freed once its copy has arrived
      return;
    }
    if (this.held) this.held.push(buf);
    else this.recycle(buf);
  }

  private recycle(buf: GPUBuffer): void {
    if (this.cachedBytes + buf.size > this.cacheLimit) {
      buf.destroy();
      return;
    }
    let list = this.free.get(buf.size);
    if (!list) this.free.set(buf.size, (list = []));
    list.push(buf);
    this.cachedBytes += buf.size;
  }

  /** Holds releases back (work was queued that is not submitted yet) until `releaseHeld`. */
  holdReleases(): void {
    this.held ??= [];
  }

  releaseHeld(): void {
    const held = this.held;
    this.held = null;
    held?.forEach((b) => this.recycle(b));
  }

  /** Destroys the cached free buffers (memory pressure, or the device is going away). */
  dropCache(): void {
    for (const list of this.free.values()) list.forEach((b) => b.destroy());
    for (const list of this.staging.values()) list.forEach((b) => b.destroy());
    this.free.clear();
    this.staging.clear();
    this.cachedBytes = 0;
  }

  /** Starts copying a buffer to host memory; the owner keeps the returned Eviction as its copy. */
  evict(handle: unknown, bytes: number): Eviction {
    const src = handle as GPUBuffer;
    const ev = new Eviction(src, async (e) => {
      try {
        e.data = await this.readBytes(src, bytes);
      } finally {
        this.evicting.delete(src);
        e.src = null;
        if (e.released) this.release(src);
      }
    });
    this.evicting.set(src, ev);
    return ev;
  }

  /** Writes an eviction copy into a new allocation: from host memory, or on the GPU while the copy is on its way. */
  restore(handle: unknown, host: unknown): void {
    const ev = host as Eviction;
    const dst = handle as GPUBuffer;
    if (ev.data) {
      this.write(dst, ev.data);
    } else if (ev.src) {
      const enc = this.device.createCommandEncoder();
      enc.copyBufferToBuffer(ev.src, 0, dst, 0, Math.min(ev.src.size, dst.size));
      this.device.queue.submit([enc.finish()]);
    } else {
      throw new Error("internal: an eviction copy that neither arrived nor kept its source");
    }
  }

  /** Uploads host bytes (padded to whole words). */
  write(dst: GPUBuffer, bytes: Uint8Array, offset = 0): void {
    if (bytes.byteLength === 0) return;
    if (bytes.byteLength % 4 === 0) {
      this.device.queue.writeBuffer(dst, offset, bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } else {
      const padded = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
      padded.set(bytes);
      this.device.queue.writeBuffer(dst, offset, padded);
    }
  }

  /** Reads `bytes` from the start of a buffer (after everything submitted before). */
  async readBytes(src: GPUBuffer, bytes: number, offset = 0): Promise<Uint8Array> {
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    const cls = sizeClass(size);
    const st = this.staging.get(cls)?.pop() ?? (this.created++, this.device.createBuffer({ size: cls, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }));
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(src, offset, st, 0, size);
    this.device.queue.submit([enc.finish()]);
    try {
      await st.mapAsync(GPUMapMode.READ, 0, size);
    } catch (e) {
      st.destroy();
      throw e;
    }
    const out = new Uint8Array(st.getMappedRange(0, size).slice(0, bytes));
    st.unmap();
    let list = this.staging.get(cls);
    if (!list) this.staging.set(cls, (list = []));
    list.push(st);
    return out;
  }
}
