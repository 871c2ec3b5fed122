// The WebGPU backend: arrays are GPU buffers owned by a MemoryPool (ts/core/memory.ts) through
// GpuHeap, and each program (a jit call, or one eager primitive, cached) is compiled once to
// WGSL dispatches (program.ts) and then runs as one command buffer per call. Reads come back
// asynchronously (`await x.data()`); synchronous reads throw (SyncReadError names the twin).
// Work that must wait for a read-back (host calls, while loops) runs after everything queued
// before it, and everything queued after it waits for it: calls keep their order.

import { ShapedArray } from "../../core/aval.js";
import { Backend, Buffer, getBackend, registeredBackends } from "../../core/backend.js";
import { defineSetting } from "../../core/config.js";
import { DType, TypedArray, bytesAs } from "../../core/dtype.js";
import { DeviceLostError, SyncReadError } from "../../core/errors.js";
import { Jaxpr } from "../../core/jaxpr.js";
import { DeviceBuffer, MemoryPool } from "../../core/memory.js";
import { VMath } from "../../compiler/bytecode.js";
import type { Capabilities } from "../../compiler/capabilities.js";
import { GpuDevice, openDevice } from "./device.js";
import { Eviction, GpuHeap } from "./heap.js";
import { GpuProgram, ProgramHost, aliasPattern, compileForWebGpu } from "./program.js";
import type { ShaderLimits } from "./shader.js";
import type { KernelStyle } from "./kernels/dot.js";

/** Compiled programs kept; past this the least recently run ones are let go. */
const PROGRAM_CACHE = 1024;

/**
 * `jax.config.update("webgpuCpuHandoff", n)`: arrays of at most n elements made from host values
 * keep a host copy, and computations on such arrays alone, with no array past n elements, run
 * on wasm where placement was implicit (WebGpuBackend.handOff). 0 turns it off.
 */
let handoffElements = 1024;
defineSetting("webgpuCpuHandoff", handoffElements, (v) => {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new TypeError(`jax.config.update: webgpuCpuHandoff must be a whole number of elements (0 turns it off); got ${String(v)}.`);
  }
  return (handoffElements = v);
});

/** What the WGSL kernels do, for lowering: everything but float64. */
function capabilities(storageBuffers: number, style: KernelStyle): Capabilities {
  return {
    name: "webgpu",
    dtypes: new Set<DType>(["float32", "float16", "int32", "uint32", "bool", "complex64"]),
    unsupported: (d) =>
      `webjax webgpu: ${d} arrays are not supported on WebGPU (WGSL has no 64-bit floats). Run this on the wasm backend: ` +
      `jax.jit(f, {backend: "wasm"}), or move the arrays there with await jax.devicePutAsync(x, "wasm").`,
    vmath32: new Set(Object.keys(VMath)),
    vmath64: new Set(),
    maxRank: 16,
    // Storage bindings besides the inputs: the control words, up to two outputs and the arena.
    maxKernelInputs: Math.max(2, Math.min(28, storageBuffers - 4)),
    maxRegisters: 31,
    // Strided reads cost a GPU less than a copy pass would save; a CPU adapter gains from
    // moving 4x4 blocks first (quadTranspose), then reading contiguously four at a time.
    transposeCopyMin: style === "cpu" ? 1 << 15 : Infinity,
  };
}

export class WebGpuBackend implements Backend, ProgramHost {
  readonly name = "webgpu" as const;
  readonly syncReads = false;
  memory!: MemoryPool;
  heap!: GpuHeap;
  limits!: ShaderLimits & { offsetAlign: number; uniformAlign: number; style: KernelStyle };
  caps!: Capabilities;
  /** Programs run, host calls they made, pipelines compiled, computations handed to wasm. */
  readonly stats = { programs: 0, hostCalls: 0, pipelines: 0, handedOff: 0 };
  private gpu!: GpuDevice;
  private pipelines = new Map<string, GPUComputePipeline>();
  private programs = new Map<Jaxpr, GpuProgram>();
  private tick = 0;
  /** Work queued behind a read-back, or null when the queue is free. */
  private tail: Promise<void> | null = null;
  /** The first error of asynchronous work, raised at the next await. */
  private asyncError: unknown = null;
  private lost: { reason: string; message: string } | null = null;
  private recreating: Promise<void> | null = null;
  /** shader-f16 used where the device has it (false: float16 through integer arithmetic, for tests). */
  private useF16 = true;

  private constructor() {}

  /** Opens a device; null where WebGPU or an adapter is missing. */
  static async create(): Promise<WebGpuBackend | null> {
    const b = new WebGpuBackend();
    const gpu = await openDevice((info, device) => b.onLost(info, device));
    if (!gpu) return null;
    b.adopt(gpu);
    b.flushesSubnormals = await probeSubnormals(gpu.device);
    return b;
  }

