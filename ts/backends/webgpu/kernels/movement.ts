// Kernels that move data, by element size (any dtype): strided copies (transposes, concatenate,
// pad, carries), fills, gathers, scatters and dynamic slices; and cumulative ops. One invocation
// per element moved, except scatters (one per column, rows in order, as the reference),
// cumulative ops (one per line) and, on CPU adapters, copies that swap the last two axes (a 4x4
// block per invocation: quadTranspose).

import { prod } from "../../../core/aval.js";
import { collapseDims, contiguous, nbytes } from "../../../compiler/buffers.js";
import { DT, ROp } from "../../../compiler/bytecode.js";
import type { Instr } from "../../../compiler/lower.js";
import type { Shader } from "../shader.js";
import { PlaceOf, baseOffset, coordinates, guardLine, viewOffset } from "./places.js";
import { elementIndex } from "./fused.js";

export interface Built {
  body: string;
  threads: number;
}

type I<K extends Instr["op"]> = Extract<Instr, { op: K }>;

const lines = (xs: string[]) => xs.filter(Boolean).map((l) => `  ${l}`).join("\n");

/** Copies one element of `eb` bytes from element `src` of memory `from` to element `dst` of memory `to`. */
function moveElem(sh: Shader, eb: number, from: number, src: string, to: number, dst: string): string {
  if (eb === 8) return `${sh.st32(to, `2u * (${dst})`, sh.ld32(from, `2u * (${src})`))} ${sh.st32(to, `2u * (${dst}) + 1u`, sh.ld32(from, `2u * (${src}) + 1u`))}`;
  return sh.stElem(to, eb, dst, sh.ldElem(from, eb, src));
}

/** Side, in 4x4 blocks, of the square tiles in which quadTranspose's invocations visit blocks. */
const QTILE = 8;

/**
 * A copy that swaps the last two axes (after merging) of 32-bit elements, four by four: each
 * invocation reads a 4x4 block as four vec4 loads from four input rows and writes it as four
 * vec4 stores (its columns become rows), for CPU adapters (on llvmpipe the cost is mostly per
 * invocation and per load/store: a sixteenth of the invocations, a quarter of the accesses).
 * Both axes divisible by 4, the input contiguous along the output's rows and every other stride
 * and both starts multiples of 4 elements (16-byte aligned), no scan window, one binding per
 * memory; else null (the element-per-invocation copy).
 */
function quadTranspose(sh: Shader, ins: I<"copy">, shape: number[], is: number[], os: number[], placeOf: PlaceOf, guard: number | null): Built | null {
  const r = shape.length;
  const v = ins.input;
  if (nbytes(v.dtype) !== 4 || v.dtype === "complex64" || r < 2) return null;
  const [H, W] = [shape[r - 2], shape[r - 1]];
  if (H % 4 !== 0 || W % 4 !== 0 || is[r - 2] !== 1 || os[r - 1] !== 1) return null;
  const [ip, op] = [placeOf(v.buf), placeOf(ins.out)];
  const ok = (p: typeof ip, off: number) => !p.loops?.length && p.byteOffset % 16 === 0 && off % 4 === 0 && sh.onePiece(p.mem);
  if (!ok(ip, v.offset) || !ok(op, ins.outOffset)) return null;
  if (is.some((s, d) => d !== r - 2 && s % 4 !== 0) || os.some((s, d) => d !== r - 1 && s % 4 !== 0)) return null;
  const [qh, qw] = [H / 4, W / 4];
  const [th, tw] = [Math.ceil(qh / QTILE), Math.ceil(qw / QTILE)];
  const outerShape = shape.slice(0, r - 2);
  const threads = outerShape.reduce((a, b) => a * b, 1) * th * tw * QTILE * QTILE;
  const t = sh.param(threads);
  const g = guardLine(sh, guard);
  const [ptw, pth, pqh, pqw] = [sh.param(tw), sh.param(th), sh.param(qh), sh.param(qw)];
  const outer = coordinates(sh, outerShape, "rest");
  const term = (s: number, c: string) => `i32(${c}) * bitcast<i32>(${sh.p(sh.param(s))})`;
  const ib = baseOffset(sh, ip, 4, v.offset), ob = baseOffset(sh, op, 4, ins.outOffset);
  const iOuter = outerShape.map((_, d) => ` + ${term(is[d], `c${d}`)}`).join("");
  const oOuter = outerShape.map((_, d) => ` + ${term(os[d], `c${d}`)}`).join("");
  // Quad strides: input rows (the output's columns), output rows.
  const [sIn, sOut] = [sh.param(is[r - 1] / 4), sh.param(os[r - 2] / 4)];
  const body = [
    `if (gid >= ${sh.p(t)}) { return; }`, g,
    `let tile = gid / ${QTILE * QTILE}u;`, `let within = gid % ${QTILE * QTILE}u;`,
    `let tcol = tile % ${sh.p(ptw)};`, `let trow = (tile / ${sh.p(ptw)}) % ${sh.p(pth)};`, `let rest = tile / (${sh.p(ptw)} * ${sh.p(pth)});`,
    `let qi = trow * ${QTILE}u + within / ${QTILE}u;`, `let qj = tcol * ${QTILE}u + within % ${QTILE}u;`,
    `if (qi >= ${sh.p(pqh)} || qj >= ${sh.p(pqw)}) { return; }`,
    ...outer.lines,
    // Output rows 4qi.. and columns 4qj..: input rows (along the output's columns) 4qj.., at 4qi.
    `let src = (u32(${ib}${iOuter} + ${term(is[r - 1], "qj * 4u")}) >> 2u) + qi;`,
    `let dst = (u32(${ob}${oOuter} + ${term(os[r - 2], "qi * 4u")}) >> 2u) + qj;`,
    `let a0 = ${sh.ld128(ip.mem, "src")};`,
    `let a1 = ${sh.ld128(ip.mem, `src + ${sh.p(sIn)}`)};`,
    `let a2 = ${sh.ld128(ip.mem, `src + 2u * ${sh.p(sIn)}`)};`,
    `let a3 = ${sh.ld128(ip.mem, `src + 3u * ${sh.p(sIn)}`)};`,
    sh.st128(op.mem, "dst", "vec4<u32>(a0.x, a1.x, a2.x, a3.x)"),
    sh.st128(op.mem, `dst + ${sh.p(sOut)}`, "vec4<u32>(a0.y, a1.y, a2.y, a3.y)"),
    sh.st128(op.mem, `dst + 2u * ${sh.p(sOut)}`, "vec4<u32>(a0.z, a1.z, a2.z, a3.z)"),
    sh.st128(op.mem, `dst + 3u * ${sh.p(sOut)}`, "vec4<u32>(a0.w, a1.w, a2.w, a3.w)"),
  ];
  return { body: lines(body), threads };
}

