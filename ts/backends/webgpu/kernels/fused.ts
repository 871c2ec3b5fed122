// Fused elementwise kernels in WGSL, from the lowered program's register code (the same code
// the wasm core interprets, ts/compiler/bytecode.ts's E ops): registers are u32 bits, as they
// are 32-bit lanes there, and each instruction becomes one `let` of WGSL that reinterprets
// them as the op needs. float16 values compute in float32 and round (E.F16ROUND); complex64
// values are pairs of float32 expressions stored interleaved; float64 never reaches WebGPU.

import { DT, E, VMath, readsCoordinates } from "../../../compiler/bytecode.js";
import type { Kernel } from "../../../compiler/lower.js";
import { collapseDims, nbytes } from "../../../compiler/buffers.js";
import type { Shader } from "../shader.js";
import { Place, PlaceOf, baseOffset, coordinates, guardLine, viewOffset } from "./places.js";

const VMATH_NAME: Record<number, string> = Object.fromEntries(Object.entries(VMath).map(([k, v]) => [v, `vm_${k}`]));

const F = (x: string) => `bitcast<f32>(${x})`;
const I = (x: string) => `bitcast<i32>(${x})`;
const U = (x: string) => `bitcast<u32>(${x})`;
const B = (c: string) => `select(0u, 1u, ${c})`;
const notNan = (x: string) => `!vm_isnan(${F(x)})`;

/** The kernel's shape and its views' strides after merging axes (unless it reads coordinates). */
export function kernelLayout(k: Kernel): { shape: number[]; strides: number[][] } {
  const usesIndex = readsCoordinates(k.code);
  if (usesIndex) return k.shape.length ? { shape: k.shape, strides: k.ins.map((v) => v.strides) } : { shape: [1], strides: k.ins.map(() => [0]) };
  const [shape, strides] = collapseDims(k.shape, k.ins.map((v) => v.strides));
  return { shape, strides };
}

/**
 * WGSL lines computing the kernel at coordinates c0.. (already in scope); returns the lines and,
 * per output, the u32 register(s) to store (two for a complex output).
 */
