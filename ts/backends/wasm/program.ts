// The wasm backend's form of a lowered program: bytecode for the C++ interpreter
// (core-cpp/bytecode.h), slot assignment, and the per-call entry point.

import { prod } from "../../core/aval.js";
import { DType, allocHost } from "../../core/dtype.js";
import { HostArray } from "../../core/host.js";
import { Jaxpr } from "../../core/jaxpr.js";
import { interpretEqn } from "../../primitives/reference.js";
import type { Core } from "../../../bindings/core.js";
import { collapseDims } from "../../compiler/buffers.js";
import { Encoder, Op, VMath, dtCode, kernelDt, readsCoordinates, wideWords } from "../../compiler/bytecode.js";
import { Buf, Capabilities, Instr, Kernel, LowerOptions, Lowered, lower, nbytes } from "../../compiler/lower.js";
import { donationPairs, flatten, planArena } from "../../compiler/plan.js";
import { simplify } from "../../compiler/simplify.js";
import type { DeviceBuffer, MemoryPool } from "../../core/memory.js";

/** What the C++ core's kernels do, for lowering. */
export const WASM_CAPABILITIES: Capabilities = {
  name: "wasm",
  dtypes: new Set<DType>(["float32", "float64", "float16", "int32", "uint32", "bool", "complex64"]),
  // core-cpp/vmath.h covers these in float32; libm64 all but erf_inv in float64.
  vmath32: new Set(Object.keys(VMath)),
  vmath64: new Set(Object.keys(VMath).filter((n) => n !== "erf_inv")),
  maxRank: 16, // core-cpp kernels' limit
  maxKernelInputs: 28, // kMaxIn
  maxRegisters: 31, // kRegs - 1
  // Measured: the tiled copy costs about one pass over memory, a strided read a cache miss per
  // element once rows outgrow the cache.
  transposeCopyMin: 1 << 15,
};

/** Merged axes of a view (see collapseDims), within the core's rank limit. */
function collapseChecked(shape: number[], strideSets: number[][]): [number[], number[][]] {
  const out = collapseDims(shape, strideSets);
  if (out[0].length > WASM_CAPABILITIES.maxRank) throw new Error(`webjax wasm: a view of rank ${out[0].length} (more than ${WASM_CAPABILITIES.maxRank} axes that do not merge) is not supported.`);
  return out;
}

/**
 * A compiled program. Its code and one slot table stay on the device while it is cached
 * (counted by the memory owner); each call takes its outputs and its temporaries' arena from
 * the memory owner, and a call nested in another (a callback calling back in) gets its own
 * slot table too, so calls never share scratch.
 */
export class WasmProgram {
  readonly nHost: number;
  private readonly codePtr: number;
  private readonly nWords: number;
  private readonly nSlots: number;
  /** The slot table of the outermost call (nested calls allocate their own). */
  private readonly tablePtr: number;
  /** Bytes of the temporaries' arena (after reuse by lifetime and in place). */
  readonly arenaBytes: number;
  private readonly tempOffsets: Int32Array;
  private readonly inputs: Buf[];
  private readonly outputs: Buf[];
  private readonly hostIds: number[] = [];
  /** Calls of this program under way (more than one when a callback calls it again). */
  private depth = 0;
  private disposed = false;
  /** When this program last ran (the backend's cache evicts the least recent). */
  lastUse = 0;

