// vmap of the structural primitives (layout, reductions, dot_general, indexing, random) against
// an explicit loop over the batch: random per-example shapes and parameters, each operand
// mapped along a random axis (negative half the time) or not, batch sizes 1-3. Indices
// (dynamic_slice starts, gather/scatter rows) are mapped too, and go out of bounds.

import { Array, grad, jit, lax, numpy as np, vmap } from "../../ts/index.js";
import { DType } from "../../ts/core/dtype.js";
import { Primitive } from "../../ts/core/primitive.js";
import { bind, bind1 } from "../../ts/core/trace.js";
import { DotDimensionNumbers } from "../../ts/primitives/dot.js";
import * as ix from "../../ts/primitives/indexing.js";
import { bitcastConvertType, threefry2x32 } from "../../ts/primitives/random.js";
import { expectClose } from "../util/close.js";
import { Rand, pick, rng } from "../util/rng.js";

const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const dims = (r: Rand, rank: number, lo = 1, hi = 3) => globalThis.Array.from({ length: rank }, () => int(r, lo, hi));
const shuffle = <T>(r: Rand, xs: T[]): T[] => {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};
const subset = (r: Rand, n: number) => globalThis.Array.from({ length: n }, (_, i) => i).filter(() => r() < 0.5);

/** How to draw one operand's values. */
interface Kind {
  dtype: DType;
  value: (r: Rand) => number;
}
const F: Kind = { dtype: "float32", value: (r) => -3 + 6 * r() };
// Floats with repeats: ties for max/min/sort.
const Fties: Kind = { dtype: "float32", value: (r) => Math.floor(r() * 6) / 2 - 1.5 };
const Fpos: Kind = { dtype: "float32", value: (r) => 0.5 + r() };
const I = (lo: number, hi: number): Kind => ({ dtype: "int32", value: (r) => int(r, lo, hi) });
const U: Kind = { dtype: "uint32", value: (r) => Math.floor(r() * 2 ** 32) };
const B: Kind = { dtype: "bool", value: (r) => (r() < 0.5 ? 1 : 0) };

function randomArray(r: Rand, shape: number[], kind: Kind): Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = globalThis.Array.from({ length: n }, () => kind.value(r));
  if (kind.dtype === "bool") return np.array(v, { dtype: "int32" }).reshape(shape).astype("bool");
  return np.array(v, { dtype: kind.dtype }).reshape(shape);
}

/** One per-example operand: its shape and values. */
type Operand = [number[], Kind];
/** A case draws per-example operands and a function of them (parameters drawn too). */
interface Case {
  name: string;
  make: (r: Rand) => { operands: Operand[]; f: (...xs: Array[]) => Array | Array[] };
}
const flat = (y: Array | Array[]) => (y instanceof Array ? [y] : y);

const gatherP = (mode: "clip" | "fill") => (x: Array, idx: Array) => bind1(ix.gather, [x, idx], { mode, fill_value: mode === "fill" ? -7 : null });
const scatterP = (p: Primitive) => (x: Array, idx: Array, u: Array) => bind1(p, [x, idx, u]);

/** An operand shape of rank 0-3 and dims 1-3. */
const anyShape = (r: Rand, maxRank = 3) => dims(r, int(r, 0, maxRank));

