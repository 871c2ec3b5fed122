// From lowered instructions to a runnable wasm program: memory planning (temporaries share
// one arena by lifetime), slot assignment, bytecode encoding, and the per-call entry point.

import { prod, stridesOf } from "../core/aval.js";
import { allocHost } from "../core/dtype.js";
import { HostArray } from "../core/host.js";
import { Jaxpr } from "../core/jaxpr.js";
import { interpretEqn } from "../backends/cpu/index.js";
import type { Core } from "../../bindings/core.js";
import { E, Encoder, INT32_MAX, Op, dtCode, kernelDt, wideWords } from "./bytecode.js";
import { Buf, Instr, Kernel, Lowered, lower, nbytes } from "./lower.js";
import { simplify } from "./simplify.js";

export interface WasmBuffer {
  ptr: number;
  bytes: number;
}

const ALIGN = 16;

/** Buffers each instruction reads and writes (for lifetimes). */
function buffersOf(i: Instr): { reads: Buf[]; writes: Buf[] } {
  switch (i.op) {
    case "fused": return { reads: i.ins.map((v) => v.buf), writes: i.outs };
    case "dot": return { reads: [i.a.buf, i.b.buf], writes: [i.out] };
    case "reduce": return { reads: [i.input], writes: [i.out] };
    case "reduceFused": return { reads: i.input.ins.map((v) => v.buf), writes: [i.out] };
    case "copy": return { reads: [i.input.buf], writes: [i.out] };
    case "fill": return { reads: [], writes: [i.out] };
    case "host": return { reads: i.ins, writes: i.outs };
    case "gather": return { reads: [i.x, i.idx], writes: [i.out] };
    case "scatter": return { reads: [i.idx, i.upd, i.out], writes: [i.out] };
    // Blocks are planned where they sit (see `flatten`); the loop's own step touches its arrays.
    case "scan": return { reads: i.windows.map((w) => w.base), writes: i.windows.map((w) => w.base) };
    case "while": return { reads: [i.pred], writes: [] };
    case "cond": return { reads: [i.index], writes: [] };
    case "dslice": return { reads: [i.src, ...i.starts, ...(i.update ? [i.dst] : [])], writes: [i.dst] };
    case "cumulative": return { reads: [i.input], writes: [i.out] };
    case "sort": return { reads: i.ins, writes: i.outs };
  }
}

const blocksOf = (i: Instr): Instr[][] => (i.op === "scan" ? [i.body] : i.op === "while" ? [i.cond, i.body] : i.op === "cond" ? i.branches : []);

/**
 * Every instruction in execution order, nested blocks inline, and for each loop or branch
 * instruction the position of the last instruction of its blocks.
 */
function flatten(instrs: Instr[]): { flat: Instr[]; blockEnd: Map<number, number> } {
  const flat: Instr[] = [];
  const blockEnd = new Map<number, number>();
  const visit = (list: Instr[]) => {
    for (const i of list) {
      const at = flat.push(i) - 1;
      const blocks = blocksOf(i);
      blocks.forEach(visit);
      if (blocks.length) blockEnd.set(at, flat.length - 1);
    }
  };
  visit(instrs);
  return { flat, blockEnd };
}

/** Whether `ins` is an elementwise kernel writing `out` that reads `input` only at that same index. */
function sameIndexRead(ins: Instr, input: Buf, out: Buf): boolean {
  return ins.op === "fused" && ins.outs.includes(out) && ins.ins.some((v) => v.buf === input) &&
    ins.ins.every((v) => v.buf !== input || (v.offset === 0 && v.dtype === input.aval.dtype && v.shape.join() === out.aval.shape.join() && v.strides.every((st, i) => v.shape[i] === 1 || st === stridesOf(v.shape)[i])));
}

