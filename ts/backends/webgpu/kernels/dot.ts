// dot_general: batched matrix products of strided views (shaders/matmul_tiled.wgsl), float32
// (float16 operands arrive as float32), int32 and uint32 (wrapping arithmetic).

import { DT } from "../../../compiler/bytecode.js";
import type { Instr } from "../../../compiler/lower.js";
import type { Shader } from "../shader.js";
import { SHADERS } from "../shaders.generated.js";
import { PlaceOf, baseOffset, uniformGuard } from "./places.js";

type I<K extends Instr["op"]> = Extract<Instr, { op: K }>;

/**
 * Which kernels a device gets: "gpu" (workgroup memory and trees: tiled matmuls, reductions by
 * workgroup) or "cpu" (no barriers, which CPU implementations of WebGPU pay dearly for:
 * register-blocked matmuls, serial reductions in pieces).
 */
export type KernelStyle = "gpu" | "cpu";

export function dotKernel(sh: Shader, ins: I<"dot">, placeOf: PlaceOf, guard: number | null, style: KernelStyle = "gpu"): { body: string; grid: [number, number, number] } {
  const kind = style === "gpu" ? "tiled" : "registers";
  if (ins.dt !== DT.F32 && ins.dt !== DT.I32 && ins.dt !== DT.U32) throw new Error(`internal: webgpu dot of dtype code ${ins.dt}`);
  if (kind === "registers") {
    const q = quadKernel(sh, ins, placeOf, guard);
    if (q) return q;
  }
  const f = ins.dt === DT.F32;
  const [ap, bp, cp] = [placeOf(ins.a.buf), placeOf(ins.b.buf), placeOf(ins.out)];
  const g = uniformGuard(sh, guard);
  const names = ["M", "N", "K", "AS0", "AS1", "AS2", "BS0", "BS1", "BS2"];
  const vals = [ins.m, ins.n, ins.k, ...ins.as, ...ins.bs].map((v) => sh.p(sh.param(v)));
  const aOff = baseOffset(sh, ap, 4, ins.a.offset), bOff = baseOffset(sh, bp, 4, ins.b.offset), cOff = baseOffset(sh, cp, 4);
  const T = f ? "f32" : "u32";
  const load = (mem: number) => (f ? (i: string) => `bitcast<f32>(${sh.ld32(mem, i)})` : (i: string) => sh.ld32(mem, i));
  sh.decl(`fn load_a(i: u32) -> ${T} { return ${load(ap.mem)("i")}; }`);
  sh.decl(`fn load_b(i: u32) -> ${T} { return ${load(bp.mem)("i")}; }`);
  sh.decl(`fn store_c(i: u32, v: ${T}) { ${sh.st32(cp.mem, "i", f ? "bitcast<u32>(v)" : "v")} }`);
  let text = SHADERS[kind === "tiled" ? "matmul_tiled" : "matmul_registers"].replace(/\{\{T\}\}/g, T).replace(/\{\{LOAD_A\}\}/g, "load_a").replace(/\{\{LOAD_B\}\}/g, "load_b")
    .replace(/\{\{STORE\}\}/g, "store_c").replace(/\{\{A_OFF\}\}/g, aOff).replace(/\{\{B_OFF\}\}/g, bOff).replace(/\{\{C_OFF\}\}/g, cOff);
  names.forEach((n, i) => (text = text.replaceAll(`{{${n}}}`, `bitcast<u32>(${vals[i]})`)));
  sh.decl(text);
  const body = [g, "mm_main(wid, lid);"].filter(Boolean).map((l) => `  ${l}`).join("\n");
  const [tr, tc] = kind === "tiled" ? [64, 64] : [64, 32];
  return { body, grid: [Math.ceil(ins.n / tc), Math.ceil(ins.m / tr), ins.batch] };
}

/**
 * The register-blocked kernel of CPU adapters, reading operands four elements at a time: each
 * invocation computes 8x8 of C from quads (vec4 loads) of A and B, four k at a step. llvmpipe
 * pays per load and per invocation, not per flop: against the scalar 8x4 kernel, 1024² goes
 * from 6.8 to 17-18 GFLOP/s on a 2-core Xeon. A quad runs along k or along the rows of A (a
 * transposed A), along the columns of C or along k for B (a transposed B); a 4x4 transpose in
 * registers turns the latter layouts into the former. Null where the views do not allow it:
 * k or n not a multiple of 4, an operand with no contiguous axis among those two, offsets and
 * strides that are not whole quads.
 */
