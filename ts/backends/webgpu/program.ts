// The WebGPU backend's form of a lowered program: each instruction becomes one or a few compute
// dispatches of generated WGSL (pipelines cached by their text), with a parameter record each in
// one buffer per program. A call encodes every dispatch into one command encoder and submits it
// once; loops and branches run on the GPU (counters and guards in the program's control words).
// Only host calls (primitives without a kernel) and while loops' exit checks read back; a
// program with either runs asynchronously, after the work before it (see backend.ts).

import { HostArray } from "../../core/host.js";
import { Jaxpr } from "../../core/jaxpr.js";
import type { DeviceBuffer, MemoryPool } from "../../core/memory.js";
import { interpretEqn } from "../../primitives/reference.js";
import { Buf, Capabilities, Instr, Lowered, lower, nbytes } from "../../compiler/lower.js";
import { donationPairs, planArena } from "../../compiler/plan.js";
import { simplify } from "../../compiler/simplify.js";
import { DT } from "../../compiler/bytecode.js";
import { MemId, Shader, ShaderLimits, WORKGROUP, grid } from "./shader.js";
import { MAX_LOOP, Place, PlaceOf } from "./kernels/places.js";
import { fusedBody } from "./kernels/fused.js";
import { copyKernel, cumulativeKernel, dsliceKernel, fillKernel, gatherKernel, scatterKernel } from "./kernels/movement.js";
import { fusedSpec, partialSpec, plainSpec, reduceQuad, reduceSerial, reduceStrategy, reduceWorkgroup } from "./kernels/reduce.js";
import { KernelStyle, dotKernel } from "./kernels/dot.js";
import { pow2, sortGather, sortInit, sortScratch, sortStage } from "./kernels/sort.js";
import { ctlAdd, ctlBranch, ctlSet, ctlWhile } from "./kernels/control.js";
import type { GpuHeap } from "./heap.js";

/** What a program needs of its backend: the device, pipelines by text, the heap, ordering. */
export interface ProgramHost {
  readonly device: GPUDevice;
  readonly heap: GpuHeap;
  readonly pool: MemoryPool;
  readonly limits: ShaderLimits & { offsetAlign: number; uniformAlign: number; style: KernelStyle };
  pipeline(text: string): GPUComputePipeline;
}

interface Dispatch {
  pipeline: GPUComputePipeline;
  mems: { mem: MemId; pieces: number; words: boolean; halves: boolean; quads: boolean }[];
  ctl: boolean;
  paramOffset: number;
  paramBytes: number;
  grid: [number, number, number];
}

type Step =
  | { k: "d"; d: Dispatch }
  | { k: "host"; eqn: Extract<Instr, { op: "host" }>["eqn"]; ins: { place: Place; buf: Buf }[]; outs: { place: Place; buf: Buf }[]; guard: number | null }
  | { k: "scan"; length: number; reverse: boolean; ctl: number; init: Dispatch; step: Dispatch; body: Step[]; sync: boolean }
  | { k: "while"; guard: number; head: Step[]; iter: Step[] };

/**
 * Kernels this large (elements, or multiply-adds for dots) get their sizes and strides written
 * into the shader as constants (a pipeline per shape, whose index math the compiler can
 * simplify: 1.3-2x on llvmpipe); smaller ones read them from parameters and share pipelines.
 */
const BAKE_ELEMENTS = 1 << 16, BAKE_MACS = 1 << 18;

const isSync = (steps: Step[]): boolean => steps.every((s) => s.k === "d" || (s.k === "scan" && s.sync));

/**
 * Steps of a while loop encoded before its guard is read back: 8 at first, then 4 times as many
 * each time up to 256 (steps past the exit do nothing; a read-back costs ~11 ms in Deno).
 */
const WHILE_CHUNK_FIRST = 8, WHILE_CHUNK_MAX = 256;

export class GpuProgram {
  readonly async: boolean;
  private readonly steps: Step[];
  private readonly inputs: Buf[];
  private readonly outputs: Buf[];
  private readonly memBytes: number[];
  private readonly arenaBytes: number;
  private scratchBytes = 0;
  private readonly params: GPUBuffer;
  private readonly ctlBuffer: GPUBuffer | null;
  private readonly donatable: number[][];
  private nCtl = 0;
  /** Host calls a run makes (for tests and notes). */
  nHost = 0;
  lastUse = 0;
  /** Calls of this program not yet encoded and submitted (the cache must keep it). */
  pending = 0;
  /** GPU buffers the program made for itself (parameters, control words). */
  readonly ownBuffers: number;

