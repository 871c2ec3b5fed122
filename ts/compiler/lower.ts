// Lowering a flat jaxpr to kernel instructions. Values are strided views of buffers (layout
// primitives only change strides) or lazy elementwise expressions, which fuse until something
// needs them in memory: a reduction, a matmul, a host call, a second consumer, an output.
// Loops and branches lower in control.ts, data-movement kernels in movement.ts, complex64 and
// Threefry expressions are built in complex.ts and threefry.ts; buffers and views: buffers.ts.

import { ShapedArray, prod } from "../core/aval.js";
import { DType } from "../core/dtype.js";
import { Atom, Jaxpr, JaxprEqn, Literal, Var } from "../core/jaxpr.js";
import { Buf, View, broadcastView, collapse, collapseDims, contiguous, fullView, nbytes, reshapeView } from "./buffers.js";
import { DT, E, ROp, VMath, constBits, constHi, dtCode, kernelDt, literalBits, literalHi } from "./bytecode.js";
import { Capabilities, checkDTypes, checkRanks } from "./capabilities.js";
import * as C from "./complex.js";
import { LowerContext, lowerControlFlow } from "./control.js";
import { lowerDataKernel } from "./movement.js";
import { MeshInfo, lowerCollective } from "./collectives.js";
import { flatten } from "./plan.js";
import { simplify as simplifyBody } from "./simplify.js";

export { Buf, nbytes } from "./buffers.js";
export type { Capabilities } from "./capabilities.js";
export type { View } from "./buffers.js";

export type Node =
  | { k: "in"; view: View; dtype: DType }
  // A complex64 value as two float32 expressions (only ever the root of a Lazy).
  | { k: "pair"; re: Node; im: Node; dtype: DType }
  | { k: "const"; bits: number; hi?: number; dtype: DType }
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

export type Value = View | Lazy;

/** An elementwise kernel: its shape, the views it reads, register code, and its outputs' storage dtypes. */
export interface Kernel {
  shape: number[];
  ins: View[];
  outDts: number[];
  code: number[];
}

export type Instr =
  | ({ op: "fused"; outs: Buf[] } & Kernel)
  | { op: "dot"; a: View; b: View; out: Buf; dt: number; batch: number; m: number; n: number; k: number; as: number[]; bs: number[] }
  | { op: "reduce"; input: Buf; out: Buf; rop: number; dt: number; outer: number; red: number; inner: number }
  // A float32 reduction of [outer, red] whose input kernel is computed a piece at a time, never stored whole.
  | { op: "reduceFused"; input: Kernel; out: Buf; rop: number; outer: number; red: number }
  | { op: "copy"; input: View; out: Buf; outOffset: number; outStrides: number[] }
  | { op: "fill"; out: Buf; n: number; bytes: number; lo: number; hi: number }
  | { op: "host"; eqn: JaxprEqn; ins: Buf[]; outs: Buf[] }
  | { op: "gather"; x: Buf; idx: Buf; out: Buf; eb: number; rows: number; inner: number; clamp: boolean; fill: [number, number]; dims: number[]; strides: number[] }
  | { op: "scatter"; idx: Buf; upd: Buf; out: Buf; dt: number; rop: number; rows: number; inner: number; dims: number[]; strides: number[] }
  | { op: "scan"; length: number; reverse: boolean; windows: { win: Buf; base: Buf }[]; body: Instr[] }
  | { op: "while"; pred: Buf; cond: Instr[]; body: Instr[] }
  | { op: "cond"; index: Buf; branches: Instr[][] }
  | { op: "dslice"; src: Buf; dst: Buf; eb: number; update: boolean; big: number[]; window: number[]; starts: Buf[] }
  | { op: "cumulative"; input: Buf; out: Buf; rop: number; dt: number; outer: number; n: number; inner: number; reverse: boolean }
  | { op: "sort"; ins: Buf[]; outs: Buf[]; numKeys: number; outer: number; n: number; inner: number }
  // A collective of a program that runs on every device of a mesh (collectives.ts): OP_COLLECTIVE's words, slots filled in by the encoder.
  | { op: "collective"; kind: number; ins: Buf[]; outs: Buf[]; words: number[] };

export interface Lowered {
  instrs: Instr[];
  inputs: Buf[];
  outputs: Buf[];
}