function quadKernel(sh: Shader, ins: I<"dot">, placeOf: PlaceOf, guard: number | null): { body: string; grid: [number, number, number] } | null {
  const { m, n, k, batch } = ins;
  const [as0, as1, as2] = ins.as, [bs0, bs1, bs2] = ins.bs;
  const q4 = (v: number) => v % 4 === 0;
  const aAlongK = as2 === 1 && q4(as1), aAlongM = !aAlongK && as1 === 1 && q4(as2) && q4(m);
  const bAlongN = bs2 === 1 && q4(bs1), bAlongK = !bAlongN && bs1 === 1 && q4(bs2);
  if (!q4(k) || !q4(n) || !(aAlongK || aAlongM) || !(bAlongN || bAlongK)) return null;
  if ((batch > 1 && (!q4(as0) || !q4(bs0))) || !q4(ins.a.offset) || !q4(ins.b.offset)) return null;
  const [ap, bp, cp] = [placeOf(ins.a.buf), placeOf(ins.b.buf), placeOf(ins.out)];
  if (![ap, bp, cp].every((p) => p.byteOffset % 16 === 0 && (p.loops ?? []).every((l) => l.rowBytes % 16 === 0))) return null;

  const f = ins.dt === DT.F32;
  const T = f ? "f32" : "u32";
  const Q = (x: string) => (f ? `bitcast<vec4<f32>>(${x})` : x);
  const P = (v: number) => sh.p(sh.param(v));
  const [M, N, K] = [P(m), P(n), P(k)];
  const qs = (v: number) => `bitcast<i32>(${P(v / 4)})`; // a stride in quads
  const g = uniformGuard(sh, guard);
  const aBase = `(${baseOffset(sh, ap, 4, ins.a.offset)} + i32(batch) * bitcast<i32>(${P(batch > 1 ? as0 : 0)})) / 4`;
  const bBase = `(${baseOffset(sh, bp, 4, ins.b.offset)} + i32(batch) * bitcast<i32>(${P(batch > 1 ? bs0 : 0)})) / 4`;
  const cBase = `u32(${baseOffset(sh, cp, 4)} / 4) + batch * ${M} * (${N} / 4u)`;
  const ld = (mem: number, i: string) => Q(sh.ld128(mem, `u32(${i})`));
  const R = [0, 1, 2, 3, 4, 5, 6, 7], KK = [0, 1, 2, 3], G = [0, 1];
  const xyzw = "xyzw";
  const pre: string[] = [], step: string[] = [];
  // qa{i}: A[r0 + i, 4s .. 4s + 3].
  if (aAlongK) {
    pre.push(...R.map((i) => `let a${i} = ${aBase} + i32(min(r0 + ${i}u, ${M} - 1u)) * ${qs(as1)};`));
    step.push(...R.map((i) => `let qa${i} = ${ld(ap.mem, `a${i} + s`)};`));
  } else {
    pre.push(...G.map((gi) => `let a${gi} = ${aBase} + i32(min(r0 + ${4 * gi}u, ${M} - 4u) / 4u);`));
    step.push(...KK.flatMap((kk) => G.map((gi) => `let ta${kk}_${gi} = ${ld(ap.mem, `a${gi} + (4 * s + ${kk}) * ${qs(as2)}`)};`)));
    step.push(...R.map((i) => `let qa${i} = vec4<${T}>(${KK.map((kk) => `ta${kk}_${i >> 2}.${xyzw[i & 3]}`).join(", ")});`));
  }
  // b{kk}_{q}: B[4s + kk, c0 + 4q .. c0 + 4q + 3].
  if (bAlongN) {
    pre.push(...G.map((q) => `let b${q} = ${bBase} + i32(min(c0 + ${4 * q}u, ${N} - 4u) / 4u);`));
    step.push(...KK.flatMap((kk) => G.map((q) => `let b${kk}_${q} = ${ld(bp.mem, `b${q} + (4 * s + ${kk}) * ${qs(bs1)}`)};`)));
  } else {
    pre.push(...R.map((j) => `let b${j} = ${bBase} + i32(min(c0 + ${j}u, ${N} - 1u)) * ${qs(bs2)};`));
    step.push(...R.map((j) => `let tb${j} = ${ld(bp.mem, `b${j} + s`)};`));
    step.push(...KK.flatMap((kk) => G.map((q) => `let b${kk}_${q} = vec4<${T}>(${KK.map((c) => `tb${4 * q + c}.${xyzw[kk]}`).join(", ")});`)));
  }
  step.push(...R.flatMap((i) => G.map((q) => `acc${i}_${q} = acc${i}_${q}${KK.map((kk) => ` + qa${i}.${xyzw[kk]} * b${kk}_${q}`).join("")};`)));
  const body = [
    g,
    `let batch = wid.z;`,
    `let r0 = wid.y * 64u + (lid / 8u) * 8u;`,
    `let c0 = wid.x * 64u + (lid % 8u) * 8u;`,
    `if (r0 >= ${M} || c0 >= ${N}) { return; }`,
    ...pre,
    ...R.flatMap((i) => G.map((q) => `var acc${i}_${q} = vec4<${T}>(${T}(0));`)),
    `for (var s = 0; s < i32(${K} / 4u); s = s + 1) {`,
    ...step.map((l) => `  ${l}`),
    `}`,
    `let cb = ${cBase};`,
    ...R.flatMap((i) => G.map((q) => `if (r0 + ${i}u < ${M} && c0 + ${4 * q}u < ${N}) { ${sh.st128(cp.mem, `cb + (r0 + ${i}u) * (${N} / 4u) + c0 / 4u + ${q}u`, f ? `bitcast<vec4<u32>>(acc${i}_${q})` : `acc${i}_${q}`)} }`)),
  ].filter(Boolean);
  return { body: body.map((l) => `  ${l}`).join("\n"), grid: [Math.ceil(n / 64), Math.ceil(m / 64), batch] };
}
