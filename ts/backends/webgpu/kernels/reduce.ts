// Reductions: [outer, red, inner] contiguous inputs, or a float32 elementwise kernel computed
// as it is reduced (reduceFused, never stored whole). Many outputs: one invocation each, a
// sequential loop. Few outputs: a workgroup each, its invocations striding over the reduced
// axis and combining in a tree in workgroup memory; and when the reduced axis is long enough
// to starve the device, a first pass that reduces pieces of it into scratch (two passes).
// float32 sums accumulate in runs and a cascade (see reduceLoop) rather than in one running sum,
// so that long serial loops lose no more precision than a tree (pairwise) reduction.

import { DT, ROp } from "../../../compiler/bytecode.js";
import type { Instr } from "../../../compiler/lower.js";
import { WORKGROUP, type Shader } from "../shader.js";
import { kernelCode, kernelLayout } from "./fused.js";
import { combine } from "./movement.js";
import { MAX_LOOP, Place, PlaceOf, baseOffset, coordinates, guardLine, uniformGuard } from "./places.js";

type I<K extends Instr["op"]> = Extract<Instr, { op: K }>;

/** A reduction as the kernels see it: how to load element (o, k, j), and where results go. */
export interface ReduceSpec {
  rop: number;
  /** dtype code of the values (DT.F32 for fused inputs). */
  dt: number;
  outer: number;
  red: number;
  inner: number;
  /** WGSL statements defining `x: u32` (value bits) for output `o`, `j` and reduced index `k`, all u32 in scope. */
  load(sh: Shader): (o: string, k: string, j: string) => string[];
  out: Place;
  /** Output dtype code (argmax/argmin: int32 or uint32 indices). */
  outDt: number;
  /**
   * Where the values can be read four words at a time (reduceQuad): their memory, bound as
   * array<vec4<u32>>, and the quad index of element (0, 0, 0) as a u32 expression; null where not.
   */
  quad?: (sh: Shader) => { mem: number; base: string } | null;
}

const isArg = (rop: number) => rop === ROp.ARGMAX || rop === ROp.ARGMIN;

/** The identity of a reduction op for dtype code `dt`, as u32 bits. */
function identity(rop: number, dt: number): string {
  const f = dt === DT.F32, u = dt === DT.U32, b = dt === DT.BOOL;
  switch (rop) {
    case ROp.SUM: case ROp.OR: return "0u";
    case ROp.PROD: return f ? "0x3f800000u" : "1u";
    case ROp.MAX: case ROp.ARGMAX: return f ? "0xff800000u" : u || b ? "0u" : "0x80000000u";
    case ROp.MIN: case ROp.ARGMIN: return f ? "0x7f800000u" : u ? "0xffffffffu" : b ? "1u" : "0x7fffffffu";
    case ROp.AND: return b ? "1u" : "0xffffffffu";
  }
  throw new Error(`internal: reduction op ${rop}`);
}

/** WGSL: whether candidate (bv, bi) beats (av, ai) for argmax/argmin (first NaN, then first index). */
function argBetter(rop: number, dt: number): string {
  const gt = rop === ROp.ARGMAX ? ">" : "<";
  if (dt === DT.F32) {
    return `fn better(av: u32, ai: u32, bv: u32, bi: u32) -> bool {
  let a = bitcast<f32>(av); let b = bitcast<f32>(bv);
  let an = vm_isnan(a); let bn = vm_isnan(b);
  if (an || bn) { return bn && (!an || bi < ai); }
  return b ${gt} a || (b == a && bi < ai);
}`;
  }
  const cast = dt === DT.I32 ? (x: string) => `bitcast<i32>(${x})` : (x: string) => x;
  return `fn better(av: u32, ai: u32, bv: u32, bi: u32) -> bool {
  return ${cast("bv")} ${gt} ${cast("av")} || (bv == av && bi < ai);
}`;
}

/** Elements a float32 sum adds in one run before the run joins the cascade (reduceLoop). */
const RUN = 32;

