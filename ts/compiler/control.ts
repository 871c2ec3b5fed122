// Control flow in the program: scan, while and cond become nested bytecode blocks (run by
// OP_SCAN / OP_WHILE / OP_COND over the same slot table). Carried values live in buffers that
// every step rewrites (the new carry is computed, then copied over the old, since the body may
// still read the old one); a scan's xs and ys are windows, slots the core points at row i of
// their arrays before each step, so bodies read and write slices without copies.

import { ShapedArray } from "../core/aval.js";
import { Atom, Jaxpr, JaxprEqn, Var } from "../core/jaxpr.js";
import { Buf, View, contiguous, fullView } from "./buffers.js";
import type { Instr, Node, Value } from "./lower.js";

/** What control flow and data kernels (movement.ts) need from the lowering of the enclosing block. */
export interface LowerContext {
  emit(i: Instr): void;
  bind(v: Var, val: Value): void;
  read(a: Atom): Value;
  asView(v: Value): View;
  temp(aval: ShapedArray): Buf;
  materialize(v: Value): Buf;
  materializeInto(v: Value, out: Buf): void;
  /** Lowers `j` applied to `args` into a block of its own; `place` runs inside it. */
  block(j: Jaxpr, args: Value[], place: (outs: Value[]) => void): Instr[];
  /** The expression reading `a` at each index of `shape` (lax broadcasting). */
  nodeOf(a: Atom, shape: number[]): Node;
  /** One fused kernel computing `nodes` into `outs`. */
  emitKernel(shape: number[], nodes: Node[], outs: Buf[]): void;
}

/** Loops and branches as nested blocks; false for any other primitive. */
export function lowerControlFlow(cx: LowerContext, e: JaxprEqn): boolean {
  const { read, asView, temp, materialize, materializeInto, block } = cx;
  const p = e.params;
  const copyInto = (from: Buf, to: Buf) => cx.emit({ op: "copy", input: fullView(from), out: to, outOffset: 0, outStrides: contiguous(to.aval.shape) });
  // Operands read inside a block are computed once, outside it.
  const operand = (a: Atom): Value => asView(read(a));
  const carried = (atoms: readonly Atom[]) =>
    atoms.map((a) => {
      const b = temp(a.aval);
      materializeInto(read(a), b);
      return b;
    });
  switch (e.primitive.name) {
    case "scan": {
      const { jaxpr, length, reverse, num_consts: nc, num_carry: nk } = p;
      const consts = e.inputs.slice(0, nc).map(operand);
      const carry = carried(e.inputs.slice(nc, nc + nk));
      // (A buffer may hold the stacked array under another shape: the operand's type is the truth.)
      const row = (a: Atom) => new Buf(new ShapedArray(a.aval.shape.slice(1), a.aval.dtype), "window");
      const stacked = [...e.inputs.slice(nc + nk), ...e.outvars.slice(nk)];
      const xs = e.inputs.slice(nc + nk).map((a) => materialize(read(a)));
      const ys = e.outvars.slice(nk).map((v) => temp(v.aval));
      const windows = [...xs, ...ys].map((base, j) => ({ win: row(stacked[j]), base }));
      const next = carry.map((b) => temp(b.aval));
      const body = block(jaxpr.jaxpr, [...consts, ...carry.map(fullView), ...windows.slice(0, xs.length).map((w) => fullView(w.win))], (outs) => {
        outs.slice(0, nk).forEach((v, k) => materializeInto(v, next[k]));
        outs.slice(nk).forEach((v, j) => materializeInto(v, windows[xs.length + j].win));
        next.forEach((b, k) => copyInto(b, carry[k]));
      });
      cx.emit({ op: "scan", length, reverse, windows, body });
      e.outvars.forEach((v, i) => cx.bind(v, fullView(i < nk ? carry[i] : ys[i - nk])));
      return true;
    }
    case "while": {
      const { cond_jaxpr, body_jaxpr, cond_nconsts: cn, body_nconsts: bn } = p;
      const cconsts = e.inputs.slice(0, cn).map(operand), bconsts = e.inputs.slice(cn, cn + bn).map(operand);
      const carry = carried(e.inputs.slice(cn + bn));
      const pred = temp(new ShapedArray([], "bool"));
      const cond = block(cond_jaxpr.jaxpr, [...cconsts, ...carry.map(fullView)], ([v]) => materializeInto(v, pred));
      const next = carry.map((b) => temp(b.aval));
      const body = block(body_jaxpr.jaxpr, [...bconsts, ...carry.map(fullView)], (outs) => {
        outs.forEach((v, k) => materializeInto(v, next[k]));
        next.forEach((b, k) => copyInto(b, carry[k]));
      });
      cx.emit({ op: "while", pred, cond, body });
      e.outvars.forEach((v, i) => cx.bind(v, fullView(carry[i])));
      return true;
    }
    case "cond": {
      const index = materialize(read(e.inputs[0]));
      const ops = e.inputs.slice(1).map(operand);
      const outs = e.outvars.map((v) => temp(v.aval));
      const branches = (p.branches as { jaxpr: Jaxpr }[]).map((b) => block(b.jaxpr, ops, (vs) => vs.forEach((v, k) => materializeInto(v, outs[k]))));
      cx.emit({ op: "cond", index, branches });
      e.outvars.forEach((v, i) => cx.bind(v, fullView(outs[i])));
      return true;
    }
  }
  return false;
}