  constructor(
    private readonly core: Core,
    private readonly pool: MemoryPool,
    lowered: Lowered,
  ) {
    const { instrs, inputs, outputs } = lowered;
    this.inputs = inputs;
    this.outputs = outputs;
    const { offsets, size } = planArena(instrs);
    const temps = [...offsets.keys()];
    const slot = new Map<Buf, number>();
    inputs.forEach((b, i) => slot.set(b, i));
    outputs.forEach((b, i) => slot.set(b, inputs.length + i));
    temps.forEach((b, i) => slot.set(b, inputs.length + outputs.length + i));
    const windows = flatten(instrs).flat.flatMap((i) => (i.op === "scan" ? i.windows.map((w) => w.win) : []));
    windows.forEach((b, i) => slot.set(b, inputs.length + outputs.length + temps.length + i));
    const s = (b: Buf) => {
      const k = slot.get(b);
      if (k === undefined) throw new Error("internal: a buffer without a slot");
      return k;
    };

    /** An OP_FUSED payload. */
    const kernelWords = (k: Kernel, outs: Buf[]): number[] => {
      // Coordinates (iota) name axes, so kernels that read them keep their axes as they are.
      const usesIndex = readsCoordinates(k.code);
      const [shape, strides] = usesIndex
        ? k.shape.length ? [k.shape, k.ins.map((v) => v.strides)] : [[1], k.ins.map(() => [0])]
        : collapseChecked(k.shape, k.ins.map((v) => v.strides));
      if (shape.length > WASM_CAPABILITIES.maxRank) throw new Error(`webjax wasm: kernels of rank ${shape.length} (over ${WASM_CAPABILITIES.maxRank}) are not supported.`);
      const words = [shape.length, ...shape, k.ins.length];
      k.ins.forEach((v, i) => words.push(s(v.buf), v.offset, kernelDt(v.dtype)!, ...strides[i]));
      words.push(outs.length, ...outs.flatMap((b, i) => [s(b), k.outDts[i]]));
      words.push(k.code.length / 5, ...k.code);
      return words;
    };

    let nHost = 0;
    const encode = (enc: Encoder, list: Instr[]) => {
      /** A nested block's words, prefixed by their count. */
      const block = (list: Instr[]): number[] => {
        const sub = new Encoder();
        encode(sub, list);
        const w = globalThis.Array.from(sub.finish());
        return [w.length, ...w];
      };
      for (const ins of list) {
        switch (ins.op) {
          case "fused":
            enc.emit(Op.FUSED, kernelWords(ins, ins.outs));
            break;
          case "reduceFused":
            // The input kernel's output is never stored: its slot is only a placeholder.
            enc.emit(Op.REDUCE_FUSED, [s(ins.out), ins.rop, ...wideWords(ins.outer), ...wideWords(ins.red), ...kernelWords(ins.input, [ins.out])]);
            break;
          case "dot":
            enc.emit(Op.DOT, [s(ins.a.buf), ins.a.offset, s(ins.b.buf), ins.b.offset, s(ins.out), ins.batch, ins.m, ins.n, ins.k, ...ins.as, ...ins.bs, ins.dt]);
            break;
          case "reduce":
            enc.emit(Op.REDUCE, [s(ins.input), s(ins.out), ins.rop, ins.dt, ins.outer, ins.red, ins.inner]);
            break;
          case "copy": {
            const v = ins.input;
            if (prod(v.shape) === 0) break;
            const [shape, [is, os]] = collapseChecked(v.shape, [v.strides, ins.outStrides]);
            enc.emit(Op.COPY, [s(v.buf), v.offset, s(ins.out), ins.outOffset, nbytes(v.dtype), shape.length, ...shape, ...is, ...os]);
            break;
          }
          case "fill":
            if (ins.n > 0) enc.emit(Op.FILL, [s(ins.out), 0, ins.bytes, ins.n, ins.lo, ins.hi]);
            break;
          case "gather":
            if (ins.rows * ins.inner > 0) {
              enc.emit(Op.GATHER, [s(ins.x), s(ins.idx), s(ins.out), ins.eb, ins.dims.length, ins.rows, ins.inner, ins.clamp ? 1 : 0, ...ins.fill, ...ins.dims, ...ins.strides]);
            }
            break;
          case "scatter":
            if (ins.rows * ins.inner > 0) {
              enc.emit(Op.SCATTER, [s(ins.idx), s(ins.upd), s(ins.out), ins.dt, ins.rop, ins.dims.length, ins.rows, ins.inner, ...ins.dims, ...ins.strides]);
            }
            break;
          case "host": {
            const id = core.addHostFn(this.hostFn(ins, s));
            this.hostIds.push(id);
            enc.emit(Op.HOST, [id]);
            nHost++;
            break;
          }
          case "scan":
            enc.emit(Op.SCAN, [ins.length, ins.reverse ? 1 : 0, ins.windows.length, ...ins.windows.flatMap((w) => [s(w.win), s(w.base), w.win.bytes]), ...block(ins.body)]);
            break;
          case "while":
            enc.emit(Op.WHILE, [s(ins.pred), ...block(ins.cond), ...block(ins.body)]);
            break;
          case "cond":
            enc.emit(Op.COND, [s(ins.index), ins.branches.length, ...ins.branches.flatMap(block)]);
            break;
          case "dslice": {
            if (ins.window.includes(0)) break; // nothing to read or write
            // Axes of size 1 take no part (their start clamps to 0); the kernel holds 16 axes.
            const axes = ins.big.flatMap((n, i) => (n === 1 && ins.window[i] === 1 ? [] : [i]));
            if (axes.length > WASM_CAPABILITIES.maxRank) throw new Error(`webjax wasm: a dynamic slice of rank ${axes.length} (over ${WASM_CAPABILITIES.maxRank} axes longer than 1) is not supported.`);
            enc.emit(Op.DSLICE, [s(ins.src), s(ins.dst), ins.eb, axes.length, ins.update ? 1 : 0, ...axes.map((i) => ins.big[i]), ...axes.map((i) => ins.window[i]),
              ...axes.flatMap((i) => [s(ins.starts[i]), ins.starts[i].aval.dtype === "uint32" ? 1 : 0])]);
            break;
          }
          case "sort":
            enc.emit(Op.SORT, [ins.ins.length, ins.numKeys, ins.outer, ins.n, ins.inner, ...ins.ins.flatMap((b, k) => [s(b), s(ins.outs[k]), dtCode(b.aval.dtype)!])]);
            break;
          case "cumulative":
            if (ins.outer * ins.n * ins.inner > 0) enc.emit(Op.CUMULATIVE, [s(ins.input), s(ins.out), ins.rop, ins.dt, ins.outer, ins.n, ins.inner, ins.reverse ? 1 : 0]);
            break;
          case "collective": {
            const w = [...ins.words];
            w[2] = ins.ins.length ? s(ins.ins[0]) : -1;
            w[3] = s(ins.outs[0]);
            enc.emit(Op.COLLECTIVE, w);
            break;
          }
        }
      }
    };
    const enc = new Encoder();
    encode(enc, instrs);
    this.nHost = nHost;
    this.donatable = donationPairs(instrs, inputs, outputs);
    const code = enc.finish();
    this.nWords = code.length;
    this.nSlots = inputs.length + outputs.length + temps.length + windows.length;
    this.arenaBytes = size;
    this.tempOffsets = Int32Array.from(temps, (b) => offsets.get(b)!);
    this.codePtr = pool.allocRaw(code.byteLength, "a compiled program") as number;
    try {
      this.tablePtr = pool.allocRaw(4 * Math.max(1, this.nSlots), "a program's slot table") as number;
    } catch (e) {
      pool.freeRaw(this.codePtr, code.byteLength);
      throw e;
    }
    this.codeBytes = code.byteLength;
    core.i32().set(code, this.codePtr >>> 2);
  }
  private readonly codeBytes: number;

