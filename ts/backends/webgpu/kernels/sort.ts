// Sorting lines of an array (lax.sort): a bitonic network over a permutation of each line, one
// dispatch per stage, then every operand gathered through the permutation. Keys compare in
// XLA's total order (-0 before +0, every NaN last), lexicographically over the key operands,
// and ties by position, so the sort is stable as the reference's merge sort.

import type { Instr } from "../../../compiler/lower.js";
import { nbytes } from "../../../compiler/buffers.js";
import type { Shader } from "../shader.js";
import { PlaceOf, baseOffset, guardLine } from "./places.js";

type I<K extends Instr["op"]> = Extract<Instr, { op: K }>;

export const pow2 = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/** Scratch bytes a sort needs: the permutation of every line. */
export const sortScratch = (ins: I<"sort">) => 4 * ins.outer * ins.inner * pow2(ins.n);

const lines = (xs: string[]) => xs.filter(Boolean).map((l) => `  ${l}`).join("\n");

/** Sets perm[line][t] = t. */
export function sortInit(sh: Shader, ins: I<"sort">, scratch: { mem: number; byteOffset: number }, guard: number | null) {
  const total = ins.outer * ins.inner * pow2(ins.n);
  const t = sh.param(total);
  const g = guardLine(sh, guard);
  const base = baseOffset(sh, scratch, 4);
  const p2 = sh.param(pow2(ins.n));
  return { body: lines([`if (gid >= ${sh.p(t)}) { return; }`, g, sh.st32(scratch.mem, `u32(${base}) + gid`, `gid % ${sh.p(p2)}`)]), threads: total };
}

/** One compare-exchange stage (block size kk, distance j, both in params) over every line. */
export function sortStage(sh: Shader, ins: I<"sort">, placeOf: PlaceOf, scratch: { mem: number; byteOffset: number }, kk: number, j: number, guard: number | null) {
  const p2n = pow2(ins.n);
  const total = ins.outer * ins.inner * p2n;
  const t = sh.param(total);
  const g = guardLine(sh, guard);
  const [pk, pj, pn, pinner, pp2] = [sh.param(kk), sh.param(j), sh.param(ins.n), sh.param(ins.inner), sh.param(p2n)];
  const base = baseOffset(sh, scratch, 4);
  // The order key of operand q at position s of line (o, i), as u32.
  const keyFns = ins.ins.slice(0, ins.numKeys).map((b, q) => {
    const p = placeOf(b);
    const d = b.aval.dtype;
    const at = `u32(${baseOffset(sh, p, nbytes(d))}) + (o * ${sh.p(pn)} + s) * ${sh.p(pinner)} + i`;
    let key: string;
    if (d === "float32" || d === "float16") {
      const bits = d === "float32" ? sh.ld32(p.mem, at) : `bitcast<u32>(${sh.ldh(p.mem, at)})`;
      key = `let b = ${bits};\n  if ((b & 0x7fffffffu) > 0x7f800000u) { return 0xffffffffu; }\n  return select(b | 0x80000000u, ~b, (b >> 31u) != 0u);`;
    } else if (d === "int32") key = `return ${sh.ld32(p.mem, at)} ^ 0x80000000u;`;
    else if (d === "bool") key = `return ${sh.ld8(p.mem, at)};`;
    else if (d === "uint32") key = `return ${sh.ld32(p.mem, at)};`;
    else throw new Error(`internal: webgpu sort keys of ${d}`);
    return `fn key${q}(o: u32, i: u32, s: u32) -> u32 {\n  ${key}\n}`;
  });
  keyFns.forEach((f) => sh.decl(f));
  const cmp = ins.ins.slice(0, ins.numKeys).map((_, q) => `  { let x = key${q}(o, i, a); let y = key${q}(o, i, b); if (x != y) { return x < y; } }`);
  sh.decl(`fn less(o: u32, i: u32, a: u32, b: u32) -> bool {
  if (a >= ${sh.p(pn)} || b >= ${sh.p(pn)}) { return a < b; }  // padding sorts last (and keeps order)
${cmp.join("\n")}
  return a < b;
}`);
  const body = [
    `if (gid >= ${sh.p(t)}) { return; }`, g,
    `let line = gid / ${sh.p(pp2)};`, `let x = gid % ${sh.p(pp2)};`,
    `let y = x ^ ${sh.p(pj)};`,
    `if (y <= x) { return; }`,
    `let o = line / ${sh.p(pinner)};`, `let i = line % ${sh.p(pinner)};`,
    `let ax = u32(${base}) + line * ${sh.p(pp2)} + x;`,
    `let ay = u32(${base}) + line * ${sh.p(pp2)} + y;`,
    `let a = ${sh.ld32(scratch.mem, "ax")};`,
    `let b = ${sh.ld32(scratch.mem, "ay")};`,
    `let ascending = (x & ${sh.p(pk)}) == 0u;`,
    `if (select(less(o, i, a, b), less(o, i, b, a), ascending)) { ${sh.st32(scratch.mem, "ax", "b")} ${sh.st32(scratch.mem, "ay", "a")} }`,
  ];
  return { body: lines(body), threads: total };
}

/** Every operand's line permuted: out[o, t, i] = in[o, perm[t], i]. */
export function sortGather(sh: Shader, ins: I<"sort">, placeOf: PlaceOf, scratch: { mem: number; byteOffset: number }, guard: number | null) {
  const total = ins.outer * ins.inner * ins.n;
  const t = sh.param(total);
  const g = guardLine(sh, guard);
  const [pn, pinner, pp2] = [sh.param(ins.n), sh.param(ins.inner), sh.param(pow2(ins.n))];
  const base = baseOffset(sh, scratch, 4);
  const body = [
    `if (gid >= ${sh.p(t)}) { return; }`, g,
    `let i = gid % ${sh.p(pinner)};`, `let rest = gid / ${sh.p(pinner)};`,
    `let s = rest % ${sh.p(pn)};`, `let o = rest / ${sh.p(pn)};`,
    `let src = ${sh.ld32(scratch.mem, `u32(${base}) + (o * ${sh.p(pinner)} + i) * ${sh.p(pp2)} + s`)};`,
  ];
  ins.ins.forEach((b, q) => {
    const eb = nbytes(b.aval.dtype);
    const [ip, op] = [placeOf(b), placeOf(ins.outs[q])];
    const from = `u32(${baseOffset(sh, ip, eb)}) + (o * ${sh.p(pn)} + src) * ${sh.p(pinner)} + i`;
    const to = `u32(${baseOffset(sh, op, eb)}) + gid`;
    if (eb === 8) body.push(`${sh.st32(op.mem, `2u * (${to})`, sh.ld32(ip.mem, `2u * (${from})`))} ${sh.st32(op.mem, `2u * (${to}) + 1u`, sh.ld32(ip.mem, `2u * (${from}) + 1u`))}`);
    else body.push(sh.stElem(op.mem, eb, to, sh.ldElem(ip.mem, eb, from)));
  });
  return { body: lines(body), threads: total };
}