/**
 * The loop over the reduced axis, k from `k0` to `k1` (u32 expressions) by `stride`, leaving the
 * result's bits in `acc`: `step` combines each element `x` into acc. float32 sums instead add
 * runs of RUN elements (an inner loop) and combine the runs' sums in a cascade: every RUN-th run
 * sum rs1 goes into rs2, every RUN^2-th rs2 into rs3, and so on (a RUN-ary tree over the loop).
 * One running sum of n values drifts by about sqrt(n) roundings of the whole sum, and
 * systematically once the sum's ulp passes the values' (float32 ones sum to 2^24 and no
 * further); the cascade's chains are at most RUN long below RUN^5 = 2^25 elements, which keeps a
 * long loop (and the second pass over the pieces' partial results) within a few ulps, like a
 * tree. The runs cost two loop iterations per RUN elements on top: llvmpipe counts every loop's
 * iterations toward its limit, exit tests included, so MAX_LOOP = 60000 elements take
 * 60000 + 2 * 60000 / 32 + 1 = 63751 < 65535 (runs of 16 would take 67501, and lose the rest). Other
 * reductions are unchanged: integers are exact, max, min, and, or are order-free, products
 * round relatively whatever the order.
 */
function reduceLoop(spec: ReduceSpec, load: string[], k0: string, k1: string, stride: number, step: string, vec = false): string[] {
  const ind = (lines: string[], n = 1) => lines.map((l) => `${"  ".repeat(n)}${l}`);
  if (spec.rop !== ROp.SUM || spec.dt !== DT.F32) {
    return [`for (var k = ${k0}; k < ${k1}; k = k + ${stride}u) {`, ...ind(load), `  ${step}`, `}`];
  }
  // vec: x is a vec4<u32> of four independent sums' values (reduceQuad), each lane its own cascade.
  const ty = vec ? "vec4<f32>" : "f32", zero = vec ? "vec4<f32>(0.0)" : "0.0";
  const levels = 4;
  // rs{l} holds up to RUN sums of RUN^l elements each; rn counts the runs.
  const cascade = (l: number): string[] => l >= levels ? [] : [
    `if ((rn & ${RUN ** l - 1}u) == 0u) {`,
    `  rs${l + 1} = rs${l + 1} + rs${l}; rs${l} = ${zero};`,
    ...ind(cascade(l + 1)),
    `}`,
  ];
  let sum = "rs1";
  for (let l = 2; l <= levels; l++) sum = `(${sum} + rs${l})`;
  return [
    `var rs1: ${ty} = ${zero}; var rs2: ${ty} = ${zero}; var rs3: ${ty} = ${zero}; var rs4: ${ty} = ${zero}; var rn: u32 = 0u;`,
    `for (var kb = ${k0}; kb < ${k1}; kb = kb + ${RUN * stride}u) {`,
    `  let ke = min(kb + ${RUN * stride}u, ${k1});`,
    `  var rs0: ${ty} = ${zero};`,
    `  for (var k = kb; k < ke; k = k + ${stride}u) {`,
    ...ind(load, 2),
    `    rs0 = rs0 + bitcast<${ty}>(x);`,
    `  }`,
    `  rs1 = rs1 + rs0;`,
    `  rn = rn + 1u;`,
    ...ind(cascade(1)),
    `}`,
    // Smallest first: the open blocks, then the closed ones.
    `acc = bitcast<${vec ? "vec4<u32>" : "u32"}>(${sum});`,
  ];
}

function storeResult(sh: Shader, spec: ReduceSpec, idx: string, v: string): string {
  const m = spec.out.mem;
  if (spec.outDt === DT.BOOL) return sh.st8(m, `u32(${baseOffset(sh, spec.out, 1)}) + ${idx}`, v);
  if (spec.outDt === DT.F16) throw new Error("internal: float16 reductions store float32 and round after");
  return sh.st32(m, `u32(${baseOffset(sh, spec.out, 4)}) + ${idx}`, v);
}

/**
 * One invocation per output (and per piece of the reduced axis with `chunks`, writing partial
 * results to scratch, as reduceWorkgroup's first pass): a sequential loop, no barriers.
 */