export function copyKernel(sh: Shader, ins: I<"copy">, placeOf: PlaceOf, guard: number | null, style: "cpu" | "gpu" = "gpu"): Built {
  const v = ins.input;
  const eb = nbytes(v.dtype);
  const [shape, [is, os]] = collapseDims(v.shape, [v.strides, ins.outStrides]);
  if (style === "cpu") {
    const q = quadTranspose(sh, ins, shape, is, os, placeOf, guard);
    if (q) return q;
  }
  const t = sh.param(0);
  const g = guardLine(sh, guard);
  const c = elementIndex(sh, shape, [is]); // transposing copies go by tiles
  sh.params[t] = c.threads;
  const src = viewOffset(sh, { ...v, shape, strides: is }, placeOf);
  const out = { buf: ins.out, offset: ins.outOffset, shape, strides: os, dtype: v.dtype };
  const dst = viewOffset(sh, out, placeOf);
  const body = [`if (gid >= ${sh.p(t)}) { return; }`, g, ...c.lines, `let src = ${src};`, `let dst = ${dst};`, moveElem(sh, eb, placeOf(v.buf).mem, "src", placeOf(ins.out).mem, "dst")];
  return { body: lines(body), threads: c.threads };
}

export function fillKernel(sh: Shader, ins: I<"fill">, placeOf: PlaceOf, guard: number | null): Built {
  const t = sh.param(ins.n);
  const p = placeOf(ins.out);
  const g = guardLine(sh, guard);
  const lo = sh.param(ins.lo), hi = sh.param(ins.hi);
  const at = `u32(${baseOffset(sh, p, ins.bytes)}) + gid`;
  const store = ins.bytes === 8
    ? `${sh.st32(p.mem, `2u * (${at})`, sh.p(lo))} ${sh.st32(p.mem, `2u * (${at}) + 1u`, sh.p(hi))}`
    : sh.stElem(p.mem, ins.bytes, at, sh.p(lo));
  return { body: lines([`if (gid >= ${sh.p(t)}) { return; }`, g, store]), threads: ins.n };
}

/**
 * WGSL for the element offset `off` of an index row's slice and whether it is out of bounds
 * (`oob`, unless clamped): int32 indices at `idxAt`, one per leading axis of the operand.
 */
function rowOffset(sh: Shader, idxMem: number, idxAt: string, dimSizes: number[], strides: number[], clamp: string): string[] {
  // Unrolled (k is the text's): a loop here would count against llvmpipe's loop limit (MAX_LOOP)
  // in scatters, which loop over rows.
  const k = dimSizes.length;
  const lines = [`var off: i32 = 0;`, `var oob = false;`];
  const dims = sh.params.length;
  dimSizes.forEach((n) => sh.param(n));
  strides.forEach((st) => sh.param(st));
  for (let d = 0; d < k; d++) {
    lines.push(
      `{ var v = bitcast<i32>(${sh.ld32(idxMem, `${idxAt} + ${d}u`)});`,
      `  let n = i32(${sh.p(dims + d)});`,
      `  if (v < 0 || v >= n) { if (${clamp}) { v = clamp(v, 0, n - 1); } else { oob = true; } }`,
      `  off = off + v * i32(${sh.p(dims + k + d)}); }`,
    );
  }
  return lines;
}

