// Threefry-2x32 (20 rounds) as uint32 expression nodes, so that jax.random's bits fuse into
// one elementwise kernel with both outputs. The same rounds as the reference
// (ts/primitives/random.ts, threefry2x32Block).

import { E } from "./bytecode.js";
import type { Node } from "./lower.js";

const ROTATIONS = [[13, 15, 26, 6], [17, 29, 16, 24]];

const u = (eop: number, ...args: Node[]): Node => ({ k: "op", eop, args, imm: 0, dtype: "uint32" });
const lit = (v: number): Node => ({ k: "const", bits: v | 0, dtype: "uint32" });
const rotl = (x: Node, r: number): Node => ({ k: "op", eop: E.ROTLI, args: [x], imm: r, dtype: "uint32" });

/** The two output words of Threefry-2x32 for keys (k0, k1) and counts (x0, x1). */
export function threefry2x32(k0: Node, k1: Node, x0: Node, x1: Node): [Node, Node] {
  const ks = [k0, k1, u(E.XOR, u(E.XOR, k0, k1), lit(0x1bd11bda))];
  let a = u(E.IADD, x0, ks[0]), b = u(E.IADD, x1, ks[1]);
  for (let i = 0; i < 5; i++) {
    for (const r of ROTATIONS[i % 2]) {
      a = u(E.IADD, a, b);
      b = u(E.XOR, rotl(b, r), a);
    }
    a = u(E.IADD, a, ks[(i + 1) % 3]);
    b = u(E.IADD, b, u(E.IADD, ks[(i + 2) % 3], lit(i + 1)));
  }
  return [a, b];
}