export function reduceSerial(sh: Shader, spec: ReduceSpec, guard: number | null, opts: { chunks?: number; partial?: { mem: number; byteOffset: number } } = {}): { body: string; threads: number } {
  sh.lib("vmath");
  sh.lib("math");
  const chunks = opts.chunks ?? 1;
  const outs = spec.outer * spec.inner;
  const t = sh.param(outs * chunks), red = sh.param(spec.red), inner = sh.param(spec.inner), nch = sh.param(chunks), per = sh.param(Math.ceil(spec.red / chunks));
  const g = guardLine(sh, guard);
  const load = spec.load(sh);
  const arg = isArg(spec.rop);
  if (arg) sh.decl(argBetter(spec.rop, spec.dt));
  const partial = opts.partial;
  const store = partial
    ? sh.st32(partial.mem, `u32(${baseOffset(sh, partial, 4)}) + gid`, "acc")
    : storeResult(sh, spec, "out", arg ? "best" : "acc");
  const body = [
    `if (gid >= ${sh.p(t)}) { return; }`, g,
    `let out = gid / ${sh.p(nch)};`, `let ch = gid % ${sh.p(nch)};`,
    `let o = out / ${sh.p(inner)};`, `let j = out % ${sh.p(inner)};`,
    `let k0 = ch * ${sh.p(per)};`, `let k1 = min(k0 + ${sh.p(per)}, ${sh.p(red)});`,
    `var acc: u32 = ${identity(spec.rop, spec.dt)};`,
    `var best: u32 = 0u;`,
    ...reduceLoop(spec, load("o", "k", "j"), "k0", "k1", 1,
      arg ? `if (k == 0u || better(acc, best, x, k)) { acc = x; best = k; }` : `acc = ${combine(spec.rop, spec.dt, "acc", "x")};`),
    store,
  ];
  return { body: body.filter(Boolean).map((l) => `  ${l}`).join("\n"), threads: outs * chunks };
}

/** reduceQuad's max/min loop over quads k0..k1, two quads a step into two accumulators of keys (one more round on SwiftShader); `fn`: max or min. */
function pairLoop(load: (i: string) => string, step: (a: string, b: string) => string, fn: string): string[] {
  return [
    "var acc2 = acc;",
    "var k = k0;",
    "for (; k + 1u < k1; k = k + 2u) {",
    `  let x = ${load("k")}; let y = ${load("k + 1u")};`,
    `  ${step("acc", "x")} ${step("acc2", "y")}`,
    "}",
    `if (k < k1) { let x = ${load("k")}; ${step("acc", "x")} }`,
    `acc = ${fn}(acc, acc2);`,
  ];
}

/**
 * reduceSerial four outputs or four elements at a time, through vec4 loads (spec.quad): with a
 * contiguous reduced axis (inner = 1, red divisible by 4), an invocation per output (and piece)
 * loads 4 consecutive elements of its row at a time into four lanes and combines the lanes at
 * the end; with inner divisible by 4, an invocation takes 4 adjacent outputs (o, 4j4 .. 4j4+3),
 * a vec4 of one row per step. On llvmpipe (invocations are SIMD lanes) the cost is mostly per
 * invocation and per load: a quarter of either. Null where the layout does not allow it.
 */