  /**
   * `alias`: for each input and output, the input or output whose buffer it is at run time (itself
   * usually): the same array passed twice, an output written into a donated input. Such memories
   * are bound once (WebGPU forbids two writable bindings of one buffer in a dispatch), so each
   * pattern of aliasing is a program of its own.
   */
  constructor(private readonly host: ProgramHost, lowered: Lowered, alias: readonly number[] = []) {
    const { instrs, inputs, outputs } = lowered;
    this.inputs = inputs;
    this.outputs = outputs;
    const { offsets, size } = planArena(instrs);
    this.arenaBytes = size;
    const nIn = inputs.length, nOut = outputs.length;
    const ARENA = nIn + nOut, SCRATCH = ARENA + 1;
    this.memBytes = [...inputs.map((b) => b.bytes), ...outputs.map((b) => b.bytes), size, 0];
    const windows = new Map<Buf, { base: Buf; ctl: number }>();
    const canon = (m: number) => alias[m] ?? m;
    const placeOf: PlaceOf = (b) => {
      if (b.kind === "input") return { mem: canon(b.index), byteOffset: 0 };
      if (b.kind === "output") return { mem: canon(nIn + b.index), byteOffset: 0 };
      if (b.kind === "temp") {
        const off = offsets.get(b);
        if (off === undefined) throw new Error("internal: a temporary without an arena offset");
        return { mem: ARENA, byteOffset: off };
      }
      const w = windows.get(b);
      if (!w) throw new Error("internal: a window outside its scan");
      const base = placeOf(w.base);
      return { ...base, loops: [...(base.loops ?? []), { ctl: w.ctl, rowBytes: b.bytes }] };
    };

    const records: Uint32Array[] = [];
    let paramAt = 0;
    const align = host.limits.uniformAlign;
    const dispatch = (build: (sh: Shader) => { body: string; threads?: number; grid?: [number, number, number] }, workgroup = WORKGROUP, bake = false): Dispatch => {
      const sh = new Shader(host.limits, (m) => (m === SCRATCH ? this.scratchBytes : this.memBytes[m]));
      sh.bake = bake;
      const out = build(sh);
      const text = sh.text(out.body, workgroup);
      if (sh.storageBindings > host.limits.storageBuffers) {
        throw new Error(`webjax webgpu: a kernel needs ${sh.storageBindings} storage buffers, more than this device allows (${host.limits.storageBuffers}); arrays larger than one binding (${host.limits.pieceBytes} bytes) take several.`);
      }
      // A uniform array of vec4<u32>: whole 16-byte rows.
      const rec = new Uint32Array(4 * Math.max(1, Math.ceil(sh.params.length / 4)));
      rec.set(sh.params.map((v) => v >>> 0));
      const d: Dispatch = {
        pipeline: host.pipeline(text),
        mems: sh.mems,
        ctl: sh.ctl !== "none",
        paramOffset: paramAt,
        paramBytes: rec.byteLength,
        grid: out.grid ?? [...grid(out.threads ?? 1, workgroup), 1],
      };
      records.push(rec);
      paramAt += Math.ceil(rec.byteLength / align) * align;
      return d;
    };
    const big = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1) >= BAKE_ELEMENTS;
    const one = (build: (sh: Shader) => string) => dispatch((sh) => ({ body: build(sh), threads: 1 }), 1);
    const ctlSlot = () => this.nCtl++;
    const scratch = (bytes: number) => {
      this.scratchBytes = Math.max(this.scratchBytes, bytes);
      return { mem: SCRATCH, byteOffset: 0 };
    };

