// Derivatives of the structural primitives (layout, reductions, dot_general, indexing, random):
// jvp and vjp against central finite differences in float64 to second order, every transpose
// rule by the dot-product identity <L x, y> = <x, L^T y>, and JAX's conventions (ties of
// max/min split the tangent, sort's tangents follow its permutation, integer outputs have
// zero tangents).

import { Array, grad, jvp, lax, numpy as np } from "../../ts/index.js";
import { Params, Primitive, UndefinedPrimal } from "../../ts/core/primitive.js";
import { bind, bind1 } from "../../ts/core/trace.js";
import { dotGeneral, DotDimensionNumbers } from "../../ts/primitives/dot.js";
import * as ix from "../../ts/primitives/indexing.js";
import * as l from "../../ts/primitives/layout.js";
import * as r from "../../ts/primitives/reduce.js";
import { bitcastConvertType, threefry2x32 } from "../../ts/primitives/random.js";
import { checkGrads } from "../util/check_grads.js";
import { expectClose } from "../util/close.js";

/** mulberry32 normals: deterministic float64 test data. */
function randn(shape: number[], seed: number): Array {
  let s = seed >>> 0;
  const u = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const n = shape.reduce((a, b) => a * b, 1);
  const v = globalThis.Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u()));
  return np.array(v, { dtype: "float64" }).reshape(shape);
}
const f64 = (xs: any) => np.array(xs, { dtype: "float64" });
const i32 = (xs: any) => np.array(xs, { dtype: "int32" });
const list = (x: Array) => x.tolistSync();
const vdot = (a: Array, b: Array) => Number(a.astype("float64").mul(b.astype("float64")).sum().item());
const grad2 = (f: (...a: Array[]) => Array, ...xs: Array[]) => grad(f, { argnums: xs.map((_, i) => i) })(...xs) as Array[];

const gatherP = (x: Array, idx: Array, mode: "clip" | "fill" = "clip", fill = 0) => bind1(ix.gather, [x, idx], { mode, fill_value: mode === "fill" ? fill : null });
const scatterP = (p: Primitive) => (x: Array, idx: Array, u: Array) => bind1(p, [x, idx, u]);
const dot = (dn: DotDimensionNumbers) => (a: Array, b: Array) => lax.dotGeneral(a, b, dn);

const O2 = { order: 2 } as const;