  /** Whether the device flushes float32 subnormals to zero (SwiftShader does; WGSL allows it). */
  flushesSubnormals = false;

  get device(): GPUDevice {
    return this.gpu.device;
  }
  get pool(): MemoryPool {
    return this.memory;
  }
  /** The adapter (vendor, description) and whether it is a software one. */
  get adapter(): { software: boolean; description: string; vendor: string; hasF16: boolean; flushesSubnormals: boolean } {
    const info = this.gpu.adapterInfo;
    return { software: this.gpu.software, description: info.description || info.device, vendor: info.vendor, hasF16: this.gpu.hasF16, flushesSubnormals: this.flushesSubnormals };
  }
  /** GPU buffers created so far (freed ones are reused, so a steady loop adds none). */
  get buffersCreated(): number {
    return this.heap.created + this.programBuffers;
  }
  private programBuffers = 0;

  private adopt(gpu: GpuDevice): void {
    this.gpu = gpu;
    const { limits } = gpu;
    const align = limits.minStorageBufferOffsetAlignment;
    // Bindings cover whole multiples of the offset alignment, so pieces start where binding may.
    const pieceBytes = Math.floor(limits.maxStorageBufferBindingSize / align) * align;
    // CPU implementations of WebGPU pay dearly for workgroup barriers: kernels without them there.
    this.limits = { pieceBytes, storageBuffers: limits.maxStorageBuffersPerShaderStage, f16: gpu.hasF16 && this.useF16, offsetAlign: align, uniformAlign: Math.max(16, limits.minUniformBufferOffsetAlignment), style: gpu.software ? "cpu" : "gpu" };
    this.caps = capabilities(limits.maxStorageBuffersPerShaderStage, this.limits.style);
    const maxAllocation = limits.maxBufferSize;
    this.heap = new GpuHeap(gpu.device, maxAllocation, 256 * 2 ** 20);
    this.memory?.close();
    this.memory = new MemoryPool(this.heap, Number.MAX_SAFE_INTEGER);
    this.memory.reclaim = () => {
      this.heap.dropCache();
      return this.dropLeastRecent(1) > 0;
    };
    gpu.device.onuncapturederror = (ev) => {
      this.asyncError ??= new Error(`webjax webgpu: the device reported an error: ${ev.error.message}`);
    };
    this.pipelines = new Map();
    this.programs = new Map();
  }

  /**
   * Binds buffers in pieces of at most `bytes` (a multiple of the offset alignment), below the
   * device's limit: lets tests bind in pieces on devices whose bindings are large. Programs
   * compile again.
   */
  setMaxBindingBytes(bytes: number): void {
    const align = this.limits.offsetAlign;
    const cap = Math.floor(this.gpu.limits.maxStorageBufferBindingSize / align) * align;
    this.limits = { ...this.limits, pieceBytes: Math.min(cap, Math.floor(bytes / align) * align) };
    for (const p of this.programs.values()) p.dispose();
    this.programs.clear();
  }

  /** Chooses the kernels for GPUs or for CPU adapters (tests run both on every adapter); programs compile again. */
  setKernelStyle(style: KernelStyle): void {
    this.limits = { ...this.limits, style };
    this.caps = capabilities(this.gpu.limits.maxStorageBuffersPerShaderStage, style);
    for (const p of this.programs.values()) p.dispose();
    this.programs.clear();
  }

  /** Chooses the float16 path (true: shader-f16 where the device has it); programs compile again. */
  setShaderF16(on: boolean): void {
    this.useF16 = on;
    this.limits = { ...this.limits, f16: this.gpu.hasF16 && on };
    for (const p of this.programs.values()) p.dispose();
    this.programs.clear();
  }

  pipeline(text: string): GPUComputePipeline {
    let p = this.pipelines.get(text);
    if (!p) {
      const device = this.gpu.device;
      device.pushErrorScope("validation");
      p = device.createComputePipeline({ layout: "auto", compute: { module: device.createShaderModule({ code: text }), entryPoint: "main" } });
      device.popErrorScope().then((e) => {
        if (e) this.asyncError ??= new Error(`webjax webgpu: a generated kernel failed to compile: ${e.message}\n${text}`);
      });
      this.pipelines.set(text, p);
      this.stats.pipelines++;
    }
    return p;
  }

  // ---- device loss ----