export function kernelCode(sh: Shader, k: Kernel, strides: number[][], placeOf: PlaceOf, input?: (a: number) => string): { lines: string[]; outs: string[][] } {
  sh.lib("vmath");
  sh.lib("math");
  const lines: string[] = [];
  const regs: string[] = [];
  const outs: string[][] = k.outDts.map(() => []);
  let n = 0;
  const def = (expr: string) => {
    const name = `t${n++}`;
    lines.push(`let ${name}: u32 = ${expr};`);
    return name;
  };
  const loaded = new Map<number, string>();
  for (let at = 0; at < k.code.length; at += 5) {
    const [op, dst, a0, b0, c0] = k.code.slice(at, at + 5);
    const a = regs[a0], b = regs[b0], c = regs[c0];
    let e: string;
    switch (op) {
      case E.LOAD: {
        const cached = loaded.get(a0);
        if (cached) {
          regs[dst] = cached;
          continue;
        }
        if (input) {
          regs[dst] = def(input(a0));
          loaded.set(a0, regs[dst]);
          continue;
        }
        const v = k.ins[a0];
        const off = viewOffset(sh, { ...v, strides: strides[a0] }, placeOf);
        const m = placeOf(v.buf).mem;
        if (v.dtype === "bool") e = B(`${sh.ld8(m, off)} != 0u`);
        else if (v.dtype === "float16") e = U(sh.ldh(m, off));
        else if (nbytes(v.dtype) === 4) e = sh.ld32(m, off);
        else throw new Error(`internal: webgpu kernels do not load ${v.dtype}`);
        regs[dst] = def(e);
        loaded.set(a0, regs[dst]);
        continue;
      }
      case E.STORE:
        outs[a0] = [regs[b0]];
        continue;
      case E.STOREC:
        outs[a0] = [regs[b0], regs[c0]];
        continue;
      // Constants are parameters: a shader compiler would fold x * 0 to 0 (wrong for inf and
      // NaN) or x + 0 to x (wrong for -0); as parameters they also let kernels that differ only
      // in their literals share a pipeline.
      case E.CONST: e = sh.dyn(sh.param(a0)); break;
      case E.INDEX: e = `c${a0}`; break;
      case E.FADD: e = U(`${F(a)} + ${F(b)}`); break;
      case E.FSUB: e = U(`${F(a)} - ${F(b)}`); break;
      // Products are rounded on their own (`| P[0].x`, which is 0 but unknown to the compiler): a
      // shader compiler may fuse a * b + c into one fma, which rounds once (SwiftShader does).
      case E.FMUL: e = `${U(`${F(a)} * ${F(b)}`)} | P[0].x`; break;
      case E.FDIV: e = U(`${F(a)} / ${F(b)}`); break;
      case E.FMAX: e = U(`wj_fmax(${F(a)}, ${F(b)})`); break;
      case E.FMIN: e = U(`wj_fmin(${F(a)}, ${F(b)})`); break;
      case E.FNEG: e = `${a} ^ 0x80000000u`; break;
      case E.FABS: e = `${a} & 0x7fffffffu`; break;
      case E.FSQRT: e = U(`sqrt(${F(a)})`); break;
      case E.FRSQRT: e = U(`1.0 / sqrt(${F(a)})`); break;
      case E.FFLOOR: e = U(`floor(${F(a)})`); break;
      case E.FCEIL: e = U(`ceil(${F(a)})`); break;
      case E.FROUND_EVEN: e = U(`round(${F(a)})`); break; // WGSL's round: half to even
      case E.FROUND_AWAY: e = U(`wj_round_away(${F(a)})`); break;
      case E.FSIGN: e = U(`wj_fsign(${F(a)})`); break;
      case E.FSQUARE: e = `${U(`${F(a)} * ${F(a)}`)} | P[0].x`; break;
      case E.FPOW: e = U(`wj_pow(${F(a)}, ${F(b)})`); break;
      case E.FATAN2: e = U(`wj_atan2(${F(a)}, ${F(b)})`); break;
      case E.FREM: e = U(`wj_fmod(${F(a)}, ${F(b)})`); break;
      case E.FNEXTAFTER: e = U(`wj_nextafter(${F(a)}, ${F(b)})`); break;
      case E.FCBRT: e = U(`vm_cbrt(${F(a)})`); break;
      case E.FISFINITE: e = B(`vm_finite(${F(a)})`); break;
      // Comparisons test NaN on bits: a shader compiler may assume x == x.
      case E.FEQ: e = B(`${notNan(a)} && ${notNan(b)} && ${F(a)} == ${F(b)}`); break;
      case E.FNE: e = B(`!(${notNan(a)} && ${notNan(b)} && ${F(a)} == ${F(b)})`); break;
      case E.FLT: e = B(`${notNan(a)} && ${notNan(b)} && ${F(a)} < ${F(b)}`); break;
      case E.FLE: e = B(`${notNan(a)} && ${notNan(b)} && ${F(a)} <= ${F(b)}`); break;
      case E.FGT: e = B(`${notNan(a)} && ${notNan(b)} && ${F(a)} > ${F(b)}`); break;
      case E.FGE: e = B(`${notNan(a)} && ${notNan(b)} && ${F(a)} >= ${F(b)}`); break;
      case E.VMATH: {
        const fn = VMATH_NAME[b0];
        if (!fn) throw new Error(`internal: no WGSL function for vmath op ${b0}`);
        e = U(`${fn}(${F(a)})`);
        break;
      }
      case E.IPOW: {
        // Square-and-multiply in the core's order (its roundings are the result's).
        let acc: string | null = null;
        let base = F(a);
        for (let t = Math.abs(b0); t; t >>= 1) {
          if (t & 1) acc = acc === null ? base : F(def(U(`${acc} * ${base}`)));
          if (t > 1) base = F(def(U(`${base} * ${base}`)));
        }
        e = b0 < 0 ? U(`1.0 / ${acc ?? "1.0"}`) : U(acc ?? "1.0");
        break;
      }
      case E.F16ROUND:
        sh.lib("f16");
        e = U(`wj_f16_round(${F(a)})`);
        break;
      case E.IADD: e = `${a} + ${b}`; break;
      case E.ISUB: e = `${a} - ${b}`; break;
      case E.IMUL: e = `${a} * ${b}`; break;
      case E.IDIV: e = `wj_idiv(${I(a)}, ${I(b)})`; break;
      case E.IREM: e = `wj_irem(${I(a)}, ${I(b)})`; break;
      case E.UDIV: e = `wj_udiv(${a}, ${b})`; break;
      case E.UREM: e = `wj_urem(${a}, ${b})`; break;
      case E.INEG: e = `0u - ${a}`; break;
      case E.IABS: e = U(`abs(${I(a)})`); break;
      case E.IMAX: e = U(`max(${I(a)}, ${I(b)})`); break;
      case E.IMIN: e = U(`min(${I(a)}, ${I(b)})`); break;
      case E.UMAX: e = `max(${a}, ${b})`; break;
      case E.UMIN: e = `min(${a}, ${b})`; break;
      case E.ISIGN: e = `select(select(0u, 1u, ${I(a)} > 0), 0xffffffffu, ${I(a)} < 0)`; break;
      case E.USIGN: e = B(`${a} != 0u`); break;
      case E.AND: e = `${a} & ${b}`; break;
      case E.OR: e = `${a} | ${b}`; break;
      case E.XOR: e = `${a} ^ ${b}`; break;
      case E.NOT: e = `~${a}`; break;
      case E.BNOT: e = `${a} ^ 1u`; break;
      // XLA: shift counts outside [0, 32) give 0 (or the sign, shifting right arithmetically).
      case E.SHL: e = `select(0u, ${a} << (${b} & 31u), ${b} < 32u)`; break;
      case E.SHRL: e = `select(0u, ${a} >> (${b} & 31u), ${b} < 32u)`; break;
      case E.SHRA: e = `select(select(0u, 0xffffffffu, ${I(a)} < 0), ${U(`${I(a)} >> (${b} & 31u)`)}, ${b} < 32u)`; break;
      case E.SHLI: e = `${a} << ${b0 >>> 0}u`; break;
      case E.SHRLI: e = `${a} >> ${b0 >>> 0}u`; break;
      case E.SHRAI: e = U(`${I(a)} >> ${b0 >>> 0}u`); break;
      case E.ROTLI: e = `(${a} << ${b0}u) | (${a} >> ${32 - b0}u)`; break;
      case E.IEQ: e = B(`${a} == ${b}`); break;
      case E.INE: e = B(`${a} != ${b}`); break;
      case E.ILT: e = B(`${I(a)} < ${I(b)}`); break;
      case E.ILE: e = B(`${I(a)} <= ${I(b)}`); break;
      case E.IGT: e = B(`${I(a)} > ${I(b)}`); break;
      case E.IGE: e = B(`${I(a)} >= ${I(b)}`); break;
      case E.ULT: e = B(`${a} < ${b}`); break;
      case E.ULE: e = B(`${a} <= ${b}`); break;
      case E.UGT: e = B(`${a} > ${b}`); break;
      case E.UGE: e = B(`${a} >= ${b}`); break;
      case E.F2I: e = `wj_f2i(${F(a)})`; break;
      case E.F2U: e = `wj_f2u(${F(a)})`; break;
      case E.I2F: e = U(`f32(${I(a)})`); break;
      case E.U2F: e = U(`f32(${a})`); break;
      case E.TOBOOL: e = B(`${a} != 0u`); break;
      case E.FTOBOOL: e = B(`${F(a)} != 0.0 && ${notNan(a)}`); break;
      case E.SELECT: e = `select(${b}, ${c}, ${a} != 0u)`; break; // a ? c : b, as the core's bitselect
      default:
        throw new Error(`internal: the WebGPU backend has no form of fused op ${op} (float64 values never reach it)`);
    }
    regs[dst] = def(e);
  }
  return { lines, outs };
}

