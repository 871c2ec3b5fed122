// Lowering a flat jaxpr to kernel instructions. Values are strided views of buffers (layout
// primitives only change strides) or lazy elementwise expressions, which fuse until something
// needs them in memory: a reduction, a matmul, a host call, a second consumer, an output.

import { ShapedArray, prod, stridesOf } from "../core/aval.js";
import { DType, float16Bits } from "../core/dtype.js";
import { hostFromValues } from "../core/host.js";
import { Atom, Jaxpr, JaxprEqn, Literal, Var } from "../core/jaxpr.js";
import { binaryShape } from "../primitives/elementwise.js";
import { E, ROp, VMath, dtCode } from "./bytecode.js";

export class Buf {
  static count = 0;
  readonly id = Buf.count++;
  constructor(
    readonly aval: ShapedArray,
    public kind: "input" | "output" | "temp",
    /** Input index or output index. */
    public index = -1,
  ) {}
  get bytes(): number {
    return nbytes(this.aval.dtype) * this.aval.size;
  }
}

export interface View {
  buf: Buf;
  offset: number;
  shape: number[];
  strides: number[];
  dtype: DType;
}

type Node =
  | { k: "in"; view: View; dtype: DType }
  | { k: "const"; bits: number; dtype: DType }
  | { k: "index"; axis: number; dtype: DType }
  | { k: "op"; eop: number; args: Node[]; imm: number; dtype: DType };

class Lazy {
  constructor(
    readonly shape: number[],
    readonly node: Node,
  ) {}
  get dtype(): DType {
    return this.node.dtype;
  }
}

type Value = View | Lazy;

export type Instr =
  | { op: "fused"; shape: number[]; ins: View[]; outs: Buf[]; code: number[] }
  | { op: "dot"; a: View; b: View; out: Buf; batch: number; m: number; n: number; k: number; as: number[]; bs: number[] }
  | { op: "reduce"; input: Buf; out: Buf; rop: number; dt: number; outer: number; red: number; inner: number }
  | { op: "copy"; input: View; out: Buf; outOffset: number; outStrides: number[] }
  | { op: "fill"; out: Buf; n: number; bytes: number; lo: number; hi: number }
  | { op: "host"; eqn: JaxprEqn; ins: Buf[]; outs: Buf[] }
  | { op: "gather"; x: Buf; idx: Buf; out: Buf; eb: number; rows: number; inner: number; clamp: boolean; fill: [number, number]; dims: number[]; strides: number[] }
  | { op: "scatter"; idx: Buf; upd: Buf; out: Buf; dt: number; add: boolean; rows: number; inner: number; dims: number[]; strides: number[] };

export interface Lowered {
  instrs: Instr[];
  inputs: Buf[];
  outputs: Buf[];
}

export function nbytes(d: DType): number {
  return d === "bool" ? 1 : d === "float16" ? 2 : d === "float64" || d === "complex64" ? 8 : 4;
}

/** Distinct elements from which a fused kernel's transposed input is copied contiguous first (measured: see untranspose). */
export const TRANSPOSE_COPY_MIN = 1 << 15;

const contiguous = (shape: readonly number[]) => stridesOf(shape);
const isContiguous = (v: View) => v.offset === 0 && v.strides.every((s, i) => v.shape[i] === 1 || s === contiguous(v.shape)[i]) && prod(v.shape) === v.buf.aval.size;
const fullView = (buf: Buf): View => ({ buf, offset: 0, shape: [...buf.aval.shape], strides: contiguous(buf.aval.shape), dtype: buf.aval.dtype });

/** Which float unary primitives have a vector implementation in core-cpp/vmath (set by the backend). */
export const nativeVMath = new Set<string>();

// ---- elementwise op selection ----

type Cls = "f" | "i" | "u" | "b";
const cls = (d: DType): Cls | null => (d === "float32" ? "f" : d === "int32" ? "i" : d === "uint32" ? "u" : d === "bool" ? "b" : null);