export function reduceQuad(sh: Shader, spec: ReduceSpec, guard: number | null, opts: { chunks?: number; partial?: { mem: number; byteOffset: number } } = {}): { body: string; threads: number } | null {
  const okDt = spec.dt === DT.F32 || spec.dt === DT.I32 || spec.dt === DT.U32;
  const along = spec.inner === 1 && spec.red % 4 === 0;
  const across = spec.inner > 1 && spec.inner % 4 === 0;
  if (isArg(spec.rop) || !okDt || spec.outDt !== spec.dt || !(along || across) || !spec.quad) return null;
  const q = spec.quad(sh);
  if (!q) return null;
  sh.lib("vmath");
  sh.lib("math");
  const chunks = opts.chunks ?? 1;
  const lanes = ["x", "y", "z", "w"];
  const fminmax = spec.dt === DT.F32 && (spec.rop === ROp.MAX || spec.rop === ROp.MIN);
  const plainVec = spec.dt !== DT.F32 && (spec.rop === ROp.SUM || spec.rop === ROp.PROD || spec.rop === ROp.AND || spec.rop === ROp.OR || spec.dt === DT.U32);
  if (fminmax) {
    // Floats as order keys (u32 order = float order, -0 < +0, any NaN the extreme that wins), so
    // that a step is one vector max/min; keys go back to floats (NaN canonical) after the loop.
    const nanKey = spec.rop === ROp.MAX ? "0xffffffffu" : "0u";
    sh.decl(`fn q_key(x: vec4<u32>) -> vec4<u32> {
  let k = select(x | vec4<u32>(0x80000000u), ~x, x >= vec4<u32>(0x80000000u));
  return select(k, vec4<u32>(${nanKey}), (x & vec4<u32>(0x7fffffffu)) > vec4<u32>(VM_INF));
}
fn q_unkey(k: vec4<u32>) -> vec4<u32> {
  let x = select(~k, k & vec4<u32>(0x7fffffffu), k >= vec4<u32>(0x80000000u));
  return select(x, vec4<u32>(VM_NAN | P[0].x), k == vec4<u32>(${nanKey}));
}`);
  }
  const fn = spec.rop === ROp.MAX ? "max" : "min";
  const step = (a: string, b: string) =>
    fminmax ? `${a} = ${fn}(${a}, q_key(${b}));`
    : plainVec ? `${a} = ${combine(spec.rop, spec.dt, a, b)};`
    : lanes.map((c) => `${a}.${c} = ${combine(spec.rop, spec.dt, `${a}.${c}`, `${b}.${c}`)};`).join(" ");
  const init = fminmax ? `var acc = q_key(vec4<u32>(${identity(spec.rop, spec.dt)}));` : `var acc = vec4<u32>(${identity(spec.rop, spec.dt)});`;
  const done = fminmax ? "acc = q_unkey(acc);" : "";
  const g = guardLine(sh, guard);
  const partial = opts.partial;
  if (along) {
    const outs = spec.outer, r4 = spec.red / 4;
    const t = sh.param(outs * chunks), red4 = sh.param(r4), nch = sh.param(chunks), per = sh.param(Math.ceil(r4 / chunks));
    const store = partial ? sh.st32(partial.mem, `u32(${baseOffset(sh, partial, 4)}) + gid`, "r") : storeResult(sh, spec, "out", "r");
    const body = [
      `if (gid >= ${sh.p(t)}) { return; }`, g,
      `let out = gid / ${sh.p(nch)};`, `let ch = gid % ${sh.p(nch)};`,
      `let k0 = ch * ${sh.p(per)};`, `let k1 = min(k0 + ${sh.p(per)}, ${sh.p(red4)});`,
      `let row = ${q.base} + out * ${sh.p(red4)};`,
      init,
      ...(fminmax ? pairLoop((i) => sh.ld128(q.mem, `row + ${i}`), step, fn) : reduceLoop(spec, [`let x = ${sh.ld128(q.mem, "row + k")};`], "k0", "k1", 1, step("acc", "x"), true)),
      done,
      // The lanes pairwise (a tree for sums).
      `var h = vec4<u32>(acc.x, acc.z, 0u, 0u); let h2 = vec4<u32>(acc.y, acc.w, 0u, 0u);`,
      `h.x = ${combine(spec.rop, spec.dt, "h.x", "h2.x")}; h.y = ${combine(spec.rop, spec.dt, "h.y", "h2.y")};`,
      `let r = ${combine(spec.rop, spec.dt, "h.x", "h.y")};`,
      store,
    ];
    return { body: body.filter(Boolean).map((l) => `  ${l}`).join("\n"), threads: outs * chunks };
  }
  const i4 = spec.inner / 4, outs4 = spec.outer * i4;
  const t = sh.param(outs4 * chunks), red = sh.param(spec.red), inner4 = sh.param(i4), nch = sh.param(chunks), per = sh.param(Math.ceil(spec.red / chunks));
  let stores: string[];
  if (partial) {
    const at = `u32(${baseOffset(sh, partial, 4)})`;
    // Partial results as [outs, chunks]: output o * inner + 4 * j4 + e at (that) * chunks + ch.
    stores = lanes.map((c, e) => sh.st32(partial.mem, `${at} + (first + ${e}u) * ${sh.p(nch)} + ch`, `acc.${c}`));
  } else {
    stores = lanes.map((c, e) => storeResult(sh, spec, `first + ${e}u`, `acc.${c}`));
  }
  const body = [
    `if (gid >= ${sh.p(t)}) { return; }`, g,
    `let out4 = gid / ${sh.p(nch)};`, `let ch = gid % ${sh.p(nch)};`,
    `let o = out4 / ${sh.p(inner4)};`, `let j4 = out4 % ${sh.p(inner4)};`,
    `let first = 4u * out4;`,
    `let k0 = ch * ${sh.p(per)};`, `let k1 = min(k0 + ${sh.p(per)}, ${sh.p(red)});`,
    `let at = ${q.base} + o * ${sh.p(red)} * ${sh.p(inner4)} + j4;`,
    init,
    ...reduceLoop(spec, [`let x = ${sh.ld128(q.mem, `at + k * ${sh.p(inner4)}`)};`], "k0", "k1", 1, step("acc", "x"), true),
    done,
    ...stores,
  ];
  return { body: body.filter(Boolean).map((l) => `  ${l}`).join("\n"), threads: outs4 * chunks };
}