    const compile = (list: Instr[], guard: number | null): Step[] => {
      const steps: Step[] = [];
      const d = (x: Dispatch) => steps.push({ k: "d", d: x });
      for (const ins of list) {
        switch (ins.op) {
          case "fused":
            if (ins.shape.every((n) => n > 0)) d(dispatch((sh) => fusedBody(sh, ins, ins.outs.map(placeOf), placeOf, guard), WORKGROUP, big(ins.shape)));
            break;
          case "reduceFused":
          case "reduce": {
            const spec = ins.op === "reduce" ? plainSpec(ins, placeOf) : fusedSpec(ins, placeOf);
            if (spec.outer * spec.inner === 0) break;
            const cpu = host.limits.style === "cpu";
            const how = reduceStrategy(spec, cpu);
            const bake = spec.outer * spec.red * spec.inner >= BAKE_ELEMENTS;
            const groups = (r: { body: string; groups: number }) => ({ body: r.body, grid: [...grid(r.groups * WORKGROUP), 1] as [number, number, number] });
            const pass = (sp: typeof spec, opts: { chunks?: number; partial?: { mem: number; byteOffset: number } } = {}) =>
              d(how.kind === "serial" ? dispatch((sh) => (cpu ? reduceQuad(sh, sp, guard, opts) : null) ?? reduceSerial(sh, sp, guard, opts), WORKGROUP, bake) : dispatch((sh) => groups(reduceWorkgroup(sh, sp, guard, opts)), WORKGROUP, bake));
            if (how.chunks === 1) pass(spec);
            else {
              // Pieces of the reduced axis first, into scratch, then those partial results.
              const part = scratch(4 * spec.outer * spec.inner * how.chunks);
              pass(spec, { chunks: how.chunks, partial: part });
              pass(partialSpec(spec, part, how.chunks));
            }
            break;
          }
          case "dot":
            if (ins.m * ins.n * ins.batch > 0) {
              // (A CPU adapter's kernel loops over k in one invocation: past llvmpipe's loop limit, tiles.)
              const style = ins.k > MAX_LOOP ? "gpu" : host.limits.style;
              d(dispatch((sh) => dotKernel(sh, ins, placeOf, guard, style), style === "gpu" ? WORKGROUP : 64, ins.m * ins.n * ins.k * ins.batch >= BAKE_MACS));
            }
            break;
          case "copy":
            if (ins.input.shape.every((n) => n > 0)) d(dispatch((sh) => copyKernel(sh, ins, placeOf, guard, host.limits.style), WORKGROUP, big(ins.input.shape)));
            break;
          case "fill":
            if (ins.n > 0) d(dispatch((sh) => fillKernel(sh, ins, placeOf, guard)));
            break;
          case "gather":
            if (ins.rows * ins.inner > 0) d(dispatch((sh) => gatherKernel(sh, ins, placeOf, guard)));
            break;
          case "scatter":
            // Rows in order, at most MAX_LOOP per dispatch (llvmpipe's loop limit).
            if (ins.inner > 0) for (let r0 = 0; r0 < ins.rows; r0 += MAX_LOOP) d(dispatch((sh) => scatterKernel(sh, ins, placeOf, guard, r0, Math.min(ins.rows, r0 + MAX_LOOP))));
            break;
          case "dslice":
            if (ins.window.every((n) => n > 0)) d(dispatch((sh) => dsliceKernel(sh, ins, placeOf, guard)));
            break;
          case "cumulative":
            if (ins.outer * ins.inner > 0) for (let s0 = 0; s0 < ins.n; s0 += MAX_LOOP) d(dispatch((sh) => cumulativeKernel(sh, ins, placeOf, guard, s0, Math.min(ins.n, s0 + MAX_LOOP))));
            break;
          case "sort": {
            if (ins.outer * ins.n * ins.inner === 0) break;
            const perm = scratch(sortScratch(ins));
            d(dispatch((sh) => sortInit(sh, ins, perm, guard)));
            for (let kk = 2; kk <= pow2(ins.n); kk *= 2) {
              for (let j = kk / 2; j >= 1; j /= 2) d(dispatch((sh) => sortStage(sh, ins, placeOf, perm, kk, j, guard)));
            }
            d(dispatch((sh) => sortGather(sh, ins, placeOf, perm, guard)));
            break;
          }
          case "host":
            this.nHost++;
            steps.push({ k: "host", eqn: ins.eqn, ins: ins.ins.map((b) => ({ place: placeOf(b), buf: b })), outs: ins.outs.map((b) => ({ place: placeOf(b), buf: b })), guard });
            break;
          case "scan": {
            const ctl = ctlSlot();
            for (const w of ins.windows) windows.set(w.win, { base: w.base, ctl });
            const init = one((sh) => ctlSet(sh, ctl, ins.reverse ? ins.length - 1 : 0));
            const step = one((sh) => ctlAdd(sh, ctl, ins.reverse ? -1 : 1));
            const body = compile(ins.body, guard);
            if (ins.length > 0) steps.push({ k: "scan", length: ins.length, reverse: ins.reverse, ctl, init, step, body, sync: isSync(body) });
            break;
          }
          case "cond": {
            const n = ins.branches.length;
            ins.branches.forEach((br, k) => {
              const g = ctlSlot();
              d(one((sh) => ctlBranch(sh, g, guard, ins.index, k, n, placeOf)));
              steps.push(...compile(br, g));
            });
            break;
          }
          case "while": {
            const g = ctlSlot();
            const head = [...compile(ins.cond, guard), { k: "d" as const, d: one((sh) => ctlWhile(sh, g, guard, ins.pred, placeOf)) }];
            const iter = [...compile(ins.body, g), ...compile(ins.cond, g), { k: "d" as const, d: one((sh) => ctlWhile(sh, g, g, ins.pred, placeOf)) }];
            steps.push({ k: "while", guard: g, head, iter });
            break;
          }
        }
      }
      return steps;
    };
    this.steps = compile(instrs, null);
    this.async = !isSync(this.steps);
    this.memBytes[SCRATCH] = this.scratchBytes;
    this.donatable = donationPairs(instrs, inputs, outputs);