describe("structural derivatives", () => {
  it("every structural primitive has jvp and batch rules; the linear ones transpose", () => {
    const modules: Record<string, unknown>[] = [l, r, ix, { dotGeneral, bitcastConvertType, threefry2x32 }];
    const prims = modules.flatMap((m) => Object.values(m).filter((v): v is Primitive => v instanceof Primitive));
    const linear = ["convert_element_type", "broadcast_in_dim", "reshape", "transpose", "squeeze", "select_n", "reduce_sum", "cumsum", "dot_general",
      "slice", "dynamic_slice", "dynamic_update_slice", "gather", "scatter", "scatter-add", "scatter-mul", "concatenate", "pad", "rev"];
    expect(prims.length).toBe(36);
    for (const p of prims) {
      expect(p.rules.jvp).withContext(`${p.name} jvp`).toBeDefined();
      expect(p.rules.batch).withContext(`${p.name} batch`).toBeDefined();
      expect(p.rules.transpose !== undefined).withContext(`${p.name} transpose`).toBe(linear.includes(p.name));
    }
  });

  describe("layout", () => {
    it("convert_element_type: float -> float carries the tangent, -> int has a zero one", () => {
      checkGrads((x) => lax.convertElementType(lax.convertElementType(x, "float32"), "float64"), [randn([3], 1)], { eps: 1e-3, atol: 1e-3, rtol: 1e-3 });
      const [, t] = jvp((x: Array) => lax.convertElementType(x, "float32"), [f64([1.5, 2])], [f64([3, 4])]);
      expect(t.dtype).toBe("float32");
      expect(list(t)).toEqual([3, 4]);
      const [, ti] = jvp((x: Array) => lax.convertElementType(x, "int32").astype("float64").mul(x), [f64([1.5, 2])], [f64([1, 1])]);
      expect(list(ti)).toEqual([1, 2]); // d(floor(x) * x) = floor(x)
    });
    it("broadcast_in_dim (new axes and stretched size-1 axes)", () => {
      checkGrads((x) => lax.broadcastInDim(x, [2, 3, 4], [1, 2]).mul(randn([2, 3, 4], 9)), [randn([3, 1], 2)], O2);
      checkGrads((x) => lax.broadcastInDim(x, [2, 3], []).mul(randn([2, 3], 9)), [f64(0.7)], O2);
    });
    it("reshape, transpose, squeeze, rev", () => {
      const w = randn([24], 3);
      const s = (y: Array) => lax.sin(y.reshape([24]).mul(w));
      checkGrads((x) => s(lax.reshape(x, [4, 6])), [randn([2, 3, 4], 4)], O2);
      checkGrads((x) => s(lax.transpose(x, [2, 0, 1])), [randn([2, 3, 4], 5)], O2);
      checkGrads((x) => s(lax.squeeze(x, [1, 3])), [randn([2, 1, 12, 1], 6)], O2);
      checkGrads((x) => s(lax.rev(x, [0, 2])), [randn([2, 3, 4], 7)], O2);
    });
    it("select_n with bool, int32 and scalar selectors", () => {
      const b = np.array([[true, false, true], [false, false, true]]);
      const k = i32([[0, 1, 2], [2, 1, 0]]);
      checkGrads((x, y) => lax.sin(lax.selectN(b, x, y)), [randn([2, 3], 8), randn([2, 3], 9)], O2);
      checkGrads((x, y, z) => lax.selectN(k, x, y, z).mul(x), [randn([2, 3], 10), randn([2, 3], 11), randn([2, 3], 12)], O2);
      checkGrads((x, y) => lax.exp(lax.selectN(np.array(true), x, y)), [randn([3], 13), randn([3], 14)], O2);
    });
    it("clamp: array and scalar bounds (JAX's rule, no tangent at the bounds' crossings)", () => {
      // (With lo > hi clamp gives hi, but JAX's rule gives no tangent there; not tested.)
      const x = f64([-2, -0.3, 0.1, 0.4, 2]);
      const lo = f64([-1, -1, 0.2, 0, 0]);
      const hi = f64([1, 1, 1, 0.3, 1]);
      checkGrads((a, b, c) => lax.clamp(a, b, c).mul(b), [lo, x, hi], O2);
      checkGrads((a, b, c) => lax.sin(lax.clamp(a, b, c)), [f64(-0.5), x, f64(0.5)], O2);
      const [, t] = jvp((a: Array, b: Array, c: Array) => lax.clamp(a, b, c), [f64(-0.5), f64([-1, 0, 1]), f64(0.5)], [f64(10), f64([1, 2, 3]), f64(100)]);
      expect(list(t)).toEqual([10, 2, 100]);
    });
    it("iota, argmax, threefry and bitcast have zero tangents", () => {
      const f = (x: Array) => lax.argmax(x, 0).astype("float64").add(lax.iota("float64", 3).sum()).add(x.sum());
      const [, t] = jvp(f, [f64([1, 5, 2])], [f64([1, 1, 1])]);
      expect(list(t)).toEqual(3);
      const [, tb] = jvp((x: Array) => bind1(bitcastConvertType, [x.astype("float32")], { new_dtype: "int32" }).astype("float64").add(x), [f64([1])], [f64([1])]);
      expect(list(tb)).toEqual([1]);
      expect(threefry2x32.rules.jvp).toBeDefined();
    });
  });

  describe("reductions and scans", () => {
    const withZeros = f64([[0.5, 0, 1.5, -2], [0, 0.7, 0, 1.1], [1.2, -0.4, 0.9, 2]]);
    it("reduce_sum / reduce_prod (zeros included) over several axes", () => {
      checkGrads((x) => lax.sin(lax.reduceSum(x, [0, 2])), [randn([2, 3, 4], 20)], O2);
      checkGrads((x) => lax.reduceProd(x, [1]), [withZeros], O2);
      checkGrads((x) => lax.reduceProd(x, [0, 1]), [randn([2, 3], 21)], O2);
      checkGrads((x) => lax.reduceProd(x, [1, 0]).mul(2), [f64([[1.5, 0], [2, 3]])], O2);
    });
    it("reduce_max / reduce_min (no ties) and JAX's tie split", () => {
      checkGrads((x) => lax.reduceMax(x, [1]), [randn([3, 4], 22)], O2);
      checkGrads((x) => lax.reduceMin(x, [0, 1]), [randn([3, 4], 23)], O2);
      expect(list(grad((x: Array) => lax.reduceMax(x, [0]))(f64([1, 3, 3, 2])))).toEqual([0, 0.5, 0.5, 0]);
      expect(list(grad((x: Array) => lax.reduceMin(x, [0]))(f64([1, 1, 1, 2])))).toEqual([1 / 3, 1 / 3, 1 / 3, 0]);
    });
    for (const reverse of [false, true]) {
      it(`cumsum / cumprod / cummax / cummin${reverse ? " (reverse)" : ""}`, () => {
        const x = randn([3, 5], 24 + Number(reverse));
        checkGrads((a) => lax.sin(lax.cumsum(a, { axis: 1, reverse })), [x], O2);
        checkGrads((a) => lax.cumprod(a, { axis: 1, reverse }), [withZeros], O2);
        checkGrads((a) => lax.cumprod(a, { axis: 0, reverse }), [x], O2);
        checkGrads((a) => lax.cummax(a, { axis: 1, reverse }), [x], O2);
        checkGrads((a) => lax.cummin(a, { axis: 0, reverse }), [x], O2);
      });
    }
    it("cummax's tangent is the one at the running maximum", () => {
      const [y, t] = jvp((a: Array) => lax.cummax(a), [f64([1, 3, 2, 5, 4])], [f64([10, 20, 30, 40, 50])]);
      expect(list(y)).toEqual([1, 3, 3, 5, 5]);
      expect(list(t)).toEqual([10, 20, 20, 40, 40]);
    });
  });

  describe("dot_general", () => {
    const CASES: [string, DotDimensionNumbers, number[], number[]][] = [
      ["matmul", [[[1], [0]], [[], []]], [3, 4], [4, 5]],
      ["batched", [[[2], [1]], [[0], [0]]], [2, 3, 4], [2, 4, 5]],
      ["two contracting dims in another order", [[[0, 2], [2, 0]], [[], []]], [2, 3, 4], [4, 5, 2]],
      ["batch dims not leading", [[[2], [0]], [[1], [1]]], [3, 2, 4], [4, 2]],
      ["outer product", [[[], []], [[], []]], [3], [2]],
    ];
    for (const [name, dn, sa, sb] of CASES) {
      it(name, () => checkGrads(dot(dn), [randn(sa, 30), randn(sb, 31)], O2));
    }
  });

  describe("indexing", () => {
    it("slice (strided), dynamic_slice (clamped starts), dynamic_update_slice", () => {
      const w = randn([2, 2], 40);
      checkGrads((x) => lax.sin(lax.slice(x, [1, 0], [4, 5], [2, 3]).mul(w)), [randn([5, 6], 41)], O2);
      checkGrads((x) => lax.dynamicSlice(x, [i32(1), i32(7)], [2, 3]).mul(randn([2, 3], 42)), [randn([4, 5], 43)], O2);
      checkGrads((x, u) => lax.sin(lax.dynamicUpdateSlice(x, u, [i32(2), i32(-1)])), [randn([4, 5], 44), randn([2, 3], 45)], O2);
    });
    it("gather (clip and fill, repeated and out-of-bounds rows)", () => {
      const rows = i32([[2], [0], [2], [7], [-1]]);
      const cells = i32([[0, 1], [2, 3], [0, 1], [5, 0]]);
      checkGrads((x) => lax.sin(gatherP(x, rows)), [randn([3, 4], 50)], O2);
      checkGrads((x) => gatherP(x, cells, "fill", 7).mul(f64([1, 2, 3, 4])), [randn([3, 4], 51)], O2);
      const [, tf] = jvp((x: Array) => gatherP(x, cells, "fill", NaN), [randn([3, 4], 51)], [np.ones([3, 4], { dtype: "float64" })]);
      expect(list(tf)).toEqual([1, 1, 1, 0]); // out-of-bounds rows have a zero tangent, whatever the fill
      const g = grad((x: Array) => gatherP(x, rows).sum())(randn([3, 2], 52));
      expect(list(g)).toEqual([[2, 2], [0, 0], [3, 3]]); // 7 clips to 2, -1 to 0
      const gf = grad((x: Array) => gatherP(x, rows, "fill", 0).sum())(randn([3, 2], 52));
      expect(list(gf)).toEqual([[1, 1], [0, 0], [2, 2]]);
    });
    it("scatter-add and scatter (repeated and dropped rows)", () => {
      const idx = i32([[1], [3], [1], [9]]);
      checkGrads((x, u) => lax.sin(scatterP(ix.scatterAdd)(x, idx, u)), [randn([4, 2], 53), randn([4, 2], 54)], O2);
      checkGrads((x, u) => lax.sin(scatterP(ix.scatter)(x, idx, u)), [randn([4, 2], 55), randn([4, 2], 56)], O2);
      // The last write to row 1 wins; row 0 and 2 keep the operand.
      const [gx, gu] = grad2((x, u) => scatterP(ix.scatter)(x, idx, u).sum(), f64([1, 2, 3, 4]).reshape([4, 1]), f64([5, 6, 7, 8]).reshape([4, 1]));
      expect(list(gx)).toEqual([[1], [0], [1], [0]]);
      expect(list(gu)).toEqual([[0], [1], [1], [0]]);
      const [hx, hu] = grad2((x, u) => scatterP(ix.scatterAdd)(x, idx, u).mul(f64([[1], [2], [3], [4]])).sum(), f64([[0], [0], [0], [0]]), f64([[0], [0], [0], [0]]));
      expect(list(hx)).toEqual([[1], [2], [3], [4]]);
      expect(list(hu)).toEqual([[2], [4], [2], [0]]);
    });
    it("scatter-mul: repeated indices; first derivatives exact with zero updates", () => {
      const idx = i32([[1], [3], [1], [1], [0], [6]]);
      const f = (x: Array, v: Array) => scatterP(ix.scatterMul)(x, idx, v);
      checkGrads(f, [randn([4], 59), randn([6], 60)], O2);
      checkGrads(f, [randn([4], 57), f64([0.5, -1.5, 0, 2, 1.3, 2])], { order: 1 });
      checkGrads(f, [randn([4], 58), f64([0.5, -1.5, 0, 0, 1.3, 2])], { order: 1 });
      const [, gu] = grad2((x, v) => f(x, v).sum(), f64([1, 2, 3, 4]), f64([0.5, -1.5, 0, 2, 1.3, 2]));
      expect(list(gu)).toEqual([0, 4, 2, 0, 1, 0]);
    });
    it("scatter-min / scatter-max (and their tie averaging, as JAX)", () => {
      const idx = i32([[1], [3], [1], [0], [8]]);
      checkGrads((x, v) => scatterP(ix.scatterMax)(x, idx, v), [f64([0.1, 0.2, -0.3, 0.4]), f64([1.5, -0.7, 0.9, -2, 3])], O2);
      checkGrads((x, v) => scatterP(ix.scatterMin)(x, idx, v), [f64([0.1, 0.2, -0.3, 0.4]), f64([1.5, -0.7, 0.9, -2, 3])], O2);
      const two = i32([[0], [0]]);
      const [gx, gu] = grad2((x, v) => scatterP(ix.scatterMax)(x, two, v).sum(), f64([1, 5]), f64([3, 3]));
      expect(list(gx)).toEqual([0, 1]);
      expect(list(gu)).toEqual([0.5, 0.5]);
      const [hx, hu] = grad2((x, v) => scatterP(ix.scatterMin)(x, two, v).sum(), f64([3, 5]), f64([3, 4]));
      expect(list(hx)).toEqual([0.5, 1]);
      expect(list(hu)).toEqual([0.5, 0]);
    });
    it("concatenate, pad (negative and interior, padding value differentiated), rev", () => {
      checkGrads((a, b, c) => lax.sin(lax.concatenate([a, b, c], 1)), [randn([2, 1], 61), randn([2, 3], 62), randn([2, 2], 63)], O2);
      const w = randn([6, 7], 64);
      checkGrads((x, v) => lax.sin(lax.pad(x, v, [[-1, 2, 1], [1, -1, 2]]).mul(w)), [randn([3, 3], 65), f64(0.3)], O2);
    });
    it("sort: tangents follow the permutation (one key, carried operands, two keys)", () => {
      const x = f64([0.3, -1.2, 2.5, 0.1]);
      const [y, t] = jvp((a: Array) => lax.sort(a), [x], [f64([1, 2, 3, 4])]);
      expect(list(y)).toEqual([-1.2, 0.1, 0.3, 2.5]);
      expect(list(t)).toEqual([2, 4, 1, 3]);
      checkGrads((a) => lax.sort(a, { dimension: 0 }).mul(randn([3, 4], 70)), [randn([3, 4], 71)], O2);
      checkGrads((k, v) => lax.sort([k, v], { dimension: 1 })[1].mul(k), [randn([2, 5], 72), randn([2, 5], 73)], O2);
      const keys = f64([[1, 0, 1, 0], [2, 2, 1, 1]]);
      checkGrads((k2, v) => lax.sin(lax.sort([keys, k2, v], { dimension: 1, numKeys: 2 })[2]), [randn([2, 4], 74), randn([2, 4], 75)], O2);
      const [, ti] = jvp((a: Array) => lax.sort([i32([3, 1, 2]), a], { numKeys: 1 })[1], [f64([10, 20, 30])], [f64([1, 2, 3])]);
      expect(list(ti)).toEqual([2, 3, 1]);
    });
  });

  describe("transpose rules satisfy <L x, y> = <x, L^T y>", () => {
    interface Case {
      name: string;
      prim: Primitive;
      args: Array[];
      /** Positions the map is (jointly) linear in; the others stay known. */
      linear: number[];
      params?: Params;
    }
    const idx = (rows: number[][]) => i32(rows);
    const bcast = { sharding: null };
    const dn = (d: DotDimensionNumbers) => ({ dimension_numbers: d, precision: null, preferred_element_type: null });
    const CASES: Case[] = [
      { name: "convert_element_type f64 -> f64 (weak)", prim: l.convertElementType, args: [randn([3], 1)], linear: [0], params: { new_dtype: "float64", weak_type: true } },
      { name: "broadcast_in_dim", prim: l.broadcastInDim, args: [randn([3, 1], 2)], linear: [0], params: { shape: [2, 3, 4], broadcast_dimensions: [1, 2], ...bcast } },
      { name: "broadcast_in_dim of a scalar", prim: l.broadcastInDim, args: [f64(0.5)], linear: [0], params: { shape: [2, 3], broadcast_dimensions: [], ...bcast } },
      { name: "reshape", prim: l.reshape, args: [randn([2, 6], 3)], linear: [0], params: { new_sizes: [3, 4], dimensions: null, sharding: null } },
      { name: "transpose", prim: l.transpose, args: [randn([2, 3, 4], 4)], linear: [0], params: { permutation: [1, 2, 0] } },
      { name: "squeeze", prim: l.squeeze, args: [randn([1, 3, 1], 5)], linear: [0], params: { dimensions: [0, 2] } },
      { name: "select_n", prim: l.selectN, args: [i32([0, 2, 1, 2]), randn([4], 6), randn([4], 7), randn([4], 8)], linear: [1, 2, 3] },
      { name: "select_n (one case known)", prim: l.selectN, args: [np.array([true, false, true]), randn([3], 9), randn([3], 10)], linear: [2] },
      { name: "reduce_sum", prim: r.reduceSum, args: [randn([2, 3, 4], 11)], linear: [0], params: { axes: [0, 2], out_sharding: null } },
      { name: "cumsum", prim: r.cumsum, args: [randn([3, 4], 12)], linear: [0], params: { axis: 1, reverse: false } },
      { name: "cumsum reverse", prim: r.cumsum, args: [randn([3, 4], 13)], linear: [0], params: { axis: 0, reverse: true } },
      { name: "dot_general lhs", prim: dotGeneral, args: [randn([2, 3, 4], 14), randn([4, 5, 2], 15)], linear: [0], params: dn([[[0, 2], [2, 0]], [[], []]]) },
      { name: "dot_general rhs", prim: dotGeneral, args: [randn([2, 3, 4], 16), randn([4, 5, 2], 17)], linear: [1], params: dn([[[0, 2], [2, 0]], [[], []]]) },
      { name: "dot_general batched lhs", prim: dotGeneral, args: [randn([3, 2, 4], 18), randn([4, 2, 5], 19)], linear: [0], params: dn([[[2], [0]], [[1], [1]]]) },
      { name: "dot_general batched rhs", prim: dotGeneral, args: [randn([3, 2, 4], 20), randn([4, 2, 5], 21)], linear: [1], params: dn([[[2], [0]], [[1], [1]]]) },
      { name: "slice", prim: ix.slice, args: [randn([5, 7], 22)], linear: [0], params: { start_indices: [1, 2], limit_indices: [5, 7], strides: [2, 3] } },
      { name: "slice (unit strides)", prim: ix.slice, args: [randn([5, 7], 23)], linear: [0], params: { start_indices: [1, 0], limit_indices: [3, 7], strides: null } },
      { name: "dynamic_slice", prim: ix.dynamicSlice, args: [randn([5, 7], 24), i32(4), i32(-2)], linear: [0], params: { slice_sizes: [2, 3] } },
      { name: "dynamic_update_slice", prim: ix.dynamicUpdateSlice, args: [randn([5, 7], 25), randn([2, 3], 26), i32(1), i32(9)], linear: [0, 1] },
      { name: "gather clip", prim: ix.gather, args: [randn([4, 3], 27), idx([[1], [5], [1], [-2]])], linear: [0], params: { mode: "clip", fill_value: null } },
      { name: "gather fill", prim: ix.gather, args: [randn([4, 3], 28), idx([[1, 0], [5, 1], [1, 0], [2, 2]])], linear: [0], params: { mode: "fill", fill_value: 7 } },
      { name: "scatter-add", prim: ix.scatterAdd, args: [randn([4, 3], 29), idx([[1], [5], [1]]), randn([3, 3], 30)], linear: [0, 2] },
      { name: "scatter", prim: ix.scatter, args: [randn([4, 3], 31), idx([[1], [5], [1], [0]]), randn([4, 3], 32)], linear: [0, 2] },
      { name: "scatter-mul (operand)", prim: ix.scatterMul, args: [randn([4, 3], 33), idx([[1], [5], [1], [0]]), randn([4, 3], 34)], linear: [0] },
      { name: "concatenate", prim: ix.concatenate, args: [randn([2, 1], 35), randn([2, 3], 36), randn([2, 2], 37)], linear: [0, 1, 2], params: { dimension: 1 } },
      { name: "concatenate (middle known)", prim: ix.concatenate, args: [randn([1, 2], 38), randn([3, 2], 39), randn([2, 2], 40)], linear: [0, 2], params: { dimension: 0 } },
      { name: "pad", prim: ix.pad, args: [randn([3, 4], 41), f64(0.7)], linear: [0, 1], params: { padding_config: [[-1, 2, 1], [2, -1, 2]] } },
      { name: "rev", prim: ix.rev, args: [randn([3, 4], 42)], linear: [0], params: { dimensions: [1] } },
    ];
    for (const c of CASES) {
      it(c.name, () => {
        const [lx] = bind(c.prim, c.args, c.params ?? {});
        const y = randn(lx.shape, 99);
        const undefinedArgs = c.args.map((a, i) => (c.linear.includes(i) ? new UndefinedPrimal(a.aval) : a));
        const cts = c.prim.rules.transpose!([y], undefinedArgs, c.params ?? {});
        // The known (non-linear) arguments make L affine when a linear one is known: subtract L(0).
        const zeroed = c.args.map((a, i) => (c.linear.includes(i) ? a.mul(0) : a));
        const [l0] = bind(c.prim, zeroed, c.params ?? {});
        const lhs = vdot(lx, y) - vdot(l0, y);
        const rhs = c.linear.reduce((s, i) => s + vdot(c.args[i], cts[i]!), 0);
        c.args.forEach((_, i) => !c.linear.includes(i) && expect(cts[i]).withContext(`ct of known input ${i}`).toBeNull());
        c.linear.forEach((i) => expect(cts[i]!.shape).withContext(`ct shape ${i}`).toEqual(c.args[i].shape));
        expectClose(rhs, lhs, { rtol: 1e-10, atol: 1e-10, what: c.name });
      });
    }
  });
});
