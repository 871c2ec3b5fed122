// Building one WGSL compute shader: its bindings (every buffer is an array<u32> read through
// accessor functions, so one binding serves any dtype and a buffer larger than one binding may
// hold is bound in pieces), its parameter record (sizes, strides and offsets live in a storage
// buffer, not in the text, so that one pipeline serves every shape of a kernel), and the WGSL
// library functions it calls (shaders/*.wgsl).

import { SHADERS } from "./shaders.generated.js";

/** The memory a kernel reads or writes: an index into the program's memories (inputs, outputs, arena, scratch). */
export type MemId = number;

/** What the device allows, as shaders and bind groups need it. */
export interface ShaderLimits {
  /** Bytes one storage binding may cover (a multiple of the offset alignment). */
  readonly pieceBytes: number;
  readonly storageBuffers: number;
  /** Whether kernels may use f16 types (the device has shader-f16 and it is not turned off). */
  readonly f16: boolean;
}

type Access = "ld32" | "ld8" | "ld16" | "st32" | "st8" | "st16" | "ldh" | "sth" | "ld128" | "st128";

interface MemBinding {
  local: number;
  pieces: number;
  atomic: boolean;
  used: Set<Access>;
}

/** Whether a binding is read as words (array<u32>) and/or as halves (array<f16>, with shader-f16). */
const wordView = (b: MemBinding) => [...b.used].some((a) => a !== "ldh" && a !== "sth" && a !== "ld128" && a !== "st128");
const halfView = (b: MemBinding) => b.used.has("ldh") || b.used.has("sth");
/** Whether a binding is read or written four words at a time (array<vec4<u32>>: contiguous elementwise kernels). */
const quadView = (b: MemBinding) => b.used.has("ld128") || b.used.has("st128");

export const WORKGROUP = 256;

/** One shader under construction; `text()` gives the WGSL, `mems` the program memories it binds in order. */
export class Shader {
  private readonly bindings = new Map<MemId, MemBinding>();
  private readonly libs = new Set<string>();
  private readonly extra: string[] = [];
  /** How the shader uses the control words (loop counters, guards): not at all, reading, or writing. */
  ctl: "none" | "read" | "write" = "none";
  /**
   * Words of the parameter record, in order (`p(k)` in WGSL). Word 0 (P[0].x) is always 0, a
   * value the shader compiler cannot know (vm_keep: stops it folding away a rounding on purpose).
   */
  readonly params: number[] = [0];

  constructor(
    readonly limits: ShaderLimits,
    /** Bytes of each program memory (for the number of pieces it is bound in). */
    private readonly memBytes: (m: MemId) => number,
  ) {}

  /** Appends a parameter word; returns its index in P. */
  param(v: number): number {
    this.params.push(v >>> 0);
    return this.params.length - 1;
  }

  /**
   * Whether parameters are written into the text as constants (a pipeline per shape, which
   * the compiler can strength-reduce: worth it for large kernels) or read from P (one pipeline
   * for every shape of a kernel: small ones).
   */
  bake = false;

  /** Parameter k as an expression: its value when baking, else read from P (a uniform array of vec4s). */
  p(k: number): string {
    return this.bake ? `${this.params[k] >>> 0}u` : this.dyn(k);
  }

  /** Parameter k read at run time even when baking (values the compiler must not see: constants, P[0]). */
  dyn(k: number): string {
    return `P[${k >> 2}][${k & 3}]`;
  }

  /** Whether memory `m` fits one binding (no pieces). */
  onePiece(m: MemId): boolean {
    return this.memBytes(m) <= this.limits.pieceBytes;
  }

  /** Includes a WGSL library file from shaders/ (vmath, math, ...). */
  lib(name: string): void {
    this.libs.add(name);
  }

  /** Module-scope WGSL (helper functions, workgroup arrays). */
  decl(text: string): void {
    this.extra.push(text);
  }

  private binding(m: MemId, access: Access): MemBinding {
    let b = this.bindings.get(m);
    if (!b) {
      const pieces = Math.max(1, Math.ceil(this.memBytes(m) / this.limits.pieceBytes));
      b = { local: this.bindings.size, pieces, atomic: false, used: new Set() };
      this.bindings.set(m, b);
    }
    b.used.add(access);
    // Stores narrower than a word share words with other invocations: atomic and/or on the word.
    if (access === "st8" || access === "st16") b.atomic = true;
    return b;
  }

  /** A 32-bit word at word index `i` of memory `m` (a u32 expression). */
  ld32(m: MemId, i: string): string {
    return `ld32_${this.binding(m, "ld32").local}(${i})`;
  }
  /** A byte (bool) at byte index `i`, as a u32 0..255. */
  ld8(m: MemId, i: string): string {
    this.binding(m, "ld32");
    return `ld8_${this.binding(m, "ld8").local}(${i})`;
  }
  /** A half word (float16 bits) at half index `i`. */
  ld16(m: MemId, i: string): string {
    this.binding(m, "ld32");
    return `ld16_${this.binding(m, "ld16").local}(${i})`;
  }
  st32(m: MemId, i: string, v: string): string {
    return `st32_${this.binding(m, "st32").local}(${i}, ${v});`;
  }
  st8(m: MemId, i: string, v: string): string {
    return `st8_${this.binding(m, "st8").local}(${i}, ${v});`;
  }
  st16(m: MemId, i: string, v: string): string {
    return `st16_${this.binding(m, "st16").local}(${i}, ${v});`;
  }