/** Arena offsets for temporaries: first fit over lifetimes [first write, last use]. */
function planArena(instrs: Instr[]): { offsets: Map<Buf, number>; size: number } {
  const first = new Map<Buf, number>();
  const last = new Map<Buf, number>();
  const { flat, blockEnd } = flatten(instrs);
  flat.forEach((ins, t) => {
    const { reads, writes } = buffersOf(ins);
    for (const b of [...reads, ...writes]) {
      if (b.kind !== "temp") continue;
      if (!first.has(b)) first.set(b, t);
      last.set(b, t);
    }
  });
  // A buffer made before a block and used in it (or by the loop itself) lives to the block's
  // end: the next step reads it again.
  const loopCarried = new Set<Buf>();
  for (const [t0, end] of blockEnd) {
    for (const [b, f] of first) {
      if (f <= t0 && last.get(b)! >= t0) {
        last.set(b, Math.max(last.get(b)!, end));
        loopCarried.add(b);
      }
    }
  }
  const live: { buf: Buf; off: number; size: number; end: number }[] = [];
  const offsets = new Map<Buf, number>();
  let size = 0;
  for (const [b, start] of [...first].sort((x, y) => x[1] - y[1])) {
    for (let k = live.length - 1; k >= 0; k--) if (live[k].end < start) live.splice(k, 1);
    const need = Math.max(ALIGN, Math.ceil(b.bytes / ALIGN) * ALIGN);
    // In place: an elementwise kernel may write over an input that dies in it, read only at the
    // index it writes (never one a loop keeps for its next step).
    const dying = live.findIndex((l) => l.end === start && !loopCarried.has(l.buf) && l.buf.bytes === b.bytes && sameIndexRead(flat[start], l.buf, b));
    if (dying >= 0) {
      const [l] = live.splice(dying, 1);
      offsets.set(b, l.off);
      live.push({ buf: b, off: l.off, size: l.size, end: last.get(b)! });
      continue;
    }
    live.sort((x, y) => x.off - y.off);
    let off = 0;
    for (const l of live) {
      if (off + need <= l.off) break;
      off = Math.max(off, l.off + l.size);
    }
    offsets.set(b, off);
    live.push({ buf: b, off, size: need, end: last.get(b)! });
    size = Math.max(size, off + need);
  }
  return { offsets, size };
}

/**
 * Which inputs each output could overwrite: same size, and every read of the input happens
 * before the output's first write, or in that same elementwise kernel at the same index.
 */
function donationPairs(instrs: Instr[], inputs: Buf[], outputs: Buf[]): number[][] {
  const lastRead = new Map<Buf, number>();
  const firstWrite = new Map<Buf, number>();
  const { flat, blockEnd } = flatten(instrs);
  flat.forEach((ins, t) => {
    const { reads, writes } = buffersOf(ins);
    reads.forEach((b) => lastRead.set(b, t));
    writes.forEach((b) => firstWrite.has(b) || firstWrite.set(b, t));
  });
  // Inside a loop or branch, a read is as late as the block's end and a write as early as its start.
  for (const [t0, end] of blockEnd) {
    for (const [b, r] of lastRead) if (r > t0 && r <= end) lastRead.set(b, end);
    for (const [b, w] of firstWrite) if (w > t0 && w <= end) firstWrite.set(b, t0);
  }
  return outputs.map((o) => {
    const w = firstWrite.get(o);
    if (w === undefined) return [];
    return inputs.flatMap((b, j) => {
      if (b.bytes !== o.bytes || b.bytes === 0) return [];
      const r = lastRead.get(b) ?? -1;
      return r < w || (r === w && sameIndexRead(flat[w], b, o)) ? [j] : [];
    });
  });
}

/** Drops unit axes and merges axes that are contiguous in every view (long inner loops). */
const MAX_RANK = 16; // core-cpp kernels' limit

function collapseDims(shape: number[], strideSets: number[][]): [number[], number[][]] {
  const out = collapseDimsUnchecked(shape, strideSets);
  if (out[0].length > MAX_RANK) throw new Error(`webjax wasm: a view of rank ${out[0].length} (more than ${MAX_RANK} axes that do not merge) is not supported.`);
  return out;
}

function collapseDimsUnchecked(shape: number[], strideSets: number[][]): [number[], number[][]] {
  const keep = shape.map((_, i) => i).filter((i) => shape[i] !== 1);
  let s = keep.map((i) => shape[i]);
  let st = strideSets.map((x) => keep.map((i) => x[i]));
  for (let i = s.length - 2; i >= 0; i--) {
    // Merged extents stay within an int32 bytecode word (a broadcast of 2^32 elements keeps two axes).
    if (st.every((x) => x[i] === x[i + 1] * s[i + 1]) && s[i] * s[i + 1] <= INT32_MAX) {
      s = [...s.slice(0, i), s[i] * s[i + 1], ...s.slice(i + 2)];
      st = st.map((x) => [...x.slice(0, i), x[i + 1], ...x.slice(i + 2)]);
    }
  }
  if (!s.length) return [[1], strideSets.map(() => [0])];
  return [s, st];
}

export class WasmProgram {
  readonly nHost: number;
  private readonly codePtr: number;
  private readonly nWords: number;
  private readonly slotsPtr: number;
  private readonly arenaPtr: number;
  /** Bytes of the temporaries' arena (after reuse by lifetime and in place). */
  readonly arenaBytes: number;
  private readonly inputs: Buf[];
  private readonly outputs: Buf[];

