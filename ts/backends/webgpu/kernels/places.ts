// Where a buffer of the lowered program is during a call, as kernels address it: a program
// memory (an input, an output, the arena of temporaries, scratch), a byte offset in it, and for
// a scan's window, the row it points at this step (a loop counter in the control words).

import { prod } from "../../../core/aval.js";
import type { Buf, View } from "../../../compiler/lower.js";
import { nbytes } from "../../../compiler/lower.js";
import type { MemId, Shader } from "../shader.js";

export interface Place {
  mem: MemId;
  byteOffset: number;
  /** A scan's window (of a window...): offset + sum of CTL[ctl] * rowBytes. */
  loops?: { ctl: number; rowBytes: number }[];
}

export type PlaceOf = (b: Buf) => Place;

/** Params and WGSL for the element offset (in elements of `bytes`) of a buffer's start, as an i32 expression. */
export function baseOffset(sh: Shader, place: Place, bytes: number, extraElems = 0): string {
  if (place.byteOffset % bytes !== 0) throw new Error(`internal: a buffer at byte ${place.byteOffset} is not aligned to its ${bytes}-byte elements`);
  const off = sh.param(place.byteOffset / bytes + extraElems);
  if (!place.loops?.length) return `i32(${sh.p(off)})`;
  if (sh.ctl === "none") sh.ctl = "read";
  const terms = place.loops.map((l) => {
    if (l.rowBytes % bytes !== 0) throw new Error("internal: a window row is not a whole number of elements");
    const ctl = sh.param(l.ctl), row = sh.param(l.rowBytes / bytes);
    return ` + i32(CTL[${sh.p(ctl)}]) * i32(${sh.p(row)})`;
  });
  return `(i32(${sh.p(off)})${terms.join("")})`;
}

/**
 * Coordinates of the flat index `flat` in a shape held in params (c0 .. c{r-1}), as WGSL lines;
 * returns the param index of the shape's first axis.
 */
export function coordinates(sh: Shader, shape: readonly number[], flat: string, prefix = "c"): { lines: string[]; at: number } {
  const at = sh.params.length;
  shape.forEach((n) => sh.param(n));
  const lines = [`var ${prefix}rem: u32 = ${flat};`];
  for (let d = shape.length - 1; d >= 1; d--) {
    lines.push(`let ${prefix}${d} = ${prefix}rem % ${sh.p(at + d)}; ${prefix}rem = ${prefix}rem / ${sh.p(at + d)};`);
  }
  if (shape.length) lines.push(`let ${prefix}0 = ${prefix}rem;`);
  return { lines, at };
}

/** An element offset (u32 expression) of view `v` at coordinates c0.. (strides in params). */
export function viewOffset(sh: Shader, v: View, placeOf: PlaceOf, prefix = "c", extraElems = 0): string {
  const bytes = nbytes(v.dtype);
  const base = baseOffset(sh, placeOf(v.buf), bytes, v.offset + extraElems);
  const terms = v.strides.map((s, d) => `i32(${prefix}${d}) * bitcast<i32>(${sh.p(sh.param(s))})`);
  return terms.length ? `u32(${base} + ${terms.join(" + ")})` : `u32(${base})`;
}

/** Total elements of a shape. */
export const count = (shape: readonly number[]) => prod(shape);

/** The first line of a kernel in a guarded block (a branch, a loop's body): it does nothing when the guard is 0. */
export function guardLine(sh: Shader, guard: number | null): string {
  if (guard === null) return "";
  if (sh.ctl === "none") sh.ctl = "read";
  return `if (CTL[${sh.p(sh.param(guard))}] == 0u) { return; }`;
}

/**
 * The same for kernels with workgroup barriers, whose control flow must stay uniform: the
 * guard is read once into workgroup memory (declares `wg_guard`).
 */
export function uniformGuard(sh: Shader, guard: number | null): string {
  if (guard === null) return "";
  if (sh.ctl === "none") sh.ctl = "read";
  sh.decl("var<workgroup> wg_guard: u32;");
  return `if (lid == 0u) { wg_guard = CTL[${sh.p(sh.param(guard))}]; }\n  if (workgroupUniformLoad(&wg_guard) == 0u) { return; }`;
}

/**
 * Loop iterations one invocation may run in all: llvmpipe stops an invocation's loops after
 * 65535 iterations in total (LP_MAX_TGSI_LOOP_ITERATIONS), silently, so kernels split longer
 * serial work among invocations or dispatches.
 */
export const MAX_LOOP = 60000;