  private onLost(info: GPUDeviceLostInfo, device: GPUDevice): void {
    if (device !== this.gpu?.device || this.lost) return;
    this.lost = { reason: info.reason, message: info.message };
    this.memory.close(); // its arrays are gone: using one raises DeviceLostError
    this.recreating = (async () => {
      const gpu = await openDevice((i, d) => this.onLost(i, d));
      if (!gpu) throw new DeviceLostError("webjax webgpu: the WebGPU device was lost and no adapter is available any more.");
      this.adopt(gpu);
      this.lost = null;
    })();
    this.recreating.catch(() => {}).finally(() => (this.recreating = null));
  }

  /** Throws when the device is gone (a new one is on its way) or when `buf` lived on a lost one. */
  private checkDevice(bufs: readonly DeviceBuffer[] = []): void {
    if (this.lost) {
      throw new DeviceLostError(`webjax webgpu: the WebGPU device was lost (${this.lost.reason}${this.lost.message ? `: ${this.lost.message}` : ""}); ` +
        "its arrays are gone. A new device is being created: await jax.effectsBarrier(), then run again with new arrays.");
    }
    for (const b of bufs) {
      if (b.pool !== this.memory) {
        throw new DeviceLostError("webjax webgpu: this array lived on a WebGPU device that was lost; its data is gone. Create it again.");
      }
    }
  }

  // ---- arrays ----

  put(data: TypedArray, aval: ShapedArray): Buffer {
    this.checkDevice();
    if (!this.caps.dtypes.has(aval.dtype)) throw new TypeError(this.caps.unsupported!(aval.dtype));
    const buf = this.memory.allocArray(data.byteLength, aval);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.heap.write(buf.handle as GPUBuffer, bytes);
    if (aval.size <= handoffElements) buf.mirror = bytes.slice();
    return buf;
  }

  readSync(_buf: Buffer, aval: ShapedArray): TypedArray {
    throw new SyncReadError(`Reading ${aval.str()} synchronously`, "await x.data()", "WebGPU");
  }

  hostValues(b: Buffer, aval: ShapedArray): TypedArray | null {
    const buf = b as DeviceBuffer;
    if (!buf.mirror) return null;
    this.checkDevice([buf]);
    return bytesAs(aval.dtype, buf.mirror.slice(), buf.bytes);
  }

  async read(b: Buffer, aval: ShapedArray): Promise<TypedArray> {
    const buf = b as DeviceBuffer;
    // Values known on the host: no read-back (which costs a round trip, 10 ms in Deno).
    const mirrored = this.hostValues(buf, aval);
    if (mirrored) {
      this.raise();
      return mirrored;
    }
    await this.idle();
    this.checkDevice([buf]);
    let bytes: Uint8Array;
    if (buf.resident) {
      bytes = await this.heap.readBytes(buf.handle as GPUBuffer, buf.bytes);
    } else {
      const ev = buf.host as Eviction;
      await ev.ready;
      bytes = ev.data!.slice(0, buf.bytes);
    }
    this.raise();
    return bytesAs(aval.dtype, bytes, buf.bytes);
  }

  free(b: Buffer): void {
    this.memory.free(b as DeviceBuffer);
  }

  liveBuffers(): number {
    return this.memory.stats().numArrays;
  }

  /** Resolves when queued work, the device's queue and any device re-creation are done; raises asynchronous errors. */
  async synchronize(): Promise<void> {
    await this.idle();
    if (!this.lost) await this.gpu.device.queue.onSubmittedWorkDone();
    this.raise();
  }

  private async idle(): Promise<void> {
    while (this.tail || this.recreating) {
      if (this.recreating) await this.recreating;
      if (this.tail) await this.tail;
    }
  }

  private raise(): void {
    const e = this.asyncError;
    if (e) {
      this.asyncError = null;
      throw e;
    }
  }

  // ---- programs ----

  execute(jaxpr: Jaxpr, args: Buffer[], donated?: readonly boolean[], _device = 0, opts: { mayHandOff?: boolean } = {}): Buffer[] {
    const bufs = args as DeviceBuffer[];
    this.checkDevice(bufs);
    if (opts.mayHandOff && !donated?.some(Boolean)) {
      const outs = this.handOff(jaxpr, bufs);
      if (outs) return outs;
    }
    let base = this.programs.get(jaxpr);
    if (!base) {
      if (this.programs.size >= PROGRAM_CACHE) this.dropLeastRecent(PROGRAM_CACHE / 8);
      base = compileForWebGpu(this, this.caps, jaxpr);
      this.programBuffers += base.ownBuffers;
      this.programs.set(jaxpr, base);
    }
    base.lastUse = ++this.tick;
    const take = base.takeDonated(donated);
    // An array passed twice, or an output written into a donated input: a program whose
    // kernels bind that buffer once.
    const alias = aliasPattern(bufs, take);
    let program = base;
    if (alias.length) {
      const key = alias.join(",");
      program = base.variants.get(key) ?? (base.variants.set(key, compileForWebGpu(this, this.caps, jaxpr, alias)).get(key)!);
    }
    this.stats.programs++;
    this.stats.hostCalls += program.nHost;
    return program.run(bufs, take, (work) => this.defer(work));
  }