const UNARY: Record<string, Partial<Record<Cls, number>>> = {
  neg: { f: E.FNEG, i: E.INEG, u: E.INEG },
  sign: { f: E.FSIGN, i: E.ISIGN, u: E.USIGN },
  floor: { f: E.FFLOOR }, ceil: { f: E.FCEIL }, is_finite: { f: E.FISFINITE },
  sqrt: { f: E.FSQRT }, rsqrt: { f: E.FRSQRT }, cbrt: { f: E.FCBRT },
  abs: { f: E.FABS, i: E.IABS },
  not: { i: E.NOT, u: E.NOT, b: E.BNOT },
  square: { f: E.FSQUARE },
};
const BINARY: Record<string, Partial<Record<Cls, number>>> = {
  add: { f: E.FADD, i: E.IADD, u: E.IADD },
  add_any: { f: E.FADD, i: E.IADD, u: E.IADD },
  sub: { f: E.FSUB, i: E.ISUB, u: E.ISUB },
  mul: { f: E.FMUL, i: E.IMUL, u: E.IMUL, b: E.AND },
  div: { f: E.FDIV },
  rem: { f: E.FREM },
  max: { f: E.FMAX, i: E.IMAX, u: E.UMAX, b: E.OR },
  min: { f: E.FMIN, i: E.IMIN, u: E.UMIN, b: E.AND },
  nextafter: { f: E.FNEXTAFTER },
  and: { i: E.AND, u: E.AND, b: E.AND },
  or: { i: E.OR, u: E.OR, b: E.OR },
  xor: { i: E.XOR, u: E.XOR, b: E.XOR },
  shift_left: { i: E.SHL, u: E.SHL },
  shift_right_logical: { i: E.SHRL, u: E.SHRL },
  shift_right_arithmetic: { i: E.SHRA, u: E.SHRA },
  eq: { f: E.FEQ, i: E.IEQ, u: E.IEQ, b: E.IEQ },
  ne: { f: E.FNE, i: E.INE, u: E.INE, b: E.INE },
  lt: { f: E.FLT, i: E.ILT, u: E.ULT, b: E.ULT },
  le: { f: E.FLE, i: E.ILE, u: E.ULE, b: E.ULE },
  gt: { f: E.FGT, i: E.IGT, u: E.UGT, b: E.UGT },
  ge: { f: E.FGE, i: E.IGE, u: E.UGE, b: E.UGE },
};

function constBits(v: number | boolean, d: DType): number {
  if (d === "float32") return new Int32Array(new Float32Array([Number(v)]).buffer)[0];
  if (d === "bool") return v ? 1 : 0;
  return Number(v) | 0;
}