/** Stores a kernel output's register(s) at element index `i` of output place `place`. */
export function storeOut(sh: Shader, place: Place, dt: number, vals: string[], i: string): string {
  const m = place.mem;
  switch (dt) {
    case DT.BOOL: return sh.st8(m, `u32(${baseOffset(sh, place, 1)}) + ${i}`, `select(0u, 1u, ${vals[0]} != 0u)`);
    case DT.F16:
      return sh.sth(m, `u32(${baseOffset(sh, place, 2)}) + ${i}`, F(vals[0]));
    case DT.C64: {
      const o = `u32(${baseOffset(sh, place, 4)}) + 2u * (${i})`;
      return `${sh.st32(m, o, vals[0])} ${sh.st32(m, `${o} + 1u`, vals[1])}`;
    }
    case DT.F32: case DT.I32: case DT.U32:
      return sh.st32(m, `u32(${baseOffset(sh, place, 4)}) + ${i}`, vals[0]);
    default:
      throw new Error(`internal: webgpu kernels do not store dtype code ${dt}`);
  }
}

/** Side of the square tiles in which kernels that read an input transposed visit elements. */
const TILE = 16;

/**
 * Whether a kernel reads some input across its last axis (a stride other than 0 or 1 there)
 * while contiguous along another: visiting elements row by row would touch a new cache line
 * (or memory transaction) per element of that input; 16x16 tiles reuse each line 16 times.
 */
