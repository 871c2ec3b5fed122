// Collectives in a program that runs on every device of a mesh (a shard_map body): each
// becomes one OP_COLLECTIVE on contiguous buffers in a canonical form (the group's members
// along a leading axis of rows), with layout views and copies around it for the others: an
// all_gather stacks whole inputs, a psum_scatter sums one row of [members, ...], an all_to_all
// exchanges rows of [members, ...]. Outside such a program (no mesh) nothing lowers here.

import { ShapedArray, prod } from "../core/aval.js";
import { DType } from "../core/dtype.js";
import { JaxprEqn } from "../core/jaxpr.js";
import { Buf, View, contiguous, fullView, nbytes, reshapeView } from "./buffers.js";
import { Coll, DT } from "./bytecode.js";
import type { LowerContext } from "./control.js";

/** The mesh a device program runs on: its axis names and sizes. */
export interface MeshInfo {
  names: readonly unknown[];
  sizes: readonly number[];
}

/** The dtypes collectives combine (others move bytes only: gathers, permutations, all_to_all). */
const REDUCIBLE: Partial<Record<DType, number>> = { float32: DT.F32, float64: DT.F64, int32: DT.I32, uint32: DT.U32 };

/** The primitives a device program can run as collectives (and which reduce values). */
export const DEVICE_COLLECTIVES = new Set(["psum", "psum_invariant", "pmax", "pmin", "all_gather", "reduce_scatter", "all_to_all", "ppermute", "axis_index", "pvary"]);

/** Whether `e` (a collective) can run on the devices of `mesh`: its axes are the mesh's and its dtype is one they combine. */
export function deviceCollectiveOk(e: JaxprEqn, mesh: MeshInfo): boolean {
  const names = (e.params.axis_name ?? []) as unknown[];
  if (!names.every((n) => mesh.names.includes(n))) return false;
  const reduces = ["psum", "psum_invariant", "pmax", "pmin", "reduce_scatter"].includes(e.primitive.name);
  return !reduces || REDUCIBLE[e.inputs[0].aval.dtype] !== undefined;
}

const permuteView = (v: View, perm: number[]): View => ({ ...v, shape: perm.map((d) => v.shape[d]), strides: perm.map((d) => v.strides[d]) });
const moveAxis = (v: View, from: number, to: number): View => {
  const perm = v.shape.map((_, i) => i).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return permuteView(v, perm);
};
/** Splits axis `d` of a view into [n, rest] (always a view). */
const splitAxis = (v: View, d: number, n: number): View => ({
  ...v,
  shape: [...v.shape.slice(0, d), n, v.shape[d] / n, ...v.shape.slice(d + 1)],
  strides: [...v.strides.slice(0, d), v.strides[d] * (v.shape[d] / n), v.strides[d], ...v.strides.slice(d + 1)],
});

