// Joining/splitting/rearranging, einsum, tensordot, norm, allclose, clip, logsumexp.

import { numpy as np, Array, jit, makeJaxpr } from "../../ts/index.js";
import { expectClose, F32 } from "../util/close.js";

const arr = (x: Array) => x.tolistSync();
const i32 = (v: number[]) => np.array(v, { dtype: "int32" });

/** A deterministic float matrix and its nested JS copy (the float64 reference input). */
function mat(r: number, c: number, seed = 1): [Array, number[][]] {
  const v = globalThis.Array.from({ length: r }, (_, i) => globalThis.Array.from({ length: c }, (_, j) => Math.fround(Math.sin(seed * 7 + i * 3.1 + j * 1.7))));
  return [np.array(v), v];
}

describe("manip: join / split / repeat", () => {
  const x = np.arange(6).reshape([2, 3]);

  it("concatenate / stack (axes, promotion, errors)", () => {
    expect(arr(np.concatenate([x, x], { axis: 1 }))).toEqual([[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]]);
    expect(arr(np.concatenate([x, np.ones([1, 3])]))).toEqual([[0, 1, 2], [3, 4, 5], [1, 1, 1]]);
    expect(np.concatenate([x, np.ones([1, 3])]).dtype).toBe("float32");
    expect(arr(np.concatenate([x, x], { axis: null }))).toEqual([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]);
    expect(() => np.concatenate([x, np.ones([2, 2])])).toThrowError(TypeError, /\(2, 3\).*\(2, 2\)/);
    expect(np.stack([x, x]).shape).toEqual([2, 2, 3]);
    expect(arr(np.stack([np.array([1, 2]), np.array([3, 4])], { axis: -1 }))).toEqual([[1, 3], [2, 4]]);
    expect(String(makeJaxpr((a: Array) => np.concatenate([a, a], { axis: 1 }))(x))).toContain("concatenate[dimension=1] a a");
  });

  it("split into sections or at indices", () => {
    expect(np.split(np.arange(6), 3).map(arr)).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(np.split(np.arange(6), [1, 4]).map(arr)).toEqual([[0], [1, 2, 3], [4, 5]]);
    expect(np.split(x, 3, { axis: 1 }).map((a) => a.shape)).toEqual([[2, 1], [2, 1], [2, 1]]);
    expect(() => np.split(np.arange(5), 2)).toThrowError(/equal division/);
  });

  it("tile / repeat / flip", () => {
    expect(arr(np.tile(np.array([1, 2]), 2))).toEqual([1, 2, 1, 2]);
    expect(arr(np.tile(np.array([1, 2]), [2, 2]))).toEqual([[1, 2, 1, 2], [1, 2, 1, 2]]);
    expect(arr(np.repeat(x, 2, { axis: 1 }))).toEqual([[0, 0, 1, 1, 2, 2], [3, 3, 4, 4, 5, 5]]);
    expect(arr(np.repeat(x, 2))).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(arr(np.repeat(np.array([7, 8]), [1, 3]))).toEqual([7, 8, 8, 8]);
    expect(arr(np.flip(x))).toEqual([[5, 4, 3], [2, 1, 0]]);
    expect(arr(np.flip(x, { axis: 1 }))).toEqual([[2, 1, 0], [5, 4, 3]]);
  });

  it("pad (constant) and take (fill mode, negative indices)", () => {
    expect(arr(np.pad(x, [[1, 0], [0, 2]], { constantValues: -1 }))).toEqual([[-1, -1, -1, -1, -1], [0, 1, 2, -1, -1], [3, 4, 5, -1, -1]]);
    expect(arr(np.pad(np.array([1, 2]), 1))).toEqual([0, 1, 2, 0]);
    expect(arr(np.take(x, i32([2, 0]), { axis: 1 }))).toEqual([[2, 0], [5, 3]]);
    expect(arr(np.take(x, [5, -1]))).toEqual([5, 5]);
    expect(arr(np.take(np.array([1, 2, 3]), i32([-1, 5])))).toEqual([3, NaN]);
    expect(arr(np.take(np.arange(3), i32([7])))).toEqual([-2147483648]);
  });
});