const CASES: Case[] = [
  ...[["int32", F], ["float32", I(-9, 9)], ["bool", F], ["float32", B]].map(([to, k]): Case => ({
    name: `convert_element_type ${(k as Kind).dtype} -> ${to}`,
    make: (r) => ({ operands: [[anyShape(r), k as Kind]], f: (x) => lax.convertElementType(x, to as DType) }),
  })),
  {
    name: "broadcast_in_dim (new axes, stretched 1s)",
    make: (r) => {
      const s = anyShape(r).map((d) => (r() < 0.4 ? 1 : d));
      const out: number[] = [], bd: number[] = [];
      s.forEach((d) => {
        if (r() < 0.4) out.push(int(r, 1, 3));
        bd.push(out.length);
        out.push(d === 1 && r() < 0.5 ? int(r, 2, 3) : d);
      });
      if (r() < 0.5) out.push(2);
      return { operands: [[s, F]], f: (x) => lax.broadcastInDim(x, out, bd) };
    },
  },
  {
    name: "reshape",
    make: (r) => {
      const s = anyShape(r);
      const n = s.reduce((a, b) => a * b, 1);
      const to = pick(r, [[n], [1, n], [n, 1, 1], []].filter((t) => t.length || n === 1));
      return { operands: [[s, F]], f: (x) => lax.reshape(x, to) };
    },
  },
  {
    name: "transpose",
    make: (r) => {
      const s = anyShape(r);
      const p = shuffle(r, s.map((_, i) => i));
      return { operands: [[s, F]], f: (x) => lax.transpose(x, p) };
    },
  },
  {
    name: "squeeze",
    make: (r) => {
      const s = anyShape(r).map((d) => (r() < 0.5 ? 1 : d));
      const sq = s.flatMap((d, i) => (d === 1 && r() < 0.7 ? [i] : []));
      return { operands: [[s, F]], f: (x) => lax.squeeze(x, sq) };
    },
  },
  {
    name: "select_n (bool selector, full or scalar)",
    make: (r) => {
      const s = anyShape(r);
      return { operands: [[r() < 0.5 ? [] : s, B], [s, F], [s, F]], f: (w, a, b) => lax.selectN(w, a, b) };
    },
  },
  {
    name: "select_n (int32 selector, three cases)",
    make: (r) => {
      const s = anyShape(r);
      return { operands: [[r() < 0.3 ? [] : s, I(0, 2)], [s, I(-9, 9)], [s, I(-9, 9)], [s, I(-9, 9)]], f: (w, a, b, c) => lax.selectN(w, a, b, c) };
    },
  },
  {
    name: "clamp (scalar or array bounds)",
    make: (r) => {
      const s = anyShape(r);
      return { operands: [[r() < 0.5 ? [] : s, F], [s, F], [r() < 0.5 ? [] : s, F]], f: (lo, x, hi) => lax.clamp(lo, x, hi) };
    },
  },
  {
    name: "iota (added to a mapped operand)",
    make: (r) => {
      const s = dims(r, int(r, 1, 3));
      const d = int(r, 0, s.length - 1);
      return { operands: [[s, I(-9, 9)]], f: (x) => lax.add(x, lax.broadcastedIota("int32", s, d)) };
    },
  },
  ...([
    ["reduce_sum", lax.reduceSum, F],
    ["reduce_prod", lax.reduceProd, F],
    ["reduce_max", lax.reduceMax, Fties],
    ["reduce_min", lax.reduceMin, I(-9, 9)],
    ["reduce_and", lax.reduceAnd, B],
    ["reduce_or", lax.reduceOr, B],
  ] as [string, (x: Array, axes: number[]) => Array, Kind][]).map(([name, f, k]): Case => ({
    name,
    make: (r) => {
      const s = anyShape(r);
      const axes = shuffle(r, subset(r, s.length));
      return { operands: [[s, k]], f: (x) => f(x, axes) };
    },
  })),
  ...([["argmax", lax.argmax], ["argmin", lax.argmin]] as [string, typeof lax.argmax][]).map(([name, f]): Case => ({
    name,
    make: (r) => {
      const s = dims(r, int(r, 1, 3));
      const axis = int(r, 0, s.length - 1);
      return { operands: [[s, Fties]], f: (x) => f(x, axis) };
    },
  })),
  ...([["cumsum", lax.cumsum], ["cumprod", lax.cumprod], ["cummax", lax.cummax], ["cummin", lax.cummin]] as [string, typeof lax.cumsum][]).map(([name, f]): Case => ({
    name,
    make: (r) => {
      const s = dims(r, int(r, 1, 3), 1, 4);
      const axis = int(r, 0, s.length - 1), reverse = r() < 0.5;
      return { operands: [[s, name === "cumprod" ? Fpos : F]], f: (x) => f(x, { axis, reverse }) };
    },
  })),
  {
    name: "dot_general",
    make: (r) => {
      const [b, m, k, n, k2] = dims(r, 5, 1, 3);
      const configs: [number[], number[], DotDimensionNumbers][] = [
        [[m, k], [k, n], [[[1], [0]], [[], []]]],
        [[b, m, k], [b, k, n], [[[2], [1]], [[0], [0]]]],
        [[k, b, m, k2], [k2, n, k, b], [[[0, 3], [2, 0]], [[1], [3]]]],
        [[m], [n], [[[], []], [[], []]]],
        [[k], [k], [[[0], [0]], [[], []]]],
        [[m, k], [k], [[[1], [0]], [[], []]]],
      ];
      const [sa, sb, dn] = pick(r, configs);
      return { operands: [[sa, F], [sb, F]], f: (x, y) => lax.dotGeneral(x, y, dn) };
    },
  },
  {
    name: "slice (with and without strides)",
    make: (r) => {
      const s = dims(r, int(r, 1, 3), 1, 5);
      const start = s.map((d) => int(r, 0, d - 1));
      const limit = s.map((d, i) => int(r, start[i], d));
      const strides = r() < 0.5 ? null : s.map(() => int(r, 1, 3));
      return { operands: [[s, F]], f: (x) => lax.slice(x, start, limit, strides) };
    },
  },
  {
    name: "dynamic_slice (starts mapped or not, clamped)",
    make: (r) => {
      const s = dims(r, int(r, 1, 3), 1, 5);
      const sizes = s.map((d) => int(r, 0, d));
      return {
        operands: [[s, F], ...s.map((d): Operand => [[], I(-2, d + 1)])],
        f: (x, ...starts) => lax.dynamicSlice(x, starts, sizes),
      };
    },
  },
  {
    name: "dynamic_update_slice (starts mapped or not, clamped)",
    make: (r) => {
      const s = dims(r, int(r, 1, 3), 1, 5);
      const us = s.map((d) => int(r, 0, d));
      return {
        operands: [[s, F], [us, F], ...s.map((d): Operand => [[], I(-2, d + 1)])],
        f: (x, u, ...starts) => lax.dynamicUpdateSlice(x, u, starts),
      };
    },
  },
  ...(["clip", "fill"] as const).map((mode): Case => ({
    name: `gather (${mode}; repeated and out-of-bounds rows)`,
    make: (r) => {
      const s = dims(r, int(r, 1, 3), 1, 4);
      const k = int(r, 0, s.length);
      const ib = dims(r, int(r, 0, 2));
      const hi = Math.min(...s.slice(0, k), 9);
      return { operands: [[s, F], [[...ib, k], I(-1, hi)]], f: gatherP(mode) };
    },
  })),
  ...([["scatter", ix.scatter], ["scatter-add", ix.scatterAdd], ["scatter-mul", ix.scatterMul], ["scatter-min", ix.scatterMin], ["scatter-max", ix.scatterMax]] as [string, Primitive][]).map(([name, p]): Case => ({
    name: `${name} (repeated and dropped rows)`,
    make: (r) => {
      const s = dims(r, int(r, 1, 3), 1, 4);
      const k = int(r, 0, s.length);
      const ib = dims(r, int(r, 0, 2));
      const hi = Math.min(...s.slice(0, k), 9);
      return { operands: [[s, F], [[...ib, k], I(-1, hi)], [[...ib, ...s.slice(k)], F]], f: scatterP(p) };
    },
  })),
  {
    name: "concatenate",
    make: (r) => {
      const s = dims(r, int(r, 1, 3));
      const d = int(r, 0, s.length - 1);
      const ops = dims(r, int(r, 1, 3)).map((n): Operand => [s.map((m, i) => (i === d ? n : m)), F]);
      return { operands: ops, f: (...xs) => lax.concatenate(xs, d) };
    },
  },
  {
    name: "pad (negative, interior; padding value mapped or not)",
    make: (r) => {
      const s = anyShape(r);
      const cfg = s.map((): [number, number, number] => [int(r, -1, 2), int(r, -1, 2), int(r, 0, 2)]).map(([lo, hi, i], a): [number, number, number] => {
        const n = s[a] + Math.max(0, s[a] - 1) * i;
        return [Math.max(lo, -n), Math.max(hi, -n - Math.min(lo, 0)), i];
      });
      return { operands: [[s, F], [[], F]], f: (x, v) => lax.pad(x, v, cfg) };
    },
  },
  {
    name: "rev",
    make: (r) => {
      const s = anyShape(r);
      const d = subset(r, s.length);
      return { operands: [[s, F]], f: (x) => lax.rev(x, d) };
    },
  },
  {
    name: "sort (ties, carried operands, several keys)",
    make: (r) => {
      const s = dims(r, int(r, 1, 3), 1, 4);
      const n = int(r, 1, 3);
      const numKeys = int(r, 1, n);
      const d = int(r, 0, s.length - 1);
      const ops = globalThis.Array.from({ length: n }, (_, i): Operand => [s, i === 0 ? Fties : pick(r, [Fties, I(-3, 3)])]);
      return { operands: ops, f: (...xs) => bind(ix.sort, xs, { dimension: d, is_stable: true, num_keys: numKeys }) };
    },
  },
  {
    name: "threefry2x32 (broadcasting operands)",
    make: (r) => {
      const s = anyShape(r, 2);
      const some = () => (r() < 0.5 ? [] : s.slice(int(r, 0, s.length)));
      return { operands: [[some(), U], [some(), U], [s, U], [some(), U]], f: (...xs) => bind(threefry2x32, xs) };
    },
  },
  {
    name: "bitcast_convert_type",
    make: (r) => {
      const to = pick(r, ["int32", "uint32"]);
      return { operands: [[anyShape(r), F]], f: (x) => bind1(bitcastConvertType, [x], { new_dtype: to }) };
    },
  },
];