/** Lowers a collective of a device program; false when `e` is none (or there is no mesh). */
export function lowerCollective(cx: LowerContext, e: JaxprEqn, mesh: MeshInfo | undefined): boolean {
  const name = e.primitive.name;
  if (!mesh || !DEVICE_COLLECTIVES.has(name)) return false;
  const p = e.params;
  const axes = ((p.axis_name ?? []) as unknown[]).map((n) => mesh.names.indexOf(n));
  if (axes.some((a) => a < 0)) return false;
  const g = prod(axes.map((a) => mesh.sizes[a]));
  const outAval = e.outvars[0].aval;
  const emit = (kind: number, dt: number, input: Buf | null, out: Buf, count: number, extra: number[] = []) =>
    cx.emit({ op: "collective", kind, ins: input ? [input] : [], outs: [out], words: [kind, dt, input ? -1 : -1, -1, count, axes.length, ...axes, ...extra] });
  /** The input as a contiguous buffer of `view`'s shape. */
  const contiguousOf = (view: View) => cx.materialize(view);
  const inView = () => cx.asView(cx.read(e.inputs[0]));

  switch (name) {
    case "pvary":
      cx.bind(e.outvars[0], cx.read(e.inputs[0]));
      return true;
    case "axis_index": {
      const out = cx.temp(new ShapedArray([], "int32"));
      emit(Coll.AXIS_INDEX, DT.I32, null, out, 1);
      cx.bind(e.outvars[0], fullView(out));
      return true;
    }
    case "psum": case "psum_invariant": case "pmax": case "pmin": {
      const dt = REDUCIBLE[outAval.dtype];
      if (dt === undefined) return false;
      const input = cx.materialize(cx.read(e.inputs[0]));
      const out = cx.temp(outAval);
      emit(name === "pmax" ? Coll.PMAX : name === "pmin" ? Coll.PMIN : Coll.PSUM, dt, input, out, outAval.size);
      cx.bind(e.outvars[0], fullView(out));
      return true;
    }
    case "ppermute": {
      if (axes.length !== 1) return false;
      const input = cx.materialize(cx.read(e.inputs[0]));
      const out = cx.temp(outAval);
      const src = globalThis.Array.from({ length: g }, () => -1);
      for (const [s, d] of p.perm as [number, number][]) src[d] = s;
      emit(Coll.PPERMUTE, DT.U32, input, out, outAval.size * nbytes(outAval.dtype), src);
      cx.bind(e.outvars[0], fullView(out));
      return true;
    }
    case "all_gather": {
      // Members' whole inputs stacked: [g, ...x]; then the stacked axis moves to its place.
      const x = e.inputs[0].aval;
      const input = contiguousOf(inView());
      const stacked = cx.temp(new ShapedArray([g, ...x.shape], x.dtype));
      emit(Coll.ALL_GATHER, DT.U32, input, stacked, x.size * nbytes(x.dtype));
      const d = p.all_gather_dimension as number;
      const moved = moveAxis(fullView(stacked), 0, d);
      if (!p.tiled) return cx.bind(e.outvars[0], moved), true;
      cx.bind(e.outvars[0], reshapeView(fullView(cx.materialize(moved)), [...outAval.shape])!);
      return true;
    }
    case "reduce_scatter": {
      // Rows of [g, ...]: the scattered axis (split into [g, rest] when tiled) leads.
      const dt = REDUCIBLE[outAval.dtype];
      if (dt === undefined) return false;
      const d = p.scatter_dimension as number;
      let v = inView();
      if (p.tiled) v = splitAxis(v, d, g);
      const rows = contiguousOf(moveAxis(v, d, 0));
      const out = cx.temp(outAval);
      emit(Coll.REDUCE_SCATTER, dt, rows, out, outAval.size);
      cx.bind(e.outvars[0], fullView(out));
      return true;
    }
    case "all_to_all": {
      const s = p.split_axis as number, c = p.concat_axis as number, tiled = p.tiled as boolean;
      let v = inView();
      if (tiled) v = splitAxis(v, s, g);
      // [g, rest...]: the chunks of the split axis as rows (rest keeps the chunk axis when tiled).
      // The rows' shape is the view's: a contiguous view materializes as the buffer it views,
      // whose own shape may differ (unit axes, a reshape), and the member axis must lead.
      const rowsView = moveAxis(v, s, 0);
      const rows = contiguousOf(rowsView);
      const rowsAval = new ShapedArray(rowsView.shape, e.inputs[0].aval.dtype);
      const got = cx.temp(rowsAval);
      emit(Coll.ALL_TO_ALL, DT.U32, rows, got, (rowsAval.size / g) * nbytes(rowsAval.dtype));
      // got[r] is member r's chunk: the member axis goes to the concat position.
      const placed = moveAxis(fullView(got), 0, c);
      if (!tiled) return cx.bind(e.outvars[0], placed), true;
      cx.bind(e.outvars[0], reshapeView(fullView(cx.materialize(placed)), [...outAval.shape])!);
      return true;
    }
  }
  return false;
}

export { contiguous };