  get running(): boolean {
    return this.depth > 0;
  }

  /** Gives the program's device memory back (the backend's cache let it go). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.depth === 0) this.release();
  }

  private release(): void {
    this.pool.freeRaw(this.codePtr, this.codeBytes);
    this.pool.freeRaw(this.tablePtr, 4 * Math.max(1, this.nSlots));
    for (const id of this.hostIds) this.core.removeHostFn(id);
  }

  /** The JS side of an OP_HOST: the reference kernel on copies of its inputs. */
  private hostFn(ins: Extract<Instr, { op: "host" }>, s: (b: Buf) => number): () => void {
    const inSlots = ins.ins.map(s), outSlots = ins.outs.map(s);
    return () => {
      const mem = this.core.memory.buffer;
      // The slot table of the call that made this host call (a device's, when it runs on one).
      const table = this.core.hostTable();
      const addr = (k: number) => new Uint32Array(mem, table + 4 * k, 1)[0];
      const hostIns: HostArray[] = ins.ins.map((b, i) => {
        const data = allocHost(b.aval.dtype, b.aval.size);
        new Uint8Array(data.buffer).set(new Uint8Array(mem, addr(inSlots[i]), data.byteLength));
        // The buffer may hold a reshaped view of it: the equation's input type is the truth.
        return { shape: ins.eqn.inputs[i].aval.shape, dtype: b.aval.dtype, data };
      });
      const outs = interpretEqn(ins.eqn, hostIns);
      const mem2 = this.core.memory.buffer;
      outs.forEach((o, i) => {
        const bytes = new Uint8Array(o.data.buffer, o.data.byteOffset, o.data.byteLength);
        new Uint8Array(mem2, new Uint32Array(mem2, table + 4 * outSlots[i], 1)[0], bytes.length).set(bytes);
      });
    };
  }

