// One-invocation kernels on the control words (a program's small u32 buffer CTL): scan
// counters, and the guards of branches and loop bodies, so that `cond`, `scan` and `while` run
// on the GPU without reading anything back (a while loop checks its guard every few steps).

import type { Buf } from "../../../compiler/lower.js";
import type { Shader } from "../shader.js";
import { PlaceOf, baseOffset } from "./places.js";

/** CTL[slot] = value. */
export function ctlSet(sh: Shader, slot: number, value: number): string {
  sh.ctl = "write";
  const [s, v] = [sh.param(slot), sh.param(value)];
  return `  if (gid == 0u) { CTL[${sh.p(s)}] = ${sh.p(v)}; }`;
}

/** CTL[slot] += delta (wrapping: -1 counts down). */
export function ctlAdd(sh: Shader, slot: number, delta: number): string {
  sh.ctl = "write";
  const [s, v] = [sh.param(slot), sh.param(delta)];
  return `  if (gid == 0u) { CTL[${sh.p(s)}] = CTL[${sh.p(s)}] + ${sh.p(v)}; }`;
}

/** CTL[slot] = (parent active) && branch index == k (the index clamped into [0, n), as the reference). */
export function ctlBranch(sh: Shader, slot: number, parent: number | null, index: Buf, k: number, n: number, placeOf: PlaceOf): string {
  sh.ctl = "write";
  const p = placeOf(index);
  const bool = index.aval.dtype === "bool";
  const raw = bool ? sh.ld8(p.mem, `u32(${baseOffset(sh, p, 1)})`) : sh.ld32(p.mem, `u32(${baseOffset(sh, p, 4)})`);
  const [s, kk, nn] = [sh.param(slot), sh.param(k), sh.param(n - 1)];
  const idx = bool || index.aval.dtype === "uint32" ? `i32(min(${raw}, ${sh.p(nn)}))` : `clamp(bitcast<i32>(${raw}), 0, i32(${sh.p(nn)}))`;
  const par = parent === null ? "1u" : `CTL[${sh.p(sh.param(parent))}]`;
  return `  if (gid == 0u) { CTL[${sh.p(s)}] = select(0u, ${par}, ${idx} == i32(${sh.p(kk)})); }`;
}

/** CTL[slot] = (parent active, or the slot itself when `parent` is `slot`) && pred (a bool scalar). */
export function ctlWhile(sh: Shader, slot: number, parent: number | null, pred: Buf, placeOf: PlaceOf): string {
  sh.ctl = "write";
  const p = placeOf(pred);
  const v = sh.ld8(p.mem, `u32(${baseOffset(sh, p, 1)})`);
  const s = sh.param(slot);
  const par = parent === null ? "1u" : `CTL[${sh.p(sh.param(parent))}]`;
  return `  if (gid == 0u) { CTL[${sh.p(s)}] = select(0u, ${par}, ${v} != 0u); }`;
}