function readsTransposed(shape: number[], strides: number[][]): boolean {
  const r = shape.length;
  if (r < 2 || shape[r - 1] < TILE || shape[r - 2] < TILE) return false;
  return strides.some((st) => st[r - 1] !== 0 && st[r - 1] !== 1 && st.slice(0, r - 1).some((x, d) => Math.abs(x) === 1 && shape[d] > 1));
}

/**
 * WGSL defining coordinates c0.. of the element an invocation computes (after `gid` is checked
 * against `threads`), row by row or, for kernels that read inputs transposed, in 16x16 tiles of
 * the last two axes; and `flat`, the element's row-major index.
 */
export function elementIndex(sh: Shader, shape: number[], strides: number[][]): { lines: string[]; threads: number; flat: string } {
  const total = shape.reduce((x, y) => x * y, 1);
  const r = shape.length;
  if (!readsTransposed(shape, strides)) return { lines: coordinates(sh, shape, "gid").lines, threads: total, flat: "gid" };
  const [tr, tc] = [Math.ceil(shape[r - 2] / TILE), Math.ceil(shape[r - 1] / TILE)];
  const [ptc, ptr, prows, pcols] = [sh.param(tc), sh.param(tr), sh.param(shape[r - 2]), sh.param(shape[r - 1])];
  const outer = coordinates(sh, shape.slice(0, r - 2), "rest");
  const lines = [
    `let tile = gid / ${TILE * TILE}u;`, `let within = gid % ${TILE * TILE}u;`,
    `let tcol = tile % ${sh.p(ptc)};`, `let trow = (tile / ${sh.p(ptc)}) % ${sh.p(ptr)};`, `let rest = tile / (${sh.p(ptc)} * ${sh.p(ptr)});`,
    `let c${r - 2} = trow * ${TILE}u + within / ${TILE}u;`, `let c${r - 1} = tcol * ${TILE}u + within % ${TILE}u;`,
    `if (c${r - 2} >= ${sh.p(prows)} || c${r - 1} >= ${sh.p(pcols)}) { return; }`,
    ...outer.lines,
    `let flat = (rest * ${sh.p(prows)} + c${r - 2}) * ${sh.p(pcols)} + c${r - 1};`,
  ];
  return { lines, threads: (total / (shape[r - 2] * shape[r - 1])) * tr * tc * TILE * TILE, flat: "flat" };
}

/**
 * Whether a kernel can run four elements per invocation through vec4<u32> loads and stores: one
 * axis after merging (no coordinates read) of a length divisible by 4, every input and output
 * of 32-bit elements, read contiguously (starting at a multiple of 4 elements) or broadcast (stride 0),
 * with no scan window and each memory in one binding. On llvmpipe (invocations are SIMD lanes)
 * this halves an elementwise kernel's time: a quarter of the invocations, one 16-byte load each.
 */
function quadLayout(sh: Shader, k: Kernel, shape: number[], strides: number[][], outs: Place[], placeOf: PlaceOf): boolean {
  if (shape.length !== 1 || shape[0] % 4 !== 0 || readsCoordinates(k.code)) return false;
  const aligned = (p: Place, elems: number) => !p.loops?.length && p.byteOffset % 16 === 0 && elems % 4 === 0 && sh.onePiece(p.mem);
  const insOk = k.ins.every((v, a) => {
    const p = placeOf(v.buf);
    if (nbytes(v.dtype) !== 4 || v.dtype === "complex64") return false;
    if (strides[a][0] === 0) return !p.loops?.length && p.byteOffset % 4 === 0 && sh.onePiece(p.mem);
    return strides[a][0] === 1 && aligned(p, v.offset);
  });
  return insOk && outs.every((p, i) => (k.outDts[i] === DT.F32 || k.outDts[i] === DT.I32 || k.outDts[i] === DT.U32) && aligned(p, 0));
}