  /**
   * Runs the program. Inputs stay on the device until it returns; outputs are new buffers
   * owned by the caller (or donated inputs' buffers taken over). On any exception everything
   * the call allocated is freed before the error propagates.
   */
  run(args: DeviceBuffer[], donated?: readonly boolean[], pool: MemoryPool = this.pool): DeviceBuffer[] {
    const { core } = this;
    const nIn = args.length;
    const outs: DeviceBuffer[] = new globalThis.Array(this.outputs.length);
    const fresh: DeviceBuffer[] = [];
    let pinned = 0;
    let arena = 0;
    let table = 0;
    let taken: Set<number> | undefined;
    // Running from here on: the cache must not let this program go while it allocates.
    const outermost = this.depth++ === 0;
    try {
      // Inputs may live on any device (one memory): each is held by its own owner.
      for (; pinned < nIn; pinned++) args[pinned].pool.pin(args[pinned]);
      const took = (taken = donated ? new Set<number>() : undefined);
      for (let k = 0; k < outs.length; k++) {
        // Outputs take over donated inputs' buffers where the plan allows it.
        const j = took ? this.donatable[k].find((j) => donated![j] && !took.has(j)) : undefined;
        if (j !== undefined) {
          took!.add(j);
          outs[k] = args[j]; // adopted below, once the call succeeded
          continue;
        }
        const b = this.outputs[k];
        const o = pool.allocArray(b.bytes, b.aval);
        fresh.push(o);
        pool.pin(o);
        outs[k] = o;
      }
      if (this.arenaBytes) arena = pool.allocRaw(this.arenaBytes, "the scratch arena of a program's temporaries") as number;
      table = outermost ? this.tablePtr : (pool.allocRaw(4 * Math.max(1, this.nSlots), "a program's slot table") as number);
      // The view is taken after every allocation: growing memory replaces memory.buffer.
      const i32 = core.i32();
      const t = table >>> 2;
      for (let i = 0; i < nIn; i++) i32[t + i] = args[i].handle as number;
      for (let i = 0; i < outs.length; i++) i32[t + nIn + i] = outs[i].handle as number;
      const temps = this.tempOffsets;
      for (let i = 0, at = t + nIn + outs.length; i < temps.length; i++) i32[at + i] = arena + temps[i];
      core.exports.wj_run(this.codePtr, this.nWords, table);
    } catch (e) {
      for (const o of fresh) pool.free(o);
      throw e;
    } finally {
      for (let i = 0; i < pinned; i++) args[i].pool.unpin(args[i]);
      for (const o of fresh) pool.unpin(o);
      if (arena) pool.freeRaw(arena, this.arenaBytes);
      if (table && !outermost) pool.freeRaw(table, 4 * Math.max(1, this.nSlots));
      if (--this.depth === 0 && this.disposed) this.release();
    }
    // Outputs written into donated inputs' memory get records of their own.
    if (taken) for (let k = 0; k < outs.length; k++) if (args.includes(outs[k])) outs[k] = pool.adopt(outs[k], this.outputs[k].aval);
    return outs;
  }
  /** For each output, the inputs whose buffers it may be written into. */
  private readonly donatable: number[][];

  /**
   * Runs the program on every device of a mesh at once (core-cpp/devices.h): `args[p]` are
   * position p's inputs, `pools[p]` its device's memory owner (outputs, scratch and slot table
   * come from there), `tids[p]` the pool thread that runs it. Returns each position's outputs;
   * on any exception (a fault on any device) everything the call allocated is freed first.
   */
  runDevices(args: DeviceBuffer[][], pools: MemoryPool[], tids: number[], meshSizes: number[]): DeviceBuffer[][] {
    const { core } = this;
    const n = args.length;
    const outs: DeviceBuffer[][] = [];
    const fresh: DeviceBuffer[] = [];
    const pinned: DeviceBuffer[] = [];
    const raw: [MemoryPool, number, number][] = [];
    this.depth++;
    try {
      for (const list of args) for (const b of list) pinned.push(b), b.pool.pin(b);
      for (let p = 0; p < n; p++) {
        outs.push(this.outputs.map((b) => {
          const o = pools[p].allocArray(b.bytes, b.aval);
          fresh.push(o);
          pools[p].pin(o);
          return o;
        }));
      }
      const tables: number[] = [];
      for (let p = 0; p < n; p++) {
        const arena = this.arenaBytes ? (pools[p].allocRaw(this.arenaBytes, "a program's temporaries") as number) : 0;
        if (arena) raw.push([pools[p], arena, this.arenaBytes]);
        const table = pools[p].allocRaw(4 * Math.max(1, this.nSlots), "a program's slot table") as number;
        raw.push([pools[p], table, 4 * Math.max(1, this.nSlots)]);
        tables.push(table);
        // (The view is taken after this device's allocations: growing memory replaces memory.buffer.)
        const i32 = core.i32();
        const t = table >>> 2;
        args[p].forEach((b, i) => (i32[t + i] = b.handle as number));
        outs[p].forEach((b, i) => (i32[t + args[p].length + i] = b.handle as number));
        for (let i = 0, at = t + args[p].length + outs[p].length; i < this.tempOffsets.length; i++) i32[at + i] = arena + this.tempOffsets[i];
      }
      core.runDevices(this.codePtr, this.nWords, tids, tables, meshSizes);
    } catch (e) {
      for (const o of fresh) o.pool.free(o);
      throw e;
    } finally {
      for (const b of pinned) b.pool.unpin(b);
      for (const o of fresh) o.pool.unpin(o);
      for (const [pool, ptr, bytes] of raw) pool.freeRaw(ptr, bytes);
      if (--this.depth === 0 && this.disposed) this.release();
    }
    return outs;
  }
}

/** Simplifies, lowers and encodes `jaxpr` for the wasm core (for every device of `opts.mesh`). */
export function compileForWasm(core: Core, pool: MemoryPool, jaxpr: Jaxpr, opts: LowerOptions = {}): WasmProgram {
  return new WasmProgram(core, pool, lower(simplify(jaxpr), WASM_CAPABILITIES, opts));
}