  /**
   * Four words at quad index `i` (words 4i .. 4i+3) of memory `m`, a vec4<u32> expression. A
   * memory a kernel reads or writes this way is bound as array<vec4<u32>>: it must reach the
   * memory only through ld128/st128 (a second, writable view of one buffer is not allowed).
   */
  ld128(m: MemId, i: string): string {
    return `ld128_${this.binding(m, "ld128").local}(${i})`;
  }
  st128(m: MemId, i: string, v: string): string {
    return `st128_${this.binding(m, "st128").local}(${i}, ${v});`;
  }

  /** Loads an element of `bytes` (1, 2, 4) at element index `i` as u32 bits; 8-byte elements are two words. */
  ldElem(m: MemId, bytes: number, i: string): string {
    return bytes === 1 ? this.ld8(m, i) : bytes === 2 ? this.ld16(m, i) : this.ld32(m, i);
  }
  stElem(m: MemId, bytes: number, i: string, v: string): string {
    return bytes === 1 ? this.st8(m, i, v) : bytes === 2 ? this.st16(m, i, v) : this.st32(m, i, v);
  }

  /**
   * A float16 element at half index `i` as an f32 expression: through an array<f16> view of the
   * memory with shader-f16, else from its bits (integer arithmetic, f16_emulated.wgsl).
   */
  ldh(m: MemId, i: string): string {
    this.lib("f16");
    if (!this.limits.f16) return `wj_half_to_float(${this.ld16(m, i)})`;
    return `f32(H${this.binding(m, "ldh").local}(${i}))`;
  }
  /** Stores f32 `v` (a float16 value: kernels round after every op) at half index `i`. */
  sth(m: MemId, i: string, v: string): string {
    this.lib("f16");
    if (!this.limits.f16) return this.st16(m, i, `wj_float_to_half(${v})`);
    return `sth_${this.binding(m, "sth").local}(${i}, ${v});`;
  }

  /** The program memories bound, in binding order: piece counts, and which views (words, halves). */
  get mems(): { mem: MemId; pieces: number; words: boolean; halves: boolean; quads: boolean }[] {
    return [...this.bindings].sort((a, b) => a[1].local - b[1].local).map(([mem, b]) => ({ mem, pieces: b.pieces, words: wordView(b), halves: halfView(b), quads: quadView(b) }));
  }

  get storageBindings(): number {
    let n = this.ctl === "none" ? 0 : 1; // P is a uniform buffer
    for (const b of this.bindings.values()) n += b.pieces * (Number(wordView(b)) + Number(halfView(b)) + Number(quadView(b)));
    return n;
  }

  /** The whole shader: `body` is the entry point's statements (gid, lid, wid and nwg are in scope). */
  text(body: string, workgroup = WORKGROUP): string {
    const out: string[] = [];
    if (this.libs.has("f16") && this.limits.f16) out.push("enable f16;");
    // Parameters in a uniform buffer: loads from it cost far less than from storage (1.4x on a
    // whole elementwise kernel on llvmpipe), and GPUs keep uniforms close too.
    out.push(`@group(0) @binding(0) var<uniform> P: array<vec4<u32>, ${Math.max(1, Math.ceil(this.params.length / 4))}>;`);
    let next = 1;
    if (this.ctl !== "none") out.push(`@group(0) @binding(${next++}) var<storage, ${this.ctl === "write" ? "read_write" : "read"}> CTL: array<u32>;`);
    const chunk = this.limits.pieceBytes / 4;
    for (const b of [...this.bindings.values()].sort((x, y) => x.local - y.local)) {
      const ty = b.atomic ? "array<atomic<u32>>" : "array<u32>";
      // Memories the kernel only reads are bound read-only (a compiler may cache them; a memory is
      // never bound twice in one dispatch, see GpuProgram's aliasing variants).
      const words = ["st32", "st8", "st16"].some((a) => b.used.has(a as Access)) ? "read_write" : "read";
      const halves = b.used.has("sth") ? "read_write" : "read";
      if (wordView(b)) for (let k = 0; k < b.pieces; k++) out.push(`@group(0) @binding(${next++}) var<storage, ${words}> M${b.local}_${k}: ${ty};`);
      if (halfView(b)) for (let k = 0; k < b.pieces; k++) out.push(`@group(0) @binding(${next++}) var<storage, ${halves}> H${b.local}_${k}: array<f16>;`);
      const quads = b.used.has("st128") ? "read_write" : "read";
      if (quadView(b)) for (let k = 0; k < b.pieces; k++) out.push(`@group(0) @binding(${next++}) var<storage, ${quads}> Q${b.local}_${k}: array<vec4<u32>>;`);
      out.push(...accessors(b, chunk));
    }
    for (const l of [...this.libs].sort()) out.push(SHADERS[l === "f16" ? (this.limits.f16 ? "f16_native" : "f16_emulated") : l]);
    out.push(...this.extra);
    out.push(`@compute @workgroup_size(${workgroup})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let gid = (wid.y * nwg.x + wid.x) * ${workgroup}u + lid;
  _ = P[0].x; // every shader binds its parameters, used or not (the bind group has them)
${body}
}`);
    return out.join("\n");
  }
}

