// Buffers and strided views of them: what lowered instructions read and write.

import { ShapedArray, stridesOf } from "../core/aval.js";
import { binaryShape } from "../primitives/elementwise.js";
import { DType } from "../core/dtype.js";
import { INT32_MAX } from "./bytecode.js";

export class Buf {
  static count = 0;
  readonly id = Buf.count++;
  constructor(
    readonly aval: ShapedArray,
    /** A window is a slot with no memory of its own: a scan points it at one row of an array. */
    public kind: "input" | "output" | "temp" | "window",
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

export function nbytes(d: DType): number {
  return d === "bool" ? 1 : d === "float16" ? 2 : d === "float64" || d === "complex64" ? 8 : 4;
}

export const contiguous = (shape: readonly number[]) => stridesOf(shape);
export const fullView = (buf: Buf): View => ({ buf, offset: 0, shape: [...buf.aval.shape], strides: contiguous(buf.aval.shape), dtype: buf.aval.dtype });

/** `v` read at each index of `shape` under lax broadcasting (rank-0 or size-1 axes stretch). */
export function broadcastView(v: View, shape: number[]): View {
  if (v.shape.join() === shape.join()) return v;
  if (v.shape.length === 0) return { ...v, shape, strides: shape.map(() => 0) };
  binaryShape("broadcast", [v.shape, shape]);
  return { ...v, shape, strides: v.strides.map((s, i) => (v.shape[i] === 1 && shape[i] !== 1 ? 0 : s)) };
}

/** The single stride of a group of axes read in order, or null when they don't collapse. */
export function collapse(v: View, group: number[]): number | null {
  const dims = group.filter((d) => v.shape[d] !== 1);
  if (!dims.length) return 0;
  for (let i = 0; i + 1 < dims.length; i++) {
    if (v.strides[dims[i]] !== v.strides[dims[i + 1]] * v.shape[dims[i + 1]]) return null;
  }
  return v.strides[dims[dims.length - 1]];
}

/** A view with a new shape over the same elements, when strides allow it without a copy. */
export function reshapeView(v: View, newShape: number[]): View | null {
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

/**
 * Drops unit axes and merges axes that are contiguous in every one of `strideSets` (long inner
 * loops for the kernels); a 0-d or all-unit shape becomes [1].
 */
export function collapseDims(shape: readonly number[], strideSets: readonly (readonly number[])[]): [number[], number[][]] {
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