/** x[..., i, ...] along `axis`. */
const take = (x: Array, i: number, axis: number) => lax.squeeze(lax.sliceInDim(x, i, i + 1, 1, axis), [axis]);

describe("vmap of structural primitives", () => {
  for (const c of CASES) {
    it(`${c.name} matches a loop over the batch`, () => {
      for (let seed = 0; seed < 8; seed++) {
        const r = rng(7919 * seed + c.name.length * 31 + c.name.charCodeAt(0));
        const { operands, f } = c.make(r);
        const size = pick(r, [1, 2, 3]);
        const mappedAt = Math.floor(r() * operands.length);
        const args: Array[] = [], inAxes: (number | null)[] = [];
        operands.forEach(([s, kind], i) => {
          if (i !== mappedAt && r() < 0.4) {
            args.push(randomArray(r, s, kind));
            inAxes.push(null);
            return;
          }
          const a = int(r, 0, s.length);
          args.push(np.stack(globalThis.Array.from({ length: size }, () => randomArray(r, s, kind)), { axis: a }));
          inAxes.push(r() < 0.5 ? a - (s.length + 1) : a);
        });
        const what = `${c.name}: shapes ${JSON.stringify(operands.map(([s]) => s))} in_axes ${JSON.stringify(inAxes)} size ${size}`;
        const got = flat(vmap((...xs: Array[]) => flat(f(...xs)), { inAxes })(...args));
        const examples = globalThis.Array.from({ length: size }, (_, b) =>
          flat(f(...args.map((x, i) => (inAxes[i] === null ? x : take(x, b, inAxes[i]! < 0 ? inAxes[i]! + x.ndim : inAxes[i]!))))));
        got.forEach((g, k) => {
          const want = np.stack(examples.map((e) => e[k]));
          expect(g.dtype).withContext(what).toBe(want.dtype);
          expect(g.shape).withContext(what).toEqual(want.shape);
          expectClose(g.tolistSync(), want.tolistSync(), { rtol: 1e-6, atol: 1e-6, what });
        });
      }
    });
  }

  it("vmap of grad and of jit(grad) (the batching rules of what the derivative rules emit)", () => {
    const r = rng(11);
    const idx = randomArray(r, [4, 1], I(-1, 3));
    const fs: [string, (x: Array) => Array][] = [
      ["gather", (x) => lax.sin(gatherP("clip")(x, idx)).sum()],
      ["scatter", (x) => lax.sin(scatterP(ix.scatter)(x, idx, lax.mul(gatherP("fill")(x, idx), 2))).sum()],
      ["scatter-mul", (x) => scatterP(ix.scatterMul)(lax.cos(x), idx, lax.sin(gatherP("clip")(x, idx))).sum()],
      ["scatter-max", (x) => lax.sin(scatterP(ix.scatterMax)(x, idx, lax.mul(gatherP("clip")(x, idx), 2))).sum()],
      ["sort", (x) => lax.mul(lax.sort(x, { dimension: 1 }), lax.broadcastedIota("float32", [3, 2], 0)).sum()],
      ["cumprod / cummax", (x) => lax.add(lax.cumprod(x, { axis: 0 }), lax.cummax(x, { axis: 1, reverse: true })).sum()],
      ["reduce_prod / reduce_max", (x) => lax.add(lax.reduceProd(x, [0]), lax.reduceMax(x, [0])).sum()],
      ["dot_general", (x) => lax.sin(lax.dotGeneral(x, lax.transpose(x, [1, 0]), [[[1], [0]], [[], []]])).sum()],
      ["pad / slice / dynamic_slice", (x) => lax.dynamicSlice(lax.pad(lax.slice(x, [1, 0], [3, 2]), 0.5, [[1, 2, 1], [0, -1, 0]]), [idx.reshape([4]).slice(0), 0], [3, 1]).sum()],
    ];
    const xs = randomArray(r, [3, 3, 2], F);
    for (const [name, f] of fs) {
      const want = np.stack([0, 1, 2].map((b) => grad(f)(take(xs, b, 0))));
      expectClose(vmap(grad(f))(xs).tolistSync(), want.tolistSync(), { rtol: 1e-5, atol: 1e-5, what: name });
      expectClose(vmap(jit(grad(f)), { inAxes: 1 })(np.moveaxis(xs, 0, 1)).tolistSync(), want.tolistSync(), { rtol: 1e-5, atol: 1e-5, what: `${name} jit` });
    }
  });

  it("nested vmap of dot_general and gather (both levels mapping different operands)", () => {
    const r = rng(5);
    const x = randomArray(r, [3, 2, 4], F), y = randomArray(r, [4, 5, 2], F);
    const dn: DotDimensionNumbers = [[[0], [0]], [[], []]];
    const got = vmap(vmap((a: Array, b: Array) => lax.dotGeneral(a, b, dn), { inAxes: [0, null] }), { inAxes: [1, 2] })(x, y);
    const want = np.stack([0, 1].map((i) => np.stack([0, 1, 2].map((j) => lax.dotGeneral(take(take(x, i, 1), j, 0), take(y, i, 2), dn)))));
    expectClose(got.tolistSync(), want.tolistSync(), { rtol: 1e-6 });
    const idx = randomArray(r, [2, 3, 1], I(-1, 3));
    const g = vmap(vmap(gatherP("clip"), { inAxes: [null, 0] }), { inAxes: [1, 0] })(x, idx);
    const gw = np.stack([0, 1].map((i) => np.stack([0, 1, 2].map((j) => gatherP("clip")(take(x, i, 1), take(take(idx, i, 0), j, 0))))));
    expectClose(g.tolistSync(), gw.tolistSync());
  });
});