/**
 * Elements from which a float32 reduction over trailing axes computes its elementwise input
 * inside the reduction (OP_REDUCE_FUSED): measured 1.06-1.14x at 2048x2048, ~1.0x when small,
 * never slower.
 */
export const REDUCE_FUSE_MIN = 0;

const isContiguous = (v: View) => v.offset === 0 && v.strides.every((s, i) => v.shape[i] === 1 || s === contiguous(v.shape)[i]) && prod(v.shape) === v.buf.aval.size;

// ---- elementwise op selection ----

// Dtype classes of the native kernels: float32, float64 ("d"), int32, uint32, bool. float16
// computes as float32 ("f") with every result rounded to float16 (E.F16ROUND: as the reference,
// and correctly rounded for + - * / sqrt, since 24 >= 2 * 11 + 2); complex64 lowers to pairs
// of float32 expressions (complex.ts).
type Cls = "f" | "d" | "i" | "u" | "b";
const CLASSES: Partial<Record<DType, Cls>> = { float32: "f", float16: "f", float64: "d", int32: "i", uint32: "u", bool: "b" };
const cls = (d: DType): Cls | null => CLASSES[d] ?? null;

const UNARY: Record<string, Partial<Record<Cls, number>>> = {
  neg: { f: E.FNEG, d: E.DNEG, i: E.INEG, u: E.INEG },
  sign: { f: E.FSIGN, d: E.DSIGN, i: E.ISIGN, u: E.USIGN },
  floor: { f: E.FFLOOR, d: E.DFLOOR }, ceil: { f: E.FCEIL, d: E.DCEIL }, is_finite: { f: E.FISFINITE, d: E.DISFINITE },
  sqrt: { f: E.FSQRT, d: E.DSQRT }, rsqrt: { f: E.FRSQRT, d: E.DRSQRT }, cbrt: { f: E.FCBRT, d: E.DCBRT },
  abs: { f: E.FABS, d: E.DABS, i: E.IABS },
  not: { i: E.NOT, u: E.NOT, b: E.BNOT },
  square: { f: E.FSQUARE, d: E.DSQUARE },
};
const BINARY: Record<string, Partial<Record<Cls, number>>> = {
  add: { f: E.FADD, d: E.DADD, i: E.IADD, u: E.IADD },
  add_any: { f: E.FADD, d: E.DADD, i: E.IADD, u: E.IADD },
  sub: { f: E.FSUB, d: E.DSUB, i: E.ISUB, u: E.ISUB },
  mul: { f: E.FMUL, d: E.DMUL, i: E.IMUL, u: E.IMUL, b: E.AND },
  div: { f: E.FDIV, d: E.DDIV, i: E.IDIV, u: E.UDIV },
  rem: { f: E.FREM, d: E.DREM, i: E.IREM, u: E.UREM },
  pow: { f: E.FPOW, d: E.DPOW },
  atan2: { f: E.FATAN2, d: E.DATAN2 },
  max: { f: E.FMAX, d: E.DMAX, i: E.IMAX, u: E.UMAX, b: E.OR },
  min: { f: E.FMIN, d: E.DMIN, i: E.IMIN, u: E.UMIN, b: E.AND },
  nextafter: { f: E.FNEXTAFTER, d: E.DNEXTAFTER },
  and: { i: E.AND, u: E.AND, b: E.AND },
  or: { i: E.OR, u: E.OR, b: E.OR },
  xor: { i: E.XOR, u: E.XOR, b: E.XOR },
  shift_left: { i: E.SHL, u: E.SHL },
  shift_right_logical: { i: E.SHRL, u: E.SHRL },
  shift_right_arithmetic: { i: E.SHRA, u: E.SHRA },
  eq: { f: E.FEQ, d: E.DEQ, i: E.IEQ, u: E.IEQ, b: E.IEQ },
  ne: { f: E.FNE, d: E.DNE, i: E.INE, u: E.INE, b: E.INE },
  lt: { f: E.FLT, d: E.DLT, i: E.ILT, u: E.ULT, b: E.ULT },
  le: { f: E.FLE, d: E.DLE, i: E.ILE, u: E.ULE, b: E.ULE },
  gt: { f: E.FGT, d: E.DGT, i: E.IGT, u: E.UGT, b: E.UGT },
  ge: { f: E.FGE, d: E.DGE, i: E.IGE, u: E.UGE, b: E.UGE },
};