  constructor(
    private readonly core: Core,
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
      const usesIndex = k.code.some((w, i) => i % 5 === 0 && w === E.INDEX);
      const [shape, strides] = usesIndex
        ? k.shape.length ? [k.shape, k.ins.map((v) => v.strides)] : [[1], k.ins.map(() => [0])]
        : collapseDims(k.shape, k.ins.map((v) => v.strides));
      if (shape.length > MAX_RANK) throw new Error(`webjax wasm: kernels of rank ${shape.length} (over ${MAX_RANK}) are not supported.`);
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
            const [shape, [is, os]] = collapseDims(v.shape, [v.strides, ins.outStrides]);
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
            const id = core.hostFns.length;
            core.hostFns.push(this.hostFn(ins, s));
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
          case "dslice":
            enc.emit(Op.DSLICE, [s(ins.src), s(ins.dst), ins.eb, ins.big.length, ins.update ? 1 : 0, ...ins.big, ...ins.window, ...ins.starts.flatMap((b) => [s(b), b.aval.dtype === "uint32" ? 1 : 0])]);
            break;
          case "sort":
            enc.emit(Op.SORT, [ins.ins.length, ins.numKeys, ins.outer, ins.n, ins.inner, ...ins.ins.flatMap((b, k) => [s(b), s(ins.outs[k]), dtCode(b.aval.dtype)!])]);
            break;
          case "cumulative":
            if (ins.outer * ins.n * ins.inner > 0) enc.emit(Op.CUMULATIVE, [s(ins.input), s(ins.out), ins.rop, ins.dt, ins.outer, ins.n, ins.inner, ins.reverse ? 1 : 0]);
            break;
        }
      }
    };
    const enc = new Encoder();
    encode(enc, instrs);
    this.nHost = nHost;
    this.donatable = donationPairs(instrs, inputs, outputs);
    const code = enc.finish();
    this.nWords = code.length;
    this.codePtr = core.malloc(code.byteLength);
    new Int32Array(core.memory.buffer, this.codePtr, code.length).set(code);
    const nSlots = inputs.length + outputs.length + temps.length + windows.length;
    this.slotsPtr = core.malloc(4 * Math.max(1, nSlots));
    this.arenaPtr = size ? core.malloc(size) : 0;
    this.arenaBytes = size;
    const table = new Int32Array(core.memory.buffer, this.slotsPtr, nSlots);
    temps.forEach((b) => (table[s(b)] = this.arenaPtr + offsets.get(b)!));
  }

  /** The JS side of an OP_HOST: the reference kernel on copies of its inputs. */
  private hostFn(ins: Extract<Instr, { op: "host" }>, s: (b: Buf) => number): () => void {
    const inSlots = ins.ins.map(s), outSlots = ins.outs.map(s);
    return () => {
      const mem = this.core.memory.buffer;
      const addr = (k: number) => new Uint32Array(mem, this.slotsPtr + 4 * k, 1)[0];
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
        new Uint8Array(mem2, new Uint32Array(mem2, this.slotsPtr + 4 * outSlots[i], 1)[0], bytes.length).set(bytes);
      });
    };
  }

  /** Runs the program: output buffers are allocated here and owned by the caller. */
  run(args: WasmBuffer[], alloc: (bytes: number) => WasmBuffer, donated?: readonly boolean[]): WasmBuffer[] {
    let outs: WasmBuffer[];
    if (donated) {
      // Outputs take over donated inputs' buffers where the plan allows it.
      const taken = new Set<number>();
      outs = this.outputs.map((b, k) => {
        const j = this.donatable[k].find((j) => donated[j] && !taken.has(j));
        if (j === undefined) return alloc(b.bytes);
        taken.add(j);
        return args[j];
      });
    } else {
      outs = this.outputs.map((b) => alloc(b.bytes));
    }
    // The slot view is rebuilt only when memory grew (growing replaces memory.buffer).
    if (this.table?.buffer !== this.core.memory.buffer) {
      this.table = new Int32Array(this.core.memory.buffer, this.slotsPtr, this.inputs.length + this.outputs.length);
    }
    const table = this.table;
    for (let i = 0; i < args.length; i++) table[i] = args[i].ptr;
    for (let i = 0; i < outs.length; i++) table[args.length + i] = outs[i].ptr;
    this.core.exports.wj_run(this.codePtr, this.nWords, this.slotsPtr);
    return outs;
  }
  private table: Int32Array | undefined;
  /** For each output, the inputs whose buffers it may be written into. */
  private readonly donatable: number[][];
}

/** Simplifies, lowers and encodes `jaxpr` for the wasm core. */
export function compileForWasm(core: Core, jaxpr: Jaxpr): WasmProgram {
  return new WasmProgram(core, lower(simplify(jaxpr)));
}
