// The memory plan of a lowered program, for any backend: lifetimes of buffers over the
// instructions (loops and branches planned where they sit), arena offsets for temporaries
// (first fit, in place where an elementwise kernel may overwrite a dying input), and which
// donated inputs each output may take over.

import { stridesOf } from "../core/aval.js";
import type { Buf, Instr } from "./lower.js";

const ALIGN = 16;

/** Buffers each instruction reads and writes (for lifetimes). */
export function buffersOf(i: Instr): { reads: Buf[]; writes: Buf[] } {
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
    case "collective": return { reads: i.ins, writes: i.outs };
  }
}

export const blocksOf = (i: Instr): Instr[][] => (i.op === "scan" ? [i.body] : i.op === "while" ? [i.cond, i.body] : i.op === "cond" ? i.branches : []);

/**
 * Every instruction in execution order, nested blocks inline, and for each loop or branch
 * instruction the position of the last instruction of its blocks.
 */
export function flatten(instrs: Instr[]): { flat: Instr[]; blockEnd: Map<number, number> } {
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
export function planArena(instrs: Instr[]): { offsets: Map<Buf, number>; size: number } {
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
export function donationPairs(instrs: Instr[], inputs: Buf[], outputs: Buf[]): number[][] {
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