/**
 * fusedBody's four elements per invocation (quadLayout): vec4 loads, the register code once as
 * a function of one element's inputs, called for each lane, vec4 stores. (A loop over the lanes
 * indexing vectors dynamically costs SwiftShader half again: exp over 4M elements 29 -> 19 ms.)
 */
function quadBody(sh: Shader, k: Kernel, strides: number[][], outs: Place[], placeOf: PlaceOf, guard: string, t: number): { body: string; threads: number } {
  const threads = k.shape.reduce((x, y) => x * y, 1) / 4;
  sh.params[t] = threads;
  const pre: string[] = [];
  const used: number[] = [];
  for (let at = 0; at < k.code.length; at += 5) if (k.code[at] === E.LOAD && !used.includes(k.code[at + 2])) used.push(k.code[at + 2]);
  for (const a of used) {
    const v = k.ins[a];
    const p = placeOf(v.buf);
    const base = `u32(${baseOffset(sh, p, 4, v.offset)})`;
    // A broadcast word: through the vec4 view where the kernel writes that memory (a second,
    // writable view of a buffer is not allowed), else as a word (it may be smaller than a vec4).
    if (strides[a][0] === 0 && outs.some((o) => o.mem === p.mem)) pre.push(`let w${a} = ${base};`, `let s${a} = ${sh.ld128(p.mem, `w${a} >> 2u`)}[w${a} & 3u];`);
    else if (strides[a][0] === 0) pre.push(`let s${a} = ${sh.ld32(p.mem, base)};`);
    else pre.push(`let q${a} = ${sh.ld128(p.mem, `(${base} >> 2u) + gid`)};`);
  }
  const { lines, outs: vals } = kernelCode(sh, k, strides, placeOf, (a) => `v${a}`);
  const n = outs.length;
  // One output comes back as a u32, several as an array (which SwiftShader keeps in memory).
  const ret = n === 1 ? ["u32", vals[0][0]] : [`array<u32, ${n}>`, `array<u32, ${n}>(${vals.map((v) => v[0]).join(", ")})`];
  sh.decl([`fn quad_lane(${used.map((a) => `v${a}: u32`).join(", ")}) -> ${ret[0]} {`, ...lines.map((l) => `  ${l}`), `  return ${ret[1]};`, `}`].join("\n"));
  const lanes = ["x", "y", "z", "w"];
  const call = (c: string) => `quad_lane(${used.map((a) => (strides[a][0] === 0 ? `s${a}` : `q${a}.${c}`)).join(", ")})`;
  const stores = outs.map((p, i) => sh.st128(p.mem, `(u32(${baseOffset(sh, p, 4)}) >> 2u) + gid`, `vec4<u32>(${lanes.map((c) => (n === 1 ? `l${c}` : `l${c}[${i}]`)).join(", ")})`));
  const body = [`if (gid >= ${sh.p(t)}) { return; }`, guard, ...pre, ...lanes.map((c) => `let l${c} = ${call(c)};`), ...stores]
    .filter(Boolean).map((l) => `  ${l}`).join("\n");
  return { body, threads };
}

/** The body of an elementwise kernel writing `outs` (one invocation per element, or per four: quadLayout). */
export function fusedBody(sh: Shader, k: Kernel, outs: Place[], placeOf: PlaceOf, guardIndex: number | null): { body: string; threads: number } {
  const { shape, strides } = kernelLayout(k);
  if (quadLayout(sh, k, shape, strides, outs, placeOf)) {
    const t = sh.params.length;
    sh.param(0); // the thread count, set in quadBody
    return quadBody(sh, k, strides, outs, placeOf, guardLine(sh, guardIndex), t);
  }
  const t = sh.params.length;
  sh.param(0); // the thread count, set below
  const guard = guardLine(sh, guardIndex);
  const index = elementIndex(sh, shape, strides);
  sh.params[t] = index.threads;
  const { lines, outs: vals } = kernelCode(sh, k, strides, placeOf);
  const stores = outs.map((p, i) => storeOut(sh, p, k.outDts[i], vals[i], index.flat));
  const body = [`if (gid >= ${sh.p(t)}) { return; }`, guard, ...index.lines, ...lines, ...stores].filter(Boolean).map((l) => `  ${l}`).join("\n");
  return { body, threads: index.threads };
}