export function gatherKernel(sh: Shader, ins: I<"gather">, placeOf: PlaceOf, guard: number | null): Built {
  const total = ins.rows * ins.inner;
  const t = sh.param(total);
  const g = guardLine(sh, guard);
  const inner = sh.param(ins.inner);
  const clamp = sh.param(ins.clamp ? 1 : 0);
  const fill = [sh.param(ins.fill[0]), sh.param(ins.fill[1])];
  const k = ins.dims.length;
  const [xp, ip, op] = [placeOf(ins.x), placeOf(ins.idx), placeOf(ins.out)];
  const xBase = baseOffset(sh, xp, ins.eb), iBase = baseOffset(sh, ip, 4), oBase = baseOffset(sh, op, ins.eb);
  const row = rowOffset(sh, ip.mem, `u32(${iBase}) + r * ${k}u`, ins.dims, ins.strides, `${sh.p(clamp)} != 0u`);
  const dst = `u32(${oBase}) + gid`;
  const fillStore = ins.eb === 8
    ? `${sh.st32(op.mem, `2u * (${dst})`, sh.p(fill[0]))} ${sh.st32(op.mem, `2u * (${dst}) + 1u`, sh.p(fill[1]))}`
    : sh.stElem(op.mem, ins.eb, dst, `${sh.p(fill[0])} & ${ins.eb === 1 ? "0xffu" : ins.eb === 2 ? "0xffffu" : "0xffffffffu"}`);
  const body = [
    `if (gid >= ${sh.p(t)}) { return; }`, g,
    `let r = gid / ${sh.p(inner)};`, `let e = gid % ${sh.p(inner)};`,
    ...row,
    `if (oob) { ${fillStore} return; }`,
    `let src = u32(${xBase} + off) + e;`,
    moveElem(sh, ins.eb, xp.mem, "src", op.mem, dst),
  ];
  return { body: lines(body), threads: total };
}

/** `a` combined with `b` (u32 bits of dtype code `dt`) by a reduction op. */
export function combine(rop: number, dt: number, a: string, b: string): string {
  const f = dt === DT.F32, u = dt === DT.U32 || dt === DT.BOOL;
  const F = (x: string) => `bitcast<f32>(${x})`, Iv = (x: string) => `bitcast<i32>(${x})`;
  switch (rop) {
    case ROp.SUM: return f ? `bitcast<u32>(${F(a)} + ${F(b)})` : `${a} + ${b}`;
    case ROp.PROD: return f ? `bitcast<u32>(${F(a)} * ${F(b)})` : `${a} * ${b}`;
    case ROp.MAX: return f ? `bitcast<u32>(wj_fmax(${F(a)}, ${F(b)}))` : u ? `max(${a}, ${b})` : `bitcast<u32>(max(${Iv(a)}, ${Iv(b)}))`;
    case ROp.MIN: return f ? `bitcast<u32>(wj_fmin(${F(a)}, ${F(b)}))` : u ? `min(${a}, ${b})` : `bitcast<u32>(min(${Iv(a)}, ${Iv(b)}))`;
    case ROp.AND: return `${a} & ${b}`;
    case ROp.OR: return `${a} | ${b}`;
  }
  throw new Error(`internal: no combine for reduction op ${rop}`);
}

/** Rows [r0, r1) of a scatter (long ones run in several dispatches, in order: see MAX_LOOP). */
export function scatterKernel(sh: Shader, ins: I<"scatter">, placeOf: PlaceOf, guard: number | null, r0 = 0, r1 = ins.rows): Built {
  sh.lib("vmath");
  sh.lib("math");
  const eb = ins.dt === DT.BOOL ? 1 : 4;
  const t = sh.param(ins.inner);
  const g = guardLine(sh, guard);
  const [from, to] = [sh.param(r0), sh.param(r1)];
  const k = ins.dims.length;
  const [ip, up, op] = [placeOf(ins.idx), placeOf(ins.upd), placeOf(ins.out)];
  const iBase = baseOffset(sh, ip, 4), uBase = baseOffset(sh, up, eb), oBase = baseOffset(sh, op, eb);
  const row = rowOffset(sh, ip.mem, `u32(${iBase}) + r * ${k}u`, ins.dims, ins.strides, "false");
  const src = `u32(${uBase}) + r * ${sh.p(t)} + e`;
  const dst = `u32(${oBase} + off) + e`;
  const update = ins.rop < 0
    ? sh.stElem(op.mem, eb, "dst", sh.ldElem(up.mem, eb, src))
    : sh.st32(op.mem, "dst", combine(ins.rop, ins.dt, sh.ld32(op.mem, "dst"), sh.ld32(up.mem, src)));
  const body = [
    `let e = gid;`, `if (e >= ${sh.p(t)}) { return; }`, g,
    // Rows in order, so repeated indices combine as the reference does (the last write wins).
    `for (var r = ${sh.p(from)}; r < ${sh.p(to)}; r = r + 1u) {`,
    ...row.map((l) => `  ${l}`),
    `  if (oob) { continue; }`,
    `  let dst = ${dst};`,
    `  ${update}`,
    `}`,
  ];
  return { body: lines(body), threads: ins.inner };
}