    const device = host.device;
    this.params = device.createBuffer({ size: Math.max(16, paramAt), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, mappedAtCreation: true });
    const mapped = new Uint32Array(this.params.getMappedRange());
    let at = 0;
    for (const r of records) {
      mapped.set(r, at / 4);
      at += Math.ceil(r.byteLength / align) * align;
    }
    this.params.unmap();
    this.ctlBuffer = this.nCtl ? device.createBuffer({ size: Math.max(16, 4 * this.nCtl), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST }) : null;
    this.ownBuffers = this.ctlBuffer ? 2 : 1;
  }

  /** Gives the program's own buffers back (the backend's cache let it go). */
  dispose(): void {
    this.params.destroy();
    this.ctlBuffer?.destroy();
    for (const v of this.variants.values()) v.dispose();
  }

  /** Programs for other aliasing patterns of this one's memories (see the constructor), by pattern. */
  readonly variants = new Map<string, GpuProgram>();

  /** Whether a call of this program (or a variant) is still to be encoded. */
  get busy(): boolean {
    return this.pending > 0 || [...this.variants.values()].some((v) => v.pending > 0);
  }

  /** For each output, the donated input whose buffer it takes over (where the plan allows), else undefined. */
  takeDonated(donated: readonly boolean[] | undefined): (number | undefined)[] {
    const taken = new Set<number>();
    return this.outputs.map((_, k) => {
      if (!donated) return undefined;
      const j = this.donatable[k].find((j) => donated[j] && !taken.has(j));
      if (j !== undefined) taken.add(j);
      return j;
    });
  }

  /**
   * Runs the program: inputs stay on the device until it has run, outputs are new buffers (or
   * the donated inputs' buffers of `take`). `defer` runs `work` now or, when earlier work is
   * still waiting on a read-back, after it; async programs always go through it.
   */
  run(args: DeviceBuffer[], take: readonly (number | undefined)[], defer: (work: () => void | Promise<void>) => void): DeviceBuffer[] {
    const { pool } = this.host;
    const outs: DeviceBuffer[] = new globalThis.Array(this.outputs.length);
    const fresh: DeviceBuffer[] = [];
    const raw: [unknown, number][] = [];
    // What this call pinned (a donated input's record is replaced by the output that adopts it).
    const held = args.slice();
    let pinned = 0;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.pending--;
      for (let i = 0; i < pinned; i++) pool.unpin(held[i]);
      for (const o of fresh) pool.unpin(o);
      for (const [h, n] of raw) pool.freeRaw(h, n);
    };
    this.pending++;
    try {
      for (; pinned < args.length; pinned++) pool.pin(args[pinned]);
      for (let k = 0; k < outs.length; k++) {
        const j = take[k];
        if (j !== undefined) {
          outs[k] = args[j]; // adopted below, once every allocation succeeded
          continue;
        }
        const b = this.outputs[k];
        const o = pool.allocArray(b.bytes, b.aval);
        fresh.push(o);
        pool.pin(o);
        outs[k] = o;
      }
      const mems: GPUBuffer[] = [...args.map((a) => a.handle as GPUBuffer), ...outs.map((o) => o.handle as GPUBuffer)];
      for (const [bytes, what] of [[this.arenaBytes, "a program's temporaries"], [this.scratchBytes, "a kernel's scratch"]] as const) {
        if (bytes > 0) {
          const h = pool.allocRaw(bytes, what) as GPUBuffer;
          raw.push([h, bytes]);
          mems.push(h);
        } else mems.push(null as unknown as GPUBuffer);
      }
      // Outputs written into donated inputs' memory get records of their own, so other holders
      // of a donated array never see the output's values.
      take.forEach((j, k) => {
        if (j === undefined) return;
        const o = pool.adopt(args[j], this.outputs[k].aval);
        for (let i = 0; i < held.length; i++) if (held[i] === args[j]) held[i] = o;
        outs[k] = o;
      });
      defer(this.async ? () => this.runAsync(mems).finally(release) : () => {
        try {
          this.runSync(mems);
        } finally {
          release();
        }
      });
    } catch (e) {
      release();
      for (const o of fresh) pool.free(o);
      throw e;
    }
    return outs;
  }

  private bindGroup(d: Dispatch, mems: GPUBuffer[]): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.params, offset: d.paramOffset, size: d.paramBytes } }];
    if (d.ctl) entries.push({ binding: 1, resource: { buffer: this.ctlBuffer! } });
    const piece = this.host.limits.pieceBytes;
    const bound = new Set<GPUBuffer>();
    for (const { mem, pieces, words, halves, quads } of d.mems) {
      if (bound.has(mems[mem])) throw new Error("internal: one buffer bound twice in a dispatch (an aliasing pattern was missed)");
      bound.add(mems[mem]);
      const bytes = Math.max(4, Math.ceil(this.memBytes[mem] / 4) * 4);
      for (const view of [words, halves, quads]) {
        if (!view) continue;
        for (let k = 0; k < pieces; k++) {
          entries.push({ binding: entries.length, resource: { buffer: mems[mem], offset: k * piece, size: Math.min(piece, bytes - k * piece) } });
        }
      }
    }
    return this.host.device.createBindGroup({ layout: d.pipeline.getBindGroupLayout(0), entries });
  }

  private encodeDispatch(pass: GPUComputePassEncoder, d: Dispatch, bg: GPUBindGroup): void {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(d.grid[0], d.grid[1], d.grid[2]);
  }

  /** Encodes steps that never wait (dispatches and scans of them) into one pass. */
  private encodeSync(pass: GPUComputePassEncoder, steps: Step[], mems: GPUBuffer[], groups: Map<Dispatch, GPUBindGroup>): void {
    const bg = (d: Dispatch) => {
      let g = groups.get(d);
      if (!g) groups.set(d, (g = this.bindGroup(d, mems)));
      return g;
    };
    for (const s of steps) {
      if (s.k === "d") this.encodeDispatch(pass, s.d, bg(s.d));
      else if (s.k === "scan") {
        this.encodeDispatch(pass, s.init, bg(s.init));
        for (let i = 0; i < s.length; i++) {
          this.encodeSync(pass, s.body, mems, groups);
          this.encodeDispatch(pass, s.step, bg(s.step));
        }
      } else throw new Error("internal: a waiting step in a synchronous block");
    }
  }

  private runSync(mems: GPUBuffer[]): void {
    const enc = this.host.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    this.encodeSync(pass, this.steps, mems, new Map());
    pass.end();
    this.host.device.queue.submit([enc.finish()]);
  }

  /** Runs steps that read back: dispatches batch into passes, submitted before each wait. */
  private async runAsync(mems: GPUBuffer[]): Promise<void> {
    const device = this.host.device;
    const groups = new Map<Dispatch, GPUBindGroup>();
    let enc: GPUCommandEncoder | null = null;
    let pass: GPUComputePassEncoder | null = null;
    const open = () => {
      if (!pass) {
        enc = device.createCommandEncoder();
        pass = enc.beginComputePass();
      }
      return pass;
    };
    const flush = () => {
      if (pass) {
        pass.end();
        device.queue.submit([enc!.finish()]);
        pass = null;
        enc = null;
      }
    };
    /** JS's copy of each scan counter that runs here (host calls address windows by it). */
    const counters = new Map<number, number>();
    const at = (p: Place) => p.byteOffset + (p.loops ?? []).reduce((s, l) => s + (counters.get(l.ctl) ?? 0) * l.rowBytes, 0);
    const readCtl = async (slot: number) => {
      flush();
      const bytes = await this.host.heap.readBytes(this.ctlBuffer!, 4, 4 * slot);
      return new Uint32Array(bytes.buffer, bytes.byteOffset, 1)[0];
    };
    const run = async (steps: Step[]): Promise<void> => {
      for (const s of steps) {
        if (s.k === "d") this.encodeSync(open(), [s], mems, groups);
        else if (s.k === "scan" && s.sync) this.encodeSync(open(), [s], mems, groups);
        else if (s.k === "scan") {
          this.encodeSync(open(), [{ k: "d", d: s.init }], mems, groups);
          for (let i = 0; i < s.length; i++) {
            counters.set(s.ctl, s.reverse ? s.length - 1 - i : i);
            await run(s.body);
            this.encodeSync(open(), [{ k: "d", d: s.step }], mems, groups);
          }
          counters.delete(s.ctl);
        } else if (s.k === "host") {
          if (s.guard !== null && (await readCtl(s.guard)) === 0) continue;
          flush();
          const ins: HostArray[] = await Promise.all(s.ins.map(async ({ place, buf }, i) => {
            const bytes = await this.host.heap.readBytes(mems[place.mem], buf.bytes, at(place));
            const data = hostData(buf, bytes);
            return { shape: s.eqn.inputs[i].aval.shape, dtype: buf.aval.dtype, data };
          }));
          const outs = interpretEqn(s.eqn, ins);
          outs.forEach((o, i) => {
            const { place } = s.outs[i];
            this.host.heap.write(mems[place.mem], new Uint8Array(o.data.buffer, o.data.byteOffset, o.data.byteLength), at(place));
          });
        } else {
          await run(s.head);
          for (let chunk = WHILE_CHUNK_FIRST; ; chunk = Math.min(4 * chunk, WHILE_CHUNK_MAX)) {
            if ((await readCtl(s.guard)) === 0) break;
            for (let i = 0; i < chunk; i++) await run(s.iter);
          }
        }
      }
    };
    await run(this.steps);
    flush();
  }
}