  /** Whether a program's arrays are all within the handoff limit (as it was when checked). */
  private readonly smallPrograms = new WeakMap<Jaxpr, { limit: number; fits: boolean }>();

  /**
   * A small computation on arrays whose values are on the host runs on the wasm backend, as
   * TensorFlow.js hands small tensors to its CPU backend: a GPU round trip costs far more than
   * the work (0.5 ms in Chromium, 10 ms in Deno, against microseconds). Only where placement was
   * implicit (no jit backend, no committed argument), every argument has a host mirror and no
   * array passes `webgpuCpuHandoff` elements. The results are WebGPU arrays in host memory,
   * uploaded when a GPU program first uses them; reading them needs no round trip either.
   * Null where it does not apply.
   */
  private handOff(jaxpr: Jaxpr, bufs: DeviceBuffer[]): DeviceBuffer[] | null {
    if (handoffElements === 0) return null;
    for (const b of bufs) if (!b.mirror) return null;
    let small = this.smallPrograms.get(jaxpr);
    if (small?.limit !== handoffElements) {
      const fits = (vs: readonly { aval: ShapedArray }[]) => vs.every((v) => v.aval.size <= handoffElements);
      small = { limit: handoffElements, fits: fits(jaxpr.constvars) && fits(jaxpr.invars) && fits(jaxpr.outvars) };
      this.smallPrograms.set(jaxpr, small);
    }
    if (!small.fits || !registeredBackends().includes("wasm")) return null;
    const vars = jaxpr.constvars.length ? [...jaxpr.constvars, ...jaxpr.invars] : jaxpr.invars;
    const cpu = getBackend("wasm");
    const ins: Buffer[] = [];
    let outs: Buffer[] = [];
    try {
      bufs.forEach((b, i) => ins.push(cpu.put(bytesAs(vars[i].aval.dtype, b.mirror!, b.bytes), vars[i].aval)));
      outs = cpu.execute(jaxpr, ins);
      this.stats.handedOff++;
      return outs.map((o, i) => {
        const aval = jaxpr.outvars[i].aval;
        const data = cpu.readSync(o, aval);
        const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        const buf = this.memory.hostArray(bytes.byteLength, aval, Eviction.of(bytes));
        buf.mirror = bytes;
        return buf;
      });
    } finally {
      for (const b of [...ins, ...outs]) cpu.free(b);
    }
  }

  /** Runs `work` now, or after the work queued behind a read-back; keeps freed buffers while anything waits. */
  private defer(work: () => void | Promise<void>): void {
    if (!this.tail) {
      const r = work();
      if (!(r instanceof Promise)) return;
      this.chain(r);
    } else {
      this.chain(this.tail.then(work));
    }
  }

  private chain(p: Promise<void>): void {
    this.heap.holdReleases();
    const t: Promise<void> = p.catch((e) => {
      this.asyncError ??= e;
    }).finally(() => {
      if (this.tail === t) {
        this.tail = null;
        this.heap.releaseHeld();
      }
    });
    this.tail = t;
  }

  private dropLeastRecent(n: number): number {
    const byAge = [...this.programs].filter(([, p]) => !p.busy).sort((a, b) => a[1].lastUse - b[1].lastUse).slice(0, n);
    for (const [jaxpr, program] of byAge) {
      this.programs.delete(jaxpr);
      program.dispose();
    }
    return byAge.length;
  }
}

/** Multiplies 2^-100 by 2^-30 on the device: 0 where it flushes subnormal results. */
async function probeSubnormals(device: GPUDevice): Promise<boolean> {
  const code = `@group(0) @binding(0) var<storage, read_write> B: array<u32>;
@compute @workgroup_size(1) fn main() { B[2] = bitcast<u32>(bitcast<f32>(B[0]) * bitcast<f32>(B[1])); }`;
  const pipeline = device.createComputePipeline({ layout: "auto", compute: { module: device.createShaderModule({ code }), entryPoint: "main" } });
  const buf = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  const read = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buf, 0, new Float32Array([2 ** -100, 2 ** -30, 0, 0]));
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: buf } }] }));
  pass.dispatchWorkgroups(1);
  pass.end();
  enc.copyBufferToBuffer(buf, 0, read, 0, 16);
  device.queue.submit([enc.finish()]);
  await read.mapAsync(GPUMapMode.READ);
  const flushed = new Float32Array(read.getMappedRange())[2] === 0;
  read.unmap();
  buf.destroy();
  read.destroy();
  return flushed;
}