export function dsliceKernel(sh: Shader, ins: I<"dslice">, placeOf: PlaceOf, guard: number | null): Built {
  const total = prod(ins.window);
  const t = sh.param(total);
  const g = guardLine(sh, guard);
  const c = coordinates(sh, ins.window, "gid");
  const [sp, dp] = [placeOf(ins.src), placeOf(ins.dst)];
  const bigStrides = contiguous(ins.big), winStrides = contiguous(ins.window);
  const body = [`if (gid >= ${sh.p(t)}) { return; }`, g, ...c.lines];
  const bigTerms: string[] = [], winTerms: string[] = [];
  ins.starts.forEach((b, d) => {
    const p = placeOf(b);
    const raw = sh.ld32(p.mem, `u32(${baseOffset(sh, p, 4)})`);
    const hi = sh.param(ins.big[d] - ins.window[d]);
    // XLA clamps starts so the window fits.
    const v = b.aval.dtype === "uint32" ? `i32(min(${raw}, ${sh.p(hi)}))` : `clamp(bitcast<i32>(${raw}), 0, i32(${sh.p(hi)}))`;
    body.push(`let s${d} = ${v};`);
    bigTerms.push(`(s${d} + i32(c${d})) * i32(${sh.p(sh.param(bigStrides[d]))})`);
    winTerms.push(`i32(c${d}) * i32(${sh.p(sh.param(winStrides[d]))})`);
  });
  const bigAt = `u32(${baseOffset(sh, ins.update ? dp : sp, ins.eb)}${bigTerms.map((x) => ` + ${x}`).join("")})`;
  const winAt = `u32(${baseOffset(sh, ins.update ? sp : dp, ins.eb)}${winTerms.map((x) => ` + ${x}`).join("")})`;
  body.push(`let src = ${ins.update ? winAt : bigAt};`, `let dst = ${ins.update ? bigAt : winAt};`, moveElem(sh, ins.eb, sp.mem, "src", dp.mem, "dst"));
  return { body: lines(body), threads: total };
}

/**
 * Steps [s0, s1) of each line (long lines run in several dispatches, in order, each going on
 * from the last output of the one before: the same order of operations as one loop).
 */
export function cumulativeKernel(sh: Shader, ins: I<"cumulative">, placeOf: PlaceOf, guard: number | null, s0 = 0, s1 = ins.n): Built {
  sh.lib("vmath");
  sh.lib("math");
  const lines_ = ins.outer * ins.inner;
  const t = sh.param(lines_);
  const g = guardLine(sh, guard);
  const [n, inner, from, to] = [sh.param(ins.n), sh.param(ins.inner), sh.param(s0), sh.param(s1)];
  const [ip, op] = [placeOf(ins.input), placeOf(ins.out)];
  const iBase = baseOffset(sh, ip, 4), oBase = baseOffset(sh, op, 4);
  const at = (s: string) => `(o * ${sh.p(n)} + ${s}) * ${sh.p(inner)} + i`;
  const k = ins.reverse ? `${sh.p(n)} - 1u - s` : "s";
  const body = [
    `if (gid >= ${sh.p(t)}) { return; }`, g,
    `let o = gid / ${sh.p(inner)};`, `let i = gid % ${sh.p(inner)};`,
    `var acc = 0u;`,
    `if (${sh.p(from)} > 0u) { let s = ${sh.p(from)} - 1u; acc = ${sh.ld32(op.mem, `u32(${oBase}) + ${at(k)}`)}; }`,
    `for (var s = ${sh.p(from)}; s < ${sh.p(to)}; s = s + 1u) {`,
    `  let j = ${at(k)};`,
    `  let x = ${sh.ld32(ip.mem, `u32(${iBase}) + j`)};`,
    `  acc = select(${combine(ins.rop, ins.dt, "acc", "x")}, x, s == 0u);`,
    `  ${sh.st32(op.mem, `u32(${oBase}) + j`, "acc")}`,
    `}`,
  ];
  return { body: lines(body), threads: lines_ };
}