/** A host array's data from the bytes of a buffer (its dtype's typed array). */
function hostData(buf: Buf, bytes: Uint8Array) {
  const d = buf.aval.dtype;
  const copy = bytes.slice(0, buf.bytes).buffer;
  switch (d) {
    case "float32": case "complex64": return new Float32Array(copy);
    case "int32": return new Int32Array(copy);
    case "uint32": return new Uint32Array(copy);
    case "bool": return new Uint8Array(copy);
    case "float16": return new Uint16Array(copy);
    default: throw new Error(`webjax webgpu: ${d} arrays are not supported`);
  }
}

/** Simplifies, lowers and compiles `jaxpr` for the device (`alias`: see GpuProgram). */
export function compileForWebGpu(host: ProgramHost, caps: Capabilities, jaxpr: Jaxpr, alias: readonly number[] = []): GpuProgram {
  return new GpuProgram(host, lower(simplify(jaxpr), caps), alias);
}

export { nbytes, DT };

/**
 * Which memories share a buffer in this call (see GpuProgram's `alias`): each input and output
 * mapped to the first one with its buffer; empty when none do (the usual case).
 */
export function aliasPattern(args: readonly DeviceBuffer[], take: readonly (number | undefined)[]): number[] {
  let any = false;
  const alias = args.map((a, j) => {
    const i = args.indexOf(a);
    if (i !== j) any = true;
    return i;
  });
  take.forEach((j, k) => {
    if (j !== undefined) any = true;
    alias.push(j === undefined ? args.length + k : alias[j]);
  });
  return any ? alias : [];
}
