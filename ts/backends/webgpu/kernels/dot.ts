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