/** Lowers `jaxpr` (flat: see simplify) to instructions over buffers. */
export function lower(jaxpr: Jaxpr): Lowered {
  const instrs: Instr[] = [];
  const env = new Map<Var, Value>();
  const inputs = [...jaxpr.constvars, ...jaxpr.invars].map((v, i) => {
    const b = new Buf(v.aval, "input", i);
    env.set(v, fullView(b));
    return b;
  });
  const outputs = jaxpr.outvars.map((a, i) => new Buf(a.aval, "output", i));

  // How often each variable is read: a lazy value read twice is computed once, into memory.
  const uses = new Map<Var, number>();
  const use = (a: Atom) => a instanceof Var && uses.set(a, (uses.get(a) ?? 0) + 1);
  jaxpr.eqns.forEach((e) => e.inputs.forEach(use));
  jaxpr.outvars.forEach(use);

  const temp = (aval: ShapedArray) => new Buf(aval, "temp");

  /** Writes a lazy expression (or copies a view) into `out`. */
  const materializeInto = (val: Value, out: Buf): void => {
    if (val instanceof Lazy) {
      emitFused(val, out);
    } else {
      instrs.push({ op: "copy", input: val, out, outOffset: 0, outStrides: contiguous(val.shape) });
    }
  };

  /** A contiguous buffer holding `val` (no work when it already is one). */
  const materialize = (val: Value): Buf => {
    if (!(val instanceof Lazy) && isContiguous(val)) return val.buf;
    const b = temp(new ShapedArray(val.shape, val.dtype));
    materializeInto(val, b);
    return b;
  };

  const asView = (val: Value): View => (val instanceof Lazy ? fullView(materialize(val)) : val);

  const viewKey = (v: View) => `${v.buf.id}|${v.offset}|${v.strides}`;

  /** Registers a node needs (Sethi-Ullman, children in decreasing need) and the views it reads. */
  const analyze = (root: Node) => {
    const need = new Map<Node, number>();
    const views = new Set<string>();
    const walk = (n: Node): number => {
      let r = need.get(n);
      if (r !== undefined) return r;
      if (n.k === "op") {
        const ns = n.args.map(walk).sort((a, b) => b - a);
        r = Math.max(1, ...ns.map((x, i) => x + i));
      } else {
        if (n.k === "in") views.add(viewKey(n.view));
        r = 1;
      }
      need.set(n, r);
      return r;
    };
    return { need: walk(root), needOf: need, views: views.size };
  };

  const substitute = (n: Node, from: Node, to: Node): Node =>
    n === from ? to : n.k === "op" ? { ...n, args: n.args.map((a) => substitute(a, from, to)) } : n;

  const MAX_REGS = 31, MAX_VIEWS = 28;

  /**
   * Inputs the kernel would read transposed (last-axis stride neither 0 nor 1, contiguous
   * along another axis) and that are large, first copied contiguous: the tiled copy costs
   * about one pass over memory, the strided read a cache miss per element once rows outgrow
   * the cache. Broadcast axes stay broadcast (the copy holds only the distinct elements).
   */
  const untranspose = (root: Node, shape: number[]): Node => {
    let inner = shape.length - 1;
    while (inner >= 0 && shape[inner] === 1) inner--;
    if (inner < 0) return root;
    const copied = new Map<string, Node>();
    const memo = new Map<Node, Node>();
    const visit = (n: Node): Node => {
      let r = memo.get(n);
      if (r) return r;
      r = n;
      if (n.k === "op") {
        const args = n.args.map(visit);
        if (args.some((a, i) => a !== n.args[i])) r = { ...n, args };
      } else if (n.k === "in") {
        const v = n.view;
        const distinct = prod(v.shape.map((d, i) => (v.strides[i] === 0 ? 1 : d)));
        const s = v.strides[inner];
        if (s !== 0 && s !== 1 && distinct >= TRANSPOSE_COPY_MIN && v.strides.some((st, i) => st === 1 && v.shape[i] > 1)) {
          const key = viewKey(v);
          if (!copied.has(key)) {
            const src = { ...v, shape: v.shape.map((d, i) => (v.strides[i] === 0 ? 1 : d)) };
            const cs = contiguous(src.shape);
            const buf = materialize(src);
            copied.set(key, { k: "in", view: { buf, offset: 0, shape: v.shape, strides: v.strides.map((st, i) => (st === 0 ? 0 : cs[i])), dtype: v.dtype }, dtype: n.dtype });
          }
          r = copied.get(key)!;
        }
      }
      memo.set(n, r);
      return r;
    };
    return visit(root);
  };

  const emitFused = (lz: Lazy, out: Buf): void => {
    let root = untranspose(lz.node, lz.shape);
    // Too many registers or inputs for one kernel: compute the heaviest operand first, into memory.
    for (let a = analyze(root); a.need > MAX_REGS || a.views > MAX_VIEWS; a = analyze(root)) {
      if (root.k !== "op") break;
      const heavy = root.args.filter((x) => x.k === "op").sort((x, y) => analyze(y).need + analyze(y).views - analyze(x).need - analyze(x).views)[0];
      if (!heavy) break;
      const t = temp(new ShapedArray(lz.shape, heavy.dtype));
      emitFused(new Lazy(lz.shape, heavy), t);
      root = substitute(root, heavy, { k: "in", view: fullView(t), dtype: heavy.dtype });
    }
    const { needOf } = analyze(root);
    const views: View[] = [];
    const viewIndex = new Map<string, number>();
    const code: number[] = [];
    // One node per distinct view: the same input is loaded once.
    const canon = new Map<string, Node>();
    const rep = (n: Node): Node => {
      if (n.k !== "in") return n;
      const key = viewKey(n.view);
      if (!canon.has(key)) canon.set(key, n);
      return canon.get(key)!;
    };
    const order: Node[] = [];
    const seen = new Set<Node>();
    const visit = (n0: Node) => {
      const n = rep(n0);
      if (seen.has(n)) return;
      seen.add(n);
      if (n.k === "op") [...n.args].sort((x, y) => (needOf.get(y) ?? 1) - (needOf.get(x) ?? 1)).forEach(visit);
      order.push(n);
    };
    visit(root);
    const lastUse = new Map<Node, number>();
    order.forEach((n, i) => n.k === "op" && n.args.forEach((a) => lastUse.set(rep(a), i)));
    const regOf = new Map<Node, number>();
    const free: number[] = [];
    let nextReg = 0;
    order.forEach((n, i) => {
      const r = free.length ? free.pop()! : nextReg++;
      if (r > MAX_REGS) throw new Error("internal: fused kernel register allocation overflowed");
      regOf.set(n, r);
      if (n.k === "in") {
        const key = viewKey(n.view);
        let vi = viewIndex.get(key);
        if (vi === undefined) viewIndex.set(key, (vi = views.push(n.view) - 1));
        code.push(E.LOAD, r, vi, 0, 0);
      } else if (n.k === "const") code.push(E.CONST, r, n.bits, 0, 0);
      else if (n.k === "index") code.push(E.INDEX, r, n.axis, 0, 0);
      else {
        const [a, b, c] = n.args.map((x) => regOf.get(rep(x))!);
        code.push(n.eop, r, a ?? 0, n.eop === E.VMATH || n.eop === E.IPOW ? n.imm : b ?? 0, c ?? 0);
        for (const x of new Set(n.args.map(rep))) if (lastUse.get(x) === i) free.push(regOf.get(x)!);
      }
    });
    code.push(E.STORE, 0, 0, regOf.get(rep(root))!, 0);
    instrs.push({ op: "fused", shape: lz.shape, ins: views, outs: [out], code });
  };

  /** The expression node reading `a` at each index of `shape` (broadcast as lax does). */
  const nodeOf = (a: Atom, shape: number[]): Node => {
    if (a instanceof Literal) return { k: "const", bits: constBits(a.val, a.aval.dtype), dtype: a.aval.dtype };
    const val = env.get(a)!;
    if (val instanceof Lazy && val.shape.join() === shape.join()) return val.node;
    const v = asView(val);
    return { k: "in", view: broadcastView(v, shape), dtype: v.dtype };
  };

  const read = (a: Atom): Value => {
    if (a instanceof Literal) {
      const b = temp(a.aval);
      instrs.push({ op: "fill", out: b, n: 1, bytes: nbytes(a.aval.dtype), lo: literalBits(a), hi: literalHi(a) });
      return fullView(b);
    }
    return env.get(a)!;
  };

  const lazyResult = (v: Var, node: Node) => {
    const lz = new Lazy([...v.aval.shape], node);
    env.set(v, (uses.get(v) ?? 0) > 1 ? fullView(materialize(lz)) : lz);
  };

  const op = (eop: number, args: Node[], dtype: DType, imm = 0): Node => ({ k: "op", eop, args, imm, dtype });

  /** Elementwise primitives as expression nodes; null when there is no native kernel. */
  const elementwise = (e: JaxprEqn): Node | null => {
    const name = e.primitive.name;
    const outAval = e.outvars[0].aval;
    const shape = [...outAval.shape];
    const inD = e.inputs[0]?.aval.dtype;
    const c = inD ? cls(inD) : null;
    if (!cls(outAval.dtype) || e.inputs.some((a) => !cls(a.aval.dtype))) return null;
    const args = () => e.inputs.map((a) => nodeOf(a, shape));
    if (name in UNARY) {
      const eop = c && UNARY[name][c];
      return eop === undefined || eop === null ? null : op(eop, args(), outAval.dtype);
    }
    if (name in BINARY) {
      const eop = c && BINARY[name][c];
      return eop === undefined || eop === null ? null : op(eop, args(), outAval.dtype);
    }
    if (name in VMath) {
      if (c !== "f" || !nativeVMath.has(name)) return null;
      return op(E.VMATH, args(), outAval.dtype, VMath[name as keyof typeof VMath]);
    }
    switch (name) {
      case "round":
        return c === "f" ? op(e.params.rounding_method === 0 ? E.FROUND_AWAY : E.FROUND_EVEN, args(), outAval.dtype) : null;
      case "integer_pow":
        return c === "f" ? op(E.IPOW, args(), outAval.dtype, e.params.y) : null;
      case "real": case "conj":
        return c === "f" ? args()[0] : null;
      case "imag":
        return c === "f" ? { k: "const", bits: 0, dtype: "float32" } : null;
      case "convert_element_type": return convertNode(args()[0], inD!, outAval.dtype);
      case "select_n": {
        const [which, ...cases] = args();
        let acc = cases[0];
        for (let k = 1; k < cases.length; k++) {
          const pred = e.inputs[0].aval.dtype === "bool" ? which : op(E.IEQ, [which, { k: "const", bits: k, dtype: "int32" }], "bool");
          acc = op(E.SELECT, [pred, acc, cases[k]], outAval.dtype);
        }
        return acc;
      }
      case "clamp": {
        const [lo, x, hi] = args();
        const mx = BINARY.max[c!], mn = BINARY.min[c!];
        return mx === undefined || mn === undefined ? null : op(mn, [op(mx, [x, lo], outAval.dtype), hi], outAval.dtype);
      }
      case "iota": {
        const idx: Node = { k: "index", axis: e.params.dimension, dtype: "int32" };
        return convertNode(idx, "int32", outAval.dtype);
      }
    }
    return null;
  };

  const convertNode = (x: Node, from: DType, to: DType): Node | null => {
    const [a, b] = [cls(from), cls(to)];
    if (!a || !b) return null;
    if (a === b) return x;
    if (b === "b") return op(a === "f" ? E.FTOBOOL : E.TOBOOL, [x], to);
    if (a === "f") return op(b === "i" ? E.F2I : E.F2U, [x], to);
    if (b === "f") return op(a === "u" ? E.U2F : E.I2F, [x], to);
    return { ...x, dtype: to } as Node; // int32 <-> uint32 <-> bool widening keeps the bits
  };

  // ---- the walk ----
  for (const e of jaxpr.eqns) {
    const name = e.primitive.name;
    const node = e.outvars.length === 1 ? elementwise(e) : null;
    if (node) {
      lazyResult(e.outvars[0], node);
      continue;
    }
    const out = e.outvars[0]?.aval;
    // Any dtype: views only move bytes (OP_COPY copies 1, 2, 4 or 8 of them per element).
    const layout = out ? layoutView(e, (a) => read(a)) : null;
    if (layout) {
      env.set(e.outvars[0], layout);
      continue;
    }
    if (lowerKernel(e)) continue;
    // A host call: the reference kernel on contiguous inputs.
    const ins = e.inputs.map((a) => materialize(read(a)));
    const outs = e.outvars.map((v) => temp(v.aval));
    instrs.push({ op: "host", eqn: e, ins, outs });
    e.outvars.forEach((v, i) => env.set(v, fullView(outs[i])));
  }

  function layoutView(e: JaxprEqn, get: (a: Atom) => Value): View | null {
    const p = e.params;
    const src = () => asView(get(e.inputs[0]));
    switch (e.primitive.name) {
      case "broadcast_in_dim": {
        const v = src();
        const strides = (p.shape as number[]).map(() => 0);
        (p.broadcast_dimensions as number[]).forEach((d, i) => (strides[d] = v.shape[i] === 1 ? 0 : v.strides[i]));
        return { ...v, shape: [...p.shape], strides };
      }
      case "transpose": {
        const v = src();
        const perm = p.permutation as number[];
        return { ...v, shape: perm.map((d) => v.shape[d]), strides: perm.map((d) => v.strides[d]) };
      }
      case "squeeze": {
        const v = src();
        const keep = v.shape.map((_, i) => i).filter((i) => !(p.dimensions as number[]).includes(i));
        return { ...v, shape: keep.map((i) => v.shape[i]), strides: keep.map((i) => v.strides[i]) };
      }
      case "reshape": {
        const v = src();
        return reshapeView(v, p.new_sizes) ?? reshapeView(fullView(materialize(v)), p.new_sizes);
      }
      case "slice": {
        const v = src();
        const st: number[] = p.strides ?? v.shape.map(() => 1);
        const start = p.start_indices as number[];
        return {
          ...v,
          offset: v.offset + start.reduce((s, x, i) => s + x * v.strides[i], 0),
          shape: start.map((s, i) => Math.ceil((p.limit_indices[i] - s) / st[i])),
          strides: v.strides.map((s, i) => s * st[i]),
        };
      }
      case "rev": {
        const v = src();
        const dims = p.dimensions as number[];
        return {
          ...v,
          offset: v.offset + dims.reduce((s, d) => s + (v.shape[d] - 1) * v.strides[d], 0),
          strides: v.strides.map((s, i) => (dims.includes(i) ? -s : s)),
        };
      }
    }
    return null;
  }

  function lowerKernel(e: JaxprEqn): boolean {
    const name = e.primitive.name;
    const p = e.params;
    const outAval = e.outvars[0]?.aval;
    if (!outAval) return false;
    if (name.startsWith("reduce_") || name === "argmax" || name === "argmin") {
      const x = e.inputs[0];
      const dt = dtCode(x.aval.dtype);
      const rop = { reduce_sum: ROp.SUM, reduce_prod: ROp.PROD, reduce_max: ROp.MAX, reduce_min: ROp.MIN, reduce_and: ROp.AND, reduce_or: ROp.OR, argmax: ROp.ARGMAX, argmin: ROp.ARGMIN }[name];
      if (dt === null || rop === undefined || x.aval.size === 0) return false;
      if ((rop === ROp.SUM || rop === ROp.PROD) && x.aval.dtype === "bool") return false;
      const axes = [...(p.axes as number[])].sort((a, b) => a - b);
      const shape = x.aval.shape;
      // Reducing only size-1 axes moves no data: a reshape (argmax of them is all zeros).
      if (rop !== ROp.ARGMAX && rop !== ROp.ARGMIN && axes.every((a) => shape[a] === 1)) {
        const v = reshapeView(asView(read(x)), [...outAval.shape]);
        if (v) {
          env.set(e.outvars[0], v);
          return true;
        }
      }
      const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
      let v = asView(read(x));
      const consecutive = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
      let outer: number, red: number, inner: number;
      if (consecutive && isContiguous(v)) {
        outer = prod(shape.slice(0, axes[0] ?? 0));
        red = prod(axes.map((a) => shape[a]));
        inner = prod(shape.slice((axes[axes.length - 1] ?? -1) + 1));
      } else {
        // Kept axes first, reduced axes last, in a contiguous copy.
        const perm = [...kept, ...axes];
        v = { ...v, shape: perm.map((d) => v.shape[d]), strides: perm.map((d) => v.strides[d]) };
        outer = prod(kept.map((d) => shape[d]));
        red = prod(axes.map((d) => shape[d]));
        inner = 1;
      }
      const input = materialize(v);
      const out = temp(outAval);
      instrs.push({ op: "reduce", input, out, rop, dt, outer, red, inner });
      env.set(e.outvars[0], fullView(out));
      return true;
    }
    if (name === "dot_general") {
      if (e.inputs.some((a) => a.aval.dtype !== "float32") || outAval.dtype !== "float32") return false;
      const [[lc, rc], [lb, rb]] = p.dimension_numbers as [[number[], number[]], [number[], number[]]];
      const [x, y] = e.inputs;
      const lf = x.aval.shape.map((_, i) => i).filter((i) => !lc.includes(i) && !lb.includes(i));
      const rf = y.aval.shape.map((_, i) => i).filter((i) => !rc.includes(i) && !rb.includes(i));
      // Each operand as [batch, rows, cols] strides, copying it contiguous when its groups don't collapse.
      const groups = (v: View, gs: number[][]): number[] | null => {
        const out: number[] = [];
        for (const g of gs) {
          const s = collapse(v, g);
          if (s === null) return null;
          out.push(s);
        }
        return out;
      };
      const prep = (a: Atom, gs: number[][]): [View, number[]] => {
        let v = asView(read(a));
        let s = groups(v, gs);
        if (!s) {
          const perm = gs.flat();
          const b = materialize({ ...v, shape: perm.map((d) => v.shape[d]), strides: perm.map((d) => v.strides[d]) });
          v = fullView(b);
          let k = 0;
          const regrouped = gs.map((g) => g.map(() => k++));
          v = { ...v };
          s = groups(v, regrouped)!;
        }
        return [v, s];
      };
      const [av, as] = prep(x, [lb, lf, lc]);
      const [bv, bs] = prep(y, [rb, rc, rf]);
      const size = (shape: readonly number[], g: number[]) => prod(g.map((d) => shape[d]));
      const out = temp(outAval);
      instrs.push({
        op: "dot", a: av, b: bv, out,
        batch: size(x.aval.shape, lb), m: size(x.aval.shape, lf), n: size(y.aval.shape, rf), k: size(x.aval.shape, lc), as, bs,
      });
      env.set(e.outvars[0], fullView(out));
      return true;
    }
    if (name === "gather") {
      // Pure data movement: any dtype, by element size.
      const [x, idx] = e.inputs;
      const k = idx.aval.shape[idx.aval.ndim - 1];
      const xb = materialize(read(x)), ib = materialize(read(idx));
      const out = temp(outAval);
      instrs.push({
        op: "gather", x: xb, idx: ib, out, eb: nbytes(x.aval.dtype), rows: prod(idx.aval.shape.slice(0, -1)), inner: prod(x.aval.shape.slice(k)),
        clamp: p.mode === "clip", fill: fillBits(p.fill_value ?? NaN, x.aval.dtype), dims: x.aval.shape.slice(0, k), strides: contiguous(x.aval.shape).slice(0, k),
      });
      env.set(e.outvars[0], fullView(out));
      return true;
    }
    if ((name === "scatter-add" && ["float32", "int32", "uint32"].includes(outAval.dtype)) || (name === "scatter" && cls(outAval.dtype))) {
      const [x, idx, upd] = e.inputs;
      const k = idx.aval.shape[idx.aval.ndim - 1];
      const out = temp(outAval);
      materializeInto(read(x), out);
      const ib = materialize(read(idx)), ub = materialize(read(upd));
      instrs.push({
        op: "scatter", idx: ib, upd: ub, out, dt: dtCode(outAval.dtype)!, add: name === "scatter-add", rows: prod(idx.aval.shape.slice(0, -1)),
        inner: prod(x.aval.shape.slice(k)), dims: x.aval.shape.slice(0, k), strides: contiguous(x.aval.shape).slice(0, k),
      });
      env.set(e.outvars[0], fullView(out));
      return true;
    }
    if (name === "concatenate" && cls(outAval.dtype)) {
      const out = temp(outAval);
      const d = p.dimension as number;
      const os = contiguous(outAval.shape);
      let at = 0;
      for (const a of e.inputs) {
        const v = asView(read(a));
        instrs.push({ op: "copy", input: v, out, outOffset: at * os[d], outStrides: os });
        at += a.aval.shape[d];
      }
      env.set(e.outvars[0], fullView(out));
      return true;
    }
    if (name === "pad" && cls(outAval.dtype) && e.inputs[1] instanceof Literal) {
      const cfg = p.padding_config as [number, number, number][];
      if (cfg.some(([lo, hi]) => lo < 0 || hi < 0)) return false;
      const out = temp(outAval);
      const lit = e.inputs[1] as Literal;
      instrs.push({ op: "fill", out, n: outAval.size, bytes: nbytes(outAval.dtype), lo: constBits(lit.val, lit.aval.dtype), hi: 0 });
      const os = contiguous(outAval.shape);
      const v = asView(read(e.inputs[0]));
      if (prod(v.shape) > 0) {
        instrs.push({ op: "copy", input: v, out, outOffset: cfg.reduce((s, [lo], i) => s + lo * os[i], 0), outStrides: os.map((s, i) => s * (cfg[i][2] + 1)) });
      }
      env.set(e.outvars[0], fullView(out));
      return true;
    }
    return false;
  }

  // Outputs: each gets its own buffer. A temporary that holds exactly an output becomes it.
  const claimed = new Set<Buf>();
  jaxpr.outvars.forEach((a, i) => {
    const val = a instanceof Var ? env.get(a)! : null;
    if (val && !(val instanceof Lazy) && val.buf.kind === "temp" && !claimed.has(val.buf) && isContiguous(val) && val.shape.join() === val.buf.aval.shape.join()) {
      claimed.add(val.buf);
      val.buf.kind = "output";
      val.buf.index = i;
      outputs[i] = val.buf;
    }
  });
  jaxpr.outvars.forEach((a, i) => {
    const out = outputs[i];
    if (claimed.has(out)) return;
    if (a instanceof Literal) {
      instrs.push({ op: "fill", out, n: 1, bytes: nbytes(a.aval.dtype), lo: literalBits(a), hi: literalHi(a) });
      return;
    }
    const val = env.get(a)!;
    if (!(val instanceof Lazy) && cls(val.dtype) === null) {
      // Non-native dtypes: plain byte copies.
      instrs.push({ op: "copy", input: val, out, outOffset: 0, outStrides: contiguous(val.shape) });
      return;
    }
    materializeInto(val, out);
  });

  return { instrs, inputs, outputs };
}