/**
 * One workgroup per output (wid = output index): invocations take every WORKGROUP-th element of
 * the reduced axis from `k0` to `k1` (params or expressions), then a tree. With `partial`, the
 * result goes to scratch at the workgroup's index instead of the output.
 */
export function reduceWorkgroup(
  sh: Shader,
  spec: ReduceSpec,
  guard: number | null,
  opts: { chunks?: number; partial?: { mem: number; byteOffset: number } } = {},
): { body: string; groups: number } {
  sh.lib("vmath");
  sh.lib("math");
  const chunks = opts.chunks ?? 1;
  const outs = spec.outer * spec.inner;
  const red = sh.param(spec.red), inner = sh.param(spec.inner), nch = sh.param(chunks), per = sh.param(Math.ceil(spec.red / chunks));
  const total = sh.param(outs * chunks);
  const g = uniformGuard(sh, guard);
  const load = spec.load(sh);
  const arg = isArg(spec.rop);
  if (arg) sh.decl(argBetter(spec.rop, spec.dt));
  sh.decl(`var<workgroup> wv: array<u32, ${WORKGROUP}>;`);
  if (arg) sh.decl(`var<workgroup> wi: array<u32, ${WORKGROUP}>;`);
  const step = (a: string, ai: string, b: string, bi: string) =>
    arg ? `if (${bi} != 0xffffffffu && (${ai} == 0xffffffffu || better(${a}, ${ai}, ${b}, ${bi}))) { ${a} = ${b}; ${ai} = ${bi}; }` : `${a} = ${combine(spec.rop, spec.dt, a, b)};`;
  const partial = opts.partial;
  let store: string;
  if (partial) {
    const at = `u32(${baseOffset(sh, { mem: partial.mem, byteOffset: partial.byteOffset }, 4)})`;
    store = arg
      ? `${sh.st32(partial.mem, `${at} + 2u * w`, "wv[0]")} ${sh.st32(partial.mem, `${at} + 2u * w + 1u`, "wi[0]")}`
      : sh.st32(partial.mem, `${at} + w`, "wv[0]");
  } else {
    store = storeResult(sh, spec, "w", arg ? "wi[0]" : "wv[0]");
  }
  const body = [
    g,
    `let w = wid.y * nwg.x + wid.x;`,
    // Workgroups past the last output idle through the barriers (uniform control flow).
    `let live = w < ${sh.p(total)};`,
    `let out = w / ${sh.p(nch)};`, `let ch = w % ${sh.p(nch)};`,
    `let o = out / ${sh.p(inner)};`, `let j = out % ${sh.p(inner)};`,
    `let k0 = ch * ${sh.p(per)};`, `let k1 = min(k0 + ${sh.p(per)}, ${sh.p(red)});`,
    `var acc: u32 = ${identity(spec.rop, spec.dt)};`,
    `var best: u32 = 0xffffffffu;`,
    `if (live) {`,
    ...reduceLoop(spec, load("o", "k", "j"), "k0 + lid", "k1", WORKGROUP, step("acc", "best", "x", "k")).map((l) => `  ${l}`),
    `}`,
    `wv[lid] = acc;`,
    arg ? `wi[lid] = best;` : "",
    `workgroupBarrier();`,
    `for (var s = ${WORKGROUP / 2}u; s > 0u; s = s >> 1u) {`,
    `  if (lid < s) {`,
    arg ? `    var a = wv[lid]; var ai = wi[lid]; let b = wv[lid + s]; let bi = wi[lid + s];` : `    var a = wv[lid]; let b = wv[lid + s];`,
    `    ${step("a", "ai", "b", "bi")}`,
    `    wv[lid] = a;`,
    arg ? `    wi[lid] = ai;` : "",
    `  }`,
    `  workgroupBarrier();`,
    `}`,
    `if (lid == 0u && live) { ${store} }`,
  ];
  return { body: body.filter(Boolean).map((l) => `  ${l}`).join("\n"), groups: outs * chunks };
}