/** Instructions whose operand b is a literal (not a register). */
const IMMEDIATE = new Set<number>([E.VMATH, E.IPOW, E.DMATH, E.DIPOW, E.SHLI, E.SHRLI, E.SHRAI, E.ROTLI]);
const SHIFT_BY_LITERAL: Record<number, number> = { [E.SHL]: E.SHLI, [E.SHRL]: E.SHRLI, [E.SHRA]: E.SHRAI };

/** Conversions between classes (the same class: no op; int32/uint32/bool keep their bits). */
const CONVERT: Partial<Record<`${Cls}${Cls}`, number>> = {
  fi: E.F2I, fu: E.F2U, fb: E.FTOBOOL, if: E.I2F, uf: E.U2F, bf: E.I2F, ib: E.TOBOOL, ub: E.TOBOOL,
  fd: E.F2D, df: E.D2F, di: E.D2I, du: E.D2U, db: E.DTOBOOL, id: E.I2D, ud: E.U2D, bd: E.I2D,
};

export interface LowerOptions {
  /** The mesh of a program that runs on every device (collectives become OP_COLLECTIVE). */
  mesh?: MeshInfo;
}

/** Lowers `jaxpr` (flat: see simplify) to instructions over buffers, within what `caps` says the backend's kernels do. */
export function lower(jaxpr: Jaxpr, caps: Capabilities, opts: LowerOptions = {}): Lowered {
  checkDTypes(jaxpr, caps);
  // The block being lowered (control flow lowers its bodies into nested blocks).
  let instrs: Instr[] = [];
  let env = new Map<Var, Value>();
  const inputs = [...jaxpr.constvars, ...jaxpr.invars].map((v, i) => {
    const b = new Buf(v.aval, "input", i);
    env.set(v, fullView(b));
    return b;
  });
  const outputs = jaxpr.outvars.map((a, i) => new Buf(a.aval, "output", i));

  // How often each variable is read: a lazy value read twice is computed once, into memory.
  let uses = new Map<Var, number>();
  const use = (a: Atom) => a instanceof Var && uses.set(a, (uses.get(a) ?? 0) + 1);
  const countUses = (j: Jaxpr) => {
    j.eqns.forEach((e) => e.inputs.forEach(use));
    j.outvars.forEach(use);
  };
  countUses(jaxpr);

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

  const MAX_REGS = caps.maxRegisters, MAX_VIEWS = caps.maxKernelInputs;

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
        if (s !== 0 && s !== 1 && distinct >= caps.transposeCopyMin && v.strides.some((st, i) => st === 1 && v.shape[i] > 1)) {
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

  const emitFused = (lz: Lazy, out: Buf): void => emitKernel(lz.shape, [lz.node], [out]);

  const emitKernel = (shape: number[], nodes: Node[], outs: Buf[]): void => {
    instrs.push({ op: "fused", ...kernelOf(shape, nodes, outs.map((b) => b.aval.dtype)), outs });
  };

  /**
   * The kernel computing `nodes` as outputs of `dtypes` (a complex node is two float32 roots
   * stored interleaved); `join` holds all the roots together while the kernel is too big and
   * split (the parts computed first are emitted now).
   */
  const kernelOf = (shape: number[], nodes: Node[], dtypes: DType[]): Kernel => {
    const rootsOf = (n: Node) => (n.k === "pair" ? [n.re, n.im] : [n]);
    let join: Node = untranspose(op(-1, nodes.flatMap(rootsOf), "float32"), shape);
    // Too many registers or inputs for one kernel: compute the heaviest operand first, into memory.
    for (let a = analyze(join); a.need > MAX_REGS || a.views > MAX_VIEWS; a = analyze(join)) {
      const inner = join.k === "op" && join.args.length === 1 ? join.args[0] : join;
      if (inner.k !== "op") break;
      let heavy: Node | null = null;
      let most = -1;
      for (const x of inner.args) {
        if (x.k !== "op") continue;
        const { need, views } = analyze(x);
        if (need + views > most) [heavy, most] = [x, need + views];
      }
      if (!heavy) break;
      const t = temp(new ShapedArray(shape, heavy.dtype));
      emitFused(new Lazy(shape, heavy), t);
      join = substitute(join, heavy, { k: "in", view: fullView(t), dtype: heavy.dtype });
    }
    const roots = (join as Extract<Node, { k: "op" }>).args;
    const { needOf } = analyze(join);
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
    const needOfNode = (n: Node) => needOf.get(n) ?? 1;
    const visit = (n0: Node) => {
      const n = rep(n0);
      if (seen.has(n)) return;
      seen.add(n);
      if (n.k === "op") [...n.args].sort((x, y) => needOfNode(y) - needOfNode(x)).forEach(visit);
      order.push(n);
    };
    [...roots].sort((x, y) => needOfNode(y) - needOfNode(x)).forEach(visit);
    const lastUse = new Map<Node, number>();
    order.forEach((n, i) => n.k === "op" && n.args.forEach((a) => lastUse.set(rep(a), i)));
    roots.forEach((r) => lastUse.set(rep(r), Infinity)); // live until the store
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
      } else if (n.k === "const") code.push(n.dtype === "float64" ? E.CONST64 : E.CONST, r, n.bits, n.hi ?? 0, 0);
      else if (n.k === "index") code.push(E.INDEX, r, n.axis, 0, 0);
      else if (n.k === "op") {
        const [a, b, c] = n.args.map((x) => regOf.get(rep(x))!);
        code.push(n.eop, r, a ?? 0, IMMEDIATE.has(n.eop) ? n.imm : b ?? 0, c ?? 0);
        for (const x of new Set(n.args.map(rep))) if (lastUse.get(x) === i) free.push(regOf.get(x)!);
      }
    });
    const reg = (n: Node) => regOf.get(rep(n))!;
    let r = 0;
    nodes.forEach((n, k) => {
      if (n.k === "pair") code.push(E.STOREC, 0, k, reg(roots[r++]), reg(roots[r++]));
      else code.push(E.STORE, 0, k, reg(roots[r++]), 0);
    });
    const outDts = nodes.map((n, k) => (n.k === "pair" ? DT.C64 : kernelDt(dtypes[k])!));
    return { shape, ins: views, outDts, code };
  };

  /** The expression node reading `a` at each index of `shape` (broadcast as lax does). */
  const nodeOf = (a: Atom, shape: number[]): Node => {
    if (a instanceof Literal) return { k: "const", bits: constBits(a.val, a.aval.dtype), hi: constHi(a.val, a.aval.dtype), dtype: a.aval.dtype };
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

  const op = (eop: number, args: Node[], dtype: DType, imm = 0): Node => {
    const n: Node = { k: "op", eop, args, imm, dtype };
    return dtype === "float16" && eop !== E.F16ROUND ? { k: "op", eop: E.F16ROUND, args: [n], imm: 0, dtype } : n;
  };

  /** Elementwise primitives as expression nodes; null when there is no native kernel. */
  const elementwise = (e: JaxprEqn): Node | null => {
    const name = e.primitive.name;
    const outAval = e.outvars[0].aval;
    const shape = [...outAval.shape];
    const inD = e.inputs[0]?.aval.dtype;
    const c = inD ? cls(inD) : null;
    if (outAval.dtype === "complex64" || e.inputs.some((a) => a.aval.dtype === "complex64")) return complexElementwise(e);
    if (!cls(outAval.dtype) || e.inputs.some((a) => !cls(a.aval.dtype))) return null;
    if (name === "nextafter" && inD === "float16") return null; // steps in float16 ulps
    const args = () => e.inputs.map((a) => nodeOf(a, shape));
    if (name in UNARY) {
      const eop = c && UNARY[name][c];
      return eop === undefined || eop === null ? null : op(eop, args(), outAval.dtype);
    }
    if (name in BINARY) {
      const eop = c && BINARY[name][c];
      if (eop === undefined || eop === null) return null;
      const xs = args();
      // A shift by a literal count in range is one SIMD instruction.
      const y = xs[1];
      if (eop in SHIFT_BY_LITERAL && y.k === "const" && y.bits >= 0 && y.bits < 32) return op(SHIFT_BY_LITERAL[eop], [xs[0]], outAval.dtype, y.bits);
      return op(eop, xs, outAval.dtype);
    }
    if (name in VMath) {
      const code = VMath[name as keyof typeof VMath];
      if (c === "d" && caps.vmath64.has(name)) return op(E.DMATH, args(), outAval.dtype, code);
      if (c !== "f" || !caps.vmath32.has(name)) return null;
      return op(E.VMATH, args(), outAval.dtype, code);
    }
    const f64 = c === "d";
    switch (name) {
      case "round": {
        const away = e.params.rounding_method === 0;
        return c === "f" || f64 ? op(f64 ? (away ? E.DROUND_AWAY : E.DROUND_EVEN) : away ? E.FROUND_AWAY : E.FROUND_EVEN, args(), outAval.dtype) : null;
      }
      case "integer_pow":
        return c === "f" || f64 ? op(f64 ? E.DIPOW : E.IPOW, args(), outAval.dtype, e.params.y) : null;
      case "real": case "conj":
        return c === "f" || f64 ? args()[0] : null;
      case "imag":
        return c === "f" || f64 ? { k: "const", bits: 0, hi: 0, dtype: outAval.dtype } : null;
      case "convert_element_type": return convertNode(args()[0], inD!, outAval.dtype);
      case "bitcast_convert_type": {
        // Same-width 32-bit types: the register bits are the value, so this only relabels them.
        const x = args()[0];
        return c !== "b" && cls(outAval.dtype) !== "b" ? ({ ...x, dtype: outAval.dtype } as Node) : null;
      }
      case "select_n": {
        const [which, ...cases] = args();
        let acc = cases[0];
        for (let k = 1; k < cases.length; k++) {
          const pred = e.inputs[0].aval.dtype === "bool" ? which : op(E.IEQ, [which, { k: "const", bits: k, dtype: "int32" }], "bool");
          acc = op(outAval.dtype === "float64" ? E.DSELECT : E.SELECT, [pred, acc, cases[k]], outAval.dtype);
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

  /** `a` at each index of `shape` as float32 real and imaginary parts (null: no native form). */
  const complexOf = (a: Atom, shape: number[]): C.Complex | null => {
    if (a.aval.dtype !== "complex64") {
      const re = convertNode(nodeOf(a, shape), a.aval.dtype, "float32");
      return re && { re, im: C.f32(0) };
    }
    if (a instanceof Literal) return typeof a.val === "number" ? { re: C.f32(a.val), im: C.f32(0) } : null;
    const val = env.get(a)!;
    if (val instanceof Lazy && val.node.k === "pair" && val.shape.join() === shape.join()) return val.node;
    // The interleaved buffer read as two float32 views.
    const v = broadcastView(asView(val), shape);
    const part = (k: number): Node => ({ k: "in", view: { ...v, dtype: "float32", offset: 2 * v.offset + k, strides: v.strides.map((s) => 2 * s) }, dtype: "float32" });
    return { re: part(0), im: part(1) };
  };

  const complexElementwise = (e: JaxprEqn): Node | null => {
    const name = e.primitive.name;
    const out = e.outvars[0].aval;
    if (!C.NATIVE.has(name) || (out.dtype !== "complex64" && out.dtype !== "float32" && out.dtype !== "bool")) return null;
    if ((name === "exp" || name === "sin" || name === "cos") && !["exp", "sin", "cos", "sinh", "cosh"].every((f) => caps.vmath32.has(f))) return null;
    const shape = [...out.shape];
    const real = name === "select_n" ? nodeOf(e.inputs[0], shape) : null;
    const xs = (name === "select_n" ? e.inputs.slice(1) : e.inputs).map((a) => complexOf(a, shape));
    if (xs.some((x) => x === null)) return null;
    const [a, b] = xs as C.Complex[];
    const pair = (z: C.Complex): Node => ({ k: "pair", re: z.re, im: z.im, dtype: "complex64" });
    switch (name) {
      case "add": case "add_any": return pair(C.add(a, b));
      case "sub": return pair(C.sub(a, b));
      case "mul": return pair(C.mul(a, b));
      case "div": return pair(C.div(a, b));
      case "neg": return pair(C.neg(a));
      case "conj": return pair(C.conj(a));
      case "square": return pair(C.mul(a, a));
      case "integer_pow": return pair(C.ipow(a, e.params.y));
      case "sign": return pair(C.sign(a));
      case "exp": return pair(C.exp(a));
      case "sin": return pair(C.sin(a));
      case "cos": return pair(C.cos(a));
      case "complex": return pair({ re: a.re, im: b.re });
      case "real": return a.re;
      case "imag": return a.im;
      case "abs": return C.abs(a);
      case "eq": return C.eq(a, b);
      case "ne": return op(E.BNOT, [C.eq(a, b)], "bool");
      case "convert_element_type": return out.dtype === "complex64" ? pair(a) : out.dtype === "float32" ? a.re : null;
      case "select_n": {
        let acc = xs[0]!;
        for (let k = 1; k < xs.length; k++) {
          const pred = e.inputs[0].aval.dtype === "bool" ? real! : op(E.IEQ, [real!, { k: "const", bits: k, dtype: "int32" }], "bool");
          acc = C.select(pred, acc, xs[k]!);
        }
        return pair(acc);
      }
    }
    return null;
  };

  const convertNode = (x: Node, from: DType, to: DType): Node | null => {
    const [a, b] = [cls(from), cls(to)];
    if (!a || !b) return null;
    if (a === b) return to === "float16" && from !== "float16" ? op(E.F16ROUND, [x], to) : x;
    const eop = CONVERT[`${a}${b}`];
    return eop !== undefined ? op(eop, [x], to) : ({ ...x, dtype: to } as Node); // int32 <-> uint32 <-> bool widening keeps the bits
  };

  /** What control flow (control.ts) lowers with: the current block's state, as functions. */
  const cx: LowerContext = {
    emit: (i) => instrs.push(i),
    bind: (v, val) => env.set(v, val),
    read: (a) => read(a),
    asView: (v) => asView(v),
    temp: (aval) => temp(aval),
    materialize: (v) => materialize(v),
    materializeInto: (v, out) => materializeInto(v, out),
    block: (j, args, place) => block(j, args, place),
    nodeOf: (a, shape) => nodeOf(a, shape),
    emitKernel: (shape, nodes, outs) => emitKernel(shape, nodes, outs),
  };

  // ---- the walk ----
  const walk = (eqns: readonly JaxprEqn[]) => {
    for (const e of eqns) {
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
      if (lowerKernel(e) || lowerControlFlow(cx, e) || lowerCollective(cx, e, opts.mesh)) continue;
      // A host call: the reference kernel on contiguous inputs.
      const ins = e.inputs.map((a) => materialize(read(a)));
      const outs = e.outvars.map((v) => temp(v.aval));
      instrs.push({ op: "host", eqn: e, ins, outs });
      e.outvars.forEach((v, i) => env.set(v, fullView(outs[i])));
    }
  };
  walk(jaxpr.eqns);

  /**
   * Lowers `j` applied to `args` into a block of its own (a loop body, a branch); `place` runs
   * inside the block to put the results where the caller wants them.
   */
  function block(j: Jaxpr, args: Value[], place: (outs: Value[]) => void): Instr[] {
    const saved = { instrs, env, uses };
    [instrs, env, uses] = [[], new Map(), new Map()];
    try {
      const body = simplifyBody(j);
      body.invars.forEach((v, i) => env.set(v, args[i]));
      countUses(body);
      walk(body.eqns);
      place(body.outvars.map(read));
      return instrs;
    } finally {
      ({ instrs, env, uses } = saved);
    }
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
      // A complex sum is a float32 sum over an interleaved [..., 2] array.
      const width = x.aval.dtype === "complex64" && name === "reduce_sum" ? 2 : 1;
      // float16 reduces in float32 (its values are float32 values) and rounds the result once.
      const half = x.aval.dtype === "float16";
      const dt = width === 2 || half ? DT.F32 : dtCode(x.aval.dtype);
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
      const consecutive = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
      const xval = half ? new Lazy([...shape], { ...nodeOf(x, [...shape]), dtype: "float32" } as Node) : read(x);
      const arg = rop === ROp.ARGMAX || rop === ROp.ARGMIN;
      const out = temp(half && !arg ? new ShapedArray(outAval.shape, "float32") : outAval);
      const result = () =>
        half && !arg ? lazyResult(e.outvars[0], op(E.F16ROUND, [{ k: "in", view: fullView(out), dtype: "float32" }], "float16")) : env.set(e.outvars[0], fullView(out));
      const trailing = consecutive && axes[axes.length - 1] === shape.length - 1;
      // A broadcast is reduced where it stands too: stored, it could take far more memory than it reads.
      const broadcast = !(xval instanceof Lazy) && xval.dtype === "float32" && xval.strides.some((st, i) => st === 0 && xval.shape[i] > 1);
      const fusedIn = broadcast ? new Lazy([...shape], { k: "in", view: xval, dtype: "float32" }) : xval;
      if (fusedIn instanceof Lazy && trailing && float32Only(fusedIn.node) && rop <= ROp.MIN && x.aval.size >= REDUCE_FUSE_MIN) {
        instrs.push({ op: "reduceFused", input: kernelOf(fusedIn.shape, [fusedIn.node], ["float32"]), out, rop, outer: prod(shape.slice(0, axes[0])), red: prod(axes.map((a) => shape[a])) });
        result();
        return true;
      }
      let v = asView(xval);
      let outer: number, red: number, inner: number;
      if (consecutive && isContiguous(v)) {
        outer = prod(shape.slice(0, axes[0] ?? 0));
        red = prod(axes.map((a) => shape[a]));
        inner = width * prod(shape.slice((axes[axes.length - 1] ?? -1) + 1));
      } else {
        // Kept axes first, reduced axes last, in a contiguous copy.
        const perm = [...kept, ...axes];
        v = { ...v, shape: perm.map((d) => v.shape[d]), strides: perm.map((d) => v.strides[d]) };
        outer = prod(kept.map((d) => shape[d]));
        red = prod(axes.map((d) => shape[d]));
        inner = width;
      }
      const input = materialize(v);
      instrs.push({ op: "reduce", input, out, rop, dt, outer, red, inner });
      result();
      return true;
    }
    if (name === "dot_general") {
      const complex = outAval.dtype === "complex64" && e.inputs.every((a) => a.aval.dtype === "complex64");
      // float16 multiplies in float32 (exact products, float32 sums) and rounds the result once.
      const half = outAval.dtype === "float16";
      const dt = ["float32", "float64", "int32", "uint32", "float16"].includes(outAval.dtype) ? outAval.dtype : null;
      if (!complex && (!dt || e.inputs.some((a) => a.aval.dtype !== dt))) return false;
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
      const operand = (a: Atom): Value => (half ? new Lazy([...a.aval.shape], { ...nodeOf(a, [...a.aval.shape]), dtype: "float32" } as Node) : read(a));
      const prep = (a: Atom, gs: number[][]): [View, number[]] => {
        let v = asView(operand(a));
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
      const dims = { batch: size(x.aval.shape, lb), m: size(x.aval.shape, lf), n: size(y.aval.shape, rf), k: size(x.aval.shape, lc) };
      if (complex) {
        // Four float32 products of the parts (read in place: strides double), combined lazily.
        const part = (v: View, k: number): View => ({ ...v, dtype: "float32", offset: 2 * v.offset + k });
        const [as2, bs2] = [as.map((s) => 2 * s), bs.map((s) => 2 * s)];
        const [rr, ii, ri, ir] = [[0, 0], [1, 1], [0, 1], [1, 0]].map(([i, j]): Node => {
          const t = temp(new ShapedArray(outAval.shape, "float32"));
          instrs.push({ op: "dot", a: part(av, i), b: part(bv, j), out: t, dt: DT.F32, ...dims, as: as2, bs: bs2 });
          return { k: "in", view: fullView(t), dtype: "float32" };
        });
        lazyResult(e.outvars[0], { k: "pair", re: op(E.FSUB, [rr, ii], "float32"), im: op(E.FADD, [ri, ir], "float32"), dtype: "complex64" });
        return true;
      }
      const out = temp(half ? new ShapedArray(outAval.shape, "float32") : outAval);
      instrs.push({ op: "dot", a: av, b: bv, out, dt: half ? DT.F32 : dtCode(dt!)!, ...dims, as, bs });
      if (half) lazyResult(e.outvars[0], op(E.F16ROUND, [{ k: "in", view: fullView(out), dtype: "float32" }], "float16"));
      else env.set(e.outvars[0], fullView(out));
      return true;
    }
    return lowerDataKernel(cx, e);
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

  checkRanks(instrs, caps);
  return { instrs, inputs, outputs };
}

/**
 * Whether an expression is a float32 value computed in 32-bit lanes only: no complex pair and
 * no float64 value anywhere (those kernels run other block sizes; fused reductions take neither).
 */
function float32Only(root: Node): boolean {
  const seen = new Set<Node>();
  const ok = (n: Node): boolean => {
    if (seen.has(n)) return true;
    seen.add(n);
    if (n.k === "pair" || n.dtype === "float64" || n.dtype === "complex64") return false;
    return n.k !== "op" || n.args.every(ok);
  };
  return root.dtype === "float32" && ok(root);
}