describe("manip: einsum / tensordot", () => {
  const [a, av] = mat(3, 4, 1), [b, bv] = mat(4, 5, 2), [c, cv] = mat(5, 2, 3);
  const mm = (p: number[][], q: number[][]) => p.map((row) => q[0].map((_, j) => row.reduce((s, v, k) => s + v * q[k][j], 0)));

  it("matrix products, chains, transposes and implicit output", () => {
    expectClose(np.einsum("ij,jk->ik", a, b).dataSync(), mm(av, bv), F32);
    expectClose(np.einsum("ij,jk", a, b).dataSync(), mm(av, bv), F32);
    expectClose(np.einsum("ij,jk,kl->il", a, b, c).dataSync(), mm(mm(av, bv), cv), F32);
    expectClose(np.einsum("ij,jk->ki", a, b).dataSync(), mm(bv[0].map((_, k) => bv.map((r) => r[k])), av[0].map((_, j) => av.map((r) => r[j]))), F32);
    expectClose(np.einsum("ij->j", a).dataSync(), av[0].map((_, j) => av.reduce((s, r) => s + r[j], 0)), F32);
    expectClose(np.einsum("ij,ij->", a, a).dataSync(), [av.flat().reduce((s, v) => s + v * v, 0)], F32);
    expect(np.einsum("i,j->ij", np.ones([2]), np.ones([3])).shape).toEqual([2, 3]);
  });

  it("batch dims and traces", () => {
    const p = np.arange(24).reshape([2, 3, 4]).astype("float32"), q = np.arange(16).reshape([2, 4, 2]).astype("float32");
    expectClose(np.einsum("bij,bjk->bik", p, q).dataSync(), np.matmul(p, q).dataSync(), F32);
    const sq = np.arange(9).reshape([3, 3]);
    expect(arr(np.einsum("ii->i", sq))).toEqual([0, 4, 8]);
    expect(arr(np.einsum("ii", sq))).toBe(12);
    expect(() => np.einsum("ij,jk->ik", a, a)).toThrowError(/label 'j'/);
  });

  it("tensordot: int and paired axes", () => {
    expectClose(np.tensordot(a, b, 1).dataSync(), mm(av, bv), F32);
    expect(np.tensordot(np.ones([2, 3, 4]), np.ones([3, 4, 5])).shape).toEqual([2, 5]);
    expect(arr(np.tensordot(np.ones([2, 3]), np.ones([2, 3]), [[0, 1], [0, 1]]))).toBe(6);
    expect(arr(np.tensordot(np.ones([2, 3]), np.ones([3, 2]), [1, 0]))).toEqual([[3, 3], [3, 3]]);
  });
});

describe("manip: norm / allclose / clip / logsumexp", () => {
  it("linalg.norm: vector ords, Frobenius, matrix 1/inf", () => {
    const v = np.array([3, -4, 0]);
    expect(arr(np.linalg.norm(v))).toBe(5);
    expect(arr(np.linalg.norm(v, 1))).toBe(7);
    expect(arr(np.linalg.norm(v, Infinity))).toBe(4);
    expect(arr(np.linalg.norm(v, { ord: 0 }))).toBe(2);
    const m = np.array([[1, -2], [3, 4]]);
    expectClose(np.linalg.norm(m).dataSync(), [Math.sqrt(30)], F32);
    expect(arr(np.linalg.norm(m, { ord: 1 }))).toBe(6);
    expect(arr(np.linalg.norm(m, { ord: Infinity }))).toBe(7);
    expectClose(np.linalg.norm(m, { axis: 1 }).dataSync(), [Math.sqrt(5), 5], F32);
    expect(np.linalg.norm(m, { axis: 0, keepdims: true }).shape).toEqual([1, 2]);
  });

  it("allclose returns a JS boolean", () => {
    expect(np.allclose(np.array([1, 2]), np.array([1, 2.000001]))).toBe(true);
    expect(np.allclose(np.array([1, 2]), np.array([1, 2.1]))).toBe(false);
    expect(np.allclose(np.array([1, NaN]), np.array([1, NaN]))).toBe(false);
    expect(np.allclose(np.array([1, NaN]), np.array([1, NaN]), { equalNan: true })).toBe(true);
    expect(np.allclose(np.array([Infinity]), np.array([Infinity]))).toBe(true);
    expect(np.allclose(np.array([1]), np.array([1.05]), { rtol: 0.1 })).toBe(true);
  });

  it("clip and logsumexp (stable for large values, under jit too)", () => {
    expect(arr(np.clip(np.array([-2, 0.5, 3]), 0, 1))).toEqual([0, 0.5, 1]);
    expect(arr(np.clip(np.array([-2, 3]), null, 1))).toEqual([-2, 1]);
    expectClose(np.logsumexp(np.array([1000, 1000])).dataSync(), [1000 + Math.log(2)], F32);
    const f = jit((x: Array) => np.logsumexp(x, { axis: -1, keepdims: true }));
    const out = f(np.array([[1, 2, 3]]));
    expect(out.shape).toEqual([1, 1]);
    expectClose(out.dataSync(), [Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3))], F32);
  });
});
