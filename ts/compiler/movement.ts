// Kernels that move or pick data: dynamic slices, cumulative ops, sorts, Threefry's bits,
// gathers, scatters, concatenation and padding (the elementwise, reduction and matmul kernels
// are in lower.ts, loops and branches in control.ts).

import { prod } from "../core/aval.js";
import { DType } from "../core/dtype.js";
import { JaxprEqn, Literal } from "../core/jaxpr.js";
import { broadcastView, contiguous, fullView, nbytes } from "./buffers.js";
import { ROp, dtCode, fillBits, literalBits, literalHi } from "./bytecode.js";
import type { LowerContext } from "./control.js";
import type { Node } from "./lower.js";
import { threefry2x32 } from "./threefry.js";

/** Dtypes the kernels compute on (the rest move only as bytes). */
const native = (d: DType) => dtCode(d) !== null;

export function lowerDataKernel(cx: LowerContext, e: JaxprEqn): boolean {
  const { read, asView, temp, materialize, materializeInto, nodeOf, emitKernel } = cx;
  const name = e.primitive.name;
  const p = e.params;
  const outAval = e.outvars[0]?.aval;
  if (!outAval) return false;
  if (name === "dynamic_slice" || name === "dynamic_update_slice") {
    const update = name === "dynamic_update_slice";
    const [x, upd] = e.inputs;
    const starts = e.inputs.slice(update ? 2 : 1).map((a) => materialize(read(a)));
    const out = temp(outAval);
    if (update) materializeInto(read(x), out);
    const src = materialize(read(update ? upd : x));
    const window = update ? [...upd.aval.shape] : [...(p.slice_sizes as number[])];
    cx.emit({ op: "dslice", src, dst: out, eb: nbytes(x.aval.dtype), update, big: [...x.aval.shape], window, starts });
    cx.bind(e.outvars[0], fullView(out));
    return true;
  }
  const cumulative = { cumsum: ROp.SUM, cumprod: ROp.PROD, cummax: ROp.MAX, cummin: ROp.MIN }[name];
  if (cumulative !== undefined && ["float32", "float64", "int32", "uint32"].includes(outAval.dtype)) {
    const x = e.inputs[0];
    const axis = p.axis as number;
    const s = x.aval.shape;
    const input = materialize(read(x));
    const out = temp(outAval);
    cx.emit({ op: "cumulative", input, out, rop: cumulative, dt: dtCode(outAval.dtype)!, outer: prod(s.slice(0, axis)), n: s[axis], inner: prod(s.slice(axis + 1)), reverse: !!p.reverse });
    cx.bind(e.outvars[0], fullView(out));
    return true;
  }
  if (name === "sort" && e.inputs.every((a) => dtCode(a.aval.dtype) !== null)) {
    const s = e.inputs[0].aval.shape, d = p.dimension as number;
    const ins = e.inputs.map((a) => materialize(read(a)));
    const outs = e.outvars.map((v) => temp(v.aval));
    cx.emit({ op: "sort", ins, outs, numKeys: p.num_keys, outer: prod(s.slice(0, d)), n: s[d], inner: prod(s.slice(d + 1)) });
    e.outvars.forEach((v, i) => cx.bind(v, fullView(outs[i])));
    return true;
  }
  if (name === "threefry2x32" && native(outAval.dtype)) {
    // Operands broadcast as NumPy does (leading unit axes first); both words in one kernel.
    const shape = [...outAval.shape];
    const args = e.inputs.map((a) => {
      if (a instanceof Literal || a.aval.ndim === shape.length || a.aval.ndim === 0) return nodeOf(a, shape);
      const v = asView(read(a)), pad = shape.length - v.shape.length;
      const padded = { ...v, shape: [...globalThis.Array(pad).fill(1), ...v.shape], strides: [...globalThis.Array(pad).fill(0), ...v.strides] };
      return { k: "in", view: broadcastView(padded, shape), dtype: v.dtype } as Node;
    });
    const outs = e.outvars.map((v) => temp(v.aval));
    emitKernel(shape, threefry2x32(args[0], args[1], args[2], args[3]), outs);
    e.outvars.forEach((v, i) => cx.bind(v, fullView(outs[i])));
    return true;
  }
  if (name === "gather") {
    // Pure data movement: any dtype, by element size.
    const [x, idx] = e.inputs;
    const k = idx.aval.shape[idx.aval.ndim - 1];
    // An indexed axis of length 0 has no row to clamp to: the reference decides (a host call).
    if (x.aval.shape.slice(0, k).includes(0)) return false;
    const xb = materialize(read(x)), ib = materialize(read(idx));
    const out = temp(outAval);
    cx.emit({
      op: "gather", x: xb, idx: ib, out, eb: nbytes(x.aval.dtype), rows: prod(idx.aval.shape.slice(0, -1)), inner: prod(x.aval.shape.slice(k)),
      clamp: p.mode === "clip", fill: fillBits(p.fill_value ?? NaN, x.aval.dtype), dims: x.aval.shape.slice(0, k), strides: contiguous(x.aval.shape).slice(0, k),
    });
    cx.bind(e.outvars[0], fullView(out));
    return true;
  }
  // How updates combine: -1 overwrites, else a reduction op.
  const scatterRop = { scatter: -1, "scatter-add": ROp.SUM, "scatter-mul": ROp.PROD, "scatter-min": ROp.MIN, "scatter-max": ROp.MAX }[name];
  if (scatterRop !== undefined && (scatterRop < 0 ? native(outAval.dtype) : ["float32", "float64", "int32", "uint32"].includes(outAval.dtype))) {
    const [x, idx, upd] = e.inputs;
    const k = idx.aval.shape[idx.aval.ndim - 1];
    const out = temp(outAval);
    materializeInto(read(x), out);
    const ib = materialize(read(idx)), ub = materialize(read(upd));
    cx.emit({
      op: "scatter", idx: ib, upd: ub, out, dt: dtCode(outAval.dtype)!, rop: scatterRop, rows: prod(idx.aval.shape.slice(0, -1)),
      inner: prod(x.aval.shape.slice(k)), dims: x.aval.shape.slice(0, k), strides: contiguous(x.aval.shape).slice(0, k),
    });
    cx.bind(e.outvars[0], fullView(out));
    return true;
  }
  if (name === "concatenate") {
    // Copies of bytes: any dtype.
    const out = temp(outAval);
    const d = p.dimension as number;
    const os = contiguous(outAval.shape);
    let at = 0;
    for (const a of e.inputs) {
      const v = asView(read(a));
      cx.emit({ op: "copy", input: v, out, outOffset: at * os[d], outStrides: os });
      at += a.aval.shape[d];
    }
    cx.bind(e.outvars[0], fullView(out));
    return true;
  }
  if (name === "pad" && (native(outAval.dtype) || outAval.dtype === "float16")) {
    const cfg = p.padding_config as [number, number, number][];
    const [x, value] = e.inputs;
    const out = temp(outAval);
    if (value instanceof Literal) cx.emit({ op: "fill", out, n: outAval.size, bytes: nbytes(outAval.dtype), lo: literalBits(value), hi: literalHi(value) });
    else emitKernel([...outAval.shape], [nodeOf(value, [...outAval.shape])], [out]);
    // Input element j lands at lo + j (interior + 1); negative padding crops, so keep only the
    // elements that land inside the output.
    const os = contiguous(outAval.shape);
    let v = asView(read(x));
    let outOffset = 0;
    const shape: number[] = [], offsets: number[] = [];
    cfg.forEach(([lo, , interior], i) => {
      const step = interior + 1, n = v.shape[i], size = outAval.shape[i];
      const first = lo >= 0 ? 0 : Math.ceil(-lo / step);
      const last = Math.min(n - 1, Math.floor((size - 1 - lo) / step));
      shape.push(Math.max(0, last - first + 1));
      offsets.push(first);
      outOffset += (lo + first * step) * os[i];
    });
    v = { ...v, offset: v.offset + offsets.reduce((s, f, i) => s + f * v.strides[i], 0), shape };
    if (prod(shape) > 0) cx.emit({ op: "copy", input: v, out, outOffset, outStrides: os.map((s, i) => s * (cfg[i][2] + 1)) });
    cx.bind(e.outvars[0], fullView(out));
    return true;
  }
  return false;
}