/** The accessor functions of one binding (only those the shader uses). */
function accessors(b: MemBinding, chunk: number): string[] {
  const L = b.local;
  // word i of the memory: in piece i / chunk.
  const piece = (i: string, f: (ref: string) => string): string => {
    if (b.pieces === 1) return f(`M${L}_0[${i}]`);
    const arms: string[] = [];
    for (let k = 0; k < b.pieces; k++) {
      const ref = `M${L}_${k}[${i} - ${k * chunk}u]`;
      arms.push(k === b.pieces - 1 ? `  ${f(ref)}` : `  if (${i} < ${(k + 1) * chunk}u) { ${f(ref)} }`);
    }
    return arms.join("\n");
  };
  const load = (ref: string) => (b.atomic ? `atomicLoad(&${ref})` : ref);
  const out: string[] = [];
  if (b.used.has("ld32")) out.push(`fn ld32_${L}(i: u32) -> u32 {\n${piece("i", (r) => `return ${load(r)};`)}\n}`);
  if (b.used.has("ld8")) out.push(`fn ld8_${L}(i: u32) -> u32 { return (ld32_${L}(i >> 2u) >> ((i & 3u) * 8u)) & 0xffu; }`);
  if (b.used.has("ld16")) out.push(`fn ld16_${L}(i: u32) -> u32 { return (ld32_${L}(i >> 1u) >> ((i & 1u) * 16u)) & 0xffffu; }`);
  if (b.used.has("st32")) out.push(`fn st32_${L}(i: u32, v: u32) {\n${piece("i", (r) => (b.atomic ? `atomicStore(&${r}, v); return;` : `${r} = v; return;`))}\n}`);
  // Narrow stores clear their lanes and set them: other lanes of the word belong to other
  // invocations, whose and/or touch only theirs.
  const narrow = (name: string, idx: string, mask: string, shift: string) =>
    `fn ${name}_${L}(i: u32, v: u32) {\n  let w = ${idx};\n  let s = ${shift};\n${piece("w", (r) => `atomicAnd(&${r}, ~(${mask} << s)); atomicOr(&${r}, (v & ${mask}) << s); return;`)}\n}`;
  if (b.used.has("st8")) out.push(narrow("st8", "i >> 2u", "0xffu", "(i & 3u) * 8u"));
  if (b.used.has("st16")) out.push(narrow("st16", "i >> 1u", "0xffffu", "(i & 1u) * 16u"));
  // The array<f16> view: half index i is in piece i / (2 chunk).
  const halves = (i: string, f: (ref: string) => string): string => {
    if (b.pieces === 1) return f(`H${L}_0[${i}]`);
    return globalThis.Array.from({ length: b.pieces }, (_, k) => {
      const ref = `H${L}_${k}[${i} - ${2 * k * chunk}u]`;
      return k === b.pieces - 1 ? `  ${f(ref)}` : `  if (${i} < ${2 * (k + 1) * chunk}u) { ${f(ref)} }`;
    }).join("\n");
  };
  if (b.used.has("ldh")) out.push(`fn H${L}(i: u32) -> f16 {\n${halves("i", (r) => `return ${r};`)}\n}`);
  if (b.used.has("sth")) out.push(`fn sth_${L}(i: u32, v: f32) {\n${halves("i", (r) => `${r} = f16(v); return;`)}\n}`);
  // The array<vec4<u32>> view: quad index i is in piece i / (chunk / 4).
  const quads = (i: string, f: (ref: string) => string): string => {
    if (b.pieces === 1) return f(`Q${L}_0[${i}]`);
    return globalThis.Array.from({ length: b.pieces }, (_, k) => {
      const ref = `Q${L}_${k}[${i} - ${(k * chunk) / 4}u]`;
      return k === b.pieces - 1 ? `  ${f(ref)}` : `  if (${i} < ${((k + 1) * chunk) / 4}u) { ${f(ref)} }`;
    }).join("\n");
  };
  if (b.used.has("ld128")) out.push(`fn ld128_${L}(i: u32) -> vec4<u32> {\n${quads("i", (r) => `return ${r};`)}\n}`);
  if (b.used.has("st128")) out.push(`fn st128_${L}(i: u32, v: vec4<u32>) {\n${quads("i", (r) => `${r} = v; return;`)}\n}`);
  return out;
}

/** Workgroups for `threads` invocations: x up to 65535, the rest in y. */
export function grid(threads: number, workgroup = WORKGROUP): [number, number] {
  const groups = Math.max(1, Math.ceil(threads / workgroup));
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y];
}