/** The spec of a "reduce" instruction: a contiguous [outer, red, inner] buffer. */
export function plainSpec(ins: I<"reduce">, placeOf: PlaceOf): ReduceSpec {
  const ip = placeOf(ins.input);
  const outDt = isArg(ins.rop) ? (ins.out.aval.dtype === "uint32" ? DT.U32 : DT.I32) : ins.dt;
  return {
    rop: ins.rop, dt: ins.dt, outer: ins.outer, red: ins.red, inner: ins.inner, out: placeOf(ins.out), outDt,
    quad: (sh) => {
      // One binding, 16-byte aligned, not the output's memory (a second, writable view is not allowed).
      if (ip.loops?.length || ip.byteOffset % 16 !== 0 || !sh.onePiece(ip.mem) || ip.mem === placeOf(ins.out).mem) return null;
      return { mem: ip.mem, base: `(u32(${baseOffset(sh, ip, 4)}) >> 2u)` };
    },
    load: (sh) => {
      const eb = ins.dt === DT.BOOL ? 1 : 4;
      const base = baseOffset(sh, ip, eb);
      const red = sh.param(ins.red), inner = sh.param(ins.inner);
      return (o, k, j) => [`let x = ${sh.ldElem(ip.mem, eb, `u32(${base}) + (${o} * ${sh.p(red)} + ${k}) * ${sh.p(inner)} + ${j}`)};`];
    },
  };
}

/** The spec of a "reduceFused" instruction: the kernel evaluated at flat index o * red + k. */
export function fusedSpec(ins: I<"reduceFused">, placeOf: PlaceOf): ReduceSpec {
  return {
    rop: ins.rop, dt: DT.F32, outer: ins.outer, red: ins.red, inner: 1, out: placeOf(ins.out), outDt: DT.F32,
    load: (sh) => {
      const { shape, strides } = kernelLayout(ins.input);
      const red = sh.param(ins.red);
      return (o, k) => {
        const c = coordinates(sh, shape, `${o} * ${sh.p(red)} + ${k}`);
        const { lines, outs } = kernelCode(sh, ins.input, strides, placeOf);
        return [...c.lines, ...lines, `let x = ${outs[0][0]};`];
      };
    },
  };
}

/**
 * How a reduction runs: serial loops (in pieces first, two passes, when the outputs are too few
 * to keep the device busy), or a workgroup per output (in pieces likewise). On CPU
 * implementations of WebGPU (`cpuLike`), whose workgroup barriers are expensive, always serial.
 */
export function reduceStrategy(spec: ReduceSpec, cpuLike = false): { kind: "serial" | "workgroup"; chunks: number } {
  const outs = spec.outer * spec.inner;
  if (cpuLike) {
    // Enough invocations for a CPU's SIMD lanes and cores, pieces of at least 2048 elements.
    const chunks = isArg(spec.rop) || outs >= 256 ? 1 : Math.max(1, Math.min(Math.ceil(512 / outs), Math.floor(spec.red / 2048)));
    // No invocation loops more than MAX_LOOP times (llvmpipe's limit); arg reductions go by workgroup then.
    if (Math.ceil(spec.red / chunks) <= MAX_LOOP) return { kind: "serial", chunks };
    if (!isArg(spec.rop)) return { kind: "serial", chunks: Math.ceil(spec.red / MAX_LOOP) };
    return { kind: "workgroup", chunks: 1 };
  }
  if (spec.red <= MAX_LOOP && (spec.red <= 32 || outs >= 4096 || (spec.inner > 1 && outs >= 256))) return { kind: "serial", chunks: 1 };
  // Few outputs over a long axis: enough workgroups to keep the device busy, 16K elements each.
  if (!isArg(spec.rop) && outs < 64 && spec.red >= 65536) return { kind: "workgroup", chunks: Math.min(1024, Math.ceil(spec.red / 16384)) };
  return { kind: "workgroup", chunks: 1 };
}

/** The second pass over partial results in scratch: [outs, chunks] reduced along chunks. */
export function partialSpec(spec: ReduceSpec, scratch: { mem: number; byteOffset: number }, chunks: number): ReduceSpec {
  return {
    rop: spec.rop, dt: spec.dt, outer: spec.outer * spec.inner, red: chunks, inner: 1, out: spec.out, outDt: spec.outDt,
    load: (sh) => {
      const base = baseOffset(sh, scratch, 4);
      const n = sh.param(chunks);
      return (o, k) => [`let x = ${sh.ld32(scratch.mem, `u32(${base}) + ${o} * ${sh.p(n)} + ${k}`)};`];
    },
  };
}