/** A fill value's bytes for `dtype`, as two int32 words (complex: the real part, then 0). */
function fillBits(v: number, dtype: DType): [number, number] {
  const h = hostFromValues([1], dtype, [v]).data;
  const words = new Int32Array(2);
  new Uint8Array(words.buffer).set(new Uint8Array(h.buffer, h.byteOffset, Math.min(8, h.byteLength)));
  return [words[0], words[1]];
}

function literalBits(l: Literal): number {
  const d = l.aval.dtype;
  if (d === "float64") return new Int32Array(new Float64Array([Number(l.val)]).buffer)[0];
  if (d === "float16") return float16Bits(Number(l.val));
  if (d === "complex64") return new Int32Array(new Float32Array([Number(l.val)]).buffer)[0];
  return constBits(l.val, d);
}

function literalHi(l: Literal): number {
  return l.aval.dtype === "float64" ? new Int32Array(new Float64Array([Number(l.val)]).buffer)[1] : 0;
}

/** `v` read at each index of `shape` under lax broadcasting (rank-0 or size-1 axes stretch). */
function broadcastView(v: View, shape: number[]): View {
  if (v.shape.join() === shape.join()) return v;
  if (v.shape.length === 0) return { ...v, shape, strides: shape.map(() => 0) };
  binaryShape("broadcast", [v.shape, shape]);
  return { ...v, shape, strides: v.strides.map((s, i) => (v.shape[i] === 1 && shape[i] !== 1 ? 0 : s)) };
}

/** The single stride of a group of axes read in order, or null when they don't collapse. */
function collapse(v: View, group: number[]): number | null {
  const dims = group.filter((d) => v.shape[d] !== 1);
  if (!dims.length) return 0;
  for (let i = 0; i + 1 < dims.length; i++) {
    if (v.strides[dims[i]] !== v.strides[dims[i + 1]] * v.shape[dims[i + 1]]) return null;
  }
  return v.strides[dims[dims.length - 1]];
}

/** A view with a new shape over the same elements, when strides allow it without a copy. */
function reshapeView(v: View, newShape: number[]): View | null {
  const nonOne = (s: number[]) => s.filter((n) => n !== 1);
  if (nonOne(v.shape).join() === nonOne(newShape).join()) {
    const st = v.shape.map((_, i) => i).filter((i) => v.shape[i] !== 1).map((i) => v.strides[i]);
    let k = 0;
    return { ...v, shape: [...newShape], strides: newShape.map((n) => (n === 1 ? 0 : st[k++])) };
  }
  const c = contiguous(v.shape);
  if (v.shape.every((n, i) => n === 1 || v.strides[i] === c[i])) return { ...v, shape: [...newShape], strides: contiguous(newShape) };
  return null;
}
